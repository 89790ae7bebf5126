"""The Redis session record: sliding expiry, absolute lifetime, atomic renewal, no revival."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.vault.sessions import SessionStore
from tests.conftest import TEST_REDIS_URL


@pytest.fixture
async def service(redis_client: Redis) -> AsyncIterator[RedisService]:
    redis = RedisService(TEST_REDIS_URL)
    yield redis
    await redis.close()


async def test_touch_renews_the_sliding_expiry_up_to_the_absolute_maximum(
    service: RedisService, redis_client: Redis
) -> None:
    store = SessionStore(service, idle_seconds=0.6, max_seconds=1.5)
    created = await store.create(SessionHash("abc"), "a@example.test", "encrypted")
    assert created.email == "a@example.test"
    for _ in range(4):  # 1.2 s of activity: longer than the idle timeout
        await asyncio.sleep(0.3)
        assert await store.touch(SessionHash("abc")) is not None
    assert 0 < await redis_client.pttl("session:auth:abc") <= 600
    await asyncio.sleep(0.4)  # past 1.5 s: active, yet over the absolute maximum
    assert await store.touch(SessionHash("abc")) is None
    assert await redis_client.exists("session:auth:abc") == 0


async def test_idle_session_expires(service: RedisService) -> None:
    store = SessionStore(service, idle_seconds=0.3, max_seconds=60)
    await store.create(SessionHash("idle"), "i@example.test", "encrypted")
    await asyncio.sleep(0.45)
    assert await store.touch(SessionHash("idle")) is None


async def test_concurrent_touches_keep_last_activity_monotonic_and_cannot_revive(
    service: RedisService, redis_client: Redis
) -> None:
    store = SessionStore(service, idle_seconds=60, max_seconds=600)
    created = await store.create(SessionHash("busy"), "b@example.test", "encrypted")
    await asyncio.sleep(0.01)
    records = await asyncio.gather(*(store.touch(SessionHash("busy")) for _ in range(50)))
    assert all(record is not None for record in records)
    stored = int(await redis_client.hget("session:auth:busy", "last_activity"))  # type: ignore[misc]
    seen = max(record.last_activity for record in records if record)
    assert stored == int(seen.timestamp() * 1000) and seen > created.last_activity

    results = await asyncio.gather(
        *(store.touch(SessionHash("busy")) for _ in range(20)),
        store.delete(SessionHash("busy")),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert await redis_client.exists("session:auth:busy") == 0
    assert await store.touch(SessionHash("busy")) is None


async def test_a_pending_login_is_not_a_valid_session(
    service: RedisService, redis_client: Redis
) -> None:
    store = SessionStore(service, idle_seconds=60, max_seconds=600)
    await store.reserve(SessionHash("pending"), 30)
    assert await redis_client.exists("session:auth:pending") == 1
    assert await store.touch(SessionHash("pending")) is None
