"""The gateway's view of a profile: the tools, prompts and resources of its running servers.

For a caller (a verified token: owner + profile), the profile's enabled servers that are the
owner's running containers are reached through the inspector's pooled stdio sessions. Tools and
prompts keep their servers' names, filtered by the allow-list and renamed `<prefix>_<name>` when
the profile sets a prefix; resource URIs and templates stay as they are. Two servers exposing
one name: the first in profile order wins (saving such a profile is refused anyway).

Each server's lists are cached per live session, and the resolved view of a profile (its slots
and merged lists) per (owner, profile) for VIEW_TTL_SECONDS: a warm request costs no round trip
to the database, Docker or the server before the call itself. A stop, restart or re-creation
ends the pooled session (or changes the Docker id), so the next request resolves the view and
asks the server again; list-change events (a container action, a profile edit, an upstream
`list_changed`, heard by every replica) drop the owner's entries at once, and the TTL heals a
missed event. A call still goes through the inspector's ownership and running checks, so a
stale view can route a call, never widen what it reaches.

Payloads (arguments, results, contents) pass through and are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import anyio

from mcp_console.containers.schemas import ContainerView
from mcp_console.containers.service import Actor
from mcp_console.core.errors import AppError
from mcp_console.core.session_ids import SessionHash
from mcp_console.gateway import schemas
from mcp_console.gateway.cache import TtlCache
from mcp_console.gateway.ports import Principal, ProfileReader
from mcp_console.inspector.service import ContainerTarget

logger = logging.getLogger("mcp_console.gateway")
Kind = Literal["tools", "prompts", "resources", "resource_templates"]
KINDS: tuple[Kind, ...] = ("tools", "prompts", "resources", "resource_templates")
DEFAULT_PAGE_SIZE = 500
VIEW_TTL_SECONDS = 5.0
# Gateway calls act for the token's owner without a login session: no path they take reads a
# session (no secret is resolved; the gateway never starts a container).
GATEWAY_SESSION = SessionHash("gateway")

# JSON-RPC error codes of the gateway's own errors (the server-defined range), so a client can
# tell them apart; upstream errors keep the server's own code.
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_UNAVAILABLE = -32010
RATE_LIMITED = -32011
CALL_TIMEOUT = -32001
RESOURCE_EVENT = "resource"


class GatewayError(Exception):
    """A failure the MCP client is told about as a JSON-RPC error (never an HTTP error).

    `code` is the stable name the call log records; `rpc_code` the JSON-RPC code."""

    def __init__(
        self, code: str, message: str, rpc_code: int = INTERNAL_ERROR, server: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.rpc_code = rpc_code
        self.server = server


class Progress(Protocol):
    async def __call__(self, progress: float, total: float | None, message: str | None) -> None: ...


class Upstream(Protocol):
    """One live MCP session with a server (the inspector's `McpClient`)."""

    @property
    def ended(self) -> anyio.Event: ...
    def offers(self, kind: Kind) -> bool: ...
    def on_list_changed(self, callback: Callable[[], Awaitable[None]]) -> None: ...
    def on_resource_updated(self, callback: Callable[[str], Awaitable[None]]) -> None: ...
    def offers_subscribe(self) -> bool: ...
    async def subscribe_raw(self, uri: str, timeout_seconds: float) -> None: ...
    async def list_raw(self, kind: Kind) -> list[dict[str, Any]]: ...
    async def call_tool_raw(
        self,
        name: str,
        arguments: dict[str, Any] | None,
        timeout_seconds: float,
        progress: Progress | None = None,
    ) -> dict[str, Any]: ...
    async def read_resource_raw(self, uri: str, timeout_seconds: float) -> dict[str, Any]: ...
    async def get_prompt_raw(
        self, name: str, arguments: dict[str, str] | None, timeout_seconds: float
    ) -> dict[str, Any]: ...


class Connector(Protocol):
    """The inspector: ownership and running checks, then the pooled session."""

    def connected(self, target: ContainerTarget) -> AbstractAsyncContextManager[Upstream]: ...


class Directory(Protocol):
    """The container service: the owner's containers with their live state."""

    async def list_views(
        self, actor: Actor, include_stopped: bool, stats: bool
    ) -> list[ContainerView]: ...


@dataclass(frozen=True)
class Slot:
    """A profile server with its container's live view (None: no such container of the owner)."""

    server: schemas.ProfileServer
    view: ContainerView | None

    @property
    def name(self) -> str:
        return self.view.name if self.view else self.server.server_id

    @property
    def state(self) -> str:
        return self.view.status if self.view else "missing"

    @property
    def running(self) -> bool:
        return self.state == "running"

    def exposed(self, name: str) -> str:
        return f"{self.server.prefix}_{name}" if self.server.prefix else name

    def allows(self, name: str) -> bool:
        return self.server.tools is None or name in self.server.tools

    def claims(self, exposed: str, known: set[str]) -> bool:
        """Whether an exposed tool name would be this server's (used for servers without a live
        list: a stopped server is named in the error instead of "unknown tool")."""
        if self.server.prefix:
            prefix = self.server.prefix + "_"
            return exposed.startswith(prefix) and self.allows(exposed[len(prefix) :])
        return (exposed in self.server.tools) if self.server.tools is not None else exposed in known


@dataclass(frozen=True)
class Route:
    slot: Slot
    original: str


@dataclass
class View:
    """A profile as its client sees it right now."""

    slots: list[Slot]
    items: dict[Kind, list[dict[str, Any]]] = field(default_factory=dict)
    tools: dict[str, Route] = field(default_factory=dict)
    prompts: dict[str, Route] = field(default_factory=dict)
    resources: dict[str, Route] = field(default_factory=dict)
    templates: list[tuple[str, Slot]] = field(default_factory=list)


@dataclass
class _Cached:
    upstream: Upstream
    docker_id: str | None
    lists: dict[Kind, list[dict[str, Any]]]

    def current(self, slot: Slot) -> bool:
        """Still the lists of the slot's container as it runs now: same Docker container, and
        the session they came from has not ended (a stop or restart ends it)."""
        view = slot.view
        return (
            view is not None
            and view.docker_id == self.docker_id
            and not self.upstream.ended.is_set()
        )


@dataclass(frozen=True)
class _CachedView:
    view: View
    upstreams: tuple[Upstream, ...]

    @property
    def live(self) -> bool:
        """No session the view's lists came from has ended (a stopped server is noticed)."""
        return not any(upstream.ended.is_set() for upstream in self.upstreams)


UpstreamChanged = Callable[[str, str], Awaitable[None]]
"""Told `(owner, container id)` when a server announced a list change (publishes the event)."""


ResourceUpdated = Callable[[str, str], Awaitable[None]]
"""Told `(owner, uri)` when a server said a subscribed resource changed (publishes the event)."""


async def _nobody(_owner: str, _subject: str) -> None:
    return None


class GatewayService:
    def __init__(
        self,
        profiles: ProfileReader,
        directory: Directory,
        connector: Connector,
        call_timeout_seconds: float,
        page_size: int = DEFAULT_PAGE_SIZE,
        upstream_changed: UpstreamChanged = _nobody,
        resource_updated: ResourceUpdated = _nobody,
        view_ttl_seconds: float = VIEW_TTL_SECONDS,
    ) -> None:
        self._resource_updated = resource_updated
        self._upstream_changed = upstream_changed
        self._profiles = profiles
        self._directory = directory
        self._connector = connector
        self._timeout = call_timeout_seconds
        self._page_size = page_size
        self._cache: dict[tuple[str, str], _Cached] = {}
        self._known_tools: dict[tuple[str, str], set[str]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._views: TtlCache[tuple[str, str], _CachedView] = TtlCache(view_ttl_seconds)

    # -- lists ------------------------------------------------------------------------------

    async def list_page(
        self, principal: Principal, kind: Kind, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the aggregate list and the cursor of the next (None at the end)."""
        offset = _offset(cursor, kind)
        items = (await self.view(principal)).items[kind]
        end = offset + self._page_size
        return items[offset:end], (_cursor(kind, end) if end < len(items) else None)

    async def view(self, principal: Principal) -> View:
        """The profile's view from the cache while it is fresh and its sessions live; else
        resolved again (cached only when every running server answered)."""
        key = (principal.owner, principal.profile)
        cached = self._views.get(key)
        if cached is not None and cached.live:
            return cached.view
        generation = self._views.generation
        slots = await self._slots(principal)
        running = [slot for slot in slots if slot.running]
        fetched = await asyncio.gather(*(self._lists(principal.owner, s) for s in running))
        view = View(slots, {kind: [] for kind in KINDS})
        for slot, entry in zip(running, fetched, strict=True):
            if entry is not None:
                _merge(view, slot, entry.lists)
        reached = [entry.upstream for entry in fetched if entry is not None]
        if len(reached) == len(running):
            self._views.put(key, _CachedView(view, tuple(reached)), generation)
        return view

    def invalidate(self, owner: str) -> None:
        """Drops the owner's cached lists and views (a container action or list change)."""
        for key in [key for key in self._cache if key[0] == owner]:
            self._cache.pop(key, None)
        self._views.drop(lambda key, _view: key[0] == owner)

    async def _changed_upstream(self, key: tuple[str, str]) -> None:
        """A server's own `list_changed`: its entry goes now, every replica hears of it."""
        self._cache.pop(key, None)
        self._views.drop(lambda view_key, _view: view_key[0] == key[0])
        await self._upstream_changed(*key)

    async def on_event(self, event: dict[str, Any]) -> None:
        """A profile event drops that profile's view; token and resource events change no list;
        any other event (container, upstream) drops all of the owner's cached lists and views."""
        owner = str(event.get("owner"))
        reason = event.get("reason")
        if reason in ("token", RESOURCE_EVENT):
            return
        if reason == "profile":
            profile = str(event.get("profile"))
            self._views.drop(lambda key, _view: key == (owner, profile))
            return
        self.invalidate(owner)

    async def _slots(self, principal: Principal) -> list[Slot]:
        try:
            profile = await self._profiles.get(principal.owner, principal.profile)
        except AppError as exc:
            raise GatewayError(exc.code, exc.message) from None
        actor = Actor(owner=principal.owner, session_hash=GATEWAY_SESSION)
        views = {
            view.container_id: view
            for view in await self._directory.list_views(actor, include_stopped=True, stats=False)
        }
        return [
            Slot(server, views.get(server.server_id))
            for server in profile.servers
            if server.enabled and server.kind == "container"
        ]

    async def _lists(self, owner: str, slot: Slot) -> _Cached | None:
        """The server's lists (with their session) from the cache of its live session, or asked
        for; None (and a log line) when it cannot be reached right now: its items are left out."""
        key = (owner, slot.server.server_id)
        cached = self._cache.get(key)
        if cached is not None and cached.current(slot):
            return cached  # warm: no database, Docker or upstream round trip
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock, self._connected(owner, slot) as upstream:
                cached = self._cache.get(key)
                if cached is None or cached.upstream is not upstream:
                    upstream.on_list_changed(lambda: self._changed_upstream(key))
                    docker_id = slot.view.docker_id if slot.view else None
                    cached = _Cached(upstream, docker_id, await _fetch_lists(upstream))
                    self._cache[key] = cached
                    self._known_tools[key] = {tool["name"] for tool in cached.lists["tools"]}
                return cached
        except GatewayError as exc:
            logger.warning(
                "gateway server left out of the lists",
                extra={"server": slot.name, "error_code": exc.code},
            )
            return None

    @contextlib.asynccontextmanager
    async def _connected(self, owner: str, slot: Slot) -> AsyncIterator[Upstream]:
        """The server's live session; failing to reach it is the server's state, not a bug."""
        actor = Actor(owner=owner, session_hash=GATEWAY_SESSION)
        try:
            async with self._connector.connected(
                ContainerTarget(actor, slot.server.server_id)
            ) as upstream:
                yield upstream
        except AppError as exc:
            raise GatewayError(
                exc.code, f"Server {slot.name}: {exc.message}", SERVER_UNAVAILABLE, slot.name
            ) from None

    # -- calls ------------------------------------------------------------------------------

    async def call_tool(
        self,
        principal: Principal,
        name: str,
        arguments: dict[str, Any] | None,
        progress: Progress | None,
    ) -> tuple[str, dict[str, Any]]:
        """(server name, result) of a tool call through its server's live session."""
        view = await self.view(principal)
        route = view.tools.get(name) or self._unavailable(principal, view, name, "tool")
        return route.slot.name, await self._call(
            principal.owner,
            route.slot,
            lambda up: up.call_tool_raw(route.original, arguments, self._timeout, progress),
        )

    async def read_resource(self, principal: Principal, uri: str) -> tuple[str, dict[str, Any]]:
        view = await self.view(principal)
        route = view.resources.get(uri) or _template_route(view, uri)
        if route is None:
            raise GatewayError(
                "RESOURCE_NOT_FOUND", f"No running server of this profile has {uri}.", -32002
            )
        return route.slot.name, await self._call(
            principal.owner, route.slot, lambda up: up.read_resource_raw(uri, self._timeout)
        )

    async def get_prompt(
        self, principal: Principal, name: str, arguments: dict[str, str] | None
    ) -> tuple[str, dict[str, Any]]:
        view = await self.view(principal)
        route = view.prompts.get(name) or self._unavailable(principal, view, name, "prompt")
        return route.slot.name, await self._call(
            principal.owner,
            route.slot,
            lambda up: up.get_prompt_raw(route.original, arguments, self._timeout),
        )

    async def subscribe(self, principal: Principal, uri: str) -> str | None:
        """Subscribes the pooled session of the server that owns `uri` (listed, or matching
        its template) and returns that server's name; None when no running server of the
        profile owns the URI (the caller still records the client's subscription, but nothing
        is forwarded, so no update comes). The upstream subscription stays for the session's life,
        shared by every client session of the owner (no reference counting)."""
        view = await self.view(principal)
        route = view.resources.get(uri) or _template_route(view, uri)
        if route is None:
            return None
        owner = principal.owner

        async def subscribe(upstream: Upstream) -> dict[str, Any]:
            if not upstream.offers_subscribe():
                raise GatewayError(
                    "SUBSCRIBE_UNSUPPORTED",
                    f"Server {route.slot.name} does not support resource subscriptions.",
                    INVALID_PARAMS,
                    route.slot.name,
                )
            upstream.on_resource_updated(lambda updated: self._resource_updated(owner, updated))
            await upstream.subscribe_raw(uri, self._timeout)
            return {}

        await self._call(owner, route.slot, subscribe)
        return route.slot.name

    def _unavailable(self, principal: Principal, view: View, name: str, what: str) -> Route:
        """Raises: a stopped server that would expose `name` is named with its state."""
        for slot in view.slots:
            known = self._known_tools.get((principal.owner, slot.server.server_id), set())
            if not slot.running and slot.claims(name, known):
                raise GatewayError(
                    "SERVER_NOT_RUNNING",
                    f"The {what} {name} is not available: server {slot.name} is {slot.state}.",
                    SERVER_UNAVAILABLE,
                    slot.name,
                )
        raise GatewayError(f"{what.upper()}_NOT_FOUND", f"Unknown {what}: {name}.", INVALID_PARAMS)

    async def _call(
        self,
        owner: str,
        slot: Slot,
        call: Callable[[Upstream], Coroutine[Any, Any, dict[str, Any]]],
    ) -> dict[str, Any]:
        async with self._connected(owner, slot) as upstream:
            try:
                return await call(upstream)
            except AppError as exc:
                raise _gateway_error(exc, slot, self._timeout) from None


async def _fetch_lists(upstream: Upstream) -> dict[Kind, list[dict[str, Any]]]:
    lists: dict[Kind, list[dict[str, Any]]] = {}
    for kind in KINDS:
        try:
            lists[kind] = await upstream.list_raw(kind) if upstream.offers(kind) else []
        except AppError as exc:
            if exc.code != "MCP_UPSTREAM_ERROR":
                raise GatewayError(exc.code, exc.message) from None
            lists[kind] = []  # e.g. resources offered but templates not served
    return lists


def _merge(view: View, slot: Slot, lists: dict[Kind, list[dict[str, Any]]]) -> None:
    """Adds a server's items in profile order; a name already taken keeps its first owner."""
    named: tuple[tuple[Kind, dict[str, Route]], ...] = (
        ("tools", view.tools),
        ("prompts", view.prompts),
    )
    for kind, routes in named:
        for item in lists[kind]:
            original = str(item.get("name", ""))
            if kind == "tools" and not slot.allows(original):
                continue
            exposed = slot.exposed(original)
            if exposed in routes:
                continue
            routes[exposed] = Route(slot, original)
            view.items[kind].append({**item, "name": exposed})
    for item in lists["resources"]:
        uri = str(item.get("uri", ""))
        if uri not in view.resources:
            view.resources[uri] = Route(slot, uri)
            view.items["resources"].append(item)
    seen = {template for template, _slot in view.templates}
    for item in lists["resource_templates"]:
        template = str(item.get("uriTemplate", ""))
        if template not in seen:
            view.templates.append((template, slot))
            view.items["resource_templates"].append(item)


def _template_route(view: View, uri: str) -> Route | None:
    """A URI no server listed may still match a server's template: the first server that
    offers templates whose literal prefix the URI starts with is asked."""
    for template, slot in view.templates:
        literal = template.split("{", 1)[0]
        if literal and uri.startswith(literal):
            return Route(slot, uri)
    return None


def _gateway_error(exc: AppError, slot: Slot, timeout_seconds: float) -> GatewayError:
    if exc.code == "MCP_UPSTREAM_ERROR":
        rpc_code = int(exc.details.get("mcp_code", INTERNAL_ERROR))
        return GatewayError(exc.code, exc.message, rpc_code, slot.name)
    if exc.code == "MCP_TIMEOUT":
        message = (
            f"Server {slot.name} did not answer within {timeout_seconds:g} s "
            "(GATEWAY_CALL_TIMEOUT_SECONDS); the call was cancelled."
        )
        return GatewayError(exc.code, message, CALL_TIMEOUT, slot.name)
    message = f"Server {slot.name}: {exc.message}"
    return GatewayError(exc.code, message, SERVER_UNAVAILABLE, slot.name)


def _cursor(kind: Kind, offset: int) -> str:
    raw = json.dumps({"k": kind, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(cursor: str | None, kind: Kind) -> int:
    if cursor is None:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = data["o"]
        if data["k"] != kind or not isinstance(offset, int) or offset < 0:
            raise ValueError(cursor)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise GatewayError("INVALID_CURSOR", "The cursor is not valid.", INVALID_PARAMS) from None
    return offset
