"""Login and logout: the API's session id goes into an HttpOnly cookie, never into the page."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import SecretStr

from mcp_console.auth.schemas import ApiKeyLogin, MasterPasswordLogin
from mcp_console.web import csrf
from mcp_console.web.api_client import ApiClient, ApiError, SessionInvalidError
from mcp_console.web.cookies import end_session, session_id, start_session
from mcp_console.web.deps import get_api
from mcp_console.web.navigation import safe_next
from mcp_console.web.render import render

router = APIRouter()

REASONS = {
    "expired": "Your session has expired. Sign in again to continue.",
    "signed_out": "You are signed out.",
}
LOGIN_METHODS = ("master_password", "api_key")


def _login_page(
    request: Request,
    *,
    next_page: str,
    form: dict[str, str] | None = None,
    error: ApiError | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    context = {
        "page_title": "Sign in",
        "next": safe_next(next_page),
        "form": form or {"method": "master_password", "email": "", "client_id": ""},
        "error": error,
        "notice": notice,
    }
    return render(request, "login.html", context, error.status if error else 200)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "", reason: str = "") -> HTMLResponse:
    return _login_page(request, next_page=next, notice=REASONS.get(reason))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    api: Annotated[ApiClient, Depends(get_api)],
    email: Annotated[str, Form()] = "",
    master_password: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "master_password",
    client_id: Annotated[str, Form()] = "",
    client_secret: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    method = method if method in LOGIN_METHODS else "master_password"
    # Secrets (password, client secret) are never sent back into the page.
    shown = {"method": method, "email": email, "client_id": client_id}
    password = SecretStr(master_password)
    login_as: MasterPasswordLogin | ApiKeyLogin = MasterPasswordLogin.model_construct(
        method="master_password", email=email, master_password=password
    )
    if method == "api_key":
        login_as = ApiKeyLogin.model_construct(
            method="api_key",
            email=email,
            master_password=password,
            client_id=client_id,
            client_secret=SecretStr(client_secret),
        )
    try:
        body = await api.login(login_as, request.client.host if request.client else None)
    except ApiError as error:
        return _login_page(request, next_page=next, form=shown, error=error)
    response = RedirectResponse(safe_next(next), status_code=303)
    start_session(request, response, body.session_id, body.user_email)
    csrf.renew(request)
    csrf.persist(request, response)
    return response


@router.post("/logout")
async def logout(request: Request, api: Annotated[ApiClient, Depends(get_api)]) -> Response:
    session = session_id(request)
    if session is not None:
        # The cookie goes either way; an expired session is already logged out.
        with suppress(ApiError, SessionInvalidError):
            await api.logout(session)
    response = RedirectResponse("/login?reason=signed_out", status_code=303)
    end_session(request, response)
    csrf.renew(request)
    csrf.persist(request, response)
    return response
