"""`GET /health` as clients see it: the web's overview page reads it through its typed client."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class DependencyHealth(BaseModel):
    """The last background check of one dependency (`ok` is None before the first check)."""

    ok: bool | None
    latency_ms: float | None
    error: str | None
    checked_at: str | None


class HealthReport(BaseModel):
    """Whether the API and its dependencies work; `workers`: how many job workers are live and
    how long ago the last one reported."""

    version: str
    status: Literal["ok", "degraded"]
    dependencies: dict[str, DependencyHealth]
    workers: dict[str, int | float | None]
