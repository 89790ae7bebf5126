"""Per-request collaborators of the UI routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mcp_console.web.api_client import ApiClient
from mcp_console.web.cookies import session_id


class LoginRequiredError(Exception):
    """A page that needs a session was requested without one."""


def get_api(request: Request) -> ApiClient:
    api: ApiClient = request.app.state.api
    return api


def require_session(request: Request) -> str:
    session = session_id(request)
    if session is None:
        raise LoginRequiredError
    return session


Session = Annotated[str, Depends(require_session)]
Api = Annotated[ApiClient, Depends(get_api)]
