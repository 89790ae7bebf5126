"""The console's one notion of "now": timezone-aware UTC (database defaults, job records)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
