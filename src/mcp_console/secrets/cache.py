"""Session-scoped secret cache: `cache:secret:{session hash}:{item}:{field}`, Fernet-encrypted.

Entries never outlive their session: each is written with the session's remaining lifetime, and
logout/expiry deletes the session's prefix. An entry keeps whether its value came from a secret
slot, so a cache hit is registered for log redaction exactly like a fresh `bw` read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from redis.asyncio import Redis

from mcp_console.core.keys import DecryptionError, KeyRing
from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.secrets.fields import Resolved
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
    ) -> dict[SecretRef, Resolved]:
        """Hits only, decrypted — one round trip. The caller registers them for its session."""
        if not refs:
            return {}
        keys = [cache_key(session_hash, ref) for ref in refs]
        tokens = await self._redis.call(lambda r: r.mget(keys))
        hits: dict[SecretRef, Resolved] = {}
        for ref, token in zip(refs, tokens, strict=True):
            if token is None:
                continue
            try:
                entry = _decode(self._ring.decrypt(token, key_material=False))
            except DecryptionError:
                continue  # written under a retired key: treat as a miss and overwrite
            if entry is not None:
                hits[ref] = entry
        return hits

    async def put_many(
        self, session_hash: SessionHash, values: Mapping[SecretRef, Resolved], ttl_seconds: int
    ) -> None:
        if not values:
            return
        encrypted = {
            cache_key(session_hash, ref): self._ring.encrypt(json.dumps([v.value, v.secret]))
            for ref, v in values.items()
        }

        async def write(r: Redis) -> None:
            async with r.pipeline(transaction=False) as pipe:
                for key, token in encrypted.items():
                    pipe.set(key, token, ex=ttl_seconds)
                await pipe.execute()

        await self._redis.call(write)

    async def purge(self, session_hash: SessionHash) -> int:
        return await self._redis.delete_prefix(session_prefix(session_hash))


def _decode(plaintext: str) -> Resolved | None:
    """`[value, secret]`; anything else (an entry of an older format) is a miss."""
    try:
        value, secret = json.loads(plaintext)
    except (ValueError, TypeError):
        return None
    if not isinstance(value, str) or not isinstance(secret, bool):
        return None
    return Resolved(value, secret)
