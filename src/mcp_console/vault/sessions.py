"""Auth session records in Redis, updated only through atomic scripts.

Records are keyed by the session's hash (`core/session_ids.py`), never by the bearer token.
Every process reads the clock of Redis itself (`TIME` inside the scripts), so several API
processes on several hosts agree on expiry. A touch is a single script: it cannot revive a record
that a concurrent logout deleted, and `last_activity` only ever moves forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash

SESSION_PREFIX = "session:auth:"

# KEYS[1]=record; ARGV: idle_ms, max_ms, email, encrypted bw key. Returns Redis time in ms.
_CREATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'email', ARGV[3], 'bw_key', ARGV[4], 'created_at', now,
    'last_activity', now, 'max_expires_at', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], math.min(tonumber(ARGV[1]), tonumber(ARGV[2])))
return now
"""

# KEYS[1]=record; ARGV: idle_ms. Renews the sliding expiry; returns the fields plus now and ttl.
_TOUCH = """
local rec = redis.call('HMGET', KEYS[1], 'max_expires_at', 'last_activity')
if not rec[1] then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max_at = tonumber(rec[1])
if now >= max_at then
    redis.call('UNLINK', KEYS[1])
    return false
end
if now > tonumber(rec[2]) then redis.call('HSET', KEYS[1], 'last_activity', now) end
local ttl = math.min(tonumber(ARGV[1]), max_at - now)
redis.call('PEXPIRE', KEYS[1], ttl)
local fields = redis.call('HGETALL', KEYS[1])
table.insert(fields, '_now')
table.insert(fields, now)
table.insert(fields, '_ttl')
table.insert(fields, ttl)
return fields
"""


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@dataclass(frozen=True)
class SessionRecord:
    """A live record as stored; `bw_key` is still Fernet-encrypted."""

    session_hash: SessionHash
    email: str
    bw_key: str
    created_at: datetime
    last_activity: datetime
    expires_at: datetime
    ttl_seconds: int
    lifetime_seconds: int  # until the absolute maximum: the longest it can still be alive

    @classmethod
    def from_fields(cls, session_hash: SessionHash, fields: dict[str, str]) -> SessionRecord:
        now, ttl = int(fields["_now"]), int(fields["_ttl"])
        return cls(
            session_hash=session_hash,
            email=fields["email"],
            bw_key=fields["bw_key"],
            created_at=_time(int(fields["created_at"])),
            last_activity=_time(int(fields["last_activity"])),
            expires_at=_time(now + ttl),
            ttl_seconds=max(1, ttl // 1000),
            lifetime_seconds=max(1, (int(fields["max_expires_at"]) - now) // 1000),
        )


class SessionStore:
    """Creates, renews and deletes `session:auth:{session hash}` records."""

    def __init__(self, redis: RedisService, idle_seconds: float, max_seconds: float) -> None:
        self._redis = redis
        self._idle_ms = max(1, int(idle_seconds * 1000))
        self._max_ms = max(1, int(max_seconds * 1000))

    @staticmethod
    def key(session_hash: SessionHash) -> str:
        return SESSION_PREFIX + session_hash

    async def reserve(self, session_hash: SessionHash, ttl_seconds: int) -> None:
        """Mark a login in progress, so the cleanup sweep leaves its CLI directory alone.

        A pending record has no expiry fields, so `touch` treats it as not (yet) valid.
        """
        key = self.key(session_hash)

        async def write(r: Redis) -> None:
            async with r.pipeline(transaction=True) as pipe:
                pipe.hset(key, "pending", "1")
                pipe.expire(key, ttl_seconds)
                await pipe.execute()

        await self._redis.call(write)

    async def create(
        self, session_hash: SessionHash, email: str, encrypted_bw_key: str
    ) -> SessionRecord:
        args = (self._idle_ms, self._max_ms, email, encrypted_bw_key)
        await self._redis.run_script(_CREATE, [self.key(session_hash)], args)
        record = await self.touch(session_hash)
        assert record is not None, "a session just created cannot be missing"
        return record

    async def touch(self, session_hash: SessionHash) -> SessionRecord | None:
        """Renew the sliding expiry and return the record, or None if missing/expired."""
        raw = await self._redis.run_script(_TOUCH, [self.key(session_hash)], [self._idle_ms])
        if not raw:
            return None
        fields = {str(raw[i]): str(raw[i + 1]) for i in range(0, len(raw), 2)}
        return SessionRecord.from_fields(session_hash, fields)

    async def delete(self, session_hash: SessionHash) -> bool:
        return bool(await self._redis.delete(self.key(session_hash)))
