"""Two API processes sharing the database and Redis, behind a round-robin proxy, serve one
official-SDK client session without errors: initialize, tools/list, several tools/call and the
GET stream land on both processes (the proxy counts what each answered)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import docker
import pytest
from mcp import ClientSession
from mcp import types as mt
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.support.containers import wait_for
from tests.support.gateway_processes import Gateway, running_gateway
from tests.support.http_proxy import StreamingProxy, streaming_proxy
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    everything_image_fixture,
)

pytestmark = pytest.mark.docker
CALLS = 6


async def one_session(url: str, gateway: Gateway, proxy: StreamingProxy) -> list[Any]:
    """The session's own view: tool names and call results; every exception the SDK delivered
    to the message handler (a failed stream, a bad response) is collected as a failure."""
    problems: list[Exception] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, Exception):
            problems.append(message)

    async with (
        create_mcp_http_client(headers=gateway.headers) as http,
        streamable_http_client(url, http_client=http) as (read_stream, write_stream),
        ClientSession(read_stream, write_stream, message_handler=on_message) as session,
    ):
        await session.initialize()
        listed = await session.list_tools()
        results = [
            await session.call_tool("echo", {"message": f"call {number}"})
            for number in range(CALLS)
        ]
        await anyio.to_thread.run_sync(
            lambda: wait_for(lambda: any(e.method == "GET" for e in proxy.exchanges), 30)
        )
        await session.send_ping()
    assert not problems, problems
    return [listed, results]


def test_one_session_alternates_between_two_api_processes(
    tmp_path: Path, docker_client: docker.DockerClient, everything_image: BuiltImage
) -> None:
    with (
        running_gateway(tmp_path / "api", docker_client, everything_image, replicas=2) as gateway,
        streaming_proxy(gateway.api_urls) as proxy,
    ):
        listed, results = anyio.run(one_session, proxy.url + gateway.path, gateway, proxy)

    assert "echo" in {tool.name for tool in listed.tools}
    for number, result in enumerate(results):
        assert isinstance(result, mt.CallToolResult)
        assert not result.is_error, result
        assert result.content == [mt.TextContent(type="text", text=f"Echo: call {number}")]

    assert set(proxy.served) == set(gateway.api_urls), proxy.served
    assert all(count >= 3 for count in proxy.served.values()), proxy.served
    stream = [e for e in proxy.exchanges if e.method == "GET"]
    assert stream[0].status == 200 and "text/event-stream" in (stream[0].content_type or "")
    refused = [
        e
        for e in proxy.exchanges
        if e.status >= 400 and not (e.method == "DELETE" and e.status == 405)
    ]
    assert not refused, refused
    assert not proxy.failures, proxy.failures
