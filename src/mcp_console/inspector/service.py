"""Inspecting MCP servers: what a server offers, and trying its tools, resources and prompts.

Two kinds of target. A managed container (owned by the caller, running, started with stdin
open) is reached over stdio through the process-wide session pool. A remote server is reached
over streamable HTTP or SSE with one short session per request. Tool calls are checked against
the tool's `inputSchema` first; a tool's own error result is returned as data.

Payloads are never logged: tool arguments and results, resource contents and prompt messages
may hold vault values, and the redactor's exact-value registry only knows what this process
resolved (not what another replica, the worker or a restarted API did). Log lines carry names,
counts, sizes in bytes, durations and outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from mcp_console.containers.service import Actor
from mcp_console.core.errors import AppError
from mcp_console.inspector import schemas
from mcp_console.inspector.client import McpClient, handshake_failed
from mcp_console.inspector.pool import StdioSessionPool
from mcp_console.inspector.validation import check_arguments

logger = logging.getLogger("mcp_console.inspector")
RemoteConnector = Callable[[schemas.RemoteServer], AbstractAsyncContextManager[McpClient]]


class ContainerLookup(Protocol):
    """The container service: ownership (404 for others) and the current Docker id."""

    async def docker_id_of(self, actor: Actor, container_id: str) -> str: ...


class ContainerState(Protocol):
    async def inspect(self, docker_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class ContainerTarget:
    actor: Actor
    container_id: str


Target = ContainerTarget | schemas.RemoteServer


def container_not_running() -> AppError:
    return AppError(
        "CONTAINER_NOT_RUNNING",
        "The container is not running.",
        status=409,
        hint="Start it with POST /api/containers/{id}/start, then inspect it again.",
    )


class InspectorService:
    def __init__(
        self,
        containers: ContainerLookup,
        docker: ContainerState,
        pool: StdioSessionPool,
        remote: RemoteConnector,
    ) -> None:
        self._containers = containers
        self._docker = docker
        self._pool = pool
        self._remote = remote

    async def capabilities(self, target: Target) -> schemas.ServerCapabilities:
        async with self._client(target) as client:
            return client.capabilities()

    async def tools(self, target: Target) -> schemas.ToolList:
        async with self._client(target) as client:
            return await client.list_tools()

    async def resources(self, target: Target) -> schemas.ResourceList:
        async with self._client(target) as client:
            return await client.list_resources()

    async def prompts(self, target: Target) -> schemas.PromptList:
        async with self._client(target) as client:
            return await client.list_prompts()

    async def read_resource(self, target: Target, uri: str) -> schemas.ResourceContents:
        """Logged without the URI (it may carry parameters; only its size) nor the contents."""
        started = time.perf_counter()
        async with self._client(target) as client:
            result = await client.read_resource(uri)
        _log_exchange("mcp resource read", started, uri, result.contents)
        return result

    async def get_prompt(
        self, target: Target, name: str, arguments: dict[str, str]
    ) -> schemas.PromptMessages:
        started = time.perf_counter()
        async with self._client(target) as client:
            result = await client.get_prompt(name, arguments)
        _log_exchange("mcp prompt fetched", started, arguments, result.messages, prompt=name)
        return result

    async def call_tool(
        self, target: Target, name: str, arguments: dict[str, Any]
    ) -> schemas.ToolCallResult:
        """Validate, call, log the exchange's sizes and outcome; error results are data."""
        async with self._client(target) as client:
            tool = await client.tool(name)
            if tool is None:
                raise AppError(
                    "TOOL_NOT_FOUND",
                    f"The server has no tool named {name}.",
                    status=404,
                    hint="GET .../tools lists the tools this server offers.",
                )
            await asyncio.to_thread(check_arguments, name, tool.input_schema, arguments)
            started = time.perf_counter()
            result = await client.call_tool(name, arguments)
        _log_exchange(
            "mcp tool called",
            started,
            arguments,
            result.content,
            tool=name,
            is_error=result.is_error,
        )
        return result

    @contextlib.asynccontextmanager
    async def connected(self, target: ContainerTarget) -> AsyncIterator[McpClient]:
        """The pooled session of an owned, running container, for raw pass-through (the
        gateway): the same checks and pool as every inspector request."""
        async with self._client(target) as client:
            yield client

    @contextlib.asynccontextmanager
    async def _client(self, target: Target) -> AsyncIterator[McpClient]:
        if isinstance(target, schemas.RemoteServer):
            async with self._remote(target) as client:
                yield client
            return
        docker_id = await self._stdio_container(target)
        client = await self._pool.client(docker_id)
        try:
            yield client
        except AppError as exc:
            if exc.code == "MCP_CONNECTION_LOST":
                await self._pool.discard(docker_id)
            raise

    async def _stdio_container(self, target: ContainerTarget) -> str:
        """The Docker id of an owned container that runs and can be spoken to over stdio."""
        docker_id = await self._containers.docker_id_of(target.actor, target.container_id)
        attrs = await self._docker.inspect(docker_id)
        state = (attrs or {}).get("State") or {}
        if not state.get("Running") or state.get("Paused") or state.get("Restarting"):
            raise container_not_running()
        assert attrs is not None
        if not (attrs.get("Config") or {}).get("OpenStdin"):
            raise handshake_failed(
                "the container was started without stdin open",
                hint="Set stdin_open in the container config: stdio MCP servers read stdin.",
            )
        return docker_id


def _size(payload: object) -> int:
    """Bytes of a payload's JSON form: how much went or came back, never what."""
    return len(json.dumps(payload, default=str).encode("utf-8"))


def _log_exchange(
    message: str, started: float, sent: object, received: list[Any], **names: str | bool
) -> None:
    """Names, counts, sizes and the duration: what was sent and received is measured, never
    written."""
    fields = {
        **names,
        "argument_bytes": _size(sent),
        "items": len(received),
        "output_bytes": _size(received),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    logger.info(message, extra=fields)
