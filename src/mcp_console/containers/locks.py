"""Serialises actions on one container across API replicas and workers with a Redis lock.

A start that races a stop waits for it instead of interleaving Docker calls; the state each
action reports is read after its own work, while it still holds the lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis import exceptions as redis_errors
from redis.exceptions import LockError

from mcp_console.core.errors import AppError, RedisUnavailableError
from mcp_console.core.redis import RedisService

LOCK_PREFIX = "lock:container:"


class ContainerLocks:
    def __init__(
        self, redis: RedisService, hold_seconds: float = 180.0, wait_seconds: float = 60.0
    ) -> None:
        self._redis = redis
        self._hold = hold_seconds
        self._wait = wait_seconds

    @asynccontextmanager
    async def hold(self, container_id: str) -> AsyncIterator[None]:
        lock = self._redis.client.lock(
            LOCK_PREFIX + container_id,
            timeout=self._hold,
            blocking_timeout=self._wait,
            sleep=0.05,
        )
        try:
            acquired = await lock.acquire()
        except (redis_errors.ConnectionError, redis_errors.TimeoutError):
            raise RedisUnavailableError() from None
        if not acquired:
            raise AppError(
                "CONTAINER_BUSY",
                "Another action on this container is still running.",
                status=409,
                hint="Retry when the current action has finished.",
                retryable=True,
            )
        try:
            yield
        finally:
            # An expired lock or a vanished Redis needs no release: the lock times out by itself.
            with contextlib.suppress(
                LockError, redis_errors.ConnectionError, redis_errors.TimeoutError
            ):
                await lock.release()
