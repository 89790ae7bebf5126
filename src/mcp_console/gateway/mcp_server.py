"""The gateway's MCP server: the official SDK's low-level `Server` and its streamable HTTP
manager in stateless mode, with handlers that delegate to `GatewayService`.

The only server-side user of the `mcp` SDK. Stateless mode builds a fresh transport for every
HTTP request, so any API replica can answer any request; the gateway's own session layer
(`transport.py`, state in Redis) sits in front. Each handler reads the `Caller` the transport
put into the request's scope, times the call, writes the call log entry (names, duration,
outcome; never arguments or results) and turns a `GatewayError` into a JSON-RPC error.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal, TypeVar

import mcp_types as mt
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from starlette.types import Receive, Scope, Send

from mcp_console import __version__
from mcp_console.gateway.aggregate import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    GatewayError,
    GatewayService,
    Kind,
    Progress,
)
from mcp_console.gateway.caller import Caller, InflightCalls, caller_of
from mcp_console.gateway.recorder import BackgroundRecorder, CallEntry
from mcp_console.gateway.redis_state import McpSessionStore

Ctx = ServerRequestContext[Any, Any]
Outcome = Literal["success", "failure"]
Result = TypeVar("Result")
SERVER_NAME = "mcp-gateway-console"
INSTRUCTIONS = "The MCP Gateway Console: the tools of your profile's running servers."
CANCELLED = -32800
INVALID_REQUEST = -32600
MAX_URI_CHARS = 2048
LIST_RESULTS: dict[Kind, tuple[type[Any], str]] = {
    "tools": (mt.ListToolsResult, "tools"),
    "prompts": (mt.ListPromptsResult, "prompts"),
    "resources": (mt.ListResourcesResult, "resources"),
    "resource_templates": (mt.ListResourceTemplatesResult, "resourceTemplates"),
}


class _GatewayServer(Server[Any]):
    """Announces `listChanged` for tools, prompts and resources: the gateway sends them on the
    session's GET stream (the stateless manager builds the options from this method)."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(True, True, True),
            experimental_capabilities,
            extensions,
        )


class GatewayMcpServer:
    """The SDK server and manager; `handle` is the ASGI entry the transport calls."""

    def __init__(
        self,
        gateway: GatewayService,
        recorder: BackgroundRecorder,
        inflight: InflightCalls,
        sessions: McpSessionStore,
    ) -> None:
        self._gateway = gateway
        self._recorder = recorder
        self._inflight = inflight
        self._sessions = sessions
        # `on_set_logging_level` is deprecated in the pinned SDK's protocol (SEP-2577) and the
        # SDK warns when it is registered; the gateway still serves it for clients of the
        # protocol versions it supports (docs/GATEWAY.md), so exactly that warning is silenced
        # here, where the server is built, and nowhere else.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message=r"The logging capability is deprecated",
                category=MCPDeprecationWarning,
            )
            self.server = _GatewayServer(
                SERVER_NAME,
                version=__version__,
                instructions=INSTRUCTIONS,
                on_list_tools=self._lister("tools"),
                on_list_prompts=self._lister("prompts"),
                on_list_resources=self._lister("resources"),
                on_list_resource_templates=self._lister("resource_templates"),
                on_call_tool=self._call_tool,
                on_read_resource=self._read_resource,
                on_get_prompt=self._get_prompt,
                on_subscribe_resource=self._subscribe,
                on_unsubscribe_resource=self._unsubscribe,
                on_set_logging_level=self._set_level,
            )
        self.manager = StreamableHTTPSessionManager(self.server, stateless=True)

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        async with self.manager.run():
            yield

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.manager.handle_request(scope, receive, send)

    def _lister(self, kind: Kind) -> Callable[[Ctx, mt.PaginatedRequestParams | None], Any]:
        result_type, field = LIST_RESULTS[kind]
        method = {"resource_templates": "resources/templates/list"}.get(kind, f"{kind}/list")

        async def handler(ctx: Ctx, params: mt.PaginatedRequestParams | None) -> Any:
            cursor = params.cursor if params else None

            async def work(caller: Caller) -> tuple[str | None, Any]:
                items, next_cursor = await self._gateway.list_page(caller.principal, kind, cursor)
                payload: dict[str, Any] = {field: items}
                if next_cursor:
                    payload["nextCursor"] = next_cursor
                return None, result_type.model_validate(payload, by_name=False)

            return await self._run(ctx, method, None, work)

        return handler

    async def _call_tool(self, ctx: Ctx, params: mt.CallToolRequestParams) -> mt.CallToolResult:
        progress = _progress_of(ctx)

        async def work(caller: Caller) -> tuple[str | None, mt.CallToolResult]:
            server, raw = await self._gateway.call_tool(
                caller.principal, params.name, params.arguments, progress
            )
            return server, mt.CallToolResult.model_validate(raw, by_name=False)

        return await self._run(ctx, "tools/call", params.name, work)

    async def _read_resource(
        self, ctx: Ctx, params: mt.ReadResourceRequestParams
    ) -> mt.ReadResourceResult:
        uri = str(params.uri)

        async def work(caller: Caller) -> tuple[str | None, mt.ReadResourceResult]:
            server, raw = await self._gateway.read_resource(caller.principal, uri)
            return server, mt.ReadResourceResult.model_validate(raw, by_name=False)

        return await self._run(ctx, "resources/read", uri, work)

    async def _get_prompt(self, ctx: Ctx, params: mt.GetPromptRequestParams) -> mt.GetPromptResult:
        async def work(caller: Caller) -> tuple[str | None, mt.GetPromptResult]:
            server, raw = await self._gateway.get_prompt(
                caller.principal, params.name, params.arguments
            )
            return server, mt.GetPromptResult.model_validate(raw, by_name=False)

        return await self._run(ctx, "prompts/get", params.name, work)

    async def _set_level(self, ctx: Ctx, params: mt.SetLevelRequestParams) -> mt.EmptyResult:
        async def work(caller: Caller) -> tuple[str | None, mt.EmptyResult]:
            await self._sessions.set_log_level(_session_of(caller), params.level)
            return None, mt.EmptyResult()

        return await self._run(ctx, "logging/setLevel", params.level, work)

    async def _subscribe(self, ctx: Ctx, params: mt.SubscribeRequestParams) -> mt.EmptyResult:
        """Records the URI in the client's session, then subscribes the owning server's pooled
        session (updates come back through the owner's event channel, see transport.py)."""
        uri = _checked_uri(str(params.uri))

        async def work(caller: Caller) -> tuple[str | None, mt.EmptyResult]:
            recorded = await self._sessions.subscribe(_session_of(caller), uri)
            if recorded < 0:
                raise GatewayError(
                    "TOO_MANY_SUBSCRIPTIONS",
                    "This session holds the most resource subscriptions allowed; "
                    "unsubscribe from one first.",
                    INVALID_PARAMS,
                )
            return await self._gateway.subscribe(caller.principal, uri), mt.EmptyResult()

        return await self._run(ctx, "resources/subscribe", uri, work)

    async def _unsubscribe(self, ctx: Ctx, params: mt.UnsubscribeRequestParams) -> mt.EmptyResult:
        """Removes the URI from the client's session; the upstream subscription stays (it is
        shared by the owner's sessions), so updates for it are simply not relayed here."""
        uri = _checked_uri(str(params.uri))

        async def work(caller: Caller) -> tuple[str | None, mt.EmptyResult]:
            await self._sessions.unsubscribe(_session_of(caller), uri)
            return None, mt.EmptyResult()

        return await self._run(ctx, "resources/unsubscribe", uri, work)

    async def _run(
        self,
        ctx: Ctx,
        method: str,
        name: str | None,
        work: Callable[[Caller], Awaitable[tuple[str | None, Result]]],
    ) -> Result:
        """Runs one request for its caller: cancellable by the client (any replica), timed
        and written to the call log whatever the outcome."""
        caller = caller_of(ctx.request.scope) if ctx.request is not None else None
        if caller is None:  # only the transport reaches the SDK, and it always attaches one
            raise MCPError(INTERNAL_ERROR, "The gateway request has no caller.")
        started = time.perf_counter()
        server: str | None = None
        outcome: Outcome = "failure"
        error_code: str | None = "CANCELLED"
        try:
            with self._inflight.scope(caller.session_id, ctx.request_id) as scope:
                server, result = await work(caller)
                outcome, error_code = _outcome_of(result)
            if scope.cancelled_caught:
                raise MCPError(CANCELLED, "The request was cancelled.")
            return result
        except GatewayError as exc:
            server, error_code = exc.server or server, exc.code
            raise MCPError(exc.rpc_code, exc.message, {"code": exc.code}) from None
        finally:
            self._recorder.record(
                CallEntry(
                    caller.principal,
                    server,
                    method,
                    name,
                    round((time.perf_counter() - started) * 1000, 2),
                    outcome,
                    error_code,
                )
            )


def _session_of(caller: Caller) -> str:
    """Session-scoped state needs the `Mcp-Session-Id` that initialize gave the client."""
    if caller.session_id is None:
        raise GatewayError(
            "MCP_SESSION_REQUIRED",
            "This request needs the Mcp-Session-Id header from initialize.",
            INVALID_REQUEST,
        )
    return caller.session_id


def _checked_uri(uri: str) -> str:
    if not 0 < len(uri) <= MAX_URI_CHARS:
        raise MCPError(INVALID_PARAMS, f"The URI must have 1 to {MAX_URI_CHARS} characters.")
    return uri


def _outcome_of(result: object) -> tuple[Outcome, str | None]:
    if isinstance(result, mt.CallToolResult) and result.is_error:
        return "failure", "TOOL_ERROR"
    return "success", None


def _progress_of(ctx: Ctx) -> Progress | None:
    """Upstream progress goes to the client's own token, when the client asked for progress."""
    meta = (ctx.params or {}).get("_meta")
    if not isinstance(meta, dict) or meta.get("progressToken") is None:
        return None

    async def forward(progress: float, total: float | None, message: str | None) -> None:
        await ctx.session.report_progress(progress, total, message)

    return forward
