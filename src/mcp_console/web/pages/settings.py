"""Settings: the catalog sources (built-in ones read-only, custom ones added, edited and deleted),
the shared catalog cache (operators only), and the user's own GitHub token. Each source shows
its status and, when its last refresh failed, why. A custom source is private (only its
owner sees it) or global (everyone sees it, operators manage it): the page offers only what the
API says the user may do (`can_edit` per source, `admin` from the session) and the API enforces
it. The token is the signed-in user's alone and is never rendered back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import SecretStr

from mcp_console.catalog.schemas import SourceCreate, SourceIn, SourceOut
from mcp_console.github.schemas import GitHubTokenIn
from mcp_console.web.api_client import ApiClient, ApiError
from mcp_console.web.deps import Api, Session
from mcp_console.web.render import is_htmx, render

router = APIRouter()

SOURCE_FIELDS = ("name", "url", "scope")
# Success messages after post/redirect/get: the query names one of these, never user input.
DONE = {
    "added": "The catalog source was added. Its servers appear in the catalog.",
    "updated": "The catalog source was saved; its cached catalog is fetched again.",
    "deleted": "The catalog source was deleted.",
}
TOKEN_DONE = {
    "token-saved": "GitHub accepted the token; it is stored encrypted.",
    "token-removed": "The GitHub token was removed.",
}

FormText = Annotated[str, Form()]


@dataclass
class SourceForm:
    """What the user typed into a source form and the API's objections, so nothing is lost."""

    name: str = ""
    url: str = ""
    scope: str = "private"
    errors: dict[str, str] = field(default_factory=dict)
    url_hint: str | None = None
    error: ApiError | None = None  # an objection that belongs to no field

    @property
    def rejected(self) -> bool:
        return bool(self.errors or self.error)

    def change(self) -> SourceIn:
        return SourceIn.model_construct(name=self.name, url=self.url)

    def creation(self) -> SourceCreate:
        """Adding also names the scope; a source keeps the scope it was added with. The scope
        goes as the form sent it: the API names a bad one."""
        scope = cast(Literal["private", "global"], self.scope)
        return SourceCreate.model_construct(name=self.name, url=self.url, scope=scope)

    def reject(self, error: ApiError) -> None:
        """SSRF refusals go beside the URL with their fix-it hint; validation beside each field.
        A value the secrets policy refused is not kept: a secret is never rendered back."""
        if error.code == "SSRF_BLOCKED":
            self.errors = {"url": error.message}
            self.url_hint = error.hint
            return
        if error.code == "SECRET_IN_PLAIN_TEXT":
            self.name = "" if "name" in error.fields else self.name
            self.url = "" if "url" in error.fields else self.url
            self.url_hint = error.hint if "url" in error.fields else None
        self.errors = {name: error.fields[name] for name in SOURCE_FIELDS if name in error.fields}
        if not self.errors or set(error.fields) - set(SOURCE_FIELDS):
            self.error = error


@dataclass
class TokenForm:
    """The GitHub token form: a notice or the API's objection with its hint; never the token."""

    notice: str | None = None
    error: str | None = None
    hint: str | None = None

    def reject(self, error: ApiError) -> None:
        self.error = error.fields.get("token", error.message)
        self.hint = error.hint


@dataclass
class SettingsView:
    """The state of one rendering: notices, an error, and the forms holding typed input."""

    notice: str | None = None
    error: ApiError | None = None
    cleared: int | None = None
    token: TokenForm = field(default_factory=TokenForm)
    add_form: SourceForm = field(default_factory=SourceForm)
    edit_id: str | None = None
    edit_form: SourceForm | None = None


def _raise_unexpected(error: ApiError) -> None:
    """Only objections to what the user typed are shown in the page; outages get the error page."""
    if error.status >= 500:
        raise error


def _edit_form(source: SourceOut, view: SettingsView) -> SourceForm:
    if view.edit_form is not None and source.id == view.edit_id:
        return view.edit_form
    return SourceForm(source.name, source.url)


async def _settings_page(
    request: Request, api: ApiClient, session: str, view: SettingsView, status: int = 200
) -> HTMLResponse:
    sources = await api.catalog_sources(session)
    github = await api.github_token_status(session)
    me = await api.current_session(session)
    context = {
        "page_title": "Settings",
        "nav": "settings",
        "builtin": [source for source in sources if source.builtin],
        "custom": [(s, _edit_form(s, view)) for s in sources if not s.builtin],
        "view": view,
        "admin": me.admin,
        "me": me.user_email,
        "github": github,
        "error": view.error,
    }
    return render(request, "settings.html", context, status)


def _view(done: str, cleared: int | None = None) -> SettingsView:
    """The notice named by `done` goes to the section whose action it reports."""
    return SettingsView(
        notice=DONE.get(done), cleared=cleared, token=TokenForm(notice=TOKEN_DONE.get(done))
    )


async def _done(request: Request, api: ApiClient, session: str, done: str) -> Response:
    """htmx gets the re-rendered page at once; a plain form post is redirected (PRG)."""
    if is_htmx(request):
        return await _settings_page(request, api, session, _view(done))
    return RedirectResponse(f"/settings?done={done}", status_code=303)


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(
    request: Request, api: Api, session: Session, done: str = "", cleared: str = ""
) -> HTMLResponse:
    count = int(cleared) if cleared.isdigit() else None
    return await _settings_page(request, api, session, _view(done, count))


@router.post("/settings/sources")
async def add_source(
    request: Request,
    api: Api,
    session: Session,
    name: FormText = "",
    url: FormText = "",
    scope: FormText = "private",
) -> Response:
    form = SourceForm(name, url, scope)
    try:
        await api.add_catalog_source(session, form.creation())
    except ApiError as error:
        _raise_unexpected(error)
        form.reject(error)
        view = SettingsView(add_form=form)
        return await _settings_page(request, api, session, view, error.status)
    return await _done(request, api, session, "added")


@router.post("/settings/sources/{source_id}")
async def edit_source(
    request: Request,
    source_id: str,
    api: Api,
    session: Session,
    name: FormText = "",
    url: FormText = "",
) -> Response:
    form = SourceForm(name, url)
    try:
        await api.update_catalog_source(session, source_id, form.change())
    except ApiError as error:
        _raise_unexpected(error)
        # Deleted meanwhile, or not the user's to change: there is no form to show it in.
        if error.code in ("CATALOG_SOURCE_NOT_FOUND", "SOURCE_FORBIDDEN"):
            view = SettingsView(error=error)
        else:
            form.reject(error)
            view = SettingsView(edit_id=source_id, edit_form=form)
        return await _settings_page(request, api, session, view, error.status)
    return await _done(request, api, session, "updated")


@router.post("/settings/sources/{source_id}/delete")
async def delete_source(request: Request, source_id: str, api: Api, session: Session) -> Response:
    try:
        await api.delete_catalog_source(session, source_id)
    except ApiError as error:
        _raise_unexpected(error)
        view = SettingsView(error=error)
        return await _settings_page(request, api, session, view, error.status)
    return await _done(request, api, session, "deleted")


@router.post("/settings/cache/refresh")
async def refresh_cache(request: Request, api: Api, session: Session) -> Response:
    """Operators only (the API refuses others, who are not offered the button)."""
    try:
        cleared = (await api.clear_catalog_cache(session)).deleted
    except ApiError as error:
        _raise_unexpected(error)
        return await _settings_page(request, api, session, SettingsView(error=error), error.status)
    if is_htmx(request):
        return await _settings_page(request, api, session, SettingsView(cleared=cleared))
    return RedirectResponse(f"/settings?cleared={cleared}", status_code=303)


@router.post("/settings/github-token")
async def set_github_token(
    request: Request, api: Api, session: Session, token: FormText = ""
) -> Response:
    """GitHub's verdict goes beside the field: refused (422), or not reachable now (502/503)."""
    try:
        await api.set_github_token(session, GitHubTokenIn.model_construct(token=SecretStr(token)))
    except ApiError as error:
        if error.code != "VALIDATION_ERROR" and not error.code.startswith("GITHUB_"):
            raise
        view = SettingsView(token=TokenForm())
        view.token.reject(error)
        return await _settings_page(request, api, session, view, error.status)
    return await _done(request, api, session, "token-saved")


@router.post("/settings/github-token/delete")
async def delete_github_token(request: Request, api: Api, session: Session) -> Response:
    await api.delete_github_token(session)
    return await _done(request, api, session, "token-removed")
