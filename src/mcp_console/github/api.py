"""Thin routes of `/api/github-token`: the session's user sets, checks and removes their token.

Every route here is declared with `SENSITIVE_ROUTE`, so no request body on this path (the PUT
carries the token) is ever logged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from mcp_console.auth.deps import CurrentSession
from mcp_console.core.deps import provided
from mcp_console.core.handlers import ErrorBody
from mcp_console.core.sensitive import SENSITIVE_ROUTE
from mcp_console.github.schemas import GitHubTokenIn, GitHubTokenStatus
from mcp_console.github.service import GitHubTokenService

router = APIRouter(prefix="/api/github-token", tags=["github"])

CHECK_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "GITHUB_TOKEN_INVALID or VALIDATION_ERROR"},
    502: {"model": ErrorBody, "description": "GITHUB_UNREACHABLE"},
    503: {"model": ErrorBody, "description": "GITHUB_RATE_LIMITED"},
}


GitHubTokensDep = Annotated[GitHubTokenService, Depends(provided(GitHubTokenService))]


@router.put("", responses=CHECK_ERRORS, openapi_extra=SENSITIVE_ROUTE)
async def set_token(
    body: GitHubTokenIn, session: CurrentSession, tokens: GitHubTokensDep
) -> GitHubTokenStatus:
    """Check the token with GitHub (`GET /user`), then store it encrypted; replaces any earlier."""
    return await tokens.save(session.user_email, body.token.get_secret_value())


@router.get("/status", openapi_extra=SENSITIVE_ROUTE)
async def token_status(session: CurrentSession, tokens: GitHubTokensDep) -> GitHubTokenStatus:
    return await tokens.status(session.user_email)


@router.delete("", status_code=204, openapi_extra=SENSITIVE_ROUTE)
async def delete_token(session: CurrentSession, tokens: GitHubTokensDep) -> Response:
    await tokens.remove(session.user_email)
    return Response(status_code=204)
