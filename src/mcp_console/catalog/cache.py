"""Normalised catalogs in Redis, shared by every API process.

One hash per source (`cache:catalog:{source}`) holds the items as JSON plus a small `version`
and `fetched_at`, so a request reads the few-byte version first and only loads the items when its
process has no search index for that version yet. The key outlives the freshness TTL by
`STALE_SECONDS`, which is what lets a stale copy be served while one refresh runs. A Redis lock
(`lock:catalog:{source}`) makes that refresh one per cluster, not one per process.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from mcp_console.catalog.schemas import CatalogItem
from mcp_console.core.redis import RedisService

PREFIX = "cache:catalog:"
LOCK_PREFIX = "lock:catalog:"
ERROR_PREFIX = "cache:catalog-error:"
STALE_SECONDS = 24 * 3600
LOCK_SECONDS = 120
ERROR_SECONDS = 60
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class CacheState:
    version: str
    fetched_at: float
    skipped: int
    partial: str | None = None


class CatalogCache:
    def __init__(
        self, redis: RedisService, ttl_seconds: int, error_ttl_seconds: int = ERROR_SECONDS
    ) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.error_ttl = error_ttl_seconds

    async def state(self, key: str) -> CacheState | None:
        async def read(r: Redis) -> list[Any]:
            names = ["version", "fetched_at", "skipped", "partial"]
            fields: list[Any] = await r.hmget(PREFIX + key, names)  # type: ignore[misc]
            return fields

        version, fetched_at, skipped, partial = await self.redis.call(read)
        if version is None or fetched_at is None:
            return None
        return CacheState(version, float(fetched_at), int(skipped or 0), partial or None)

    def is_fresh(self, state: CacheState) -> bool:
        return time.time() < state.fetched_at + self.ttl

    async def items(self, key: str) -> tuple[str, list[CatalogItem]] | None:
        async def read(r: Redis) -> list[Any]:
            fields: list[Any] = await r.hmget(PREFIX + key, ["version", "items"])  # type: ignore[misc]
            return fields

        version, raw = await self.redis.call(read)
        if version is None or raw is None:
            return None
        return version, [CatalogItem.model_validate(item) for item in json.loads(raw)]

    async def store(
        self, key: str, items: list[CatalogItem], skipped: int, partial: str | None = None
    ) -> str:
        """`partial`: why the source was read only in part (kept with the items it belongs to)."""
        payload = json.dumps([item.model_dump(mode="json") for item in items])
        version = hashlib.sha256(payload.encode()).hexdigest()[:16] + f"-{time.time_ns()}"
        fields = {
            "version": version,
            "fetched_at": repr(time.time()),
            "skipped": str(skipped),
            "partial": partial or "",
            "items": payload,
        }

        async def write(r: Redis) -> None:
            async with r.pipeline(transaction=True) as pipe:
                pipe.hset(PREFIX + key, mapping=fields)
                pipe.expire(PREFIX + key, self.ttl + STALE_SECONDS)
                pipe.delete(ERROR_PREFIX + key)
                await pipe.execute()

        await self.redis.call(write)
        return version

    async def acquire(self, key: str) -> str | None:
        """Take the refresh lock; returns its token, or None when another refresh holds it."""
        token = secrets.token_hex(8)
        taken = await self.redis.call(
            lambda r: r.set(LOCK_PREFIX + key, token, nx=True, ex=LOCK_SECONDS)
        )
        return token if taken else None

    async def release(self, key: str, token: str) -> None:
        async def release(r: Redis) -> None:
            await r.eval(_RELEASE, 1, LOCK_PREFIX + key, token)  # type: ignore[misc]

        await self.redis.call(release)

    async def locked(self, key: str) -> bool:
        return bool(await self.redis.call(lambda r: r.exists(LOCK_PREFIX + key)))

    async def remember_error(self, key: str, error: dict[str, Any]) -> None:
        """A failed refresh is a negative cache entry: for `error_ttl` seconds every process
        answers with it instead of fetching again. The record itself stays (until a success) as
        the source's last error for `GET /api/catalog/sources`."""
        record = {**error, "at": time.time()}
        await self.redis.set_json(ERROR_PREFIX + key, record, self.ttl + STALE_SECONDS)

    async def last_error(self, key: str) -> dict[str, Any] | None:
        error = await self.redis.get_json(ERROR_PREFIX + key)
        return error if isinstance(error, dict) else None

    async def recent_error(self, key: str) -> dict[str, Any] | None:
        """The last error while it is still within the negative-cache TTL."""
        error = await self.last_error(key)
        return error if error is not None and self.is_recent(error) else None

    def is_recent(self, error: dict[str, Any]) -> bool:
        """Whether a recorded error is still within the negative-cache TTL."""
        return time.time() <= float(error.get("at", 0)) + self.error_ttl

    async def invalidate(self, key: str) -> None:
        await self.redis.delete(PREFIX + key, ERROR_PREFIX + key)

    async def invalidate_all(self) -> int:
        return await self.redis.delete_prefix(PREFIX) + await self.redis.delete_prefix(ERROR_PREFIX)
