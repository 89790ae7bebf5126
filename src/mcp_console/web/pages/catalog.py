"""Catalog: search every catalog source (search as you type, source, facets, installable-only,
pages) and one item's details. The filters live in the address, so a search can be bookmarked
and works without JavaScript; htmx swaps only the results."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mcp_console.catalog.schemas import CatalogItem, CatalogPage, Facets, SourceOut
from mcp_console.web.api_client import ApiClient, ApiError
from mcp_console.web.deps import Api, Session
from mcp_console.web.install_preview import catalog_settings
from mcp_console.web.render import render

router = APIRouter()

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200  # the API's own limit: a longer search is cut, not refused
SHOWN_TAGS = 15  # the most frequent tags; the rest sit behind "More tags"
BUILTIN_LABELS = {"docker": "Docker", "github": "GitHub", "official": "Official"}
CUSTOM_PREFIX = "custom-"  # item ids of custom sources start with `custom-<id>:`


def item_url(item_id: str) -> str:
    """The detail page of an item; `:` and `/` stay readable in the address."""
    return f"/catalog/items/{quote(item_id, safe='/:@')}"


def _whole_number(value: str, default: int, maximum: int) -> int:
    """A number typed into the address bar: a positive whole number up to `maximum`, else the
    default (a user typo must not become an API validation error page)."""
    text = value.strip()
    return min(int(text), maximum) if text.isdigit() and int(text) > 0 else default


@dataclass(frozen=True)
class CatalogFilters:
    """The search as the address states it; `url()` and `api_params()` say it to each side."""

    q: str = ""
    source: str = ""
    category: str = ""
    tag: str = ""
    installable: bool = False
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def active(self) -> bool:
        return bool(self.q or self.source or self.category or self.tag or self.installable)

    def _fields(self) -> dict[str, str | int]:
        fields: dict[str, str | int] = {
            "q": self.q,
            "source": self.source,
            "category": self.category,
            "tag": self.tag,
        }
        if self.installable:
            fields["installable"] = "true"
        return {name: value for name, value in fields.items() if value}

    def api_params(self) -> dict[str, str | int]:
        return {**self._fields(), "page": self.page, "page_size": self.page_size}

    def url(self, **changes: Any) -> str:
        """This search with some filters changed; a changed filter starts again at page 1."""
        changed = replace(self, **{"page": 1, **changes})
        params = changed._fields()
        if changed.page > 1:
            params["page"] = changed.page
        if changed.page_size != DEFAULT_PAGE_SIZE:
            params["page_size"] = changed.page_size
        return f"/catalog?{urlencode(params)}" if params else "/catalog"


def _filters(
    q: str, source: str, category: str, tag: str, installable: str, page: str, page_size: str
) -> CatalogFilters:
    return CatalogFilters(
        q=q.strip()[:MAX_QUERY_LENGTH],
        source=source.strip(),
        category=category.strip(),
        tag=tag.strip(),
        installable=installable.strip().lower() in ("true", "on", "1", "yes"),
        page=_whole_number(page, 1, 10_000),
        page_size=_whole_number(page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )


def _source_option(source: SourceOut) -> dict[str, str]:
    """`{value, label}`; a custom source is addressed as its item-id prefix (`custom-3`)."""
    key = source.id
    if source.builtin:
        return {"value": key, "label": BUILTIN_LABELS.get(key, key)}
    return {"value": f"{CUSTOM_PREFIX}{key}", "label": source.name}


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Facet values, most frequent first, then by name."""
    return sorted(counts.items(), key=lambda entry: (-entry[1], entry[0].lower()))


async def _search(
    api: ApiClient, session: str, filters: CatalogFilters
) -> tuple[CatalogPage, ApiError | None]:
    """The API's page of results, or an empty one and the error (every source failed, unknown
    source, ...): the page then shows the error where the results would be."""
    try:
        return await api.search_catalog(session, filters.api_params()), None
    except ApiError as exc:
        nothing = Facets(categories={}, tags={})
        empty = CatalogPage(items=[], total=0, page=1, page_size=filters.page_size, facets=nothing)
        return empty, exc


@router.get("/catalog", response_class=HTMLResponse)
async def catalog_page(
    request: Request,
    api: Api,
    session: Session,
    q: str = "",
    source: str = "",
    category: str = "",
    tag: str = "",
    installable: str = "",
    page: str = "",
    page_size: str = "",
) -> HTMLResponse:
    filters = _filters(q, source, category, tag, installable, page, page_size)
    # Independent calls, made at once: search as you type waits for the slower one only.
    sources, (results, error) = await asyncio.gather(
        api.catalog_sources(session), _search(api, session, filters)
    )
    options = [_source_option(source) for source in sources]
    total = results.total
    last_page = max(1, -(-total // filters.page_size))
    tags = _ranked(results.facets.tags)
    context = {
        "page_title": "Catalog",
        "nav": "catalog",
        "filters": filters,
        "default_page_size": DEFAULT_PAGE_SIZE,
        "sources": options,
        "source_labels": {option["value"]: option["label"] for option in options},
        "items": results.items,
        "total": total,
        "last_page": last_page,
        "categories": _ranked(results.facets.categories),
        "top_tags": tags[:SHOWN_TAGS],
        "more_tags": tags[SHOWN_TAGS:],
        "source_errors": results.errors,
        "error": error,
        "item_url": item_url,
    }
    return render(request, "catalog.html", context, error.status if error else 200)


async def fetch_item(api: ApiClient, session: str, item_id: str) -> CatalogItem | None:
    """The catalog item, or None when the API does not know it (404 CATALOG_ITEM_NOT_FOUND)."""
    try:
        return await api.catalog_item(session, item_id)
    except ApiError as exc:
        if exc.code == "CATALOG_ITEM_NOT_FOUND":
            return None
        raise


def item_not_found(request: Request, item_id: str) -> HTMLResponse:
    """The designed not-found state, shared by the detail page and the install form."""
    context = {"page_title": "Server not found", "nav": "catalog", "item_id": item_id}
    return render(request, "_catalog_missing.html", context, 404)


def can_install(item: CatalogItem) -> bool:
    """The install API needs an image: remote and npm/pypi-only entries cannot become containers."""
    return bool(item.installable and item.image)


def install_note(item: CatalogItem) -> str:
    if item.install_note:
        return item.install_note
    if item.remote_url:
        return "This is a remote server: it runs elsewhere and is not installed as a container."
    return "This catalog entry publishes no container image to install."


def web_link(url: str | None) -> str | None:
    """Catalog data comes from third parties: only an http(s) address becomes a link."""
    text = url or ""
    return text if text.lower().startswith(("https://", "http://")) else None


@router.get("/catalog/items/{item_id:path}", response_class=HTMLResponse)
async def catalog_item_page(
    request: Request, item_id: str, api: Api, session: Session
) -> HTMLResponse:
    item = await fetch_item(api, session, item_id)
    if item is None:
        return item_not_found(request, item_id)
    schema = item.config_schema or {}
    source = item.source
    context = {
        "page_title": item.title or item_id,
        "nav": "catalog",
        "item": item,
        "installable": can_install(item),
        "install_note": install_note(item),
        "install_url": f"{item_url(item_id)}/install",
        "docs_url": web_link(item.docs_url),
        "parameters": schema.get("properties") or {},
        "required_parameters": schema.get("required") or [],
        "catalog_sets": catalog_settings(item),
        "source_label": BUILTIN_LABELS.get(source, source),
    }
    return render(request, "catalog_item.html", context)
