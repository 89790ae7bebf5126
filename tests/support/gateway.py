"""The API served by uvicorn on a free port inside the test's own event loop, so a test can use
the app's own services (same loop) to set up owners, containers, profiles and tokens, and
reach `/mcp/{profile}` over real HTTP with the official SDK client."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import uvicorn
from fastapi import FastAPI
from mcp import ClientSession
from mcp.client.session import MessageHandlerFnT
from mcp.client.streamable_http import streamable_http_client

from mcp_console.app import create_app
from mcp_console.containers.schemas import CreateContainerRequest
from mcp_console.containers.service import Actor, ContainerService
from mcp_console.core.errors import AppError
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.gateway import schemas
from mcp_console.gateway.profiles import ProfileService
from mcp_console.gateway.runtime import EndpointRuntime
from mcp_console.gateway.tokens import TokenService
from mcp_console.inspector.service import ContainerTarget, InspectorService
from tests.support.containers import container_settings
from tests.support.images import BuiltImage
from tests.support.processes import free_port

T = TypeVar("T")


@dataclass
class Owner:
    email: str

    @property
    def actor(self) -> Actor:
        return Actor(owner=self.email, session_hash=SessionHash("gateway-test-" + self.email))


@dataclass
class LiveApi:
    app: FastAPI
    settings: Settings
    base_url: str
    owners: list[Owner]

    def get(self, kind: type[T]) -> T:
        registry = self.app.state.registry
        found: T = registry.get(kind)
        return found

    def endpoint(self, profile: str = schemas.DEFAULT_PROFILE) -> str:
        return f"{self.base_url}/mcp/{profile}"

    def owner(self) -> Owner:
        owner = Owner(f"gw-{uuid.uuid4().hex[:8]}@example.test")
        self.owners.append(owner)
        return owner

    async def server(self, owner: Owner, image: BuiltImage, base: str = "test", **env: str) -> str:
        """A running test MCP server with its extra tools; `base` names its resource URIs
        (`<base>://greeting`), so several can share a profile; `env` adds variables."""
        env = {"TEST_RESOURCE_BASE": base, "TEST_SERVER_EXTRAS": "1", **env}
        request = CreateContainerRequest.model_validate(
            {"config": {"image": image.tag, "stdin_open": True, "env": env}, "start": True}
        )
        created = await self.get(ContainerService).create(owner.actor, request)
        await self.answering(owner, created.container_id)
        return created.container_id

    async def answering(self, owner: Owner, container_id: str, timeout: float = 60.0) -> None:
        """Waits until the server completes a handshake (a loaded machine starts it slowly)."""
        target = ContainerTarget(owner.actor, container_id)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await self.get(InspectorService).tools(target)
                return
            except AppError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def profile(
        self, owner: Owner, servers: list[dict[str, Any]], name: str = schemas.DEFAULT_PROFILE
    ) -> schemas.Profile:
        profiles = self.get(ProfileService)
        if name != schemas.DEFAULT_PROFILE:
            with contextlib.suppress(Exception):
                return await profiles.create(
                    owner.actor, schemas.ProfileCreate(name=name, servers=servers)
                )
        current = await profiles.get(owner.email, name)
        update = schemas.ProfileUpdate(version=current.version, servers=servers)
        return await profiles.update(owner.actor, name, update)

    async def token(
        self, owner: Owner, profile: str = schemas.DEFAULT_PROFILE, **fields: Any
    ) -> schemas.TokenCreated:
        request = schemas.TokenCreate(name=f"t-{uuid.uuid4().hex[:6]}", profile=profile, **fields)
        return await self.get(TokenService).create(owner.email, request)

    async def flush_call_log(self) -> None:
        await self.get(EndpointRuntime).recorder.flush()


@contextlib.asynccontextmanager
async def live_api(settings: Settings, tmp_path: Path, **overrides: Any) -> AsyncIterator[LiveApi]:
    prepared = await asyncio.to_thread(container_settings, settings, tmp_path, **overrides)
    app = create_app(prepared, KeyManager.from_settings(prepared, secret_registry))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield LiveApi(app, prepared, f"http://127.0.0.1:{port}", [])
    finally:
        server.should_exit = True
        await task


def bearer_client(token: str | None, **headers: str) -> httpx2.AsyncClient:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.AsyncClient(headers={**auth, **headers}, timeout=60)


@contextlib.asynccontextmanager
async def mcp_session(
    url: str, token: str, message_handler: MessageHandlerFnT | None = None
) -> AsyncIterator[ClientSession]:
    """The official SDK client over streamable HTTP, initialised, with the bearer header."""
    async with (
        bearer_client(token) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write, message_handler=message_handler) as session,
    ):
        await session.initialize()
        yield session


class Notifications:
    """A message handler that keeps the methods of the notifications a client receives."""

    def __init__(self) -> None:
        self.methods: asyncio.Queue[str] = asyncio.Queue()

    async def __call__(self, message: Any) -> None:
        method = getattr(message, "method", None)
        if isinstance(method, str):
            await self.methods.put(method)

    async def next(self, timeout: float = 30.0) -> str:
        return await asyncio.wait_for(self.methods.get(), timeout)

    def drain(self) -> list[str]:
        drained = []
        while not self.methods.empty():
            drained.append(self.methods.get_nowait())
        return drained


async def until(predicate: Any, timeout: float = 30.0) -> None:
    """Polls a readiness condition (a stream opened, a row written) up to `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)
