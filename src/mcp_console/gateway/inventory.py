"""The servers a profile can expose, and what they offer right now.

Owned containers come from the container service (another user's container is not listed,
so it is an unknown server). Live lists (tools, prompts, resource URIs) come from the inspector's
pooled MCP sessions, and only from a running container: a stopped one has none, and one that
does not answer is reported unreachable with the inspector's error code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from mcp_console.containers.schemas import ContainerView
from mcp_console.containers.service import Actor
from mcp_console.core.errors import AppError
from mcp_console.inspector import schemas as inspector_schemas
from mcp_console.inspector.service import ContainerTarget

RUNNING = "running"


class ContainerLister(Protocol):
    async def list_views(
        self, actor: Actor, include_stopped: bool, stats: bool
    ) -> list[ContainerView]: ...


class LiveInspector(Protocol):
    async def capabilities(
        self, target: ContainerTarget
    ) -> inspector_schemas.ServerCapabilities: ...

    async def tools(self, target: ContainerTarget) -> inspector_schemas.ToolList: ...

    async def prompts(self, target: ContainerTarget) -> inspector_schemas.PromptList: ...

    async def resources(self, target: ContainerTarget) -> inspector_schemas.ResourceList: ...


@dataclass(frozen=True)
class LiveLists:
    """What a running server offers; names only (descriptions of tools for the status page)."""

    tools: dict[str, str | None]
    prompts: list[str]
    resources: list[str]


@dataclass(frozen=True)
class ServerState:
    """One owned container: its name, Docker state, and its live lists when it answered."""

    container_id: str
    name: str
    state: str
    live: LiveLists | None = None
    error_code: str | None = None


class ServerInventory:
    def __init__(self, containers: ContainerLister, inspector: LiveInspector) -> None:
        self._containers = containers
        self._inspector = inspector

    async def owned(self, actor: Actor) -> dict[str, ContainerView]:
        views = await self._containers.list_views(actor, include_stopped=True, stats=False)
        return {view.container_id: view for view in views}

    async def states(
        self, actor: Actor, views: list[ContainerView], wanted: set[str]
    ) -> dict[str, ServerState]:
        """Every view's state; live lists for the running containers in `wanted`, fetched
        concurrently (each through its own pooled session)."""
        states = await asyncio.gather(
            *(self._state(actor, view, view.container_id in wanted) for view in views)
        )
        return {state.container_id: state for state in states}

    async def _state(self, actor: Actor, view: ContainerView, wanted: bool) -> ServerState:
        base = ServerState(view.container_id, view.name, view.status)
        if not wanted or view.status != RUNNING:
            return base
        try:
            live = await self._live(ContainerTarget(actor, view.container_id))
        except AppError as exc:
            return ServerState(view.container_id, view.name, view.status, error_code=exc.code)
        return ServerState(view.container_id, view.name, view.status, live=live)

    async def _live(self, target: ContainerTarget) -> LiveLists:
        flags = (await self._inspector.capabilities(target)).capabilities
        tools = (await self._inspector.tools(target)).tools if flags.tools else []
        prompts = (await self._inspector.prompts(target)).prompts if flags.prompts else []
        resources = (await self._inspector.resources(target)).resources if flags.resources else []
        return LiveLists(
            tools={tool.name: tool.description for tool in tools},
            prompts=[prompt.name for prompt in prompts],
            resources=[resource.uri for resource in resources],
        )
