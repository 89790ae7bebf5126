"""Login, session checks and logout; the only place that ties the CLI, Redis and keys together."""

from __future__ import annotations

import logging
import math
import secrets
from pathlib import Path
from typing import Protocol

from mcp_console.auth.ratelimit import LoginRateLimiter
from mcp_console.auth.schemas import ApiKeyLogin, AuthSession, LoginRequest, MasterPasswordLogin
from mcp_console.core.errors import AppError
from mcp_console.core.keys import KeyRing
from mcp_console.core.secret_registry import SecretRegistry, log_session
from mcp_console.core.session_ids import SessionHash, SessionHasher
from mcp_console.vault.bitwarden import BitwardenCli, auth_failed
from mcp_console.vault.datadirs import LoginDirectories
from mcp_console.vault.errors import session_invalid
from mcp_console.vault.sessions import SessionRecord, SessionStore

logger = logging.getLogger("mcp_console.auth")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
# A login runs at most four `bw` calls; its pending record outlives them all.
_PENDING_CALLS = 4


def to_auth_session(session_id: str, record: SessionRecord) -> AuthSession:
    """`session_id` is the token the client holds; the record only knows its hash."""
    return AuthSession(
        session_id=session_id,
        session_hash=record.session_hash,
        user_email=record.email,
        created_at=record.created_at,
        expires_at=record.expires_at,
        last_activity=record.last_activity,
    )


class SessionCache(Protocol):
    """What a logout also clears: the session's cached vault values (`secrets.cache.SecretCache`,
    handed in by the composition root so `auth` does not depend on `secrets`)."""

    async def purge(self, session_hash: SessionHash) -> object: ...


class AuthService:
    def __init__(
        self,
        *,
        cli: BitwardenCli,
        store: SessionStore,
        limiter: LoginRateLimiter,
        cache: SessionCache,
        dirs: LoginDirectories,
        ring: KeyRing,
        hasher: SessionHasher,
        registry: SecretRegistry,
        cli_timeout_seconds: float,
    ) -> None:
        self._cli = cli
        self._store = store
        self._limiter = limiter
        self._cache = cache
        self._dirs = dirs
        self._ring = ring
        self._hasher = hasher
        self._registry = registry
        self._pending_ttl = math.ceil(cli_timeout_seconds * _PENDING_CALLS) + 30

    async def login(self, request: LoginRequest, address: str) -> AuthSession:
        """Counted against the rate limits; only rejected credentials stay counted."""
        await self._limiter.acquire(address, request.email)
        try:
            session = await self._login(request)
        except AppError as exc:
            if exc.code != "AUTH_FAILED":
                await self._limiter.release(address, request.email)
            raise
        await self._limiter.release(address, request.email)
        return session

    async def _login(self, request: LoginRequest) -> AuthSession:
        session_id = secrets.token_urlsafe(32)
        session_hash = self._hasher.digest(session_id)
        # The master password and client secret are this user's: masked in this session's log
        # records only (see `core.secret_registry`), never in another user's.
        self._registry.register_session(session_hash, _secrets_of(request), self._pending_ttl)
        with log_session(session_hash):
            await self._store.reserve(session_hash, self._pending_ttl)
            directory = self._dirs.create(session_hash)
            try:
                email, bw_key = await self._unlock(request, directory)
                self._registry.register(bw_key)
                await self._cli.sync(directory, bw_key)
                record = await self._store.create(session_hash, email, self._ring.encrypt(bw_key))
                self._registry.register_session(session_hash, (), record.lifetime_seconds)
            except BaseException:
                await self._abandon(session_hash)
                raise
            logger.info("login succeeded", extra={"method": request.method})
        return to_auth_session(session_id, record)

    async def _unlock(self, request: LoginRequest, directory: Path) -> tuple[str, str]:
        """Log in and unlock; returns the verified e-mail and the CLI session key."""
        password = request.master_password.get_secret_value()
        if isinstance(request, MasterPasswordLogin):
            two_step = _two_step(request)
            key = await self._cli.login_password(directory, request.email, password, two_step)
            return request.email, key
        await self._cli.login_api_key(
            directory, request.client_id, request.client_secret.get_secret_value()
        )
        key = await self._cli.unlock(directory, password)
        # An API key names its account: the claimed e-mail must be that account's, or one user
        # could act under another's name (owner checks use the e-mail).
        status = await self._cli.status(directory, key)
        actual = str(status.get("userEmail") or "")
        if actual.strip().lower() != request.email.strip().lower():
            raise auth_failed()
        return actual, key

    async def current(self, session_id: str) -> AuthSession:
        """The live session for a bearer token, with its sliding expiry renewed."""
        if not session_id or len(session_id) > 128 or not set(session_id) <= _TOKEN_CHARS:
            raise session_invalid()
        record = await self._store.touch(self._hasher.digest(session_id))
        if record is None:
            raise session_invalid()
        return to_auth_session(session_id, record)

    async def logout(self, session_hash: SessionHash) -> None:
        """Invalidate first (every process sees it at once), then clean up."""
        await self._store.delete(session_hash)
        try:
            await self._cli.lock(self._dirs.path(session_hash))
        except AppError as exc:
            logger.warning("could not lock the CLI before removing it (%s)", exc.code)
        await self._clean_up(session_hash)

    async def _abandon(self, session_hash: SessionHash) -> None:
        """Undo a login that failed half-way (its pending record also expires on its own)."""
        try:
            await self._store.delete(session_hash)
        except AppError as exc:
            logger.warning("pending login record left to expire (%s)", exc.code)
        await self._clean_up(session_hash)

    async def _clean_up(self, session_hash: SessionHash) -> None:
        """Remove a session's cache and CLI directory; failures are left to the cleanup cron.
        This process forgets the session's values for log redaction; other processes' sets
        expire with the session's lifetime."""
        self._registry.drop_session(session_hash)
        try:
            await self._cache.purge(session_hash)
        except AppError as exc:
            logger.warning("session clean-up deferred to the cleanup job (%s)", exc.code)
        self._dirs.remove(session_hash)


def _two_step(request: MasterPasswordLogin) -> tuple[int, str] | None:
    if request.two_step_login_code is None:
        return None
    return request.two_step_login_method or 0, request.two_step_login_code.get_secret_value()


def _secrets_of(request: LoginRequest) -> list[str]:
    values = [request.master_password.get_secret_value()]
    if isinstance(request, ApiKeyLogin):
        values.append(request.client_secret.get_secret_value())
    return values
