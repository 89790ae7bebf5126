"""Dependency health, checked in the background so `GET /health` never waits on I/O."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.redis import RedisService
from mcp_console.jobs.heartbeat import worker_summary

logger = logging.getLogger("mcp_console.health")


@dataclass
class DependencyStatus:
    ok: bool | None = None
    latency_ms: float | None = None
    error: str | None = None
    checked_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "latency_ms": self.latency_ms,
            "error": self.error,
            "checked_at": self.checked_at,
        }


@dataclass
class HealthMonitor:
    redis: RedisService
    database: Database
    interval_seconds: float
    statuses: dict[str, DependencyStatus] = field(default_factory=dict)
    workers: dict[str, Any] = field(default_factory=lambda: {"live": None})
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.check_all()
        self._task = asyncio.create_task(self._loop(), name="health-monitor")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            await self.check_all()

    async def check_all(self) -> None:
        self.statuses["redis"] = await _timed(self.redis.ping)
        self.statuses["database"] = await _timed(self._ping_database)
        try:
            self.workers = await worker_summary(self.redis)
        except AppError:
            self.workers = {"live": None, "last_heartbeat_age_seconds": None}

    async def _ping_database(self) -> float:
        started = time.perf_counter()
        async with self.database.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=2)
        return (time.perf_counter() - started) * 1000

    def summary(self) -> dict[str, Any]:
        deps = {name: status.as_dict() for name, status in self.statuses.items()}
        healthy = all(status.ok for status in self.statuses.values())
        return {
            "status": "ok" if healthy else "degraded",
            "dependencies": deps,
            "workers": self.workers,
        }


async def _timed(check: Any) -> DependencyStatus:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        latency = await check()
    except AppError as exc:
        return DependencyStatus(ok=False, error=exc.code, checked_at=now)
    except Exception as exc:
        logger.warning("health check failed: %s", type(exc).__name__)
        return DependencyStatus(ok=False, error=type(exc).__name__, checked_at=now)
    return DependencyStatus(ok=True, latency_ms=round(latency, 2), checked_at=now)
