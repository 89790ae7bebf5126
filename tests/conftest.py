"""Shared fixtures: real Redis (own database number), real SQLite/PostgreSQL, test keys."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from mcp_console.core.settings import Settings
from tests.support.processes import RedisServer, fresh_key

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.fail("TEST_POSTGRES_URL is not set: run the suite with `make test`")
    return url


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        redis_url=TEST_REDIS_URL,
        database_url=sqlite_url,
        data_dir=tmp_path / "data",
        credential_encryption_key=SecretStr(fresh_key()),
        oauth_token_encryption_key=SecretStr(fresh_key()),
    )


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    """A raw client on the test database, flushed before and after each test."""
    client = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def raw_redis() -> Iterator[SyncRedis]:
    """A synchronous raw client on the test database, flushed before and after each test."""
    client = SyncRedis.from_url(TEST_REDIS_URL, decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
