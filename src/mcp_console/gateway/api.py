"""Thin routes of the gateway's configuration side: profiles, their checks and versions, client
tokens, client snippets, the export for Docker's gateway and the recent calls.

Every route needs a login; the owner is the session's user. Another user's profile or token
answers 404 like an unknown one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from mcp_console.auth.deps import CurrentSession
from mcp_console.containers.deps import actor_of
from mcp_console.core.sensitive import SENSITIVE_ROUTE
from mcp_console.gateway.clients import client_config
from mcp_console.gateway.deps import CallsDep, ExportDep, GuardDep, ProfilesDep, TokensDep
from mcp_console.gateway.schemas import (
    ClientConfig,
    ClientKind,
    GatewayCallList,
    Profile,
    ProfileCreate,
    ProfileList,
    ProfileStatus,
    ProfileUpdate,
    ProfileVersionList,
    RestoredProfile,
    TokenCreate,
    TokenCreated,
    TokenList,
    ValidationReport,
)

router = APIRouter(prefix="/api/gateway", tags=["gateway"])
PROFILE = "/profiles/{name}"


@router.get("/profiles")
async def list_profiles(session: CurrentSession, profiles: ProfilesDep) -> ProfileList:
    return await profiles.list(session.user_email)


@router.post("/profiles", status_code=201)
async def create_profile(
    body: ProfileCreate, session: CurrentSession, profiles: ProfilesDep
) -> Profile:
    return await profiles.create(actor_of(session), body)


@router.get(PROFILE)
async def get_profile(name: str, session: CurrentSession, profiles: ProfilesDep) -> Profile:
    return await profiles.get(session.user_email, name)


@router.put(PROFILE)
async def update_profile(
    name: str, body: ProfileUpdate, session: CurrentSession, profiles: ProfilesDep
) -> Profile:
    return await profiles.update(actor_of(session), name, body)


@router.delete(PROFILE, status_code=204)
async def delete_profile(name: str, session: CurrentSession, profiles: ProfilesDep) -> Response:
    await profiles.delete(session.user_email, name)
    return Response(status_code=204)


@router.post(f"{PROFILE}/validate")
async def validate_profile(
    name: str,
    document: Annotated[dict[str, Any], Body(description="A POST or PUT body to check.")],
    session: CurrentSession,
    guard: GuardDep,
) -> ValidationReport:
    """Schema errors answer 200 with `valid: false` and their paths (not 422)."""
    return await guard.validate(actor_of(session), document)


@router.get(f"{PROFILE}/status")
async def profile_status(
    name: str, session: CurrentSession, profiles: ProfilesDep, guard: GuardDep
) -> ProfileStatus:
    profile = await profiles.get(session.user_email, name)
    return await guard.status(actor_of(session), profile)


@router.get(f"{PROFILE}/versions")
async def profile_versions(
    name: str, session: CurrentSession, profiles: ProfilesDep
) -> ProfileVersionList:
    return await profiles.versions(session.user_email, name)


@router.post(f"{PROFILE}/versions/{{version}}/restore")
async def restore_version(
    name: str, version: int, session: CurrentSession, profiles: ProfilesDep
) -> RestoredProfile:
    return await profiles.restore(actor_of(session), name, version)


@router.get(f"{PROFILE}/client-config")
async def profile_client_config(
    name: str, client: ClientKind, session: CurrentSession, profiles: ProfilesDep
) -> ClientConfig:
    """The token is a placeholder (`TOKEN_PLACEHOLDER`); no token is ever accepted here."""
    return client_config(client, await profiles.get(session.user_email, name))


@router.get(
    f"{PROFILE}/export",
    response_class=Response,
    responses={200: {"content": {"application/gzip": {}}, "description": "A .tar.gz"}},
)
async def export_profile(
    name: str,
    session: CurrentSession,
    profiles: ProfilesDep,
    export: ExportDep,
    format: Literal["docker-mcp"] = "docker-mcp",
) -> Response:
    profile = await profiles.get(session.user_email, name)
    data = await export.archive(actor_of(session), profile)
    filename = f"mcp-console-{profile.name}-{format}.tar.gz"
    return Response(
        data,
        media_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(f"{PROFILE}/calls")
async def recent_calls(
    name: str,
    session: CurrentSession,
    profiles: ProfilesDep,
    calls: CallsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> GatewayCallList:
    await profiles.get(session.user_email, name)
    return await calls.recent(session.user_email, name, limit)


@router.get("/tokens")
async def list_tokens(session: CurrentSession, tokens: TokensDep) -> TokenList:
    return await tokens.list(session.user_email)


# The answer holds the token (shown once); no body on this path is ever logged.
@router.post("/tokens", status_code=201, openapi_extra=SENSITIVE_ROUTE)
async def create_token(
    body: TokenCreate, session: CurrentSession, tokens: TokensDep
) -> TokenCreated:
    return await tokens.create(session.user_email, body)


@router.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(token_id: str, session: CurrentSession, tokens: TokensDep) -> Response:
    await tokens.revoke(session.user_email, token_id)
    return Response(status_code=204)
