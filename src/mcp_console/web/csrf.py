"""CSRF protection by double submit: a random HttpOnly cookie that every unsafe request repeats.

The token travels in the form field `csrf_token` (or the `X-CSRF-Token` header). A cross-site page
can make the browser send the cookie but cannot read it, so it cannot put the same value in the
form. The token is renewed at login and logout, which binds it to one session.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from mcp_console.web.cookies import set_cookie

CSRF_COOKIE = "mcp_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfRejectedError(Exception):
    """An unsafe request without the matching token."""


def token_for(request: Request) -> str:
    """The request's token: the cookie's, or a new one that `persist` will set on the response."""
    token: str | None = getattr(request.state, "csrf_token", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return token


def renew(request: Request) -> str:
    request.state.csrf_token = secrets.token_urlsafe(32)
    return str(request.state.csrf_token)


def persist(request: Request, response: Response) -> None:
    token: str | None = getattr(request.state, "csrf_token", None)
    if token is not None and token != request.cookies.get(CSRF_COOKIE):
        set_cookie(request, response, CSRF_COOKIE, token)


async def verify(request: Request) -> None:
    """App-wide dependency: refuses an unsafe request whose token does not match the cookie."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not cookie or not sent or not secrets.compare_digest(cookie, sent):
        raise CsrfRejectedError
