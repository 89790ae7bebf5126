"""Thin routes for login, logout and the session check (shapes are a public contract)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from mcp_console.auth.deps import AuthServiceDep, CurrentSession, client_address
from mcp_console.auth.schemas import (
    LoginRequest,
    LoginResponse,
    LogoutResponse,
    SessionResponse,
)
from mcp_console.core.deps import SettingsDep
from mcp_console.core.sensitive import SENSITIVE_ROUTE

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", openapi_extra=SENSITIVE_ROUTE)
async def login(
    body: Annotated[LoginRequest, Body()], request: Request, auth: AuthServiceDep
) -> LoginResponse:
    session = await auth.login(body, client_address(request))
    return LoginResponse(
        session_id=session.session_id,
        expires_at=session.expires_at,
        user_email=session.user_email,
        created_at=session.created_at,
    )


@router.post("/logout", openapi_extra=SENSITIVE_ROUTE)
async def logout(session: CurrentSession, auth: AuthServiceDep) -> LogoutResponse:
    await auth.logout(session.session_hash)
    return LogoutResponse(success=True, message="Logged out.")


@router.get("/session", openapi_extra=SENSITIVE_ROUTE)
async def current(session: CurrentSession, settings: SettingsDep) -> SessionResponse:
    return SessionResponse(
        valid=True,
        expires_at=session.expires_at,
        session_id=session.session_id,
        user_email=session.user_email,
        created_at=session.created_at,
        admin=settings.is_admin(session.user_email),
    )
