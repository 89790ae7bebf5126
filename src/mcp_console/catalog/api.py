"""Thin catalog routes: parse, call `CatalogService`, return a schema. All need a login."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from mcp_console.auth.deps import CurrentSession
from mcp_console.catalog.schemas import CatalogItem, CatalogPage, CatalogQuery, SourceIn, SourceOut
from mcp_console.catalog.service import CatalogService
from mcp_console.catalog.sources.github import requesting_user
from mcp_console.core.deps import ServicesDep

router = APIRouter(prefix="/api/catalog", tags=["catalog"])


async def get_catalog(services: ServicesDep, session: CurrentSession) -> CatalogService:
    """The catalog, acting for the session's user: a GitHub refresh this request causes sends
    that user's token. Async on purpose, so the context variable is set in the request's task."""
    requesting_user.set(session.user_email)
    return services.catalog


CatalogDep = Annotated[CatalogService, Depends(get_catalog)]


@router.get("")
async def search_catalog(
    catalog: CatalogDep, session: CurrentSession, query: Annotated[CatalogQuery, Query()]
) -> CatalogPage:
    return await catalog.search(query)


@router.get("/sources")
async def list_sources(catalog: CatalogDep, session: CurrentSession) -> list[SourceOut]:
    return await catalog.sources()


@router.post("/sources", status_code=201)
async def add_source(catalog: CatalogDep, session: CurrentSession, body: SourceIn) -> SourceOut:
    return await catalog.add_source(body, session.user_email)


@router.put("/sources/{source_id}")
async def update_source(
    catalog: CatalogDep, session: CurrentSession, source_id: str, body: SourceIn
) -> SourceOut:
    return await catalog.update_source(source_id, body)


@router.delete("/sources/{source_id}", status_code=204)
async def delete_source(catalog: CatalogDep, session: CurrentSession, source_id: str) -> Response:
    await catalog.delete_source(source_id)
    return Response(status_code=204)


@router.delete("/cache")
async def clear_cache(catalog: CatalogDep, session: CurrentSession) -> dict[str, int]:
    return {"deleted": await catalog.clear_cache()}


@router.get("/{item_id:path}")
async def get_item(catalog: CatalogDep, session: CurrentSession, item_id: str) -> CatalogItem:
    return await catalog.item(item_id)
