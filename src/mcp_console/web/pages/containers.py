"""Containers: the dashboard (the landing page) and the start/stop/restart/delete actions.

The actions serve both the dashboard and the container page: the hidden `return_to` field says
which one the form was on, so htmx gets that page's part back and a plain post is redirected to it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, get_args
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from mcp_console.web.api_client import ApiClient, ApiError, ContainerAction
from mcp_console.web.container_views import ContainerRow, container_row
from mcp_console.web.deps import Api, Session
from mcp_console.web.navigation import safe_next
from mcp_console.web.pages import container
from mcp_console.web.render import is_htmx, render

router = APIRouter()

DASHBOARD = "/containers"
ACTIONS: tuple[ContainerAction, ...] = get_args(ContainerAction)


async def _dashboard(
    request: Request,
    api: ApiClient,
    session: str,
    error: ApiError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The table, or the reason it could not be read (Docker down...) in its place."""
    rows: list[ContainerRow] = []
    listed = True
    try:
        views = await api.list_containers(session, stats=True)
        now = datetime.now(UTC)
        rows = [container_row(view, now) for view in views]
    except ApiError as exc:
        error, listed, status_code = exc, False, exc.status
    context = {
        "page_title": "Containers",
        "nav": "containers",
        "containers": rows,
        "listed": listed,
        "error": error,
    }
    return render(request, "containers.html", context, status_code)


@router.get("/containers", response_class=HTMLResponse)
async def containers_page(request: Request, api: Api, session: Session) -> HTMLResponse:
    return await _dashboard(request, api, session)


def _on_container_page(return_to: str, container_id: str) -> bool:
    return urlsplit(return_to).path == f"/containers/{quote(container_id, safe='')}"


async def _answer(
    request: Request,
    api: ApiClient,
    session: str,
    container_id: str,
    return_to: str,
    error: ApiError | None,
) -> Response:
    """htmx: the part the form belongs to; plain post: a redirect, or the page with the error."""
    if is_htmx(request) or error is not None:
        if _on_container_page(return_to, container_id):
            return await container.after_action(
                request, api, session, container_id, return_to, error
            )
        return await _dashboard(request, api, session, error, error.status if error else 200)
    return RedirectResponse(return_to, status_code=303)


async def _act(action: Awaitable[object]) -> ApiError | None:
    """Every failure of an action (busy, Docker down, gone) is shown to the user, never a 500."""
    try:
        await action
    except ApiError as exc:
        return exc
    return None


@router.post("/containers/{container_id}/delete")
async def delete_container(
    request: Request,
    container_id: str,
    api: Api,
    session: Session,
    return_to: Annotated[str, Form()] = DASHBOARD,
    force: Annotated[str, Form()] = "",
) -> Response:
    """`force` is only sent by the confirmation that said the container is running."""
    target = safe_next(return_to)
    error = await _act(api.delete_container(session, container_id, force=force == "true"))
    if error is None and _on_container_page(target, container_id):
        # The page the form was on is gone: back to the dashboard.
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": DASHBOARD})
        return RedirectResponse(DASHBOARD, status_code=303)
    return await _answer(request, api, session, container_id, target, error)


# After the delete route: `/{action}` would otherwise match `delete` too.
@router.post("/containers/{container_id}/{action}")
async def container_action(
    request: Request,
    container_id: str,
    action: str,
    api: Api,
    session: Session,
    return_to: Annotated[str, Form()] = DASHBOARD,
) -> Response:
    known = next((known for known in ACTIONS if known == action), None)
    if known is None:
        raise ApiError(404, "NOT_FOUND", f"There is no container action {action!r}.")
    target = safe_next(return_to)
    error = await _act(api.container_action(session, container_id, known))
    return await _answer(request, api, session, container_id, target, error)
