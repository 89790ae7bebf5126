"""Dump raw Redis contents, for tests that prove no secret is stored in plain text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from redis import Redis as SyncRedis
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


def dump_bytes(url: str) -> dict[str, bytes]:
    """Every key of the database at `url` with its name and raw values, whatever the type
    (streams included): what a byte scan for leaked values needs, without any decoding."""
    client: Any = SyncRedis.from_url(url)  # redis-py types sync answers as `Awaitable | Any`
    readers: dict[bytes, Callable[[bytes], Iterable[bytes]]] = {
        b"string": lambda key: [client.get(key) or b""],
        b"hash": lambda key: [part for pair in client.hgetall(key).items() for part in pair],
        b"list": lambda key: client.lrange(key, 0, -1),
        b"set": lambda key: client.smembers(key),
        b"zset": lambda key: client.zrange(key, 0, -1),
        b"stream": lambda key: [
            part
            for _entry, fields in client.xrange(key)
            for pair in fields.items()
            for part in pair
        ],
    }
    try:
        dump: dict[str, bytes] = {}
        for key in client.scan_iter(count=500):
            read = readers.get(client.type(key))
            values = list(read(key)) if read else []
            dump[key.decode(errors="replace")] = b"\n".join([key, *values])
        return dump
    finally:
        client.close()
