"""Builds the inspector's parts from settings and the shared clients (lifespan and tests)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from mcp_console.containers.docker import DockerAdapter
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SsrfGuard, SsrfPolicy
from mcp_console.inspector import schemas
from mcp_console.inspector.client import (
    Limits,
    McpClient,
    connect_docker_stdio,
    connect_remote,
)
from mcp_console.inspector.pool import StdioSessionPool
from mcp_console.inspector.service import RemoteConnector


@dataclass
class InspectorParts:
    """What the lifespan keeps for the inspector: the stdio session pool and the remote door."""

    pool: StdioSessionPool
    remote: RemoteConnector

    async def close(self) -> None:
        await self.pool.close()


def build_inspector_parts(settings: Settings, docker: DockerAdapter) -> InspectorParts:
    limits = limits_of(settings)
    guard = SsrfGuard(SsrfPolicy.from_settings(settings))
    return InspectorParts(stdio_pool(docker, limits), remote_connector(guard, limits))


def limits_of(settings: Settings) -> Limits:
    return Limits(
        init_seconds=settings.mcp_init_timeout_seconds,
        call_seconds=settings.mcp_call_timeout_seconds,
    )


def stdio_pool(docker: DockerAdapter, limits: Limits) -> StdioSessionPool:
    """Sessions over `docker attach` to the container's own stdin/stdout (docs/INSPECTOR.md)."""

    @contextlib.asynccontextmanager
    async def attached(docker_id: str) -> AsyncIterator[McpClient]:
        sock = await docker.attach_stdio(docker_id)
        async with connect_docker_stdio(sock, limits) as client:
            yield client

    return StdioSessionPool(attached)


def remote_connector(guard: SsrfGuard, limits: Limits) -> RemoteConnector:
    """Checks the URL (400 SSRF_BLOCKED with a reason) before the pinned client connects."""

    @contextlib.asynccontextmanager
    async def connect(server: schemas.RemoteServer) -> AsyncIterator[McpClient]:
        await guard.validate_url(str(server.url))
        async with connect_remote(server, guard.httpx2_client, limits) as client:
            yield client

    return connect
