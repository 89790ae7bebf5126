"""Thin inspector routes for managed containers: parse, call `InspectorService`, return a schema.

Every route needs a login; a container of another user answers 404 like an unknown one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mcp_console.auth.deps import CurrentSession
from mcp_console.containers.deps import actor_of
from mcp_console.core.sensitive import SENSITIVE_ROUTE
from mcp_console.inspector.deps import InspectorDep
from mcp_console.inspector.schemas import (
    PromptGetRequest,
    PromptList,
    PromptMessages,
    ResourceContents,
    ResourceList,
    ServerCapabilities,
    ToolCallRequest,
    ToolCallResult,
    ToolList,
)
from mcp_console.inspector.service import ContainerTarget

router = APIRouter(prefix="/api/inspector/{container_id}", tags=["inspector"])


def _target(session: CurrentSession, container_id: str) -> ContainerTarget:
    return ContainerTarget(actor_of(session), container_id)


@router.get("/capabilities")
async def capabilities(
    container_id: str, session: CurrentSession, inspector: InspectorDep
) -> ServerCapabilities:
    return await inspector.capabilities(_target(session, container_id))


@router.get("/tools")
async def tools(container_id: str, session: CurrentSession, inspector: InspectorDep) -> ToolList:
    return await inspector.tools(_target(session, container_id))


@router.get("/resources")
async def resources(
    container_id: str, session: CurrentSession, inspector: InspectorDep
) -> ResourceList:
    return await inspector.resources(_target(session, container_id))


@router.get("/resources/read")
async def read_resource(
    container_id: str,
    uri: Annotated[str, Query(min_length=1, max_length=4096)],
    session: CurrentSession,
    inspector: InspectorDep,
) -> ResourceContents:
    return await inspector.read_resource(_target(session, container_id), uri)


@router.get("/prompts")
async def prompts(
    container_id: str, session: CurrentSession, inspector: InspectorDep
) -> PromptList:
    return await inspector.prompts(_target(session, container_id))


# Tool and prompt arguments may carry credentials: never log these bodies.
@router.post("/tools/{name}/call", openapi_extra=SENSITIVE_ROUTE)
async def call_tool(
    container_id: str,
    name: str,
    body: ToolCallRequest,
    session: CurrentSession,
    inspector: InspectorDep,
) -> ToolCallResult:
    return await inspector.call_tool(_target(session, container_id), name, body.arguments)


@router.post("/prompts/{name}/get", openapi_extra=SENSITIVE_ROUTE)
async def get_prompt(
    container_id: str,
    name: str,
    body: PromptGetRequest,
    session: CurrentSession,
    inspector: InspectorDep,
) -> PromptMessages:
    return await inspector.get_prompt(_target(session, container_id), name, body.arguments)
