"""The API contract guard: the exported OpenAPI document matches the running app, and no route,
status code, response field or documented error code of the contract disappears silently."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import REPO_ROOT, base_env, console_command, running_api

CONTRACT = json.loads((REPO_ROOT / "tests" / "contract" / "api_contract.json").read_text())
EXPORTED = REPO_ROOT / "docs" / "openapi.json"


def _export() -> dict[str, Any]:
    result = subprocess.run(
        console_command("openapi"), env=base_env(), capture_output=True, text=True, check=True
    )
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_exported_document_matches_the_running_app(tmp_path: Path) -> None:
    exported = _export()
    with running_api(base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")) as base:
        served = httpx.get(f"{base}/openapi.json").json()
    assert served == exported
    assert json.loads(EXPORTED.read_text()) == exported, (
        "docs/openapi.json is stale: run `mcp-console openapi --output docs/openapi.json`"
    )


def _schema(document: dict[str, Any], ref: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def test_contract_routes_statuses_and_fields_still_exist() -> None:
    document = _export()
    for route, statuses in CONTRACT["routes"].items():
        method, path = route.split(" ", 1)
        operation = document["paths"].get(path, {}).get(method.lower())
        assert operation is not None, f"contract route removed: {route}"
        missing = set(statuses) - set(operation["responses"])
        assert not missing, f"{route} no longer documents {sorted(missing)}"
    for route, fields in CONTRACT["response_fields"].items():
        method, path = route.split(" ", 1)
        content = document["paths"][path][method.lower()]["responses"]["200"]["content"]
        schema = _schema(document, content["application/json"]["schema"]["$ref"])
        assert set(fields) <= set(schema["properties"]), f"{route} lost response fields"


def test_every_documented_error_code_is_still_raised_by_the_code() -> None:
    table = (REPO_ROOT / "docs" / "API.md").read_text().split("## Errors", 1)[1].split("##", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {code for cell in first_cells for code in re.findall(r"`([A-Z][A-Z_]+)`", cell)}
    source = "\n".join(p.read_text() for p in (REPO_ROOT / "src").rglob("*.py"))
    assert len(documented) > 30
    missing = sorted(code for code in documented if f'"{code}"' not in source)
    assert not missing, f"documented error codes no longer raised: {missing}"
