"""Only vault/ runs the Bitwarden CLI. import-linter sees imports, not which program a process
call starts, so this reads every process start in src/ from the syntax tree."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.processes import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "mcp_console"
VAULT = PACKAGE / "vault"
# Modules outside vault/ that may start processes, and why: a new one needs a look first.
OTHER_PROCESS_STARTERS = {"supervisor.py"}  # redis-server and the console's own children
PROCESS_CALLS = {
    ("subprocess", "run"),
    ("subprocess", "Popen"),
    ("subprocess", "call"),
    ("subprocess", "check_call"),
    ("subprocess", "check_output"),
    ("asyncio", "create_subprocess_exec"),
    ("asyncio", "create_subprocess_shell"),
    ("os", "system"),
    ("os", "popen"),
    ("os", "execv"),
    ("os", "execvp"),
    ("os", "execvpe"),
    ("os", "spawnv"),
    ("os", "spawnvp"),
    ("os", "posix_spawn"),
    ("os", "posix_spawnp"),
}


def _process_calls(tree: ast.AST) -> list[ast.Call]:
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name) and (owner.id, node.func.attr) in PROCESS_CALLS:
            calls.append(node)
    return calls


def _mentions_bw(call: ast.Call) -> bool:
    """A literal, name or attribute in the call's arguments that points at the bw CLI."""
    for node in ast.walk(call):
        words: list[str] = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value.lower().split()
        elif isinstance(node, ast.Name):
            words = [node.id.lower()]
        elif isinstance(node, ast.Attribute):
            words = [node.attr.lower()]
        if any(word == "bw" or "bitwarden" in word for word in words):
            return True
    return False


def _starters() -> dict[Path, list[ast.Call]]:
    found: dict[Path, list[ast.Call]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        calls = _process_calls(ast.parse(path.read_text(), filename=str(path)))
        if calls:
            found[path] = calls
    return found


def test_the_scan_sees_the_bw_adapter() -> None:
    """Guards the test itself: the one real bw call is found and recognised."""
    bitwarden = _starters()[VAULT / "bitwarden.py"]
    assert bitwarden
    assert {ast.unparse(call.func) for call in bitwarden} == {"asyncio.create_subprocess_exec"}
    marked = ast.parse('subprocess.run([settings.bitwarden_cli_path, "--version"])')
    assert all(_mentions_bw(call) for call in _process_calls(marked))


def test_only_vault_starts_the_bitwarden_cli() -> None:
    outside = {path: calls for path, calls in _starters().items() if VAULT not in path.parents}
    assert {str(path.relative_to(PACKAGE)) for path in outside} == OTHER_PROCESS_STARTERS
    runs_bw = [
        f"{path.relative_to(PACKAGE)}:{call.lineno}"
        for path, calls in outside.items()
        for call in calls
        if _mentions_bw(call)
    ]
    assert runs_bw == [], f"bw started outside vault/: {runs_bw}"
