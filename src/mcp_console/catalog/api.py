"""Thin catalog routes: parse, call `CatalogService` for the session's user, return a schema.
All need a login; what a user sees and may change follows `catalog/ownership.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from mcp_console.auth.deps import CurrentSession
from mcp_console.catalog.ownership import Viewer
from mcp_console.catalog.schemas import (
    CacheCleared,
    CatalogItem,
    CatalogPage,
    CatalogQuery,
    SourceCreate,
    SourceIn,
    SourceOut,
)
from mcp_console.catalog.service import CatalogService
from mcp_console.core.deps import SettingsDep, provided
from mcp_console.github.service import requesting_user

router = APIRouter(prefix="/api/catalog", tags=["catalog"])


@dataclass(frozen=True)
class UserCatalog:
    """The catalog as one user sees it; what routes (and the container install) are handed."""

    service: CatalogService
    viewer: Viewer

    async def item(self, item_id: str) -> CatalogItem:
        return await self.service.item(item_id, self.viewer)


async def get_catalog(
    service: Annotated[CatalogService, Depends(provided(CatalogService))],
    settings: SettingsDep,
    session: CurrentSession,
) -> UserCatalog:
    """The catalog, acting for the session's user: a GitHub refresh this request causes sends
    that user's token. Async on purpose, so the context variable is set in the request's task."""
    requesting_user.set(session.user_email)
    viewer = Viewer(session.user_email, admin=settings.is_admin(session.user_email))
    return UserCatalog(service, viewer)


CatalogDep = Annotated[UserCatalog, Depends(get_catalog)]


@router.get("")
async def search_catalog(
    catalog: CatalogDep, query: Annotated[CatalogQuery, Query()]
) -> CatalogPage:
    return await catalog.service.search(query, catalog.viewer)


@router.get("/sources")
async def list_sources(catalog: CatalogDep) -> list[SourceOut]:
    return await catalog.service.sources(catalog.viewer)


@router.post("/sources", status_code=201)
async def add_source(catalog: CatalogDep, body: SourceCreate) -> SourceOut:
    return await catalog.service.add_source(body, catalog.viewer)


@router.put("/sources/{source_id}")
async def update_source(catalog: CatalogDep, source_id: str, body: SourceIn) -> SourceOut:
    return await catalog.service.update_source(source_id, body, catalog.viewer)


@router.delete("/sources/{source_id}", status_code=204)
async def delete_source(catalog: CatalogDep, source_id: str) -> Response:
    await catalog.service.delete_source(source_id, catalog.viewer)
    return Response(status_code=204)


@router.delete("/cache")
async def clear_cache(catalog: CatalogDep) -> CacheCleared:
    return CacheCleared(deleted=await catalog.service.clear_cache(catalog.viewer))


@router.get("/{item_id:path}")
async def get_item(catalog: CatalogDep, item_id: str) -> CatalogItem:
    return await catalog.item(item_id)
