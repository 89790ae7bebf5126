"""Scan every key of the configured Redis database: its name and every value of every type
(string, hash fields and values, list, set, sorted set members, stream entries).

Keys are listed with SCAN (never KEYS, which blocks the server) and every value is read in
bounded pages: HSCAN/SSCAN/ZSCAN, LRANGE and XRANGE pages, and GETRANGE windows for long strings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from redis import exceptions as redis_errors
from redis.asyncio import Redis

from mcp_console.catalog.cache import PREFIX as CATALOG_CACHE_PREFIX
from mcp_console.core.redis import SCAN_BATCH, RedisService
from mcp_console.scan.matching import CHUNK_CHARS, StreamMatcher, decode, rules_in, safe_name
from mcp_console.scan.report import Report
from mcp_console.secrets.cache import CACHE_PREFIX
from mcp_console.vault.sessions import SESSION_PREFIX

PAGE = 200
# Where Fernet tokens belong: (key prefix, hash field, or None for the key's string value).
FERNET_HOMES: tuple[tuple[str, str | None], ...] = (
    (SESSION_PREFIX, "bw_key"),  # auth.service: the encrypted Bitwarden session key
    (CACHE_PREFIX, None),  # secrets.cache: resolved values, encrypted, per session
)
# Copies of public catalog documents (catalog.cache): their examples are placeholders shaped like
# tokens (`AKIAIOSFODNN7EXAMPLE`, `xoxb-your-bot-token`, `user:password@host`), and no value of a
# user's reaches them. Their key names are searched, their values are not (counted in the summary).
PUBLIC_PREFIXES = (CATALOG_CACHE_PREFIX,)


def fernet_allowed(key: str, field: str | None) -> bool:
    return any(key.startswith(prefix) and field == home for prefix, home in FERNET_HOMES)


class RedisScanner:
    """Reads one key at a time; `redis` must return raw bytes (`decode_responses=False`)."""

    def __init__(self, redis: RedisService, report: Report) -> None:
        self._redis = redis
        self._report = report

    async def _call(self, command: str, *args: Any, **kwargs: Any) -> Any:
        """One Redis command (by its redis-py method name), under the service's deadline."""
        return await self._redis.call(lambda r: getattr(r, command)(*args, **kwargs))

    async def run(self) -> None:
        cursor = 0
        while True:
            cursor, keys = await self._call("scan", cursor=cursor, count=SCAN_BATCH)
            kinds = await self._redis.call(_types(keys))
            for raw_key, kind in zip(keys, kinds, strict=True):
                await self._key(raw_key, decode(kind))
            if int(cursor) == 0:
                return

    async def _key(self, raw_key: bytes, kind: str) -> None:
        key = decode(raw_key)
        shown = f"redis {safe_name(key)}"
        readers = {
            "string": self._string,
            "hash": self._hash,
            "list": self._list,
            "set": self._members,
            "zset": self._members,
            "stream": self._stream,
        }
        if kind == "none":
            return  # expired since SCAN listed it
        self._report.count("redis keys")
        self._report.record(f"{shown} (key name)", rules_in(key))
        if key.startswith(PUBLIC_PREFIXES):
            self._report.count("public keys")
            return
        reader = readers.get(kind)
        if reader is None:
            self._report.skipped(shown, f"type {safe_name(kind)}")
            return
        try:
            await reader(raw_key, key, shown, kind)
        except redis_errors.ResponseError:
            self._report.skipped(shown, "it changed type while scanned")

    def _value(self, location: str, raw: bytes, allowed: bool = False) -> None:
        self._report.count("redis values")
        self._report.record(location, rules_in(decode(raw), fernet_allowed=allowed))

    async def _string(self, raw_key: bytes, key: str, shown: str, _kind: str) -> None:
        allowed = fernet_allowed(key, None)
        length = int(await self._call("strlen", raw_key))
        if length <= CHUNK_CHARS:
            self._value(shown, await self._call("get", raw_key) or b"", allowed)
            return
        matcher = StreamMatcher(fernet_allowed=allowed)
        for start in range(0, length, CHUNK_CHARS):
            end = start + CHUNK_CHARS - 1
            matcher.feed(decode(await self._call("getrange", raw_key, start, end)))
        self._report.count("redis values")
        self._report.record(shown, sorted(matcher.rules))

    async def _hash(self, raw_key: bytes, key: str, shown: str, _kind: str) -> None:
        cursor = 0
        while True:
            cursor, fields = await self._call("hscan", raw_key, cursor=cursor, count=PAGE)
            for raw_field, raw_value in fields.items():
                field = decode(raw_field)
                location = f"{shown}/{safe_name(field)}"
                self._report.record(f"{location} (field name)", rules_in(field))
                self._value(location, raw_value, fernet_allowed(key, field))
            if int(cursor) == 0:
                return

    async def _list(self, raw_key: bytes, _key: str, shown: str, _kind: str) -> None:
        length = int(await self._call("llen", raw_key))
        for start in range(0, length, PAGE):
            page = await self._call("lrange", raw_key, start, start + PAGE - 1)
            for index, raw in enumerate(page, start=start):
                self._value(f"{shown}/{index}", raw)

    async def _members(self, raw_key: bytes, _key: str, shown: str, kind: str) -> None:
        """Set and sorted-set members (scores are numbers); a member is its own location."""
        cursor = 0
        while True:
            command = "sscan" if kind == "set" else "zscan"
            cursor, page = await self._call(command, raw_key, cursor=cursor, count=PAGE)
            members = page if kind == "set" else [member for member, _score in page]
            for raw in members:
                self._value(f"{shown} (member)", raw)
            if int(cursor) == 0:
                return

    async def _stream(self, raw_key: bytes, _key: str, shown: str, _kind: str) -> None:
        start = "-"
        while True:
            entries = await self._call("xrange", raw_key, start, "+", count=PAGE)
            for raw_id, fields in entries:
                entry = f"{shown}/{decode(raw_id)}"
                for raw_field, raw_value in fields.items():
                    field = decode(raw_field)
                    location = f"{entry}/{safe_name(field)}"
                    self._report.record(f"{location} (field name)", rules_in(field))
                    self._value(location, raw_value)
            if len(entries) < PAGE:
                return
            start = "(" + decode(entries[-1][0])


def _types(keys: list[bytes]) -> Callable[[Redis], Awaitable[list[Any]]]:
    async def read(r: Redis) -> list[Any]:
        async with r.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.type(key)
            return list(await pipe.execute())

    return read
