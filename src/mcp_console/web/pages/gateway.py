"""Gateway: the user's profiles, and per profile its servers (on/off, prefix, tool picks from the
live tool lists), versions, client tokens, client snippets and recent calls.

A new token is in one answer only: the one that created it (never stored here, never redirected
to, `Cache-Control: no-store`), with the client snippets holding it: the API's snippets hold a
placeholder, which that one rendering replaces with the token. Every other rendering shows
token metadata and snippets with the placeholder.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, cast, get_args
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from mcp_console.gateway.schemas import (
    TOKEN_PLACEHOLDER,
    ClientConfig,
    ClientKind,
    ProfileCreate,
    TokenCreate,
    TokenCreated,
)
from mcp_console.web import gateway_form
from mcp_console.web.api_client import ApiClient, ApiError
from mcp_console.web.deps import Api, Session
from mcp_console.web.gateway_form import ProfileForm
from mcp_console.web.render import is_htmx, render

router = APIRouter()

FormText = Annotated[str, Form()]
CLIENTS: tuple[ClientKind, ...] = get_args(ClientKind)
CLIENT_LABELS = {
    "claude-code": "Claude Code",
    "claude-desktop": "Claude Desktop",
    "cursor": "Cursor",
    "vscode": "VS Code",
    "windsurf": "Windsurf",
    "generic": "Any client (URL and header)",
}
# Notices after post/redirect/get: the query names one of these, never user input. Each goes
# into the section of the profile page its action swaps.
DONE = {
    "saved": ("config", "The profile was saved."),
    "restored": ("config", "The earlier version was restored as the newest version."),
    "restored-dropped": (
        "config",
        "The earlier version was restored as the newest version, without its servers that "
        "were deleted since.",
    ),
    "revoked": ("tokens", "The token was revoked: clients using it are refused from now on."),
}
DELETED = "The profile was deleted and its tokens revoked."
NO_STORE = {"Cache-Control": "no-store"}


@dataclass
class TokenForm:
    name: str = ""
    expires_at: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    error: ApiError | None = None


@dataclass
class ProfileView:
    """One rendering: a notice or an error for one section (`config`, `tokens`), the forms."""

    notice: str | None = None
    error: ApiError | None = None
    section: str = ""
    form: ProfileForm | None = None
    token_form: TokenForm = field(default_factory=TokenForm)
    new_token: TokenCreated | None = None  # rendered once, kept nowhere


def _raise_unexpected(error: ApiError) -> None:
    """Objections to what the user typed are shown in the page; outages get the error page."""
    if error.status >= 500:
        raise error


async def _snippets(api: ApiClient, session: str, name: str) -> list[ClientConfig]:
    return list(await asyncio.gather(*(api.client_config(session, name, kind) for kind in CLIENTS)))


def _holding(snippet: ClientConfig, token: str) -> ClientConfig:
    """The snippet with the token just created in place of the API's placeholder."""
    filled = snippet.snippet.replace(TOKEN_PLACEHOLDER, token)
    return snippet.model_copy(update={"snippet": filled, "token_placeholder": False})


async def _profile_page(
    request: Request,
    api: ApiClient,
    session: str,
    name: str,
    view: ProfileView,
    status_code: int = 200,
) -> HTMLResponse:
    profile, status, versions, tokens, calls, snippets = await asyncio.gather(
        api.profile(session, name),
        api.profile_status(session, name),
        api.profile_versions(session, name),
        api.list_gateway_tokens(session),
        api.gateway_calls(session, name),
        _snippets(api, session, name),
    )
    form = view.form or ProfileForm(
        str(status.version), profile.description, gateway_form.rows_from(status)
    )
    context = {
        "page_title": f"Gateway · {name}",
        "nav": "gateway",
        "profile": profile,
        "status": status,
        "form": form,
        "versions": versions,
        "tokens": [token for token in tokens.tokens if token.profile == name],
        "calls": calls.calls,
        "snippets": snippets,
        "new_snippets": [_holding(s, view.new_token.token) for s in snippets]
        if view.new_token
        else [],
        "client_labels": CLIENT_LABELS,
        "view": view,
    }
    response = render(request, "gateway_profile.html", context, status_code)
    if view.new_token is not None:
        response.headers.update(NO_STORE)
    return response


def _done_view(done: str) -> ProfileView:
    section, notice = DONE.get(done, ("", None))
    return ProfileView(notice, section=section)


async def _done(request: Request, api: ApiClient, session: str, name: str, done: str) -> Response:
    """htmx gets the page at once (it swaps the part it selects); a plain post a redirect."""
    if is_htmx(request):
        return await _profile_page(request, api, session, name, _done_view(done))
    return RedirectResponse(f"/gateway/{quote(name)}?done={done}", status_code=303)


# -- the profiles --------------------------------------------------------------------------------


async def _list_page(
    request: Request,
    api: ApiClient,
    session: str,
    form: dict[str, str] | None = None,
    error: ApiError | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    profiles = await api.list_profiles(session)
    errors = dict(error.fields) if error else {}
    if error and error.code == "PROFILE_EXISTS":
        errors["name"] = error.message
    context = {
        "page_title": "Gateway",
        "nav": "gateway",
        "profiles": profiles.profiles,
        "form": form or {"name": "", "description": ""},
        "errors": errors,
        "error": error if error and not errors else None,
        "notice": notice,
    }
    return render(request, "gateway.html", context, error.status if error else 200)


@router.get("/gateway", response_class=HTMLResponse)
async def gateway_page(request: Request, api: Api, session: Session, done: str = "") -> Response:
    return await _list_page(request, api, session, notice=DELETED if done == "deleted" else None)


@router.post("/gateway")
async def create_profile(
    request: Request, api: Api, session: Session, name: FormText = "", description: FormText = ""
) -> Response:
    creation = ProfileCreate.model_construct(name=name.strip(), description=description)
    try:
        created = await api.create_profile(session, creation)
    except ApiError as error:
        _raise_unexpected(error)
        form = {"name": name, "description": description}
        return await _list_page(request, api, session, form, error)
    return RedirectResponse(f"/gateway/{quote(created.name)}", status_code=303)


# -- one profile ---------------------------------------------------------------------------------


@router.get("/gateway/{name}", response_class=HTMLResponse)
async def profile_page(
    request: Request, name: str, api: Api, session: Session, done: str = ""
) -> HTMLResponse:
    return await _profile_page(request, api, session, name, _done_view(done))


@router.post("/gateway/{name}")
async def save_profile(request: Request, name: str, api: Api, session: Session) -> Response:
    """Save (PUT with the version the page was rendered from) or, with `action=validate`, check
    the same document without saving it."""
    data = await request.form()
    posted = gateway_form.read_posted(data)
    version, description = str(data.get("version", "")), str(data.get("description", ""))
    update = gateway_form.update_body(version, description, posted)

    async def typed_form() -> ProfileForm:
        """The form as typed, over the servers as they are now (only to show it again)."""
        status = await api.profile_status(session, name)
        return ProfileForm(version, description, gateway_form.rows_from(status, posted))

    if data.get("action") == "validate":
        result = await api.validate_profile(session, name, update)
        form = await typed_form()
        gateway_form.report(form, posted, result)
        return await _profile_page(request, api, session, name, ProfileView(form=form))
    try:
        await api.update_profile(session, name, update)
    except ApiError as error:
        _raise_unexpected(error)
        form = await typed_form()
        gateway_form.reject(form, posted, error)
        view = ProfileView(form=form)
        return await _profile_page(request, api, session, name, view, error.status)
    return await _done(request, api, session, name, "saved")


@router.post("/gateway/{name}/versions/{version}/restore")
async def restore_version(
    request: Request, name: str, version: int, api: Api, session: Session
) -> Response:
    try:
        restored = await api.restore_profile_version(session, name, version)
    except ApiError as error:
        _raise_unexpected(error)
        view = ProfileView(error=error, section="config")
        return await _profile_page(request, api, session, name, view, error.status)
    done = "restored-dropped" if restored.dropped_servers else "restored"
    return await _done(request, api, session, name, done)


@router.get("/gateway/{name}/export")
async def export_profile(name: str, api: Api, session: Session) -> Response:
    """The profile for Docker's gateway, passed through as a download."""
    archive = await api.export_profile(session, name)
    filename = f"mcp-console-{quote(name)}-docker-mcp.tar.gz"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(archive, media_type="application/gzip", headers=disposition)


@router.post("/gateway/{name}/delete")
async def delete_profile(name: str, api: Api, session: Session) -> Response:
    await api.delete_profile(session, name)
    return RedirectResponse("/gateway?done=deleted", status_code=303)


# -- tokens --------------------------------------------------------------------------------------


def _expiry(value: str) -> datetime | str | None:
    """`<input type="datetime-local">` has no zone; the form says the time is UTC."""
    value = value.strip()
    return f"{value}Z" if value else None


@router.post("/gateway/{name}/tokens")
async def create_token(
    request: Request,
    name: str,
    api: Api,
    session: Session,
    token_name: FormText = "",
    expires_at: FormText = "",
) -> Response:
    """The token goes into this one answer (not stored, not redirected to) with the snippets
    holding it; a plain post is answered with the page itself for that reason."""
    creation = TokenCreate.model_construct(
        name=token_name, profile=name, expires_at=cast(datetime | None, _expiry(expires_at))
    )
    try:
        created = await api.create_gateway_token(session, creation)
    except ApiError as error:
        _raise_unexpected(error)
        token_form = TokenForm(token_name, expires_at)
        token_form.errors = {
            "token_name" if key == "name" else key: message for key, message in error.fields.items()
        }
        if error.code == "TOKEN_EXPIRY_IN_PAST":
            token_form.errors["expires_at"] = error.message
        token_form.error = error if not token_form.errors else None
        view = ProfileView(token_form=token_form)
        return await _profile_page(request, api, session, name, view, error.status)
    return await _profile_page(request, api, session, name, ProfileView(new_token=created))


@router.post("/gateway/{name}/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, name: str, token_id: str, api: Api, session: Session
) -> Response:
    try:
        await api.revoke_gateway_token(session, token_id)
    except ApiError as error:
        _raise_unexpected(error)
        view = ProfileView(error=error, section="tokens")
        return await _profile_page(request, api, session, name, view, error.status)
    return await _done(request, api, session, name, "revoked")
