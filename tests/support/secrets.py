"""Auth service and secrets resolver built from test settings, with logins through the fake `bw`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from mcp_console.auth.schemas import AuthSession, MasterPasswordLogin
from mcp_console.auth.service import AuthService
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.secrets.resolver import SecretResolver
from mcp_console.wiring import build_auth_service, build_secret_resolver, build_vault
from tests.support.auth import fake_bw_settings
from tests.support.bitwarden import FakeBitwarden


class Parts:
    """The collaborators one API process would hold, on the test's Redis and fake vaults."""

    def __init__(self, settings: Settings, keys: KeyManager, redis: RedisService) -> None:
        self.settings = settings
        self.keys = keys
        self.redis = redis
        vault = build_vault(settings, keys, redis)
        self.auth: AuthService = build_auth_service(settings, keys, redis, vault)
        self.resolver: SecretResolver = build_secret_resolver(keys, vault)

    def cli_dir(self, session: AuthSession) -> Path:
        return self.settings.data_dir / "bitwarden" / session.session_hash

    async def login(
        self,
        fake: FakeBitwarden,
        email: str,
        items: list[dict[str, Any]] | None = None,
        **account: Any,
    ) -> AuthSession:
        added = fake.add_account(email, items=items, **account)
        request = MasterPasswordLogin(
            method="master_password",
            email=email,
            master_password=SecretStr(added.master_password),
        )
        return await self.auth.login(request, "127.0.0.1")


@pytest.fixture(name="parts")
async def parts_fixture(
    settings: Settings, fake_bw: FakeBitwarden, redis_client: Redis
) -> AsyncIterator[Parts]:
    own = fake_bw_settings(settings)
    redis = RedisService(own.redis_url, own.redis_timeout_seconds)
    yield Parts(own, KeyManager.from_settings(own, secret_registry), redis)
    await redis.close()
