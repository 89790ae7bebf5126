"""Redis access with short timeouts: a dead or hung Redis becomes a 503 within about a second."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from redis import Redis as SyncRedis
from redis import exceptions as redis_errors
from redis.asyncio import ConnectionPool, Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from mcp_console.core.errors import RedisUnavailableError

T = TypeVar("T")
_UNAVAILABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError, TimeoutError)
SCAN_BATCH = 500


def redis_reachable(url: str) -> bool:
    """A blocking one-second ping, for `run` and `doctor` before any event loop runs."""
    client = SyncRedis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except (redis_errors.RedisError, OSError):
        return False
    finally:
        client.close()


def bytes_pool(url: str, timeout_seconds: float) -> ConnectionPool:
    """A pool of connections returning raw bytes (ARQ needs them), with the same short timeouts
    as `RedisService` so an outage fails fast there too."""
    return ConnectionPool.from_url(
        url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
    )


class RedisService:
    """The one way the console talks to Redis; every call maps outages to `REDIS_UNAVAILABLE`."""

    def __init__(
        self, url: str, timeout_seconds: float = 0.4, *, decode_responses: bool = True
    ) -> None:
        """`decode_responses=False` gives raw bytes (the secret scan reads values of any kind)."""
        self._timeout = timeout_seconds
        self._pool = ConnectionPool.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(ExponentialBackoff(cap=0.1, base=0.02), retries=1),
            retry_on_error=[redis_errors.ConnectionError, redis_errors.TimeoutError],
            health_check_interval=15,
            decode_responses=decode_responses,
            max_connections=200,
        )
        self.client: Redis = Redis(connection_pool=self._pool)

    async def close(self) -> None:
        await self.client.aclose()
        await self._pool.disconnect()

    async def call(self, operation: Callable[[Redis], Awaitable[T]]) -> T:
        """Run one operation with an overall deadline; outages raise `RedisUnavailableError`."""
        try:
            return await asyncio.wait_for(operation(self.client), timeout=self._timeout * 2.5)
        except _UNAVAILABLE:
            raise RedisUnavailableError() from None

    async def ping(self) -> float:
        """Round-trip time in milliseconds."""
        started = time.perf_counter()
        await self.call(lambda r: r.ping())
        return (time.perf_counter() - started) * 1000

    async def set_json(self, key: str, value: Any, ttl_seconds: int | None = None) -> None:
        payload = json.dumps(value)
        await self.call(lambda r: r.set(key, payload, ex=ttl_seconds))

    async def get_json(self, key: str) -> Any | None:
        raw = await self.call(lambda r: r.get(key))
        return None if raw is None else json.loads(raw)

    async def hash_set_json(
        self, key: str, fields: dict[str, Any], ttl_seconds: int | None = None
    ) -> None:
        """Write JSON-encoded hash fields and (re)set the TTL in one round trip."""
        encoded = {name: json.dumps(value) for name, value in fields.items()}

        async def write(r: Redis) -> None:
            async with r.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=encoded)
                if ttl_seconds is not None:
                    pipe.expire(key, ttl_seconds)
                await pipe.execute()

        await self.call(write)

    async def hash_get_json(self, key: str) -> dict[str, Any]:
        async def read(r: Redis) -> dict[str, str]:
            fields: dict[str, str] = await r.hgetall(key)  # type: ignore[misc]
            return fields

        raw = await self.call(read)
        return {name: json.loads(value) for name, value in raw.items()}

    async def run_script(self, script: str, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """EVAL a Lua script atomically (the one way state changes in several steps); redis-py's
        stubs type `eval` loosely, hence the cast."""

        async def run(r: Redis) -> Any:
            return await cast(Any, r).eval(script, len(keys), *keys, *args)

        return await self.call(run)

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        return await self.call(lambda r: r.unlink(*keys))

    async def scan_keys(self, prefix: str) -> AsyncIterator[list[str]]:
        """Yield batches of keys under a prefix using SCAN (never KEYS, which blocks Redis)."""
        cursor = 0
        pattern = _glob_escape(prefix) + "*"
        while True:
            cursor, batch = await self.call(self._scan_page(cursor, pattern))
            if batch:
                yield list(batch)
            if cursor == 0:
                return

    async def delete_prefix(self, prefix: str) -> int:
        deleted = 0
        async for batch in self.scan_keys(prefix):
            deleted += await self.delete(*batch)
        return deleted

    @staticmethod
    def _scan_page(
        cursor: int, pattern: str
    ) -> Callable[[Redis], Awaitable[tuple[int, list[str]]]]:
        async def page(r: Redis) -> tuple[int, list[str]]:
            next_cursor, keys = await r.scan(cursor=cursor, match=pattern, count=SCAN_BATCH)
            return int(next_cursor), list(keys)

        return page


def _glob_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)
