"""Run every benchmark module (or the ones named) and write docs/PERFORMANCE.md."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import bench

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"


def main(selected: list[str]) -> None:
    names = sorted(
        module.name
        for module in pkgutil.iter_modules(bench.__path__)
        if module.name.startswith("bench_") and (not selected or module.name in selected)
    )
    sections = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr)
        sections.append(importlib.import_module(f"bench.{name}").run())
    if selected and OUTPUT.exists():
        sections = _merge(OUTPUT.read_text(encoding="utf-8"), sections)
    header = (
        "# Performance\n\n"
        "Written by `make bench` (`python -m bench`). Figures are from one run on one machine; "
        "compare the ratios measured side by side in the same run, not absolute numbers.\n\n"
        f"- Run: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        f"- Machine: {platform.machine()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}\n"
    )
    OUTPUT.write_text(header + "\n" + "\n".join(sections), encoding="utf-8")
    print(f"wrote {OUTPUT}", file=sys.stderr)


def _merge(previous: str, fresh: list[str]) -> list[str]:
    """A run of some benchmarks keeps the other sections of the last full run."""
    kept = ["## " + part for part in previous.split("\n## ")[1:]]
    by_heading = {section.splitlines()[0]: section for section in kept}
    for section in fresh:
        by_heading[section.splitlines()[0]] = section
    return [section.rstrip("\n") + "\n" for section in by_heading.values()]


if __name__ == "__main__":
    main(sys.argv[1:])
