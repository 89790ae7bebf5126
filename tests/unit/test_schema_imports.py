"""The `*.schemas` modules are shared by the API and the web's typed client, so they stay leaves.

import-linter's `schemas-are-leaves` contract keeps them off the rest of the project; this test
is the allow-list for everything else (an import-linter contract can only forbid named packages).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.support.processes import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "mcp_console"
THIRD_PARTY = {"pydantic"}


def _allowed(name: str) -> bool:
    """`name` is an imported module, or `module.attribute` for a from-import."""
    parts = name.split(".")
    if parts[0] in sys.stdlib_module_names or parts[0] in THIRD_PARTY:
        return True
    return parts[0] == "mcp_console" and (parts[1:2] == ["core"] or parts[2:3] == ["schemas"])


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_schemas_import_only_pydantic_the_standard_library_core_and_schemas() -> None:
    schemas = sorted(PACKAGE.glob("*/schemas.py"))
    assert len(schemas) >= 8  # the scan finds the modules it guards
    outside = [
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in schemas
        for module in _imports(path)
        if not _allowed(module)
    ]
    assert outside == []


def test_the_allow_list_refuses_other_packages() -> None:
    assert _allowed("pydantic") and _allowed("datetime") and _allowed("mcp_console.core.clock")
    assert _allowed("mcp_console.jobs.schemas.JobAccepted") and _allowed("__future__.annotations")
    assert not _allowed("fastapi") and not _allowed("sqlalchemy.orm.Session")
    assert not _allowed("mcp_console.jobs.store") and not _allowed("mcp_console.__version__")
    assert not _allowed("mcp.types")
