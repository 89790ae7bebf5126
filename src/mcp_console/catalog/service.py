"""Catalog behaviour: search across sources (with partial results), items, custom sources.

Every read takes the `Viewer` it acts for: the merged catalog is built-in + global + that user's
private sources, and another user's private source is not found (see `ownership.py`)."""

from __future__ import annotations

import asyncio

from mcp_console.catalog.cache import CatalogCache
from mcp_console.catalog.custom_sources import CustomSources, source_out
from mcp_console.catalog.errors import ItemNotFoundError, UnknownSourceError
from mcp_console.catalog.index import SearchIndex, facets
from mcp_console.catalog.ownership import ANYONE, Viewer
from mcp_console.catalog.refresh import CatalogLoader
from mcp_console.catalog.schemas import (
    CatalogItem,
    CatalogPage,
    CatalogQuery,
    Facets,
    SourceCreate,
    SourceError,
    SourceIn,
    SourceOut,
)
from mcp_console.catalog.sources import CatalogSource
from mcp_console.catalog.sources.custom import custom_source
from mcp_console.core.errors import AppError
from mcp_console.core.ssrf import SafeFetcher


class CatalogService:
    """Collaborators come in ready-made: built-in sources, loader (cache + index), the custom
    sources (database, ownership, audit)."""

    def __init__(
        self,
        builtin: dict[str, tuple[CatalogSource, str]],
        enabled: list[str],
        loader: CatalogLoader,
        custom: CustomSources,
        fetcher: SafeFetcher,
    ) -> None:
        self._builtin = builtin
        self._enabled = [key for key in enabled if key in builtin]
        self.loader = loader
        self.custom = custom
        self._fetcher = fetcher

    @property
    def cache(self) -> CatalogCache:
        return self.loader.cache

    async def search(self, query: CatalogQuery, viewer: Viewer = ANYONE) -> CatalogPage:
        sources = await self._selected(query.source, viewer)
        outcomes = await asyncio.gather(
            *(self.loader.index(source) for source in sources), return_exceptions=True
        )
        indexes: list[SearchIndex] = []
        errors: list[SourceError] = []
        first_error: AppError | None = None
        for source, outcome in zip(sources, outcomes, strict=True):
            if isinstance(outcome, SearchIndex):
                indexes.append(outcome)
                if outcome.partial:  # read in part: its items are served, the reason goes along
                    message = (
                        f"The catalog source '{source.key}' was read in part: {outcome.partial}."
                    )
                    code = "CATALOG_SOURCE_PARTIAL"
                    errors.append(SourceError(source=source.key, code=code, message=message))
            elif isinstance(outcome, AppError):
                first_error = first_error or outcome
                errors.append(
                    SourceError(source=source.key, code=outcome.code, message=outcome.message)
                )
            else:
                raise outcome
        if first_error is not None and not indexes:
            raise first_error
        matched = [
            item
            for index in indexes
            for item in index.match(
                query.q,
                category=query.category,
                tag=query.tag,
                transport=query.transport,
                installable=query.installable,
            )
        ]
        categories, tags = facets(matched)
        start = (query.page - 1) * query.page_size
        return CatalogPage(
            items=matched[start : start + query.page_size],
            total=len(matched),
            page=query.page,
            page_size=query.page_size,
            facets=Facets(categories=categories, tags=tags),
            partial=bool(errors),
            errors=errors,
        )

    async def item(self, item_id: str, viewer: Viewer = ANYONE) -> CatalogItem:
        key = item_id.split(":", 1)[0]
        try:
            (source,) = await self._selected(key, viewer)
        except UnknownSourceError:
            raise ItemNotFoundError() from None
        index = await self.loader.index(source)
        position = index.by_id.get(item_id)
        if position is None:
            raise ItemNotFoundError()
        return index.items[position]

    async def _selected(self, key: str | None, viewer: Viewer) -> list[CatalogSource]:
        if key is None:
            rows = await self.custom.visible_rows(viewer)
            builtin = [self._builtin[k][0] for k in self._enabled]
            return builtin + [custom_source(row, self._fetcher) for row in rows]
        if key in self._builtin:
            return [self._builtin[key][0]]
        row = await self.custom.row(key, viewer)
        return [custom_source(row, self._fetcher)]

    async def sources(self, viewer: Viewer = ANYONE) -> list[SourceOut]:
        builtin = [
            SourceOut(id=key, name=key, kind=key, url=url, builtin=True,
                      enabled=key in self._enabled)
            for key, (_source, url) in self._builtin.items()
        ]  # fmt: skip
        rows = await self.custom.visible_rows(viewer)
        return builtin + [source_out(row, viewer) for row in rows]

    async def add_source(self, data: SourceCreate, viewer: Viewer) -> SourceOut:
        return await self.custom.add(data, viewer)

    async def update_source(self, key: str, data: SourceIn, viewer: Viewer) -> SourceOut:
        return await self.custom.update(key, data, viewer)

    async def delete_source(self, key: str, viewer: Viewer) -> None:
        await self.custom.delete(key, viewer)

    async def aclose(self) -> None:
        await self._fetcher.aclose()

    async def clear_cache(self) -> int:
        self.loader.indexes.clear()
        return await self.cache.invalidate_all()
