"""Catalog source adapters: each turns one upstream format into `CatalogItem`s."""

from __future__ import annotations

from typing import Protocol

from mcp_console.catalog.normalize import SourceResult


class CatalogSource(Protocol):
    """Anything that can fetch one catalog; `key` names it in cache keys and item ids."""

    key: str

    async def fetch(self) -> SourceResult: ...
