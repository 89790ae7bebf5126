"""Who may see and change a custom catalog source.

A global source is seen by everyone and managed by operators (ADMIN_EMAILS); a private source is
seen and managed by its owner alone. A source a viewer may not see does not exist for them (404,
the same answer as a wrong id), so ids of other users' private sources leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mcp_console.catalog.errors import SourceForbiddenError, UnknownSourceError
from mcp_console.catalog.models import CatalogSourceRow
from mcp_console.catalog.repository import GLOBAL, PRIVATE

Scope = Literal["private", "global"]


@dataclass(frozen=True)
class Viewer:
    """The user a catalog request acts for, and whether they are an operator."""

    email: str
    admin: bool = False

    def sees(self, row: CatalogSourceRow) -> bool:
        return row.scope == GLOBAL or (row.scope == PRIVATE and row.owner == self.email)

    def may_change(self, row: CatalogSourceRow) -> bool:
        return self.admin if row.scope == GLOBAL else row.owner == self.email


# Reads without a user (the service used directly, benchmarks) see built-in and global sources.
ANYONE = Viewer(email="")


def visible(row: CatalogSourceRow | None, viewer: Viewer, key: str) -> CatalogSourceRow:
    """The row if the viewer may see it; otherwise the 404 of a source that does not exist."""
    if row is None or not viewer.sees(row):
        raise UnknownSourceError(key)
    return row


def changeable(row: CatalogSourceRow | None, viewer: Viewer, key: str) -> CatalogSourceRow:
    """The row if the viewer may change it: 404 when they cannot see it, 403 when they only can."""
    seen = visible(row, viewer, key)
    if not viewer.may_change(seen):
        raise SourceForbiddenError(key)
    return seen


def check_may_create(scope: Scope, viewer: Viewer) -> None:
    if scope == GLOBAL and not viewer.admin:
        raise SourceForbiddenError(None)
