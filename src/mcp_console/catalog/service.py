"""Catalog behaviour: search across sources (with partial results), items, custom sources."""

from __future__ import annotations

import logging

from mcp_console.catalog.cache import CatalogCache
from mcp_console.catalog.documents import DEFAULT_READER, DocumentReader
from mcp_console.catalog.errors import ItemNotFoundError, UnknownSourceError
from mcp_console.catalog.index import SearchIndex, facets
from mcp_console.catalog.models import CatalogSourceRow
from mcp_console.catalog.refresh import CatalogLoader, as_app_error
from mcp_console.catalog.repository import CatalogSourceRepository
from mcp_console.catalog.schemas import (
    CatalogItem,
    CatalogPage,
    CatalogQuery,
    Facets,
    SourceError,
    SourceIn,
    SourceOut,
)
from mcp_console.catalog.sources import CatalogSource
from mcp_console.catalog.sources.custom import custom_key, custom_source, parse_custom_id
from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.ssrf import SafeFetcher
from mcp_console.secrets import policy

SOURCE_HINT = (
    "A catalog source is fetched as it is saved and cannot hold references: use a URL without "
    "credentials (a public catalog, or the GitHub source with a GitHub token in settings)."
)
logger = logging.getLogger("mcp_console.catalog")


class CatalogService:
    """Collaborators come in ready-made: built-in sources, loader (cache + index), database."""

    def __init__(
        self,
        builtin: dict[str, tuple[CatalogSource, str]],
        enabled: list[str],
        loader: CatalogLoader,
        database: Database,
        fetcher: SafeFetcher,
        reader: DocumentReader = DEFAULT_READER,
    ) -> None:
        self._builtin = builtin
        self._enabled = [key for key in enabled if key in builtin]
        self.loader = loader
        self._database = database
        self._fetcher = fetcher
        self._reader = reader

    @property
    def cache(self) -> CatalogCache:
        return self.loader.cache

    async def search(self, query: CatalogQuery) -> CatalogPage:
        sources = await self._selected(query.source)
        outcomes = await self.loader.indexes_of(sources)
        indexes: list[SearchIndex] = []
        errors: list[SourceError] = []
        first_error: AppError | None = None
        for source, outcome in zip(sources, outcomes, strict=True):
            if isinstance(outcome, SearchIndex):
                indexes.append(outcome)
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

    async def item(self, item_id: str) -> CatalogItem:
        key = item_id.split(":", 1)[0]
        try:
            (source,) = await self._selected(key)
        except UnknownSourceError:
            raise ItemNotFoundError() from None
        index = await self.loader.index(source)
        position = index.by_id.get(item_id)
        if position is None:
            raise ItemNotFoundError()
        return index.items[position]

    async def _selected(self, key: str | None) -> list[CatalogSource]:
        if key is None:
            rows = await self._custom_rows()
            builtin = [self._builtin[k][0] for k in self._enabled]
            return builtin + [custom_source(row, self._fetcher, self._reader) for row in rows]
        if key in self._builtin:
            return [self._builtin[key][0]]
        row = await self._custom_row(key)
        return [custom_source(row, self._fetcher, self._reader)]

    async def _custom_rows(self) -> list[CatalogSourceRow]:
        async with self._database.sessions() as session:
            return await CatalogSourceRepository(session).list()

    async def _custom_row(self, key: str) -> CatalogSourceRow:
        source_id = parse_custom_id(key)
        row = None
        if source_id is not None:
            async with self._database.sessions() as session:
                row = await CatalogSourceRepository(session).get(source_id)
        if row is None:
            raise UnknownSourceError(key)
        return row

    async def sources(self) -> list[SourceOut]:
        builtin = [
            SourceOut(id=key, name=key, kind=key, url=url, builtin=True,
                      enabled=key in self._enabled)
            for key, (_source, url) in self._builtin.items()
        ]  # fmt: skip
        listed = builtin + [_custom_out(row) for row in await self._custom_rows()]
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

    async def add_source(self, data: SourceIn, created_by: str) -> SourceOut:
        policy.check_config(data.model_dump(), hint=SOURCE_HINT)
        url = await self._fetcher.guard.validate_url(data.url)
        async with self._database.sessions.begin() as session:
            row = await CatalogSourceRepository(session).add(data.name, url, created_by)
        logger.info("catalog source added", extra={"source_id": row.id})
        return _custom_out(row)

    async def update_source(self, key: str, data: SourceIn) -> SourceOut:
        policy.check_config(data.model_dump(), hint=SOURCE_HINT)
        existing = await self._custom_row(key)
        url = await self._fetcher.guard.validate_url(data.url)
        async with self._database.sessions.begin() as session:
            row = await CatalogSourceRepository(session).get(existing.id)
            if row is None:
                raise UnknownSourceError(key)
            row.name, row.url = data.name, url
        await self.cache.invalidate(custom_key(existing.id))
        return _custom_out(row)

    async def delete_source(self, key: str) -> None:
        existing = await self._custom_row(key)
        async with self._database.sessions.begin() as session:
            row = await CatalogSourceRepository(session).get(existing.id)
            if row is not None:
                await CatalogSourceRepository(session).delete(row)
        await self.cache.invalidate(custom_key(existing.id))

    async def aclose(self) -> None:
        await self._fetcher.aclose()

    async def clear_cache(self) -> int:
        self.loader.indexes.clear()
        return await self.cache.invalidate_all()


def _custom_out(row: CatalogSourceRow) -> SourceOut:
    return SourceOut(id=str(row.id), name=row.name, kind="custom", url=row.url, builtin=False)
