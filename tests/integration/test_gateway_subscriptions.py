"""`/mcp/{profile}`: `logging/setLevel` and resource subscriptions, end to end (the API over
HTTP, the official SDK client or raw JSON-RPC, the test MCP server in a real container, real
Redis and database)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import docker
import mcp_types as mt
import pytest
from mcp import ClientSession

from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.gateway.redis_state import McpSessionStore
from mcp_console.gateway.runtime import EndpointRuntime
from tests.support.containers import remove_containers_of
from tests.support.gateway import LiveApi, bearer_client, live_api, mcp_session, until
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker
UPDATED = "notifications/resources/updated"
LIST_CHANGED = [
    "notifications/tools/list_changed",
    "notifications/prompts/list_changed",
    "notifications/resources/list_changed",
]
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "by-hand", "version": "1"},
    },
}


@pytest.fixture
async def api(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient
) -> AsyncIterator[LiveApi]:
    async with live_api(settings, tmp_path) as live:
        try:
            yield live
        finally:
            remove_containers_of(docker_client, [owner.email for owner in live.owners])


class Received:
    """A message handler keeping (method, uri) of each notification a client receives."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, str | None]] = asyncio.Queue()

    async def __call__(self, message: Any) -> None:
        method = getattr(message, "method", None)
        if isinstance(method, str):
            uri = getattr(getattr(message, "params", None), "uri", None)
            await self.queue.put((method, None if uri is None else str(uri)))

    async def next(self, timeout: float = 30.0) -> tuple[str, str | None]:
        return await asyncio.wait_for(self.queue.get(), timeout)


async def _subscribe(session: ClientSession, uri: str) -> dict[str, Any]:
    """`resources/subscribe` as sent by the SDK (its helper warns that 2026-07-28 removed it)."""
    request = mt.SubscribeRequest(params=mt.SubscribeRequestParams(uri=uri))
    result = await session.send_request(request, mt.EmptyResult)
    return result.model_dump(exclude_none=True)


def _answer(text: str) -> dict[str, Any]:
    (message,) = [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]
    assert isinstance(message, dict)
    return message


async def test_set_level_is_accepted_and_kept_in_the_gateway_session(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server}])
    token = await api.token(owner)
    store = McpSessionStore(api.get(RedisService), 600)
    accept = {"Accept": "application/json, text/event-stream"}
    async with bearer_client(token.token, **accept) as http:
        opened = await http.post(api.endpoint(), json=INITIALIZE)
        capabilities = _answer(opened.text)["result"]["capabilities"]
        assert capabilities["logging"] == {}
        assert capabilities["resources"]["subscribe"] is True
        session_id = opened.headers["mcp-session-id"]
        headers = {"Mcp-Session-Id": session_id, "MCP-Protocol-Version": "2025-06-18"}
        request = {"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel"}
        answered = await http.post(
            api.endpoint(), json={**request, "params": {"level": "warning"}}, headers=headers
        )
        assert _answer(answered.text) == {"jsonrpc": "2.0", "id": 2, "result": {}}
        kept = await store.touch(session_id, token.id, "default")
        assert kept is not None and kept.log_level == "warning"

        wrong = await http.post(
            api.endpoint(), json={**request, "params": {"level": "loud"}}, headers=headers
        )
        assert _answer(wrong.text)["error"]["code"] == -32602
        kept = await store.touch(session_id, token.id, "default")
        assert kept is not None and kept.log_level == "warning"


async def test_resource_updates_reach_only_the_subscribed_session(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    """Two sessions of one token; only the one that subscribed to the URI hears of its update,
    until it unsubscribes. A list change published after each update shows what a session
    would have received first (one channel, delivered in order), so no wait stands in for
    "nothing came"."""
    owner = api.owner()
    server = await api.server(owner, mcp_server_image, MCP_TEST_SUBSCRIBE="1")
    await api.profile(owner, [{"server_id": server}])
    token = await api.token(owner)
    hub = api.get(EndpointRuntime).hub
    first, second = Received(), Received()
    uri = "test://greeting"

    async with (
        mcp_session(api.endpoint(), token.token, first) as subscribed,
        mcp_session(api.endpoint(), token.token, second) as other,
    ):
        await until(lambda: hub.listeners(owner.email) == 2)
        assert await _subscribe(subscribed, uri) == {}
        # A URI no server of the profile owns is accepted too (nothing upstream to tell).
        assert await _subscribe(subscribed, "test://nowhere") == {}

        await subscribed.call_tool("update_resource", {"uri": "test://environment"})
        await subscribed.call_tool("update_resource", {"uri": uri})
        await other.call_tool("announce_change", {})
        assert await first.next() == (UPDATED, uri)
        assert (await first.next())[0] == LIST_CHANGED[0]
        assert [(await second.next())[0] for _ in range(3)] == LIST_CHANGED

        await subscribed.send_request(
            mt.UnsubscribeRequest(params=mt.UnsubscribeRequestParams(uri=uri)), mt.EmptyResult
        )
        await subscribed.call_tool("update_resource", {"uri": uri})
        await other.call_tool("announce_change", {})
        # The rest of the first change, then the second: no update in between.
        remaining = [(await first.next())[0] for _ in range(5)]
        assert remaining == [*LIST_CHANGED[1:], *LIST_CHANGED]
