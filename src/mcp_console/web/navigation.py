"""Where the login page sends the user back to, without becoming an open redirect."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from fastapi import Request

DEFAULT_LANDING = "/containers"


@dataclass(frozen=True)
class NavLink:
    """One entry of the top bar; `key` is what a page passes as `nav` to be marked current."""

    key: str
    label: str
    path: str
    needs_session: bool = True


MAIN_NAV = (
    NavLink("overview", "Overview", "/", needs_session=False),
    NavLink("containers", "Containers", "/containers"),
    NavLink("catalog", "Catalog", "/catalog"),
    NavLink("gateway", "Gateway", "/gateway"),
    NavLink("jobs", "Jobs", "/jobs"),
    NavLink("audit", "Audit", "/audit"),
    NavLink("settings", "Settings", "/settings"),
)


def safe_next(value: str | None) -> str:
    """Only a local path: `//host` and `/\\host` are other sites to a browser."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return DEFAULT_LANDING
    if urlsplit(value).scheme or urlsplit(value).netloc:
        return DEFAULT_LANDING
    return value


def wanted_page(request: Request) -> str:
    """The page to come back to: this one for a GET, the page the user was on otherwise."""
    if request.method == "GET" and request.headers.get("hx-request") != "true":
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{request.url.path}{query}"
    current = request.headers.get("hx-current-url") or request.headers.get("referer") or ""
    parts = urlsplit(current)
    if parts.netloc and parts.netloc != request.url.netloc:
        return DEFAULT_LANDING
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def login_url(next_page: str, reason: str | None = None) -> str:
    params = {"next": safe_next(next_page)}
    if reason:
        params["reason"] = reason
    return f"/login?{urlencode(params)}"
