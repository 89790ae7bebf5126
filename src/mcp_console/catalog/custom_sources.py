"""Custom catalog sources: who sees them, who may change them, and the audit of every change.

Every add, change and delete is audited (`catalog_source.create|update|delete`), refusals too,
with the source key (`custom-3`) as target and only a code or the scope as detail: never the URL
or the name, which are user input.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from mcp_console.audit.service import FAILURE, SUCCESS, AuditService
from mcp_console.catalog.cache import CatalogCache
from mcp_console.catalog.errors import BuiltinSourceError, SourceLimitError
from mcp_console.catalog.models import CatalogSourceRow
from mcp_console.catalog.ownership import Viewer, changeable, check_may_create, visible
from mcp_console.catalog.repository import PRIVATE, CatalogSourceRepository
from mcp_console.catalog.schemas import SourceCreate, SourceIn, SourceOut
from mcp_console.catalog.sources import CatalogSource
from mcp_console.catalog.sources.custom import PREFIX, custom_key, parse_custom_id
from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.ssrf import SsrfGuard
from mcp_console.secrets import policy

CREATE, UPDATE, DELETE = "catalog_source.create", "catalog_source.update", "catalog_source.delete"
NEW_TARGET = "custom-new"
SOURCE_HINT = (
    "A catalog source is fetched as it is saved and cannot hold references: use a URL without "
    "credentials (a public catalog, or the GitHub source with a GitHub token in settings)."
)
logger = logging.getLogger("mcp_console.catalog")


@dataclass
class AuditEntry:
    """What the audit entry of one change says; filled in as the change learns it."""

    target: str
    detail: str | None = None


class CustomSources:
    def __init__(
        self,
        database: Database,
        guard: SsrfGuard,
        cache: CatalogCache,
        audit: AuditService,
        max_private: int = 10,
        builtin: frozenset[str] = frozenset(),
    ) -> None:
        self._database = database
        self._builtin = builtin  # configured by settings: never changed through the API
        self._max_private = max_private
        self._guard = guard
        self._cache = cache
        self._audit = audit

    async def visible_rows(self, viewer: Viewer) -> list[CatalogSourceRow]:
        async with self._database.sessions() as session:
            return await CatalogSourceRepository(session).list_visible(viewer.email)

    async def row(self, key: str, viewer: Viewer) -> CatalogSourceRow:
        """The source `key` (`3` or `custom-3`) if the viewer may see it, else 404."""
        return visible(await self._get(key), viewer, key)

    async def add(self, data: SourceCreate, viewer: Viewer) -> SourceOut:
        entry = AuditEntry(NEW_TARGET, data.scope)
        async with self.audited(viewer, CREATE, entry):
            check_may_create(data.scope, viewer)
            url = await self._validated_url(data)
            async with self._database.sessions.begin() as session:
                repository = CatalogSourceRepository(session)
                if data.scope == PRIVATE and (
                    await repository.count_private(viewer.email) >= self._max_private
                ):
                    raise SourceLimitError(self._max_private)
                row = await repository.add(data.name, url, viewer.email, data.scope)
            entry.target = custom_key(row.id)
        await self._cache.invalidate(entry.target)  # a new source starts with no cached copy
        logger.info("catalog source added", extra={"source_id": row.id, "scope": row.scope})
        return source_out(row, viewer)

    async def update(self, key: str, data: SourceIn, viewer: Viewer) -> SourceOut:
        entry = AuditEntry(_target(key))
        async with self.audited(viewer, UPDATE, entry):
            self._check_not_builtin(key)
            existing = changeable(await self._get(key), viewer, key)
            url = await self._validated_url(data)
            async with self._database.sessions.begin() as session:
                row = visible(await CatalogSourceRepository(session).get(existing.id), viewer, key)
                row.name, row.url = data.name, url
            entry.detail = row.scope
        await self._cache.invalidate(custom_key(row.id))
        return source_out(row, viewer)

    async def delete(self, key: str, viewer: Viewer) -> None:
        entry = AuditEntry(_target(key))
        async with self.audited(viewer, DELETE, entry):
            self._check_not_builtin(key)
            existing = changeable(await self._get(key), viewer, key)
            async with self._database.sessions.begin() as session:
                repository = CatalogSourceRepository(session)
                row = await repository.get(existing.id)
                if row is not None:
                    await repository.delete(row)
            entry.detail = existing.scope
        await self._cache.invalidate(custom_key(existing.id))

    async def is_current(self, source: CatalogSource) -> bool:
        """Whether a fetch of `source` may still be stored: a custom source deleted or given
        another URL while it was fetched must not leave that result under its cache key."""
        if not source.key.startswith(PREFIX):
            return True  # a built-in source
        row = await self._get(source.key)
        return row is not None and row.url == getattr(source, "url", None)

    async def _get(self, key: str) -> CatalogSourceRow | None:
        source_id = parse_custom_id(key)
        if source_id is None:
            return None
        async with self._database.sessions() as session:
            return await CatalogSourceRepository(session).get(source_id)

    async def _validated_url(self, data: SourceIn) -> str:
        policy.check_config(data.model_dump(), hint=SOURCE_HINT)
        return await self._guard.validate_url(data.url)

    def _check_not_builtin(self, key: str) -> None:
        if key in self._builtin:
            raise BuiltinSourceError(key)

    @asynccontextmanager
    async def audited(self, viewer: Viewer, action: str, entry: AuditEntry) -> AsyncIterator[None]:
        """Records the change once it is done, or its refusal (by code) when it is refused."""
        try:
            yield
        except AppError as error:
            await self._audit.record(viewer.email, action, entry.target, FAILURE, error.code)
            raise
        await self._audit.record(viewer.email, action, entry.target, SUCCESS, entry.detail)


def _target(key: str) -> str:
    source_id = parse_custom_id(key)
    return custom_key(source_id) if source_id is not None else key


def source_out(row: CatalogSourceRow, viewer: Viewer) -> SourceOut:
    return SourceOut(
        id=str(row.id),
        name=row.name,
        kind="custom",
        url=row.url,
        builtin=False,
        scope="private" if row.scope == "private" else "global",
        owner=row.owner,
        can_edit=viewer.may_change(row),
    )
