"""Gateway client tokens: created once and shown once, stored only as a keyed hash.

A token is `mcpgw_` + `secrets.token_urlsafe(32)` (32 random bytes). The table keeps
`HMAC-SHA256(token)` under the gateway purpose key of the credential ring (`core/keyed_hash.py`),
the key's id, and the first characters to recognise it by. Verification hashes the presented
token under every key of the ring and looks the hash up, so key rotation keeps tokens valid; a
token last hashed under an older key is moved to the current one at its next use.

Revoking deletes the row: a revoked token is an unknown one. `last_used_at` is written at most
once a minute per token and process (and the UPDATE skips a row another replica touched within
the minute), so verifying is a read, not a write, on the request path.

A successful verification is remembered in the process for VERIFIED_TTL_SECONDS, keyed by the
token's keyed hash (never the token): a revoke, or the deletion of the token's profile, drops it
at once here and, through the owner's event channel, on every replica; the TTL bounds how long a
revoked token can still work on a replica that missed the event. Expiry is checked on every
request against the remembered `expires_at`.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from mcp_console.core.clock import as_utc, utcnow
from mcp_console.core.db import Database
from mcp_console.core.keyed_hash import KeyedHasher
from mcp_console.core.secret_patterns import GATEWAY_TOKEN_PREFIX
from mcp_console.gateway import schemas
from mcp_console.gateway.cache import TtlCache
from mcp_console.gateway.errors import token_expiry_past, token_not_found
from mcp_console.gateway.models import GatewayTokenRow
from mcp_console.gateway.repository import TokenRepository
from mcp_console.secrets import policy

TOKEN_BYTES = 32
SHOWN_PREFIX = len(GATEWAY_TOKEN_PREFIX) + 6
TOUCH_INTERVAL_SECONDS = 60.0
_TOUCH_MEMORY = 10_000  # tokens remembered per process before the memory starts over
VERIFIED_TTL_SECONDS = 5.0
_TOKEN_SHAPE = re.compile(rf"{re.escape(GATEWAY_TOKEN_PREFIX)}[A-Za-z0-9_-]{{40,255}}")


@dataclass(frozen=True)
class TokenPrincipal:
    """Who a verified token acts for: the owner's e-mail, and the one profile it opens."""

    token_id: str
    owner: str
    name: str
    profile: str


@dataclass(frozen=True)
class _Verified:
    principal: TokenPrincipal
    expires_at: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()


class TokenChanges(Protocol):
    """Told about every revoke, so every replica forgets the token's verification."""

    async def token_revoked(self, owner: str, token_id: str) -> None: ...


class NoTokenChanges:
    """A process without the gateway endpoint (the worker, store tests): nobody to tell."""

    async def token_revoked(self, owner: str, token_id: str) -> None:
        return None


class ProfileLookup(Protocol):
    """404 PROFILE_NOT_FOUND for a profile the owner does not have (`default` always exists)."""

    async def get(self, owner: str, name: str) -> schemas.Profile: ...


def new_token() -> str:
    return GATEWAY_TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def _info(row: GatewayTokenRow) -> schemas.TokenInfo:
    expires_at = as_utc(row.expires_at) if row.expires_at else None
    return schemas.TokenInfo(
        id=row.id,
        name=row.name,
        profile=row.profile,
        prefix=row.prefix,
        created_at=as_utc(row.created_at),
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
        expires_at=expires_at,
        expired=expires_at is not None and expires_at <= utcnow(),
    )


class TokenService:
    def __init__(
        self,
        database: Database,
        hasher: KeyedHasher,
        profiles: ProfileLookup,
        changes: TokenChanges | None = None,
        verified_ttl_seconds: float = VERIFIED_TTL_SECONDS,
    ) -> None:
        self._database = database
        self._hasher = hasher
        self._profiles = profiles
        self._changes = changes or NoTokenChanges()
        self._touched: dict[str, float] = {}
        self._verified: TtlCache[str, _Verified] = TtlCache(verified_ttl_seconds)

    async def create(self, owner: str, request: schemas.TokenCreate) -> schemas.TokenCreated:
        """The only answer that holds the token; 404 for an unknown profile, 422 for an
        expiry in the past or a name that looks like a secret."""
        policy.check_config({"name": request.name})
        expires_at = as_utc(request.expires_at) if request.expires_at else None
        if expires_at is not None and expires_at <= utcnow():
            raise token_expiry_past()
        await self._profiles.get(owner, request.profile)
        token = new_token()
        digest = self._hasher.digest(token)
        row = GatewayTokenRow(
            id=uuid.uuid4().hex,
            owner=owner,
            name=request.name,
            profile=request.profile,
            token_hash=digest.digest,
            key_id=digest.key_id,
            prefix=token[:SHOWN_PREFIX],
            created_at=utcnow(),
            expires_at=expires_at,
        )
        async with self._database.sessions.begin() as session:
            await TokenRepository(session).add(row)
        return schemas.TokenCreated(**_info(row).model_dump(), token=token)

    async def list(self, owner: str) -> schemas.TokenList:
        async with self._database.sessions() as session:
            rows = await TokenRepository(session).list_owned(owner)
        return schemas.TokenList(tokens=[_info(row) for row in rows])

    async def revoke(self, owner: str, token_id: str) -> None:
        """404 TOKEN_NOT_FOUND for an unknown id and for another user's token alike."""
        async with self._database.sessions.begin() as session:
            if not await TokenRepository(session).delete(owner, token_id):
                raise token_not_found()
        self._touched.pop(token_id, None)
        self._forget(owner, lambda principal: principal.token_id == token_id)
        await self._changes.token_revoked(owner, token_id)

    async def on_event(self, event: dict[str, Any]) -> None:
        """An owner event from any replica: a revoked token, or a changed (perhaps deleted)
        profile, whose tokens are verified against the database again."""
        owner = str(event.get("owner"))
        if event.get("reason") == "token":
            token_id = str(event.get("token_id"))
            self._forget(owner, lambda principal: principal.token_id == token_id)
        elif event.get("reason") == "profile":
            profile = str(event.get("profile"))
            self._forget(owner, lambda principal: principal.profile == profile)

    def _forget(self, owner: str, which: Callable[[TokenPrincipal], bool]) -> None:
        self._verified.drop(
            lambda _digest, hit: hit.principal.owner == owner and which(hit.principal)
        )

    async def verify(self, raw: str) -> TokenPrincipal | None:
        """The token's principal; None for a malformed, unknown (or revoked) or expired one."""
        if not _TOKEN_SHAPE.fullmatch(raw):
            return None
        current = self._hasher.digest(raw)
        hit = self._verified.get(current.digest)
        if hit is not None:
            if hit.expired:
                return None
            await self._touch(hit.principal.token_id, current.key_id, current.digest, False)
            return hit.principal
        generation = self._verified.generation
        candidates = self._hasher.candidates(raw)
        async with self._database.sessions() as session:
            row = await TokenRepository(session).find([c.digest for c in candidates])
        if row is None:
            return None
        verified = _Verified(
            TokenPrincipal(token_id=row.id, owner=row.owner, name=row.name, profile=row.profile),
            as_utc(row.expires_at) if row.expires_at else None,
        )
        if verified.expired:
            return None
        stale_key = row.key_id != self._hasher.current_key_id
        await self._touch(row.id, current.key_id, current.digest, stale_key)
        self._verified.put(current.digest, verified, generation)
        return verified.principal

    async def _touch(self, token_id: str, key_id: str, digest: str, rehash: bool) -> None:
        now = time.monotonic()
        last = self._touched.get(token_id)
        if not rehash and last is not None and now - last < TOUCH_INTERVAL_SECONDS:
            return
        if len(self._touched) >= _TOUCH_MEMORY:
            self._touched.clear()
        self._touched[token_id] = now
        at = utcnow()
        async with self._database.sessions.begin() as session:
            await TokenRepository(session).touch(
                token_id,
                at,
                at - timedelta(seconds=TOUCH_INTERVAL_SECONDS),
                (key_id, digest) if rehash else None,
            )
