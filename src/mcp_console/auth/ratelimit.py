"""Login attempt limits counted in Redis, so the limit holds across every API process.

Attempts are counted when they start (so a burst of parallel guesses cannot slip through) and
given back when they did not fail on credentials; what remains is the number of failures.
"""

from __future__ import annotations

import hashlib
import math

from mcp_console.core.errors import AppError
from mcp_console.core.redis import RedisService

_PREFIX = "ratelimit:login:"

# KEYS: counters; ARGV[1]=window ms, ARGV[2..]=limit per key. Returns 0 (admitted) or retry ms.
_ACQUIRE = """
for i, key in ipairs(KEYS) do
    local count = tonumber(redis.call('GET', key) or '0')
    if count >= tonumber(ARGV[i + 1]) then
        local ttl = redis.call('PTTL', key)
        if ttl < 0 then ttl = tonumber(ARGV[1]) end
        return ttl
    end
end
for _, key in ipairs(KEYS) do
    if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 0
"""

_RELEASE = """
for _, key in ipairs(KEYS) do
    if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""


class LoginRateLimiter:
    """Fixed-window failure counters per client address and per e-mail."""

    def __init__(
        self, redis: RedisService, per_address: int, per_email: int, window_seconds: int
    ) -> None:
        self._redis = redis
        self._limits = (per_address, per_email)
        self._window_ms = window_seconds * 1000

    @staticmethod
    def keys(address: str, email: str) -> list[str]:
        # The e-mail is hashed: key names show up in monitoring, addresses of users need not.
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return [f"{_PREFIX}address:{address}", f"{_PREFIX}email:{digest}"]

    async def acquire(self, address: str, email: str) -> None:
        keys = self.keys(address, email)
        limits = (self._window_ms, *self._limits)
        retry_ms = int(await self._redis.run_script(_ACQUIRE, keys, limits))
        if retry_ms > 0:
            retry = str(max(1, math.ceil(retry_ms / 1000)))
            raise AppError(
                "RATE_LIMITED",
                "Too many failed login attempts.",
                status=429,
                hint=f"Wait {retry} seconds before trying again.",
                headers={"Retry-After": retry},
            )

    async def release(self, address: str, email: str) -> None:
        """Give an attempt back: it succeeded, or failed for a reason other than credentials."""
        keys = self.keys(address, email)
        await self._redis.run_script(_RELEASE, keys, [])
