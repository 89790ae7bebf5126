"""Dump raw Redis contents, for tests that prove no secret is stored in plain text."""

from __future__ import annotations

from redis.asyncio import Redis


async def dump_value(client: Redis, key: str) -> str:
    """Every value of a key, whatever its Redis type, as text (client must decode responses)."""
    kind = await client.type(key)
    if kind == "string":
        return str(await client.get(key))
    if kind == "hash":
        return str(await client.hgetall(key))  # type: ignore[misc]
    if kind == "zset":
        return str(await client.zrange(key, 0, -1))
    if kind == "list":
        return str(await client.lrange(key, 0, -1))  # type: ignore[misc]
    return str(await client.smembers(key))  # type: ignore[misc]


async def dump_all(client: Redis) -> dict[str, str]:
    return {key: await dump_value(client, key) async for key in client.scan_iter(count=500)}
