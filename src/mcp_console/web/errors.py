"""How the UI answers failures: a lost session goes to login, a bad token or API error to a page."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from mcp_console.web.api_client import ApiError, SessionInvalidError
from mcp_console.web.cookies import end_session
from mcp_console.web.csrf import CsrfRejectedError
from mcp_console.web.deps import LoginRequiredError
from mcp_console.web.navigation import login_url, wanted_page
from mcp_console.web.render import is_htmx, render


def _to_login(request: Request, reason: str | None) -> Response:
    target = login_url(wanted_page(request), reason)
    response: Response
    if is_htmx(request):
        # htmx follows HX-Redirect with a full page load, whatever the status.
        response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    end_session(request, response)
    return response


async def on_login_required(request: Request, exc: Exception) -> Response:
    return _to_login(request, None)


async def on_session_invalid(request: Request, exc: Exception) -> Response:
    return _to_login(request, "expired")


# Headers that make htmx put a failed request's answer into the page's error region instead of
# the part it targets: a section swapped with `hx-select` would otherwise be replaced by nothing,
# since an error page holds none of the section's ids.
TO_ERROR_REGION = {
    "HX-Retarget": "#request-error",
    "HX-Reselect": "#request-error",
    "HX-Reswap": "outerHTML show:window:top",
}


def _error_page(request: Request, error: ApiError, title: str, status: int) -> Response:
    if is_htmx(request):
        context = {"error": error, "page_title": title}
        response = render(request, "_request_error.html", context, status)
        response.headers.update(TO_ERROR_REGION)
        return response
    return render(request, "error.html", {"error": error, "page_title": title}, status)


async def on_csrf_rejected(request: Request, exc: Exception) -> Response:
    error = ApiError(
        403,
        "CSRF_REJECTED",
        "This form was not accepted: its security token is missing or out of date.",
        hint="Reload the page and submit the form again.",
    )
    return _error_page(request, error, "Refused", 403)


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    status = exc.status if exc.status >= 400 else 502
    return _error_page(request, exc, "Error", status)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequiredError, on_login_required)
    app.add_exception_handler(SessionInvalidError, on_session_invalid)
    app.add_exception_handler(CsrfRejectedError, on_csrf_rejected)
    app.add_exception_handler(ApiError, on_api_error)
