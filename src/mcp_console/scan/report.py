"""The scan's output: one line per finding (a location and the rule, never the value), and a
summary line. Findings are printed as they are found, so a long scan shows progress."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Report:
    """Counts what was scanned and prints what was found."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    findings: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def count(self, what: str, amount: int = 1) -> None:
        self.counts[what] += amount

    def record(self, location: str, rules: list[str]) -> None:
        """`location` is already safe to print (see `matching.safe_name`)."""
        for rule in rules:
            self.findings += 1
            print(f"{location}: {rule}", file=self.out, flush=True)

    def skipped(self, location: str, reason: str) -> None:
        self.count("skipped")
        print(f"{location}: not scanned ({reason})", file=sys.stderr, flush=True)

    def summary(self) -> str:
        c = self.counts
        scanned = (
            f"scanned {c['tables']} table(s), {c['columns']} column(s), {c['cells']} value(s); "
            f"{c['redis keys']} Redis key(s), {c['redis values']} value(s)"
        )
        if c["public keys"]:
            scanned += f"; {c['public keys']} key(s) of public catalog data, values not searched"
        if c["skipped"]:
            scanned += f"; {c['skipped']} key(s) of an unknown type not scanned"
        verdict = f"{self.findings} finding(s)" if self.findings else "clean"
        return f"audit-secrets: {verdict}; {scanned}"
