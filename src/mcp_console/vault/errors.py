"""The session error every protected route shares."""

from __future__ import annotations

from mcp_console.core.errors import AppError


def session_invalid() -> AppError:
    return AppError(
        "SESSION_INVALID",
        "The session is missing, unknown or expired.",
        status=401,
        hint="Log in again (POST /api/auth/login), then send `Authorization: Bearer <session_id>`.",
        headers={"WWW-Authenticate": "Bearer"},
    )
