"""`/mcp/{profile}` end to end: the API served over HTTP, the official SDK client with a gateway
token, real containers running the test MCP server, real Redis and database."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docker
import pytest
import uvicorn
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from mcp_console.app import create_app
from mcp_console.cli import SHUTDOWN_GRACE_SECONDS, _server_options
from mcp_console.containers.service import ContainerService
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.settings import Settings
from mcp_console.gateway.aggregate import GatewayError, GatewayService
from mcp_console.gateway.profiles import ProfileService
from mcp_console.gateway.runtime import EndpointRuntime
from mcp_console.gateway.tokens import TokenService
from mcp_console.gateway.transport import GatewayEndpoint
from mcp_console.inspector.service import InspectorService
from tests.support.containers import container_settings, remove_containers_of
from tests.support.gateway import (
    LiveApi,
    Notifications,
    bearer_client,
    live_api,
    mcp_session,
    until,
)
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.processes import free_port

pytestmark = pytest.mark.docker


@pytest.fixture
async def api(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient
) -> AsyncIterator[LiveApi]:
    async with live_api(settings, tmp_path) as live:
        try:
            yield live
        finally:
            remove_containers_of(docker_client, [owner.email for owner in live.owners])


async def test_sdk_client_lists_the_profile_tools_and_calls_one(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    owner = api.owner()
    first = await api.server(owner, mcp_server_image)
    second = await api.server(owner, mcp_server_image, base="two")
    await api.profile(
        owner,
        [
            {"server_id": first, "tools": ["echo", "add"]},
            {"server_id": second, "tools": ["add", "fail"], "prefix": "two"},
        ],
    )
    token = await api.token(owner)

    async with mcp_session(api.endpoint(), token.token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == {"echo", "add", "two_add", "two_fail"}
        assert tools["two_add"].description == "Add two numbers."
        assert sorted(tools["two_add"].input_schema["required"]) == ["a", "b"]

        added = await session.call_tool("two_add", {"a": 40, "b": 2})
        assert not added.is_error
        assert added.structured_content == {"result": 42.0}
        assert added.content[0].model_dump()["text"] == "42.0"

        failed = await session.call_tool("two_fail", {"reason": "on purpose"})
        assert failed.is_error
        assert "tool failed: on purpose" in failed.content[0].model_dump()["text"]

        with pytest.raises(MCPError) as unknown:
            await session.call_tool("env_value", {"name": "PATH"})
        assert "Unknown tool: env_value" in unknown.value.message

        resources = {str(r.uri) for r in (await session.list_resources()).resources}
        assert resources == {
            "test://greeting",
            "test://environment",
            "two://greeting",
            "two://environment",
        }
        templates = (await session.list_resource_templates()).resource_templates
        assert sorted(t.uri_template for t in templates) == [
            "test://item/{item_id}",
            "two://item/{item_id}",
        ]
        item = await session.read_resource("two://item/7")
        assert item.contents[0].model_dump()["text"] == "item 7"
        greeting = await session.read_resource("test://greeting")
        assert greeting.contents[0].model_dump()["text"] == "hello from the console test server"
        prompts = [p.name for p in (await session.list_prompts()).prompts]
        assert prompts == ["summarize", "two_summarize"]
        prompt = await session.get_prompt("two_summarize", {"topic": "MCP"})
        assert prompt.messages[0].content.model_dump()["text"].startswith("Please summarize MCP")
        with pytest.raises(MCPError) as upstream:
            await session.get_prompt("two_summarize", {})
        # The server's own JSON-RPC error, passed through with its code.
        assert upstream.value.data == {"code": "MCP_UPSTREAM_ERROR"}
        assert upstream.value.code == 0  # what this SDK server answers
        assert upstream.value.message == "Missing required arguments: {'topic'}"


async def test_requests_without_a_valid_token_get_401(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with bearer_client(None) as http:
        missing = await http.post(api.endpoint(), json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["error"]["code"] == "GATEWAY_TOKEN_REQUIRED"
    assert "header Authorization with the value 'Bearer <token>'" in missing.text

    async with bearer_client("mcpgw_" + "x" * 43) as http:
        invalid = await http.post(api.endpoint(), json=body)
    assert invalid.status_code == 401
    assert 'error="invalid_token"' in invalid.headers["www-authenticate"]


LIST_CHANGED = {
    "notifications/tools/list_changed",
    "notifications/prompts/list_changed",
    "notifications/resources/list_changed",
}


async def _changes(notifications: Notifications) -> set[str]:
    """The three list_changed notifications one event sends (in one SSE write)."""
    return {await notifications.next() for _ in range(3)}


async def test_list_changed_on_stop_start_upstream_and_profile_change_and_stopped_tools(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    owner = api.owner()
    first = await api.server(owner, mcp_server_image)
    second = await api.server(owner, mcp_server_image, base="two")
    await api.profile(owner, [{"server_id": first}, {"server_id": second, "prefix": "two"}])
    token = await api.token(owner)
    containers = api.get(ContainerService)
    hub = api.get(EndpointRuntime).hub
    notifications = Notifications()

    async with mcp_session(api.endpoint(), token.token, notifications) as session:
        await until(lambda: hub.listeners(owner.email) == 1)
        assert {"two_add", "add"} <= {t.name for t in (await session.list_tools()).tools}

        await containers.stop(owner.actor, second)
        assert await _changes(notifications) == LIST_CHANGED
        names = {t.name for t in (await session.list_tools()).tools}
        assert "add" in names and not any(name.startswith("two_") for name in names)
        with pytest.raises(MCPError) as stopped:
            await session.call_tool("two_add", {"a": 1, "b": 2})
        assert "two_add" in stopped.value.message
        assert "is exited" in stopped.value.message
        assert stopped.value.data == {"code": "SERVER_NOT_RUNNING"}

        await containers.start(owner.actor, second)
        assert await _changes(notifications) == LIST_CHANGED
        await api.answering(owner, second)
        added = await session.call_tool("two_add", {"a": 1, "b": 2})
        assert added.structured_content == {"result": 3.0}

        announced = await session.call_tool("announce_change", {})
        assert announced.content[0].model_dump()["text"] == "announced"
        assert await _changes(notifications) == LIST_CHANGED

        await api.profile(owner, [{"server_id": first, "tools": ["echo"]}])
        assert await _changes(notifications) == LIST_CHANGED
        assert [t.name for t in (await session.list_tools()).tools] == ["echo"]
    await until(lambda: hub.listeners(owner.email) == 0)


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


def _sse_messages(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


async def test_sessions_by_hand_at_the_previous_protocol_version(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    """2025-06-18 (the version before the SDK's handshake version), the session header issued
    on initialize, checked on every later request, and ended by DELETE."""
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server, "tools": ["add"]}])
    token, other = await api.token(owner), await api.token(owner)
    accept = {"Accept": "application/json, text/event-stream"}
    initialize = INITIALIZE
    tools_list = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    url = api.endpoint()
    async with bearer_client(token.token, **accept) as http:
        opened = await http.post(url, json=initialize)
        assert opened.status_code == 200, opened.text
        session_id = opened.headers["mcp-session-id"]
        (answer,) = _sse_messages(opened.text)
        assert answer["result"]["protocolVersion"] == "2025-06-18"
        assert answer["result"]["capabilities"]["tools"] == {"listChanged": True}
        session = {"Mcp-Session-Id": session_id, "MCP-Protocol-Version": "2025-06-18"}
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        assert (
            await http.post(api.endpoint(), json=initialized, headers=session)
        ).status_code == 202
        listed = await http.post(api.endpoint(), json=tools_list, headers=session)
        (answer,) = _sse_messages(listed.text)
        assert [tool["name"] for tool in answer["result"]["tools"]] == ["add"]

        unknown = {**session, "Mcp-Session-Id": "0" * 32}
        assert (
            await http.post(api.endpoint(), json=tools_list, headers=unknown)
        ).status_code == 404
        assert (await http.delete(api.endpoint(), headers=session)).status_code == 204
        ended = await http.post(api.endpoint(), json=tools_list, headers=session)
        assert ended.status_code == 404
        assert ended.json()["error"]["code"] == "MCP_SESSION_NOT_FOUND"

    async with bearer_client(other.token, **accept) as http:
        again = await http.post(url, json=initialize)
        foreign = {"Mcp-Session-Id": again.headers["mcp-session-id"]}
    async with bearer_client(token.token, **accept) as http:
        assert (
            await http.post(api.endpoint(), json=tools_list, headers=foreign)
        ).status_code == 404
        # No session at all is served too (stateless clients, the 2026-07-28 envelope).
        sessionless = await http.post(api.endpoint(), json=tools_list)
        assert [t["name"] for t in _sse_messages(sessionless.text)[0]["result"]["tools"]] == ["add"]


async def test_tokens_reach_only_their_owner_and_profile(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    alice, bob = api.owner(), api.owner()
    server = await api.server(alice, mcp_server_image)
    await api.profile(alice, [{"server_id": server}])
    await api.profile(alice, [{"server_id": server, "tools": ["echo"]}], name="narrow")
    bobs = await api.token(bob)
    async with mcp_session(api.endpoint(), bobs.token) as session:
        assert (await session.list_tools()).tools == []
        with pytest.raises(MCPError) as refused:
            await session.call_tool("add", {"a": 1, "b": 2})
        assert refused.value.data == {"code": "TOOL_NOT_FOUND"}

    narrow = await api.token(alice, "narrow")
    async with mcp_session(api.endpoint("narrow"), narrow.token) as session:
        assert [t.name for t in (await session.list_tools()).tools] == ["echo"]
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with bearer_client(narrow.token) as http:
        other_profile = await http.post(api.endpoint(), json=ping)
    assert other_profile.status_code == 403
    assert 'error="insufficient_scope"' in other_profile.headers["www-authenticate"]

    await api.get(TokenService).revoke(alice.email, narrow.id)
    expires_at = datetime.now(UTC) + timedelta(seconds=1)
    expired = await api.token(alice, expires_at=expires_at)
    await until(lambda: datetime.now(UTC) > expires_at)
    for gone in (narrow, expired):
        async with bearer_client(gone.token) as http:
            answer = await http.post(api.endpoint(gone.profile), json=ping)
        assert answer.status_code == 401, gone.name
        assert answer.json()["error"]["code"] == "GATEWAY_TOKEN_INVALID"


async def test_lists_are_served_in_pages_with_opaque_cursors(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    """The aggregate list in pages (a page size of 2 here); a bad cursor is an MCP error."""
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server}])
    principal = await api.get(TokenService).verify((await api.token(owner)).token)
    assert principal is not None
    runtime = api.get(EndpointRuntime)
    paged = GatewayService(
        api.get(ProfileService), api.get(ContainerService), api.get(InspectorService), 5.0, 2
    )
    names, cursor, pages = [], None, 0
    while True:
        items, cursor = await paged.list_page(principal, "tools", cursor)
        names += [item["name"] for item in items]
        pages += 1
        if cursor is None:
            break
        assert len(items) == 2
    everything, last = await runtime.service.list_page(principal, "tools", None)
    assert last is None
    assert names == [item["name"] for item in everything]
    assert len(names) == 7 and pages == 4
    with pytest.raises(GatewayError) as bad:
        await paged.list_page(principal, "prompts", "not-a-cursor")
    assert (bad.value.code, bad.value.rpc_code) == ("INVALID_CURSOR", -32602)


async def test_the_2026_per_request_envelope_is_served_too(
    api: LiveApi, mcp_server_image: BuiltImage
) -> None:
    """The SDK routes `MCP-Protocol-Version: 2026-07-28` to its handshake-free path; the same
    handlers (and caller) serve it."""
    owner = api.owner()
    server = await api.server(owner, mcp_server_image)
    await api.profile(owner, [{"server_id": server, "tools": ["add"], "prefix": "p"}])
    token = await api.token(owner)
    async with (
        bearer_client(token.token) as http,
        streamable_http_client(api.endpoint(), http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        discovered = await session.discover()
        assert "2026-07-28" in discovered.supported_versions
        assert [t.name for t in (await session.list_tools()).tools] == ["p_add"]
        added = await session.call_tool("p_add", {"a": 2, "b": 2})
        assert added.structured_content == {"result": 4.0}


async def test_an_open_get_stream_does_not_hold_a_stopping_server(
    settings: Settings, tmp_path: Path
) -> None:
    """The API's own server options (`mcp-console api`) cut streams that never end by
    themselves once the shutdown grace period is over, so a replica can always stop."""
    prepared = await asyncio.to_thread(container_settings, settings, tmp_path)
    app = create_app(prepared, KeyManager.from_settings(prepared, secret_registry))
    port = free_port()
    options = _server_options(argparse.Namespace(host="127.0.0.1", port=port), prepared)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    serving = asyncio.create_task(server.serve())
    await until(lambda: server.started)
    api = LiveApi(app, prepared, f"http://127.0.0.1:{port}", [])
    owner = api.owner()
    token = await api.token(owner)
    hub = api.get(EndpointRuntime).hub
    accept = {"Accept": "application/json, text/event-stream"}
    async with bearer_client(token.token, **accept) as http:
        opened = await http.post(api.endpoint(), json=INITIALIZE)
        session = {"Mcp-Session-Id": opened.headers["mcp-session-id"]}
        async with http.stream("GET", api.endpoint(), headers=session) as stream:
            assert stream.status_code == 200
            await until(lambda: hub.listeners(owner.email) == 1)
            server.should_exit = True
            await asyncio.wait_for(serving, SHUTDOWN_GRACE_SECONDS + 30)
    assert hub.listeners(owner.email) == 0


async def test_http_level_refusals_use_the_shared_error_shape(api: LiveApi) -> None:
    owner = api.owner()
    token = await api.token(owner)
    url = api.endpoint()
    async with bearer_client(token.token) as http:
        put = await http.put(url, json={})
        assert (put.status_code, put.headers["allow"]) == (405, "GET, POST, DELETE")
        no_session = await http.get(url, headers={"Accept": "text/event-stream"})
        assert (no_session.status_code, no_session.json()["error"]["code"]) == (
            400,
            "MCP_SESSION_REQUIRED",
        )
        opened = await http.post(
            url, json=INITIALIZE, headers={"Accept": "application/json, text/event-stream"}
        )
        session = {"Mcp-Session-Id": opened.headers["mcp-session-id"]}
        not_sse = await http.get(url, headers={**session, "Accept": "application/json"})
        assert not_sse.status_code == 406
        too_large = await http.post(url, content=b"x" * (4 * 1024 * 1024 + 1))
        assert (too_large.status_code, too_large.json()["error"]["code"]) == (
            413,
            "BODY_TOO_LARGE",
        )
        form = await http.post(url, content=b"a=1", headers={"Content-Type": "text/plain"})
        assert (form.status_code, form.json()["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
        garbage = await http.post(
            url,
            content=b"{not json",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json, text/event-stream",
            },
        )
        assert garbage.status_code == 400
        assert garbage.json()["error"]["code"] == -32700  # the SDK's JSON-RPC parse error


async def test_the_stream_sends_keepalives_and_ends_with_its_session(api: LiveApi) -> None:
    owner = api.owner()
    token = await api.token(owner)
    api.get(GatewayEndpoint).keepalive_seconds = 0.2
    accept = {"Accept": "application/json, text/event-stream"}
    async with bearer_client(token.token, **accept) as http:
        opened = await http.post(api.endpoint(), json=INITIALIZE)
        session = {"Mcp-Session-Id": opened.headers["mcp-session-id"]}
        async with http.stream("GET", api.endpoint(), headers=session) as stream:
            chunks = stream.aiter_text()
            received = ""
            while received.count(": keepalive") < 2:
                received += await anext(chunks)
            assert (await http.delete(api.endpoint(), headers=session)).status_code == 204
            async with asyncio.timeout(30):
                async for chunk in chunks:  # ends: the next keep-alive finds no session
                    received += chunk
    assert received.startswith(": stream open")
