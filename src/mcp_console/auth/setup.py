"""Builds the auth collaborators from settings (API lifespan, worker and tests alike)."""

from __future__ import annotations

from mcp_console.auth.bitwarden import BitwardenCli
from mcp_console.auth.datadirs import LoginDirectories
from mcp_console.auth.ratelimit import LoginRateLimiter
from mcp_console.auth.service import AuthService
from mcp_console.auth.store import SessionStore
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.secrets.cache import SecretCache


def build_cli(settings: Settings) -> BitwardenCli:
    return BitwardenCli(settings.bitwarden_cli_path, settings.bitwarden_cli_timeout_seconds)


def build_session_store(settings: Settings, redis: RedisService) -> SessionStore:
    return SessionStore(
        redis, settings.session_timeout_minutes * 60, settings.session_max_hours * 3600
    )


def build_auth_service(settings: Settings, keys: KeyManager, redis: RedisService) -> AuthService:
    return AuthService(
        cli=build_cli(settings),
        store=build_session_store(settings, redis),
        limiter=LoginRateLimiter(
            redis,
            per_address=settings.login_rate_limit_per_address,
            per_email=settings.login_rate_limit_per_email,
            window_seconds=settings.login_rate_limit_window_seconds,
        ),
        cache=SecretCache(redis, keys.credential),
        dirs=LoginDirectories(settings.data_dir),
        ring=keys.credential,
        hasher=keys.session_hasher,
        registry=secret_registry,
        cli_timeout_seconds=settings.bitwarden_cli_timeout_seconds,
    )
