"""Catalog behaviour: search across sources (with partial results), items, custom sources.

Every read takes the `Viewer` it acts for: the merged catalog is built-in + global + that user's
private sources, and another user's private source is not found (see `ownership.py`)."""

from __future__ import annotations

from mcp_console.catalog.cache import CatalogCache
from mcp_console.catalog.custom_sources import AuditEntry, CustomSources, source_out
from mcp_console.catalog.documents import DEFAULT_READER, DocumentReader
from mcp_console.catalog.errors import (
    CacheForbiddenError,
    ItemNotFoundError,
    UnknownSourceError,
)
from mcp_console.catalog.index import SearchIndex, facets
from mcp_console.catalog.ownership import ANYONE, Viewer
from mcp_console.catalog.refresh import CatalogLoader, as_app_error
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
from mcp_console.catalog.sources.custom import custom_key, custom_source
from mcp_console.core.errors import AppError
from mcp_console.core.ssrf import SafeFetcher

CACHE_CLEAR, CACHE_TARGET = "catalog_cache.clear", "catalog-cache"


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
        reader: DocumentReader = DEFAULT_READER,
    ) -> None:
        self._builtin = builtin
        self._enabled = [key for key in enabled if key in builtin]
        self.loader = loader
        self.custom = custom
        self._fetcher = fetcher
        self._reader = reader

    @property
    def cache(self) -> CatalogCache:
        return self.loader.cache

    async def search(self, query: CatalogQuery, viewer: Viewer = ANYONE) -> CatalogPage:
        sources = await self._selected(query.source, viewer)
        outcomes = await self.loader.indexes_of(sources)
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
            else:
                error = as_app_error(outcome, source.key)
                first_error = first_error or error
                errors.append(
                    SourceError(source=source.key, code=error.code, message=error.message)
                )
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
            return builtin + [custom_source(row, self._fetcher, self._reader) for row in rows]
        if key in self._builtin:
            return [self._builtin[key][0]]
        row = await self.custom.row(key, viewer)
        return [custom_source(row, self._fetcher, self._reader)]

    async def sources(self, viewer: Viewer = ANYONE) -> list[SourceOut]:
        builtin = [
            SourceOut(id=key, name=key, kind=key, url=url, builtin=True,
                      enabled=key in self._enabled)
            for key, (_source, url) in self._builtin.items()
        ]  # fmt: skip
        rows = await self.custom.visible_rows(viewer)
        listed = builtin + [source_out(row, viewer) for row in rows]
        return [await self._with_status(source) for source in listed]

    async def _with_status(self, source: SourceOut) -> SourceOut:
        """Each source's health from the shared cache: its last error (kept until a refresh
        succeeds) or a cached copy."""
        key = source.id if source.builtin else custom_key(int(source.id))
        error = await self.cache.last_error(key)
        if error is not None:
            last = SourceError(
                source=key, code=str(error.get("code")), message=str(error.get("message"))
            )
            return source.model_copy(update={"status": "failed", "last_error": last})
        if await self.cache.state(key) is not None:
            return source.model_copy(update={"status": "ok"})
        return source

    async def add_source(self, data: SourceCreate, viewer: Viewer) -> SourceOut:
        return await self.custom.add(data, viewer)

    async def update_source(self, key: str, data: SourceIn, viewer: Viewer) -> SourceOut:
        return await self.custom.update(key, data, viewer)

    async def delete_source(self, key: str, viewer: Viewer) -> None:
        await self.custom.delete(key, viewer)

    async def aclose(self) -> None:
        await self._fetcher.aclose()

    async def clear_cache(self, viewer: Viewer) -> int:
        """Drops every cached catalog and remembered failure, for every user: operators only."""
        async with self.custom.audited(viewer, CACHE_CLEAR, AuditEntry(CACHE_TARGET)):
            if not viewer.admin:
                raise CacheForbiddenError()
            self.loader.indexes.clear()
            return await self.cache.invalidate_all()
