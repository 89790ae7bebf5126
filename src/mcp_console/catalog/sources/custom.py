"""User-configured catalogs in the Docker format; their ids double as `source=` values."""

from __future__ import annotations

from mcp_console.catalog.documents import DocumentReader
from mcp_console.catalog.models import CatalogSourceRow
from mcp_console.catalog.sources.docker import DockerCatalogSource
from mcp_console.core.ssrf import SafeFetcher

PREFIX = "custom-"


def custom_key(source_id: int) -> str:
    """Cache key and item-id prefix of a custom source (`custom-3`)."""
    return f"{PREFIX}{source_id}"


def parse_custom_id(value: str) -> int | None:
    """`3` or `custom-3` → 3; anything else → None."""
    raw = value.removeprefix(PREFIX)
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def custom_source(
    row: CatalogSourceRow, fetcher: SafeFetcher, reader: DocumentReader
) -> DockerCatalogSource:
    return DockerCatalogSource(custom_key(row.id), row.url, fetcher, reader)
