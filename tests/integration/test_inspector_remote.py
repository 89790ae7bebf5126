"""The inspector against the third-party reference server `@modelcontextprotocol/server-everything`
(pinned in package.json, run with Node) over streamable HTTP and SSE, through the SSRF-safe client.

What the server lists is also fetched with plain JSON-RPC over HTTP (no SDK, no console code), so
"every tool, resource and prompt is returned" is checked against an independent reading.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcp_console.core.errors import AppError
from mcp_console.core.settings import Settings
from mcp_console.inspector.client import Limits
from mcp_console.inspector.schemas import RemoteServer
from mcp_console.inspector.service import InspectorService
from tests.support.everything_server import EverythingServer, everything_server
from tests.support.remote_inspector import remote_inspector

LIMITS = Limits(init_seconds=5.0, call_seconds=10.0)
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def streamable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EverythingServer]:
    with everything_server("streamableHttp", tmp_path_factory.mktemp("everything")) as server:
        yield server


@pytest.fixture(scope="module")
def sse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EverythingServer]:
    with everything_server("sse", tmp_path_factory.mktemp("everything-sse")) as server:
        yield server


def _inspector(settings: Settings, limits: Limits = LIMITS, **overrides: Any) -> InspectorService:
    return remote_inspector(settings, limits, **overrides)


def _rpc_result(response: httpx.Response) -> dict[str, Any]:
    """A JSON-RPC result from a JSON body or from the `data:` line of an SSE body."""
    if response.headers["content-type"].startswith("text/event-stream"):
        data = [line[5:] for line in response.text.splitlines() if line.startswith("data:")]
        message = json.loads(data[-1])
    else:
        message = response.json()
    result: dict[str, Any] = message["result"]
    return result


def _raw_listing(url: str) -> dict[str, set[str]]:
    """Independent reading over plain HTTP: initialize, then each list with its cursors."""
    with httpx.Client(timeout=10) as http:
        init = http.post(url, headers=MCP_HEADERS, json={
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "raw-check", "version": "1"}},
        })  # fmt: skip
        headers = {**MCP_HEADERS, "mcp-session-id": init.headers["mcp-session-id"]}
        http.post(
            url, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"}
        )
        request_ids = iter(range(10, 10_000))
        listing: dict[str, set[str]] = {}
        for method, key, field in [
            ("tools/list", "tools", "name"),
            ("resources/list", "resources", "uri"),
            ("prompts/list", "prompts", "name"),
        ]:
            listing[key] = set()
            cursor: str | None = None
            while True:
                params: dict[str, str] = {"cursor": cursor} if cursor else {}
                body = {"jsonrpc": "2.0", "id": next(request_ids), "method": method}
                result = _rpc_result(
                    http.post(url, headers=headers, json={**body, "params": params})
                )
                listing[key] |= {item[field] for item in result[key]}
                cursor = result.get("nextCursor")
                if not cursor:
                    break
    return listing


async def test_everything_lists_are_complete_over_streamable_http(
    settings: Settings, streamable: EverythingServer
) -> None:
    inspector = _inspector(settings)
    target = RemoteServer(url=streamable.url, transport="streamable_http")
    expected = _raw_listing(streamable.url)

    capabilities = await inspector.capabilities(target)
    assert capabilities.server_name == "mcp-servers/everything"
    assert capabilities.capabilities.tools and capabilities.capabilities.resource_subscribe

    tools = await inspector.tools(target)
    resources = await inspector.resources(target)
    prompts = await inspector.prompts(target)
    assert {tool.name for tool in tools.tools} == expected["tools"]
    assert {resource.uri for resource in resources.resources} == expected["resources"]
    assert {prompt.name for prompt in prompts.prompts} == expected["prompts"]
    assert {"echo", "get-sum", "trigger-long-running-operation"} <= expected["tools"]
    assert len(tools.tools) == len(expected["tools"]), "no tool listed twice"
    sum_tool = next(tool for tool in tools.tools if tool.name == "get-sum")
    assert set(sum_tool.input_schema["properties"]) == {"a", "b"}


async def test_tool_call_round_trips_over_streamable_http_and_sse(
    settings: Settings, streamable: EverythingServer, sse: EverythingServer
) -> None:
    inspector = _inspector(settings)
    for target in (
        RemoteServer(url=streamable.url, transport="streamable_http"),
        RemoteServer(url=sse.url, transport="sse"),
    ):
        result = await inspector.call_tool(target, "get-sum", {"a": 19, "b": 23})
        assert not result.is_error
        assert "42" in result.content[0]["text"]
        echoed = await inspector.call_tool(target, "echo", {"message": "round trip"})
        assert echoed.content == [{"type": "text", "text": "Echo: round trip"}]


async def test_everything_over_sse_lists_the_same_as_streamable_http(
    settings: Settings, streamable: EverythingServer, sse: EverythingServer
) -> None:
    inspector = _inspector(settings)
    over_sse = RemoteServer(url=sse.url, transport="sse")
    tools = {tool.name for tool in (await inspector.tools(over_sse)).tools}
    prompts = {prompt.name for prompt in (await inspector.prompts(over_sse)).prompts}
    expected = _raw_listing(streamable.url)
    assert tools == expected["tools"]
    assert prompts == expected["prompts"]


async def test_invalid_arguments_are_refused_before_sending(
    settings: Settings, streamable: EverythingServer
) -> None:
    inspector = _inspector(settings)
    target = RemoteServer(url=streamable.url, transport="streamable_http")
    with pytest.raises(AppError) as caught:
        await inspector.call_tool(target, "get-sum", {"a": "nineteen"})
    assert caught.value.status == 422
    paths = {error["path"] for error in caught.value.details["errors"]}
    assert paths == {"a", ""}


async def test_slow_tool_answers_504_at_the_call_limit(
    settings: Settings, streamable: EverythingServer
) -> None:
    inspector = _inspector(settings, Limits(init_seconds=5.0, call_seconds=1.0))
    target = RemoteServer(url=streamable.url, transport="streamable_http")
    started = time.monotonic()
    with pytest.raises(AppError) as caught:
        await inspector.call_tool(
            target, "trigger-long-running-operation", {"duration": 6, "steps": 3}
        )
    assert (caught.value.status, caught.value.code) == (504, "MCP_TIMEOUT")
    assert time.monotonic() - started < 4.0


async def test_http_endpoint_that_is_not_mcp_answers_502(
    settings: Settings, streamable: EverythingServer
) -> None:
    inspector = _inspector(settings, Limits(init_seconds=2.0, call_seconds=2.0))
    target = RemoteServer(url=f"http://127.0.0.1:{streamable.port}/not-mcp")
    started = time.monotonic()
    with pytest.raises(AppError) as caught:
        await inspector.capabilities(target)
    assert (caught.value.status, caught.value.code) == (502, "MCP_HANDSHAKE_FAILED")
    assert time.monotonic() - started < 4.0


async def test_loopback_is_refused_without_the_test_allow_list(
    settings: Settings, streamable: EverythingServer
) -> None:
    inspector = _inspector(settings, ssrf_allow_cidrs="")
    with pytest.raises(AppError) as caught:
        await inspector.capabilities(RemoteServer(url=streamable.url))
    assert (caught.value.status, caught.value.code) == (400, "SSRF_BLOCKED")
    assert caught.value.details["reason"] == "loopback"


def test_server_listens_on_loopback_only(streamable: EverythingServer) -> None:
    """Read from the kernel's socket table (no traffic): the port is bound to 127.0.0.1 only."""
    local_addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) == streamable.port:  # 0A = LISTEN
                local_addresses.add(address)
    assert local_addresses == {"0100007F"}  # 127.0.0.1, little-endian hex
