"""The gateway's event hub against a Redis that goes away and comes back: the subscription is
made again, and list changes and cancellations reach this process's listeners after it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mcp_console.core.errors import AppError
from mcp_console.core.redis import RedisService
from mcp_console.gateway.events import GatewayEvents
from mcp_console.gateway.redis_state import EventHub
from tests.support.gateway import until
from tests.support.processes import RedisServer


async def test_events_flow_again_after_redis_restarts(private_redis: RedisServer) -> None:
    redis = RedisService(private_redis.url, 0.4)
    hub = EventHub(redis)
    events = GatewayEvents(hub)
    cancelled: list[tuple[str, str]] = []
    invalidated: list[dict[str, Any]] = []

    async def invalidate(event: dict[str, Any]) -> None:
        invalidated.append(event)

    hub.on_cancel(lambda session, key: cancelled.append((session, key)))
    hub.on_owner_event(invalidate)
    await hub.start()
    try:
        async with hub.stream("alice@example.test") as alice, hub.stream("bob@example.test") as bob:
            await events.profile_changed("alice@example.test", "default")
            event = await asyncio.wait_for(alice.get(), 10)
            assert (event["reason"], event["profile"]) == ("profile", "default")

            private_redis.stop()
            await until(lambda: not hub.subscribed)
            # A lost event is logged, never raised: the change itself already happened.
            await events.container_changed("alice@example.test", "c1", "container.stop")
            private_redis.start()
            await until(lambda: hub.subscribed)

            await events.container_changed("alice@example.test", "c1", "container.start")
            event = await asyncio.wait_for(alice.get(), 10)
            assert (event["reason"], event["action"]) == ("container", "container.start")
            await hub.publish_cancel("session-1", "7")
            await until(lambda: cancelled == [("session-1", "7")])
            assert bob.empty(), "another owner's stream hears nothing"
            assert [e["owner"] for e in invalidated] == ["alice@example.test"] * 2
        assert hub.listeners("alice@example.test") == 0
    finally:
        await hub.stop()
        await redis.close()


async def test_publishing_while_redis_is_down_is_refused_by_the_hub(
    private_redis: RedisServer,
) -> None:
    redis = RedisService(private_redis.url, 0.4)
    private_redis.stop()
    try:
        with pytest.raises(AppError) as refused:
            await EventHub(redis).publish_owner("alice@example.test", {"reason": "profile"})
        assert refused.value.code == "REDIS_UNAVAILABLE"
    finally:
        await redis.close()
