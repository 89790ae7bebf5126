"""The stdio session pool with real SDK servers in memory: one session per key shared by
concurrent requests, a new one after the old one's stream ended, idle sessions closed, and a
failed handshake leaving nothing behind."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from mcp_console.core.errors import AppError
from mcp_console.inspector.client import Limits, McpClient
from mcp_console.inspector.pool import StdioSessionPool
from tests.unit.test_inspector_client import connected, paginated_server


class Connector:
    """Counts how often the pool connects, per key; `silent` keys never answer the handshake."""

    def __init__(self, silent: frozenset[str] = frozenset()) -> None:
        self.opened: list[str] = []
        self.closed: list[str] = []
        self.silent = silent

    @contextlib.asynccontextmanager
    async def __call__(self, key: str) -> AsyncIterator[McpClient]:
        self.opened.append(key)
        server = None if key in self.silent else paginated_server(total=3)
        try:
            async with connected(server, Limits(init_seconds=0.3, call_seconds=2.0)) as client:
                yield client
        finally:
            self.closed.append(key)


async def test_concurrent_requests_share_one_session() -> None:
    connector = Connector()
    pool = StdioSessionPool(connector)
    try:
        clients = await asyncio.gather(*(pool.client("c1") for _ in range(10)))
        assert len({id(client) for client in clients}) == 1
        results = await asyncio.gather(*(c.call_tool(f"t{i}", {}) for i, c in enumerate(clients)))
        assert [r.content[0]["text"] for r in results] == [f"t{i}" for i in range(10)]
        assert connector.opened == ["c1"] and len(pool) == 1
    finally:
        await pool.close()
    assert connector.closed == ["c1"] and len(pool) == 0


async def test_a_session_whose_stream_ended_is_replaced() -> None:
    connector = Connector()
    pool = StdioSessionPool(connector)
    try:
        first = await pool.client("c1")
        first.ended.set()  # what the Docker bridge does when the container's output ends
        await asyncio.sleep(0.05)
        second = await pool.client("c1")
        assert second is not first
        assert connector.opened == ["c1", "c1"] and connector.closed == ["c1"]
        assert (await second.list_tools()).pages == 1
    finally:
        await pool.close()


async def test_idle_sessions_are_closed_on_the_next_request() -> None:
    connector = Connector()
    pool = StdioSessionPool(connector, idle_seconds=0.0)
    try:
        await pool.client("c1")
        await pool.client("c2")
        assert connector.closed == ["c1"]
        assert len(pool) == 1
    finally:
        await pool.close()


async def test_a_failed_handshake_leaves_nothing_and_the_next_request_retries() -> None:
    connector = Connector(silent=frozenset({"quiet"}))
    pool = StdioSessionPool(connector)
    for _ in range(2):
        with pytest.raises(AppError) as caught:
            await pool.client("quiet")
        assert caught.value.code == "MCP_HANDSHAKE_FAILED"
        assert len(pool) == 0
    assert connector.opened == ["quiet", "quiet"] == connector.closed
    await pool.close()
