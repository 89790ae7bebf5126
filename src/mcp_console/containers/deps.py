"""Typed dependencies for the container routes (HTTP and WebSocket)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, WebSocket

from mcp_console.auth.deps import AuthSession, websocket_session
from mcp_console.catalog.api import get_catalog
from mcp_console.catalog.schemas import CatalogItem
from mcp_console.containers.service import Actor, ContainerService
from mcp_console.core.deps import provided, registry_of


class CatalogLookup(Protocol):
    async def item(self, item_id: str) -> CatalogItem: ...


def actor_of(session: AuthSession) -> Actor:
    return Actor(owner=session.user_email, session_hash=session.session_hash)


def websocket_service(websocket: WebSocket) -> ContainerService:
    return registry_of(websocket).get(ContainerService)


async def websocket_actor(websocket: WebSocket) -> Actor:
    return actor_of(await websocket_session(websocket))


ContainerServiceDep = Annotated[ContainerService, Depends(provided(ContainerService))]
# The catalog's own dependency: it also names the user a GitHub refresh acts for.
CatalogLookupDep = Annotated[CatalogLookup, Depends(get_catalog)]
