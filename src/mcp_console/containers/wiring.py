"""Builds the container service from the shared clients (API dependency and worker task alike)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp_console.audit.service import AuditService
from mcp_console.containers.docker import DockerAdapter
from mcp_console.containers.locks import ContainerLocks
from mcp_console.containers.service import ContainerService
from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.secrets.resolver import build_secret_resolver


def build_container_service(
    settings: Settings,
    keys: KeyManager,
    redis: RedisService,
    database: Database,
    docker: DockerAdapter,
) -> ContainerService:
    return ContainerService(
        docker=docker,
        database=database,
        resolver=build_secret_resolver(settings, keys, redis),
        audit=AuditService(database),
        locks=ContainerLocks(redis),
        settings=settings,
    )


@asynccontextmanager
async def docker_adapter(settings: Settings) -> AsyncIterator[DockerAdapter]:
    adapter = DockerAdapter(settings.docker_host)
    try:
        yield adapter
    finally:
        await adapter.close()
