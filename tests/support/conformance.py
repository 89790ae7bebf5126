"""Runs the pinned MCP conformance suite (`@modelcontextprotocol/conformance`, exact version in
package.json) in server mode against a URL, and reads which scenarios passed.

The suite prints one summary line per scenario, `✓ name: N passed, M failed` or `✗ ...`; a
scenario passed when none of its checks failed. It has no option for request headers, so a
gateway that needs a bearer token is reached through `tests.support.http_proxy`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import REPO_ROOT

ENTRY = REPO_ROOT / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
SUMMARY_LINE = re.compile(
    r"^[✓✗] (?P<name>[a-z0-9-]+): (?P<passed>\d+) passed, (?P<failed>\d+) failed$"
)
GATEWAY_DOC = REPO_ROOT / "docs" / "GATEWAY.md"
EXCEPTIONS_HEADING = "## Conformance exceptions"
EXCEPTION_ROW = re.compile(r"^\|\s*`(?P<name>[a-z0-9-]+)`\s*\|(?P<reason>.*)\|\s*$")


@dataclass(frozen=True)
class SuiteRun:
    """Per scenario: True when it passed. `output` is everything the suite printed."""

    results: dict[str, bool]
    output: str

    @property
    def passed(self) -> set[str]:
        return {name for name, ok in self.results.items() if ok}


def run_server_suite(url: str, workdir: Path, timeout: float = 600.0) -> SuiteRun:
    node = shutil.which("node")
    if node is None or not ENTRY.exists():
        pytest.fail("Node or the conformance suite is missing: run `npm ci` (see package.json)")
    workdir.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [node, str(ENTRY), "server", "--url", url, "--output-dir", str(workdir / "results")],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = completed.stdout + completed.stderr
    results: dict[str, bool] = {}
    for line in output.splitlines():
        match = SUMMARY_LINE.match(line.strip())
        if match:
            results[match["name"]] = int(match["failed"]) == 0 and int(match["passed"]) > 0
    if not results:
        pytest.fail(f"the conformance suite printed no summary:\n{output[-4000:]}")
    return SuiteRun(results, output)


def documented_exceptions(doc: Path = GATEWAY_DOC) -> dict[str, str]:
    """The scenarios docs/GATEWAY.md says cannot apply to a gateway, with the reason given: the
    rows of the table under "Conformance exceptions" (first column the scenario in backticks)."""
    lines = doc.read_text().splitlines()
    start = lines.index(EXCEPTIONS_HEADING)
    exceptions: dict[str, str] = {}
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        row = EXCEPTION_ROW.match(line)
        if row:
            exceptions[row["name"]] = row["reason"].strip()
    return exceptions
