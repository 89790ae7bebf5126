"""Runs a Lua script atomically in Redis: the one way auth state changes in several steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import Redis

from mcp_console.core.redis import RedisService


async def run_script(
    redis: RedisService, script: str, keys: Sequence[str], args: Sequence[str | int]
) -> Any:
    """EVAL with outage mapping; redis-py's stubs type `eval` loosely, hence the cast."""

    async def run(r: Redis) -> Any:
        return await cast(Any, r).eval(script, len(keys), *keys, *args)

    return await redis.call(run)
