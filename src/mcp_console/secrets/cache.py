"""Session-scoped secret cache: `cache:secret:{session hash}:{item}:{field}`, Fernet-encrypted.

Entries never outlive their session: each is written with the session's remaining lifetime, and
logout/expiry deletes the session's prefix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis

from mcp_console.core.keys import DecryptionError, KeyRing
from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.secrets.refs import SecretRef

CACHE_PREFIX = "cache:secret:"


def session_prefix(session_hash: SessionHash) -> str:
    return f"{CACHE_PREFIX}{session_hash}:"


def cache_key(session_hash: SessionHash, ref: SecretRef) -> str:
    return f"{session_prefix(session_hash)}{ref.item_id}:{ref.field}"


class SecretCache:
    def __init__(self, redis: RedisService, ring: KeyRing) -> None:
        self._redis = redis
        self._ring = ring

    async def get_many(
        self, session_hash: SessionHash, refs: Sequence[SecretRef]
    ) -> dict[SecretRef, str]:
        """Hits only, decrypted (and so registered with the redactor) — one round trip."""
        if not refs:
            return {}
        keys = [cache_key(session_hash, ref) for ref in refs]
        tokens = await self._redis.call(lambda r: r.mget(keys))
        hits: dict[SecretRef, str] = {}
        for ref, token in zip(refs, tokens, strict=True):
            if token is None:
                continue
            try:
                hits[ref] = self._ring.decrypt(token)
            except DecryptionError:
                continue  # written under a retired key: treat as a miss and overwrite
        return hits

    async def put_many(
        self, session_hash: SessionHash, values: Mapping[SecretRef, str], ttl_seconds: int
    ) -> None:
        if not values:
            return
        encrypted = {
            cache_key(session_hash, ref): self._ring.encrypt(v) for ref, v in values.items()
        }

        async def write(r: Redis) -> None:
            async with r.pipeline(transaction=False) as pipe:
                for key, token in encrypted.items():
                    pipe.set(key, token, ex=ttl_seconds)
                await pipe.execute()

        await self._redis.call(write)

    async def purge(self, session_hash: SessionHash) -> int:
        return await self._redis.delete_prefix(session_prefix(session_hash))
