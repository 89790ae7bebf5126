"""Rendering a page: the shared template context (CSRF token, user, layout) and the CSRF cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter

from mcp_console.web import csrf
from mcp_console.web.cookies import USER_COOKIE, session_id
from mcp_console.web.navigation import MAIN_NAV

_TIME = TypeAdapter(datetime)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def wire_time(value: datetime | None) -> str:
    """A time of an API answer as the API wrote it (ISO 8601), e.g. for `<time datetime>`."""
    return "" if value is None else str(_TIME.dump_python(value, mode="json"))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """htmx requests get the page without the layout (`_fragment.html`); others the full page."""
    templates: Jinja2Templates = request.app.state.templates
    signed_in = session_id(request) is not None
    full_context = {
        "csrf_token": csrf.token_for(request),
        "csrf_field": csrf.CSRF_FIELD,
        "signed_in": signed_in,
        "nav_links": [link for link in MAIN_NAV if signed_in or not link.needs_session],
        "user_email": request.cookies.get(USER_COOKIE) if signed_in else None,
        "layout": "_fragment.html" if is_htmx(request) else "base.html",
        "wire_time": wire_time,
        **(context or {}),
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, template, full_context, status_code=status_code
    )
    csrf.persist(request, response)
    return response
