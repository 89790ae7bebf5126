"""Audit: the user's own audit log (every container action and its outcome), filtered by user,
action and target and paged backwards with the API's `next_before_id` cursor."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mcp_console.web.deps import Api, Session
from mcp_console.web.render import render

router = APIRouter()

DEFAULT_LIMIT = 50
MAX_LIMIT = 500  # the API's own maximum
# The actions the API records today; offered as suggestions, any other text is still accepted.
KNOWN_ACTIONS = (
    "container.create",
    "container.start",
    "container.stop",
    "container.restart",
    "container.delete",
    "container.config.update",
    "catalog_source.create",
    "catalog_source.update",
    "catalog_source.delete",
    "catalog_cache.clear",
    "github_token.set",
    "github_token.delete",
)


def _whole_number(value: str) -> int | None:
    """A number typed into the address bar: a positive whole number, otherwise nothing."""
    text = value.strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _page_url(filters: dict[str, str], limit: int, before_id: int | None = None) -> str:
    """The address of a page of results with the same filters (and page size, if not default)."""
    params: dict[str, str | int] = {name: value for name, value in filters.items() if value}
    if limit != DEFAULT_LIMIT:
        params["limit"] = limit
    if before_id is not None:
        params["before_id"] = before_id
    return f"/audit?{urlencode(params)}" if params else "/audit"


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    api: Api,
    session: Session,
    user: str = "",
    action: str = "",
    target: str = "",
    limit: str = "",
    before_id: str = "",
) -> HTMLResponse:
    filters = {"user": user.strip(), "action": action.strip(), "target": target.strip()}
    page_size = min(_whole_number(limit) or DEFAULT_LIMIT, MAX_LIMIT)
    before = _whole_number(before_id)
    params: dict[str, str | int] = {name: value for name, value in filters.items() if value}
    params["limit"] = page_size
    if before is not None:
        params["before_id"] = before
    page = await api.audit(session, params)
    next_before = page.next_before_id
    context = {
        "page_title": "Audit",
        "nav": "audit",
        "entries": page.entries,
        "filters": filters,
        "filtered": any(filters.values()),
        "limit": page_size,
        "default_limit": DEFAULT_LIMIT,
        "paged": before is not None,
        "known_actions": KNOWN_ACTIONS,
        "newest_url": _page_url(filters, page_size),
        "older_url": _page_url(filters, page_size, next_before) if next_before else None,
    }
    return render(request, "audit.html", context)
