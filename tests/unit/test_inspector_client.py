"""The MCP adapter against real SDK servers in memory: pagination followed to the end, cursor
loops refused, time limits on the handshake and on each request, errors mapped to AppErrors."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import mcp_types as mt
import pytest
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp.shared.memory import create_client_server_memory_streams

from mcp_console.core.errors import AppError
from mcp_console.inspector.client import Limits, McpClient, connect_streams, unwrapped_errors

LIMITS = Limits(init_seconds=2.0, call_seconds=1.0)
PAGE = 10
Handler = Callable[..., Awaitable[Any]]


def _page(cursor: str | None, total: int) -> tuple[range, str | None]:
    start = int(cursor or 0)
    end = min(start + PAGE, total)
    return range(start, end), (str(end) if end < total else None)


def paginated_server(total: int = 25, loop_cursor: bool = False) -> Server[Any]:
    """Tools, resources and prompts served `PAGE` at a time with numeric cursors."""

    async def list_tools(_ctx: Any, params: mt.PaginatedRequestParams | None) -> mt.ListToolsResult:
        items, cursor = _page(params.cursor if params else None, total)
        return mt.ListToolsResult(
            tools=[
                mt.Tool(name=f"tool-{i}", input_schema={"type": "object", "properties": {}})
                for i in items
            ],
            next_cursor="again" if loop_cursor else cursor,
        )

    async def list_resources(
        _ctx: Any, params: mt.PaginatedRequestParams | None
    ) -> mt.ListResourcesResult:
        items, cursor = _page(params.cursor if params else None, total)
        return mt.ListResourcesResult(
            resources=[mt.Resource(name=f"r{i}", uri=f"test://r/{i}") for i in items],
            next_cursor=cursor,
        )

    async def list_prompts(
        _ctx: Any, params: mt.PaginatedRequestParams | None
    ) -> mt.ListPromptsResult:
        items, cursor = _page(params.cursor if params else None, total)
        return mt.ListPromptsResult(
            prompts=[mt.Prompt(name=f"prompt-{i}") for i in items], next_cursor=cursor
        )

    async def call_tool(_ctx: Any, params: mt.CallToolRequestParams) -> mt.CallToolResult:
        if params.name == "slow":
            await anyio.sleep(30)
        if params.name == "refuse":
            raise MCPError(code=mt.INVALID_PARAMS, message="refused on purpose")
        return mt.CallToolResult(content=[mt.TextContent(type="text", text=params.name)])

    return Server(
        "paginated",
        version="0.1",
        on_list_tools=list_tools,
        on_list_resources=list_resources,
        on_list_prompts=list_prompts,
        on_call_tool=call_tool,
    )


@contextlib.asynccontextmanager
async def connected(
    server: Server[Any] | None, limits: Limits = LIMITS
) -> AsyncIterator[McpClient]:
    """`server=None` leaves the other end silent (nothing ever answers)."""
    async with create_client_server_memory_streams() as (client_streams, server_streams):
        with unwrapped_errors():
            async with anyio.create_task_group() as tasks:
                if server is not None:
                    options = server.create_initialization_options()
                    tasks.start_soon(server.run, *server_streams, options)
                try:
                    async with connect_streams(*client_streams, limits) as client:
                        yield client
                finally:
                    tasks.cancel_scope.cancel()


async def test_every_page_is_followed_to_the_end() -> None:
    async with connected(paginated_server(total=25)) as client:
        tools = await client.list_tools()
        resources = await client.list_resources()
        prompts = await client.list_prompts()
    assert [tool.name for tool in tools.tools] == [f"tool-{i}" for i in range(25)]
    assert tools.pages == 3
    assert [r.uri for r in resources.resources] == [f"test://r/{i}" for i in range(25)]
    assert resources.pages == 3
    assert len(prompts.prompts) == 25 and prompts.pages == 3


async def test_single_page_lists_report_one_page() -> None:
    async with connected(paginated_server(total=4)) as client:
        tools = await client.list_tools()
    assert len(tools.tools) == 4 and tools.pages == 1


async def test_a_cursor_that_repeats_is_refused_instead_of_looping() -> None:
    async with connected(paginated_server(loop_cursor=True)) as client:
        with pytest.raises(AppError) as caught:
            await client.list_tools()
    assert (caught.value.status, caught.value.code) == (502, "MCP_REQUEST_FAILED")


async def test_silent_peer_fails_the_handshake_within_the_limit() -> None:
    started = time.monotonic()
    with pytest.raises(AppError) as caught:
        async with connected(None, Limits(init_seconds=0.5, call_seconds=5.0)):
            pass
    assert (caught.value.status, caught.value.code) == (502, "MCP_HANDSHAKE_FAILED")
    assert time.monotonic() - started < 2.0


async def test_slow_request_answers_504_and_the_session_stays_usable() -> None:
    async with connected(paginated_server()) as client:
        started = time.monotonic()
        with pytest.raises(AppError) as caught:
            await client.call_tool("slow", {})
        assert (caught.value.status, caught.value.code) == (504, "MCP_TIMEOUT")
        assert time.monotonic() - started < LIMITS.call_seconds + 1.0
        assert (await client.call_tool("fast", {})).content[0]["text"] == "fast"


async def test_server_error_answers_502_with_its_message_and_code() -> None:
    async with connected(paginated_server()) as client:
        with pytest.raises(AppError) as caught:
            await client.call_tool("refuse", {})
    assert (caught.value.status, caught.value.code) == (502, "MCP_REQUEST_FAILED")
    assert "refused on purpose" in caught.value.message
    assert caught.value.details == {"mcp_code": mt.INVALID_PARAMS}


async def test_capabilities_come_from_the_handshake() -> None:
    async with connected(paginated_server()) as client:
        capabilities = client.capabilities()
    assert capabilities.server_name == "paginated"
    assert capabilities.server_version == "0.1"
    assert capabilities.capabilities.tools and capabilities.capabilities.prompts
    assert not capabilities.capabilities.logging
