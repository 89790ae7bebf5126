"""The console's one notion of "now": timezone-aware UTC (database defaults, job records)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands stored times back naive; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
