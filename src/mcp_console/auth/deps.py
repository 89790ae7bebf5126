"""`CurrentSession`: the dependency every protected route takes (HTTP and WebSocket)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mcp_console.auth.schemas import AuthSession
from mcp_console.auth.service import AuthService
from mcp_console.core.deps import provided, registry_of
from mcp_console.core.secret_registry import bind_log_session
from mcp_console.vault.errors import session_invalid

__all__ = ["AuthServiceDep", "AuthSession", "CurrentSession", "websocket_session"]

_bearer = HTTPBearer(
    auto_error=False, description="The session_id returned by POST /api/auth/login"
)


AuthServiceDep = Annotated[AuthService, Depends(provided(AuthService))]


async def current_session(
    auth: AuthServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthSession:
    """401 SESSION_INVALID for a missing/unknown/expired token; 503 when Redis is down."""
    if credentials is None:
        raise session_invalid()
    session = await auth.current(credentials.credentials)
    bind_log_session(session.session_hash)  # this request's log records use this session's values
    return session


def bearer_token(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise session_invalid()
    return token.strip()


async def websocket_session(websocket: WebSocket) -> AuthSession:
    """Same check for WebSockets, from the `Authorization` header of the upgrade request."""
    auth = registry_of(websocket).get(AuthService)
    session = await auth.current(bearer_token(websocket.headers.get("authorization")))
    bind_log_session(session.session_hash)
    return session


def client_address(request: Request) -> str:
    """The peer address; uvicorn replaced it with `X-Forwarded-For` only when the peer is in
    FORWARDED_ALLOW_IPS (a proxy, or the web process forwarding a browser's address)."""
    return request.client.host if request.client else "unknown"


CurrentSession = Annotated[AuthSession, Depends(current_session)]
