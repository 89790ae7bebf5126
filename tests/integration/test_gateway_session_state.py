"""The gateway's MCP session record in Redis: the log level and subscribed URIs a client sets,
changed in place (TTL kept), bounded, and gone with the session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from mcp_console.core.redis import RedisService
from mcp_console.gateway.redis_state import MAX_SUBSCRIPTIONS, SESSION_PREFIX, McpSessionStore
from tests.conftest import TEST_REDIS_URL


@pytest.fixture
async def store(redis_client: Redis) -> AsyncIterator[McpSessionStore]:
    redis = RedisService(TEST_REDIS_URL)
    yield McpSessionStore(redis, idle_seconds=600)
    await redis.close()


async def test_level_and_subscriptions_are_kept_with_the_session(
    store: McpSessionStore, redis_client: Redis
) -> None:
    session = await store.create("token-1", "default", "2025-06-18")
    key = SESSION_PREFIX + session.session_id
    await redis_client.expire(key, 300)

    assert await store.set_log_level(session.session_id, "error")
    assert await store.subscribe(session.session_id, "test://a") == 1
    assert await store.subscribe(session.session_id, "test://b") == 1
    assert await store.subscribe(session.session_id, "test://a") == 1
    assert await store.unsubscribe(session.session_id, "test://b")

    touched = await store.touch(session.session_id, "token-1", "default")
    assert touched is not None
    assert touched.log_level == "error"
    assert touched.subscriptions == {"test://a"}
    assert touched.protocol_version == "2025-06-18"

    assert await store.unsubscribe(session.session_id, "test://a")
    await redis_client.expire(key, 300)
    assert await store.set_log_level(session.session_id, "debug")
    assert 0 < await redis_client.ttl(key) <= 300  # changed in place: the TTL is the session's
    emptied = await store.touch(session.session_id, "token-1", "default")
    assert emptied is not None and emptied.subscriptions == frozenset()

    await store.end(session.session_id)
    assert await store.subscribe(session.session_id, "test://a") == 0
    assert not await store.set_log_level(session.session_id, "info")
    assert await redis_client.exists(key) == 0


async def test_subscriptions_per_session_are_bounded(store: McpSessionStore) -> None:
    session = await store.create("token-1", "default", "2025-06-18")
    for index in range(MAX_SUBSCRIPTIONS):
        assert await store.subscribe(session.session_id, f"test://r/{index}") == 1
    assert await store.subscribe(session.session_id, "test://one-more") == -1
    assert await store.subscribe(session.session_id, "test://r/0") == 1  # already held
    touched = await store.touch(session.session_id, "token-1", "default")
    assert touched is not None and len(touched.subscriptions) == MAX_SUBSCRIPTIONS
