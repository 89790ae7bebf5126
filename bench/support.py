"""Helpers shared by benchmark modules: start a console process, run the load generator."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence

from tests.support.processes import REPO_ROOT


def run_loadgen(
    url: str, seconds: float = 5, concurrency: int = 16, headers: dict[str, str] | None = None
) -> dict[str, float]:
    header_args = [
        arg for name, value in (headers or {}).items() for arg in ("--header", f"{name}: {value}")
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.loadgen",
            url,
            "--seconds",
            str(seconds),
            "--concurrency",
            str(concurrency),
            *header_args,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
