"""One live MCP session per stdio container in this process, shared by concurrent requests.

A stdio server has a single stdin and a single stdout, so every inspector request of this process
goes through one attach connection and one `ClientSession`: the SDK gives each request its own
JSON-RPC id and hands each answer to the request that sent it, and writes go out one message at a
time through one socket, so messages never interleave on the pipe. The session lives in a task
of its own (anyio scopes must be left by the task that entered them); it ends when the
container's output ends (stop, restart, delete), when it has been idle too long, or at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import anyio

from mcp_console.inspector.client import McpClient, unwrap_error

Connector = Callable[[str], AbstractAsyncContextManager[McpClient]]
IDLE_SECONDS = 300.0


class _Connection:
    """The task that holds one session open until it is told to stop or the stream ends."""

    def __init__(self, connector: Connector, key: str) -> None:
        self._connector = connector
        self._key = key
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._error: BaseException | None = None
        self.client: McpClient | None = None
        self.last_used = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done() and self.client is not None

    async def open(self) -> McpClient:
        self._task = asyncio.create_task(self._run(), name=f"mcp-session-{self._key[:12]}")
        await self._ready.wait()
        if self._error is not None or self.client is None:
            await self.close()
            raise self._error or RuntimeError("the MCP session did not start")
        return self.client

    async def _run(self) -> None:
        try:
            async with self._connector(self._key) as client:
                self.client = client
                self._ready.set()
                async with anyio.create_task_group() as watchers:
                    watchers.start_soon(_set_when, client.ended, self._stop)
                    await self._stop.wait()
                    watchers.cancel_scope.cancel()
        except Exception as exc:
            self._error = unwrap_error(exc)
        finally:
            self.client = None
            self._ready.set()

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


async def _set_when(event: anyio.Event, target: asyncio.Event) -> None:
    await event.wait()
    target.set()


class StdioSessionPool:
    """Sessions keyed by Docker container id; a new id (re-created container) means a new one."""

    def __init__(self, connector: Connector, idle_seconds: float = IDLE_SECONDS) -> None:
        self._connector = connector
        self._idle_seconds = idle_seconds
        self._connections: dict[str, _Connection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def client(self, key: str) -> McpClient:
        await self._close_idle(exclude=key)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            connection = self._connections.get(key)
            if connection is None or not connection.alive:
                connection = _Connection(self._connector, key)
                try:
                    await connection.open()
                except BaseException:
                    self._locks.pop(key, None)
                    raise
                self._connections[key] = connection
            connection.last_used = time.monotonic()
            assert connection.client is not None
            return connection.client

    async def discard(self, key: str) -> None:
        connection = self._connections.pop(key, None)
        if connection is not None:
            await connection.close()

    async def _close_idle(self, exclude: str) -> None:
        deadline = time.monotonic() - self._idle_seconds
        for key, connection in list(self._connections.items()):
            if key != exclude and (connection.last_used < deadline or not connection.alive):
                await self.discard(key)

    async def close(self) -> None:
        for key in list(self._connections):
            await self.discard(key)

    def __len__(self) -> int:
        return sum(1 for connection in self._connections.values() if connection.alive)
