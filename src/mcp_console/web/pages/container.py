"""The container page: a header that refreshes itself (status, actions) and tabs for the stored
config (with its Edit form), the live logs and the MCP inspector (server info, tools, resources,
prompts).

Inspector requests the user makes (call a tool, get a prompt, read a resource) re-render the page
with the outcome in place; htmx swaps only the card that asked, a plain form shows the whole page.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from mcp_console.containers.schemas import ContainerConfigView
from mcp_console.core.references import WHOLE_VALUE_PATTERN
from mcp_console.inspector.schemas import PromptInfo, ToolInfo
from mcp_console.web import config_form
from mcp_console.web.api_client import ApiClient, ApiError
from mcp_console.web.config_form import EditForm
from mcp_console.web.container_views import ContainerRow, container_row, env_entries, port_text
from mcp_console.web.deps import Api, Session
from mcp_console.web.inspector_views import (
    Block,
    Card,
    prompt_blocks,
    resource_blocks,
    tool_blocks,
)
from mcp_console.web.log_proxy import error_event, plain_lines, relay
from mcp_console.web.render import is_htmx, render
from mcp_console.web.schema_forms import FormField, prompt_fields, read_form, schema_fields

router = APIRouter()

TABS = (
    ("config", "Config"),
    ("logs", "Logs"),
    ("info", "Server info"),
    ("tools", "Tools"),
    ("resources", "Resources"),
    ("prompts", "Prompts"),
)
TAB_KEYS = frozenset(key for key, _label in TABS)
DEFAULT_TAB = "config"
LOG_TAIL = "200"
UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")


def _quoted(container_id: str) -> str:
    return quote(container_id, safe="")


def page_url(container_id: str, tab: str = DEFAULT_TAB) -> str:
    return f"/containers/{_quoted(container_id)}?tab={tab}"


@dataclass
class Header:
    """The container as the header shows it; `error` when its live state could not be read."""

    row: ContainerRow
    config: ContainerConfigView
    error: ApiError | None = None


@dataclass(frozen=True)
class Submit:
    """A request the user just made on this page, whose outcome is shown in place: an inspector
    request, or the config form (`name` is `edit`, or after saving the restart state)."""

    kind: Literal["tool", "prompt", "resource", "config"]
    name: str
    form: Mapping[str, Any] = field(default_factory=dict)
    edit: EditForm | None = None


async def _header(api: ApiClient, session: str, container_id: str) -> Header | None:
    """None when the container does not exist (or is another user's: the API says the same)."""
    try:
        config = await api.container_config(session, container_id)
    except ApiError as exc:
        if exc.code == "CONTAINER_NOT_FOUND":
            return None
        raise
    fallback = ContainerRow(
        container_id,
        config.name or container_id,
        config.config.image,
        "unknown",
        server_name=config.server_name,
    )
    try:
        listing = await api.list_containers(session, stats=False)
    except ApiError as exc:  # e.g. DOCKER_UNAVAILABLE: the stored config is still worth showing
        return Header(fallback, config, exc)
    views = [view for view in listing if view.container_id == container_id]
    return Header(container_row(views[0]) if views else fallback, config)


# -- tab panels: each returns the template context of its tab ---------------------------------

Entry = TypeVar("Entry", ToolInfo, PromptInfo)
Panel = Callable[[ApiClient, str, str, Header, Submit | None], Awaitable[dict[str, Any]]]


async def _config_panel(
    api: ApiClient, session: str, container_id: str, header: Header, submit: Submit | None
) -> dict[str, Any]:
    settings = header.config.config
    command = settings.command
    return {
        "settings": settings,
        # As a JSON list: joined with spaces, the arguments' boundaries would be lost.
        "command": json.dumps(command) if command else None,
        "env": env_entries(settings.env),
        "ports": [port_text(port) for port in settings.ports],
        "config_view": header.config,
        **_config_edit(header, submit),
    }


def _config_edit(header: Header, submit: Submit | None) -> dict[str, Any]:
    """The Edit form (as stored, or as posted with its errors), or the notice after a save."""
    if submit is None or submit.kind != "config":
        return {}
    if submit.name != "edit":
        return {"saved": submit.name}
    edit = submit.edit or config_form.from_config(header.config)
    return {
        "edit": edit,
        "edit_url": f"/containers/{_quoted(header.row.container_id)}/config",
        "reference_pattern": WHOLE_VALUE_PATTERN,
        "status_code": edit.status,
    }


async def _logs_panel(
    api: ApiClient, session: str, container_id: str, header: Header, submit: Submit | None
) -> dict[str, Any]:
    base = f"/containers/{_quoted(container_id)}/logs"
    return {"stream_url": f"{base}/stream?tail={LOG_TAIL}", "download_url": f"{base}/download"}


async def _info_panel(
    api: ApiClient, session: str, container_id: str, header: Header, submit: Submit | None
) -> dict[str, Any]:
    return {"capabilities": await api.capabilities(session, container_id)}


async def _call_tool(
    api: ApiClient, session: str, container_id: str, name: str, arguments: dict[str, Any]
) -> tuple[bool, list[Block]]:
    result = await api.call_tool(session, container_id, name, arguments)
    return result.is_error, tool_blocks(result)


async def _get_prompt(
    api: ApiClient, session: str, container_id: str, name: str, arguments: dict[str, Any]
) -> tuple[bool, list[Block]]:
    return False, prompt_blocks(await api.get_prompt(session, container_id, name, arguments))


Run = Callable[[ApiClient, str, str, str, dict[str, Any]], Awaitable[tuple[bool, list[Block]]]]


async def _run(
    api: ApiClient, session: str, container_id: str, run: Run, card: Card, submit: Submit
) -> None:
    """Reads the card's form; sends it only when every field could be typed."""
    submission = card.submission = read_form(card.fields, submit.form)
    if submission.errors:
        return
    try:
        card.is_error, card.blocks = await run(
            api, session, container_id, card.name, submission.arguments
        )
    except ApiError as exc:  # INVALID_TOOL_ARGUMENTS, MCP_TIMEOUT...: shown in the card
        card.error = exc


def _submitted(cards: list[Card], submit: Submit | None, kind: str) -> Card | None:
    if submit is None or submit.kind != kind:
        return None
    return next((card for card in cards if card.name == submit.name), None)


@dataclass(frozen=True)
class FormCards(Generic[Entry]):
    """Tools and prompts alike: a card with a generated form per entry, and a request to run."""

    kind: Literal["tool", "prompt"]
    listing: Callable[[ApiClient, str, str], Awaitable[list[Entry]]]
    run: Run
    fields: Callable[[Entry], list[FormField]]

    async def panel(
        self, api: ApiClient, session: str, container_id: str, header: Header, submit: Submit | None
    ) -> dict[str, Any]:
        entries = await self.listing(api, session, container_id)
        cards = [
            Card(index, entry, self.fields(entry)) for index, entry in enumerate(entries, start=1)
        ]
        if (card := _submitted(cards, submit, self.kind)) and submit:
            await _run(api, session, container_id, self.run, card, submit)
        return {"cards": cards}


TOOL_CARDS = FormCards[ToolInfo](
    "tool", ApiClient.list_tools, _call_tool, lambda tool: schema_fields(tool.input_schema)
)
PROMPT_CARDS = FormCards[PromptInfo](
    "prompt", ApiClient.list_prompts, _get_prompt, lambda prompt: prompt_fields(prompt.arguments)
)


async def _resources_panel(
    api: ApiClient, session: str, container_id: str, header: Header, submit: Submit | None
) -> dict[str, Any]:
    resources = await api.list_resources(session, container_id)
    context: dict[str, Any] = {"resources": resources, "read_uri": None}
    if submit is not None and submit.kind == "resource":
        context["read_uri"] = submit.name
        try:
            read = await api.read_resource(session, container_id, submit.name)
            context["read_blocks"] = resource_blocks(read)
        except ApiError as exc:
            context["read_error"] = exc
    return context


def _inspector(panel: Panel) -> Panel:
    """The inspector tabs show their failure in the panel: a stopped container gets its own
    designed state (the API's 409 CONTAINER_NOT_RUNNING), MCP errors an alert."""

    async def guarded(
        api: ApiClient, session: str, container_id: str, header: Header, submit: Submit | None
    ) -> dict[str, Any]:
        try:
            return await panel(api, session, container_id, header, submit)
        except ApiError as exc:
            return {"inspector_error": exc, "not_running": exc.code == "CONTAINER_NOT_RUNNING"}

    return guarded


PANELS: dict[str, Panel] = {
    "config": _config_panel,
    "logs": _logs_panel,
    "info": _inspector(_info_panel),
    "tools": _inspector(TOOL_CARDS.panel),
    "resources": _inspector(_resources_panel),
    "prompts": _inspector(PROMPT_CARDS.panel),
}


# -- rendering ------------------------------------------------------------------------------


def header_url(container_id: str) -> str:
    return f"/containers/{_quoted(container_id)}/header"


async def _load(
    request: Request, api: ApiClient, session: str, container_id: str, template: str
) -> Header | HTMLResponse:
    """The header, or the answer to send without one: the designed not-found state, or (API or
    database down) an alert in a header that keeps polling, so the page recovers by itself."""
    failure: ApiError | None = None
    try:
        header = await _header(api, session, container_id)
    except ApiError as exc:
        header, failure = None, exc
    if header is not None:
        return header
    context = {
        "page_title": "Container unavailable" if failure else "Container not found",
        "nav": "containers",
        "container": None,
        "header_error": failure,
        "header_url": header_url(container_id),
        "page_url": page_url(container_id),
    }
    return render(request, template, context, failure.status if failure else 404)


async def _page(
    request: Request,
    api: ApiClient,
    session: str,
    container_id: str,
    tab: str,
    submit: Submit | None = None,
    header_error: ApiError | None = None,
) -> HTMLResponse:
    header = await _load(request, api, session, container_id, "container.html")
    if isinstance(header, HTMLResponse):
        return header
    panel = await PANELS[tab](api, session, container_id, header, submit)
    status = header_error.status if header_error else panel.pop("status_code", 200)
    context = {
        "page_title": header.row.name,
        "nav": "containers",
        "container": header.row,
        "header_error": header_error or header.error,
        "header_url": header_url(container_id),
        "tab": tab,
        "tabs": TABS,
        "return_to": page_url(container_id, tab),
        "base": f"/containers/{_quoted(container_id)}",
        **panel,
    }
    return render(request, "container.html", context, status)


async def _header_part(
    request: Request, api: ApiClient, session: str, container_id: str, error: ApiError | None
) -> HTMLResponse:
    header = await _load(request, api, session, container_id, "_container_header.html")
    if isinstance(header, HTMLResponse):
        return header
    context = {
        "container": header.row,
        "header_error": error or header.error,
        "header_url": header_url(container_id),
        "return_to": page_url(container_id),
    }
    return render(request, "_container_header.html", context, error.status if error else 200)


async def after_action(
    request: Request,
    api: ApiClient,
    session: str,
    container_id: str,
    return_to: str,
    error: ApiError | None,
) -> HTMLResponse:
    """An action sent from this page: htmx gets the header back, a plain post the page."""
    if is_htmx(request):
        return await _header_part(request, api, session, container_id, error)
    tab = parse_qs(urlsplit(return_to).query).get("tab", [DEFAULT_TAB])[0]
    return await _page(request, api, session, container_id, _tab(tab), header_error=error)


def _tab(value: str | None) -> str:
    return value if value in TAB_KEYS else DEFAULT_TAB


# -- routes ---------------------------------------------------------------------------------


@router.get("/containers/{container_id}", response_class=HTMLResponse)
async def container_page(
    request: Request,
    container_id: str,
    api: Api,
    session: Session,
    tab: str = DEFAULT_TAB,
    edit: bool = False,
    saved: Literal["pending", "applied", "none"] | None = None,
) -> HTMLResponse:
    """`?tab=config&edit=true` opens the Edit form; `saved=` is where a plain save lands."""
    mode = "edit" if edit else saved
    submit = Submit("config", mode) if mode and _tab(tab) == "config" else None
    return await _page(request, api, session, container_id, _tab(tab), submit)


@router.post("/containers/{container_id}/config", response_class=HTMLResponse)
async def save_config(request: Request, container_id: str, api: Api, session: Session) -> Response:
    """The Edit form: a row button (add/remove) shows it again, Save sends the PATCH. Saved:
    htmx gets the config tab, a plain post a redirect to it; refused: the form with errors."""
    form = await request.form()
    stored = await api.container_config(session, container_id)
    edit = config_form.read_form(form, set(stored.config.secret_env))
    submit = Submit("config", "edit", edit=edit)
    if not config_form.apply_row_action(edit, str(form.get("action", "save"))):
        saved = await _save(api, session, container_id, edit)
        if saved and not is_htmx(request):
            return RedirectResponse(f"{page_url(container_id)}&saved={saved}", status_code=303)
        if saved:
            submit = Submit("config", saved)
    return await _page(request, api, session, container_id, "config", submit)


async def _save(api: ApiClient, session: str, container_id: str, edit: EditForm) -> str | None:
    """The restart state once saved; None when this form or the API refused it."""
    config_form.check(edit)
    if edit.errors:
        config_form.forget_secret_shapes(edit)  # the API never saw the rest: check it here
        return None
    try:
        edited = await api.edit_container_config(
            session, container_id, config_form.payload(edit), restart=edit.restart_now
        )
    except ApiError as exc:
        config_form.apply_error(edit, exc)
        return None
    return edited.restart


@router.get("/containers/{container_id}/resources/read", response_class=HTMLResponse)
async def read_resource(
    request: Request, container_id: str, api: Api, session: Session, uri: str = ""
) -> HTMLResponse:
    """The resources tab with `uri` read and shown under its entry (a GET: reading changes
    nothing, and the address can be shared)."""
    submit = Submit("resource", uri) if uri else None
    return await _page(request, api, session, container_id, "resources", submit)


@router.get("/containers/{container_id}/header", response_class=HTMLResponse)
async def container_header(
    request: Request, container_id: str, api: Api, session: Session
) -> Response:
    """The header's own poll; without htmx there is nothing to refresh, so go to the page."""
    if not is_htmx(request):
        return RedirectResponse(page_url(container_id), status_code=303)
    return await _header_part(request, api, session, container_id, None)


@router.post("/containers/{container_id}/tools/{name}", response_class=HTMLResponse)
async def call_tool(
    request: Request, container_id: str, name: str, api: Api, session: Session
) -> HTMLResponse:
    submit = Submit("tool", name, await request.form())
    return await _page(request, api, session, container_id, "tools", submit)


@router.post("/containers/{container_id}/prompts/{name}", response_class=HTMLResponse)
async def get_prompt(
    request: Request, container_id: str, name: str, api: Api, session: Session
) -> HTMLResponse:
    submit = Submit("prompt", name, await request.form())
    return await _page(request, api, session, container_id, "prompts", submit)


def _event_stream(body: Iterable[bytes] | AsyncIterator[bytes]) -> StreamingResponse:
    # no-store: a proxy must neither cache nor buffer a live stream.
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


@router.get("/containers/{container_id}/logs/stream")
async def logs_stream(
    container_id: str, api: Api, session: Session, tail: str = LOG_TAIL
) -> StreamingResponse:
    """Server-sent events for `logs.js`: the API's events relayed as they come; a failure to
    start (unknown container, Docker down) is one `error` event the page can show."""
    params = {"tail": tail, "follow": "true"}
    try:
        upstream = await api.open_logs(session, container_id, params)
    except ApiError as exc:
        return _event_stream([error_event(exc)])
    return _event_stream(relay(upstream))


@router.get("/containers/{container_id}/logs/download")
async def logs_download(container_id: str, api: Api, session: Session) -> Response:
    """All lines so far as a text file; a failure before the first byte shows the error page."""
    params = {"tail": "all", "follow": "false"}
    upstream = await api.open_logs(session, container_id, params)
    filename = f"container-{UNSAFE_FILENAME.sub('_', container_id)}-logs.txt"
    return StreamingResponse(
        plain_lines(upstream),
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
