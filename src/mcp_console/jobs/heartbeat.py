"""Worker liveness: each worker refreshes `worker:heartbeat:{name}`; readers count the live ones."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import Any

from mcp_console.core.errors import AppError
from mcp_console.core.redis import RedisService

HEARTBEAT_PREFIX = "worker:heartbeat:"
logger = logging.getLogger("mcp_console.jobs.heartbeat")


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Heartbeat:
    """Refreshes the key every `interval` seconds; it expires after three missed beats."""

    def __init__(self, redis: RedisService, name: str, interval: float) -> None:
        self.redis = redis
        self.key = HEARTBEAT_PREFIX + name
        self.name = name
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def beat(self) -> None:
        value = {"name": self.name, "pid": os.getpid(), "at": time.time()}
        await self.redis.set_json(self.key, value, ttl_seconds=max(1, round(self.interval * 3)))

    async def start(self) -> None:
        await self.beat()
        self._task = asyncio.create_task(self._loop(), name="worker-heartbeat")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
            except AppError:
                logger.warning("heartbeat not written: Redis unavailable")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(AppError):
            await self.redis.delete(self.key)


async def live_workers(redis: RedisService) -> list[dict[str, Any]]:
    workers: list[dict[str, Any]] = []
    async for batch in redis.scan_keys(HEARTBEAT_PREFIX):
        for key in batch:
            value = await redis.get_json(key)
            if value:
                workers.append(value)
    return workers


async def worker_summary(redis: RedisService) -> dict[str, Any]:
    workers = await live_workers(redis)
    ages = [time.time() - float(worker["at"]) for worker in workers]
    return {
        "live": len(workers),
        "last_heartbeat_age_seconds": round(min(ages), 2) if ages else None,
    }
