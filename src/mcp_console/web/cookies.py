"""The browser-side session: API session id and display e-mail in HttpOnly, SameSite=Lax cookies."""

from __future__ import annotations

from fastapi import Request, Response

SESSION_COOKIE = "mcp_session"
USER_COOKIE = "mcp_user"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """Every cookie of the UI: HttpOnly (no script reads it), Lax, Secure over https."""
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, httponly=True, samesite="lax", secure=is_https(request), path="/")


def session_id(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def start_session(request: Request, response: Response, session: str, email: str) -> None:
    set_cookie(request, response, SESSION_COOKIE, session)
    set_cookie(request, response, USER_COOKIE, email)


def end_session(request: Request, response: Response) -> None:
    delete_cookie(request, response, SESSION_COOKIE)
    delete_cookie(request, response, USER_COOKIE)
