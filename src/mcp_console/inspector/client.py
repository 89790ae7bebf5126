"""The one MCP adapter: the official `mcp` SDK's `ClientSession` over the console's transports.

Nothing else in the console imports the SDK. Two ways in:
- `connect_docker_stdio`: a managed container's stdin/stdout through a Docker attach socket,
  bridged to the session's memory streams (no shell, no `docker` CLI). Request ids are namespaced
  on the wire, because every client attached to a container sees all of its stdout.
- `connect_remote`: streamable HTTP or SSE, with the HTTP client made by the SSRF-safe factory.

SDK failures become `AppError`s here, so callers only ever see stable codes. Server output is
untrusted: every result passes `McpClient.cap_result` (`result_cap.py`), the stdio bridge never
accumulates a line past the cap, and remote responses are cut off at the transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import anyio
import httpx2
import mcp_types as mt
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from mcp_console import __version__
from mcp_console.core.errors import AppError
from mcp_console.core.logging import redactor
from mcp_console.inspector import schemas
from mcp_console.inspector.result_cap import (
    RESULT_TOO_LARGE_CODE,
    cap_result,
    notice,
    notice_only,
    result_too_large,
    wire_limit,
)
from mcp_console.inspector.stdio_lines import Oversize, StdoutDecoder

logger = logging.getLogger("mcp_console.inspector")
CLIENT_INFO = mt.Implementation(name="mcp-gateway-console", version=__version__)
MAX_PAGES = 1000
READ_CHUNK = 65536
# Lines longer than this are parsed in a worker thread, so the event loop keeps serving others.
PARSE_OFF_LOOP_BYTES = 65536
DEFAULT_MAX_RESULT_BYTES = 1_048_576
CANCELLED = "notifications/cancelled"
Page = TypeVar("Page", mt.ListToolsResult, mt.ListResourcesResult, mt.ListPromptsResult)
Item = TypeVar("Item")


ListKind = Literal["tools", "prompts", "resources", "resource_templates"]
_RAW_LISTS: dict[str, tuple[Callable[..., Awaitable[Any]], str]] = {
    "tools": (ClientSession.list_tools, "tools"),
    "prompts": (ClientSession.list_prompts, "prompts"),
    "resources": (ClientSession.list_resources, "resources"),
    "resource_templates": (ClientSession.list_resource_templates, "resource_templates"),
}
_RAW_METHODS = {
    "tools": "tools/list",
    "prompts": "prompts/list",
    "resources": "resources/list",
    "resource_templates": "resources/templates/list",
}


LIST_CHANGED = frozenset(
    {
        "notifications/tools/list_changed",
        "notifications/prompts/list_changed",
        "notifications/resources/list_changed",
    }
)
RESOURCE_UPDATED = "notifications/resources/updated"


class ListChangeNotices:
    """The session's message handler: passes a server's `list_changed` and
    `resources/updated` notifications on."""

    def __init__(self) -> None:
        self.listener: Callable[[], Awaitable[None]] | None = None
        self.resource_listener: Callable[[str], Awaitable[None]] | None = None

    async def handle(self, message: object) -> None:
        method = getattr(message, "method", None)
        try:
            if method in LIST_CHANGED and self.listener is not None:
                await self.listener()
            elif method == RESOURCE_UPDATED and self.resource_listener is not None:
                uri = getattr(getattr(message, "params", None), "uri", None)
                if uri is not None:
                    await self.resource_listener(str(uri))
        except Exception:
            logger.exception("list change listener failed")


class ProgressCallback(Protocol):
    """Receives a call's progress notifications (the SDK's progress-callback shape)."""

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None: ...


class HttpClientFactory(Protocol):
    """The SDK's client-factory signature; the console passes the SSRF-safe one."""

    def __call__(
        self,
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient: ...


@dataclass(frozen=True)
class Limits:
    """Time limits (the handshake as a whole, each request after it) and the result size cap."""

    init_seconds: float
    call_seconds: float
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES


def handshake_failed(reason: str, hint: str | None = None) -> AppError:
    return AppError(
        "MCP_HANDSHAKE_FAILED",
        f"The server did not complete the MCP handshake: {redactor.text(reason)[:300]}",
        status=502,
        hint=hint or "Check that the container or URL runs an MCP server on this transport.",
    )


def mcp_timeout(operation: str, seconds: float) -> AppError:
    return AppError(
        "MCP_TIMEOUT",
        f"The MCP server did not answer {operation} within {seconds:g} s.",
        status=504,
        hint="Retry, or raise MCP_CALL_TIMEOUT_SECONDS for slow tools.",
        retryable=True,
    )


def connection_lost() -> AppError:
    return AppError(
        "MCP_CONNECTION_LOST",
        "The connection to the MCP server ended.",
        status=502,
        hint="The server process may have exited; check the container's logs.",
        retryable=True,
    )


def request_failed(operation: str, message: str, code: int | None = None) -> AppError:
    return AppError(
        "MCP_REQUEST_FAILED",
        f"The MCP server refused {operation}: {redactor.text(message)[:500]}",
        status=502,
        details={"mcp_code": code} if code is not None else None,
    )


class McpClient:
    """One initialised session; safe to use from concurrent tasks (the SDK correlates ids)."""

    def __init__(
        self,
        session: ClientSession,
        init: mt.InitializeResult,
        limits: Limits,
        ended: anyio.Event,
        notices: ListChangeNotices | None = None,
    ) -> None:
        self._session = session
        self._init = init
        self._limits = limits
        self.ended = ended
        self._tools: dict[str, schemas.ToolInfo] | None = None
        self._notices = notices or ListChangeNotices()

    def on_list_changed(self, callback: Callable[[], Awaitable[None]]) -> None:
        """`callback` runs when the server says one of its lists changed (the gateway's cache
        and its clients' notifications); one listener, a later one replaces it."""
        self._notices.listener = callback

    def on_resource_updated(self, callback: Callable[[str], Awaitable[None]]) -> None:
        """`callback(uri)` runs when the server says a subscribed resource changed (the
        gateway relays it to the client sessions subscribed to the URI); one listener."""
        self._notices.resource_listener = callback

    def capabilities(self) -> schemas.ServerCapabilities:
        caps = self._init.capabilities
        info = self._init.server_info
        return schemas.ServerCapabilities(
            server_name=info.name,
            server_version=info.version,
            server_title=info.title,
            protocol_version=self._init.protocol_version,
            instructions=self._init.instructions,
            capabilities=schemas.CapabilityFlags(
                tools=caps.tools is not None,
                resources=caps.resources is not None,
                prompts=caps.prompts is not None,
                logging=caps.logging is not None,
                completions=caps.completions is not None,
                resource_subscribe=bool(caps.resources and caps.resources.subscribe),
                tools_list_changed=bool(caps.tools and caps.tools.list_changed),
                resources_list_changed=bool(caps.resources and caps.resources.list_changed),
                prompts_list_changed=bool(caps.prompts and caps.prompts.list_changed),
            ),
            raw_capabilities=caps.model_dump(mode="json", by_alias=True, exclude_none=True),
        )

    async def list_tools(self) -> schemas.ToolList:
        tools, pages = await self._all_pages(
            "tools/list", self._session.list_tools, lambda page: page.tools
        )
        listed = [_tool_info(tool) for tool in tools]
        self._tools = {tool.name: tool for tool in listed}
        return schemas.ToolList(tools=listed, pages=pages)

    async def tool(self, name: str) -> schemas.ToolInfo | None:
        """A tool's description (cached per session; listed again when the name is unknown)."""
        if self._tools is None or name not in self._tools:
            await self.list_tools()
        assert self._tools is not None
        return self._tools.get(name)

    async def list_resources(self) -> schemas.ResourceList:
        resources, pages = await self._all_pages(
            "resources/list", self._session.list_resources, lambda page: page.resources
        )
        return schemas.ResourceList(resources=[_resource_info(r) for r in resources], pages=pages)

    async def list_prompts(self) -> schemas.PromptList:
        prompts, pages = await self._all_pages(
            "prompts/list", self._session.list_prompts, lambda page: page.prompts
        )
        return schemas.PromptList(prompts=[_prompt_info(p) for p in prompts], pages=pages)

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> schemas.ToolCallResult:
        with self._mapped("tools/call"):
            result = await self._session.call_tool(name, arguments)
        assert isinstance(result, mt.CallToolResult)
        data, truncated = self.cap_result(_json(result))
        return schemas.ToolCallResult(
            tool=name,
            is_error=bool(data.get("isError")),
            content=data["content"],
            structured_content=data.get("structuredContent"),
            truncated=truncated,
        )

    async def read_resource(self, uri: str) -> schemas.ResourceContents:
        with self._mapped("resources/read"):
            result = await self._session.read_resource(uri)
        data, truncated = self.cap_result(_json(result))
        return schemas.ResourceContents(uri=uri, contents=data["contents"], truncated=truncated)

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> schemas.PromptMessages:
        with self._mapped("prompts/get"):
            result = await self._session.get_prompt(name, arguments or None)
        data, _ = self.cap_result(_json(result))  # a prompt over the limit raises
        return schemas.PromptMessages(
            name=name, description=data.get("description"), messages=data["messages"]
        )

    def cap_result(self, result: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """A result (JSON, as on the wire) held to `MCP_MAX_RESULT_BYTES`; `True` if it was cut.

        The one size check for every result path, the gateway's pass-through included: tool
        results and resource contents are truncated with a notice, a prompt raises
        `MCP_RESULT_TOO_LARGE` (see `result_cap.py`).
        """
        return cap_result(result, self._limits.max_result_bytes)

    # -- raw pass-through (the gateway): MCP's own JSON shapes, every field kept ----------

    def offers(self, kind: ListKind) -> bool:
        """Whether the server declared the capability behind a list (tools, prompts, ...)."""
        caps = self._init.capabilities
        return {
            "tools": caps.tools,
            "prompts": caps.prompts,
            "resources": caps.resources,
            "resource_templates": caps.resources,
        }[kind] is not None

    async def list_raw(self, kind: ListKind) -> list[dict[str, Any]]:
        """Every item of a list, all pages followed, as the server's own JSON objects."""
        fetch, field = _RAW_LISTS[kind]
        method = _RAW_METHODS[kind]
        collected: list[dict[str, Any]] = []
        seen: set[str] = set()
        cursor: str | None = None
        for _page in range(MAX_PAGES):
            params = mt.PaginatedRequestParams(cursor=cursor) if cursor else None
            with self._passed_through(method):
                page = await fetch(self._session, params=params)
            collected.extend(_json(item) for item in getattr(page, field))
            cursor = page.next_cursor
            if not cursor:
                return collected
            if cursor in seen:
                break
            seen.add(cursor)
        raise request_failed(method, "the pagination cursors do not come to an end")

    async def call_tool_raw(
        self,
        name: str,
        arguments: dict[str, Any] | None,
        timeout_seconds: float,
        progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """`tools/call` with the result as MCP's JSON (content blocks, structuredContent,
        isError), held to the size cap like every result; upstream progress goes to `progress`
        as it arrives."""
        with self._passed_through("tools/call"):
            result = await self._session.call_tool(
                name, arguments, read_timeout_seconds=timeout_seconds, progress_callback=progress
            )
        return self.cap_result(_json(result))[0]

    async def read_resource_raw(self, uri: str, timeout_seconds: float) -> dict[str, Any]:
        with self._passed_through("resources/read"):
            result = await self._session.send_request(
                mt.ReadResourceRequest(params=mt.ReadResourceRequestParams(uri=uri)),
                mt.ReadResourceResult,
                request_read_timeout_seconds=timeout_seconds,
            )
        return self.cap_result(_json(result))[0]

    def offers_subscribe(self) -> bool:
        """Whether the server announced `resources.subscribe`."""
        resources = self._init.capabilities.resources
        return bool(resources and resources.subscribe)

    async def subscribe_raw(self, uri: str, timeout_seconds: float) -> None:
        """`resources/subscribe` on this session: the server sends `resources/updated` for the
        URI from now on (to `on_resource_updated`)."""
        with self._passed_through("resources/subscribe"):
            await self._session.send_request(
                mt.SubscribeRequest(params=mt.SubscribeRequestParams(uri=uri)),
                mt.EmptyResult,
                request_read_timeout_seconds=timeout_seconds,
            )

    async def get_prompt_raw(
        self, name: str, arguments: dict[str, str] | None, timeout_seconds: float
    ) -> dict[str, Any]:
        with self._passed_through("prompts/get"):
            result = await self._session.send_request(
                mt.GetPromptRequest(
                    params=mt.GetPromptRequestParams(name=name, arguments=arguments)
                ),
                mt.GetPromptResult,
                request_read_timeout_seconds=timeout_seconds,
            )
        return self.cap_result(_json(result))[0]

    @contextlib.contextmanager
    def _passed_through(self, operation: str) -> Iterator[None]:
        """Like `_mapped`, but a server's own JSON-RPC error keeps its code and message (the
        gateway hands them to its client unchanged, redacted)."""
        try:
            with self._mapped(operation):
                yield
        except AppError as exc:
            code = exc.details.get("mcp_code")
            if exc.code != "MCP_REQUEST_FAILED" or code is None:
                raise
            prefix = f"The MCP server refused {operation}: "
            raise AppError(
                "MCP_UPSTREAM_ERROR",
                exc.message.removeprefix(prefix),
                status=502,
                details={"mcp_code": code},
            ) from None

    async def _all_pages(
        self,
        operation: str,
        fetch: Callable[..., Awaitable[Page]],
        items: Callable[[Page], list[Item]],
    ) -> tuple[list[Item], int]:
        """Follows `nextCursor` to the end; a cursor seen twice would loop, so it is an error."""
        collected: list[Item] = []
        seen: set[str] = set()
        cursor: str | None = None
        for pages in range(1, MAX_PAGES + 1):
            params = mt.PaginatedRequestParams(cursor=cursor) if cursor else None
            with self._mapped(operation):
                page = await fetch(params=params)
            collected.extend(items(page))
            cursor = page.next_cursor
            if not cursor:
                return collected, pages
            if cursor in seen:
                break
            seen.add(cursor)
        raise request_failed(operation, "the pagination cursors do not come to an end")

    @contextlib.contextmanager
    def _mapped(self, operation: str) -> Iterator[None]:
        try:
            yield
        except MCPError as exc:
            if exc.code == mt.REQUEST_TIMEOUT:
                raise mcp_timeout(operation, self._limits.call_seconds) from None
            if exc.code == mt.CONNECTION_CLOSED:
                raise connection_lost() from None
            if exc.code == RESULT_TOO_LARGE_CODE and isinstance(exc.error.data, dict):
                data = exc.error.data
                raise result_too_large(int(data["bytes"]), int(data["limit"])) from None
            raise request_failed(operation, exc.message, exc.code) from None
        except (RuntimeError, ValidationError) as exc:
            raise request_failed(operation, str(exc)) from None


@contextlib.asynccontextmanager
async def connect_streams(
    read_stream: Any, write_stream: Any, limits: Limits, ended: anyio.Event | None = None
) -> AsyncIterator[McpClient]:
    """Runs the handshake within the time limit; every later request has its own limit."""
    notices = ListChangeNotices()
    with unwrapped_errors():
        async with ClientSession(
            read_stream,
            write_stream,
            read_timeout_seconds=limits.call_seconds,
            client_info=CLIENT_INFO,
            message_handler=notices.handle,
        ) as session:
            init = await _handshake(session, limits)
            yield McpClient(session, init, limits, ended or anyio.Event(), notices)


@contextlib.contextmanager
def unwrapped_errors() -> Iterator[None]:
    """anyio task groups wrap what their body raises; callers get the `AppError` itself."""
    try:
        yield
    except BaseExceptionGroup as group:
        raise unwrap_error(group) from None


async def _handshake(session: ClientSession, limits: Limits) -> mt.InitializeResult:
    try:
        with anyio.fail_after(limits.init_seconds):
            return await session.initialize()
    except TimeoutError:
        raise handshake_failed(f"no answer within {limits.init_seconds:g} s") from None
    except MCPError as exc:
        raise handshake_failed(exc.message) from None
    except (RuntimeError, ValidationError) as exc:
        raise handshake_failed(str(exc)) from None


# -- remote servers -------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def connect_remote(
    server: schemas.RemoteServer, client_factory: HttpClientFactory, limits: Limits
) -> AsyncIterator[McpClient]:
    """One session per use over streamable HTTP or SSE; the SDK only gets SSRF-safe clients."""
    url = str(server.url)
    timeout = httpx2.Timeout(limits.call_seconds, connect=limits.init_seconds)
    capped = capped_client_factory(client_factory, wire_limit(limits.max_result_bytes))
    with unwrapped_errors():
        async with contextlib.AsyncExitStack() as stack:
            if server.transport == "sse":
                transport = sse_client(
                    url, timeout=limits.init_seconds, httpx_client_factory=capped
                )
            else:
                http = await stack.enter_async_context(capped(timeout=timeout))
                transport = streamable_http_client(url, http_client=http)
            read_stream, write_stream = await stack.enter_async_context(transport)
            yield await stack.enter_async_context(
                connect_streams(read_stream, write_stream, limits)
            )


class ResponseTooLarge(httpx2.StreamError):
    """Raised inside the SDK's transport; it answers the waiting request with an error."""


def capped_client_factory(factory: HttpClientFactory, max_bytes: int) -> HttpClientFactory:
    """The factory's clients, with every response body held to `max_bytes`.

    A JSON response is limited as a whole, an event stream per event (a stream may live long);
    compression is refused (the limit counts the bytes the parser would see, and a small gzip
    body can inflate a thousandfold).
    """

    def make(
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient:
        client = factory(headers=headers, timeout=timeout, auth=auth)
        client.headers["Accept-Encoding"] = "identity"

        async def cap(response: httpx2.Response) -> None:
            content_type = response.headers.get("content-type", "")
            encoding = response.headers.get("content-encoding", "identity").lower()
            response.stream = _CappedStream(
                response.stream,
                max_bytes,
                per_event=content_type.startswith("text/event-stream"),
                encoded=encoding not in ("", "identity"),
            )

        client.event_hooks["response"].append(cap)
        return client

    return make


class _CappedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, max_bytes: int, *, per_event: bool, encoded: bool) -> None:
        self._inner = inner
        self._max = max_bytes
        self._per_event = per_event
        self._encoded = encoded

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._encoded:
            raise ResponseTooLarge("a compressed response was refused (Accept-Encoding: identity)")
        run, tail = 0, b""
        async for chunk in self._inner:
            run += len(chunk)
            if self._per_event:
                joined = tail + chunk
                boundary = max(joined.rfind(b"\n\n"), joined.rfind(b"\r\n\r\n"))
                if boundary >= 0:
                    run = len(joined) - boundary
                tail = joined[-3:]
            if run > self._max:
                raise ResponseTooLarge(f"the response grew over {self._max} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


# -- stdio in a container -------------------------------------------------------------------


@contextlib.asynccontextmanager
async def connect_docker_stdio(sock: socket.socket, limits: Limits) -> AsyncIterator[McpClient]:
    """A session over an attach socket; `client.ended` is set when the container's output ends."""
    ended = anyio.Event()
    with unwrapped_errors():
        async with (
            docker_stdio_streams(sock, ended, limits.max_result_bytes) as (
                read_stream,
                write_stream,
            ),
            connect_streams(read_stream, write_stream, limits, ended) as client,
        ):
            yield client


class IdNamespace:
    """Makes this connection's request ids unique among everyone attached to the container.

    Docker sends a container's stdout to every attached client, so another console process (or
    the gateway) sees our responses and we see theirs; answers with ids we did not send are
    dropped instead of resolving one of our pending requests.
    """

    def __init__(self) -> None:
        self.prefix = f"mcp-console-{secrets.token_hex(6)}:"
        # wire id -> (method, uri param): what an answer dropped for its size stands in for
        self._pending: dict[str, tuple[str, str | None]] = {}

    def outbound(self, message: mt.JSONRPCMessage) -> mt.JSONRPCMessage:
        if isinstance(message, mt.JSONRPCRequest):
            wire_id = self._wrap(message.id)
            uri = (message.params or {}).get("uri")
            self._pending[wire_id] = (message.method, uri if isinstance(uri, str) else None)
            return message.model_copy(update={"id": wire_id})
        if isinstance(message, mt.JSONRPCNotification) and message.method == CANCELLED:
            params = dict(message.params or {})
            if "requestId" in params:
                params["requestId"] = self._wrap(params["requestId"])
                self._pending.pop(params["requestId"], None)
            return message.model_copy(update={"params": params})
        return message

    def inbound(self, message: mt.JSONRPCMessage) -> mt.JSONRPCMessage | None:
        if isinstance(message, mt.JSONRPCResponse | mt.JSONRPCError):
            original = self._unwrap(message.id)
            if original is None:
                return None
            self._pending.pop(str(message.id), None)
            return message.model_copy(update={"id": original})
        return message

    def oversize(self, dropped: Oversize, limit: int) -> mt.JSONRPCMessage | None:
        """The answer to our request whose response was dropped for its size: a notice-only
        result where results truncate, else a `RESULT_TOO_LARGE_CODE` error; `None` if the
        dropped line was not an answer to us (or its id could not be read)."""
        wire_id = dropped.request_id
        original = self._unwrap(wire_id)
        if original is None or not isinstance(wire_id, str) or wire_id not in self._pending:
            return None
        method, uri = self._pending.pop(wire_id)
        result = notice_only(method, uri, dropped.size, limit)
        if result is not None:
            return mt.JSONRPCResponse(jsonrpc="2.0", id=original, result=result)
        error = mt.ErrorData(
            code=RESULT_TOO_LARGE_CODE,
            message=notice(dropped.size, limit),
            data={"bytes": dropped.size, "limit": limit},
        )
        return mt.JSONRPCError(jsonrpc="2.0", id=original, error=error)

    def _wrap(self, request_id: mt.RequestId) -> str:
        kind = "i" if isinstance(request_id, int) else "s"
        return f"{self.prefix}{kind}{request_id}"

    def _unwrap(self, wire_id: mt.RequestId | None) -> mt.RequestId | None:
        if not isinstance(wire_id, str) or not wire_id.startswith(self.prefix):
            return None
        kind, value = wire_id[len(self.prefix)], wire_id[len(self.prefix) + 1 :]
        return int(value) if kind == "i" else value


def parse_message(line: bytes) -> mt.JSONRPCMessage | None:
    """One stdout line as a JSON-RPC message; anything else is skipped (logged by size only: a
    server's output may echo tool arguments or results)."""
    try:
        return mt.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValueError:
        logger.debug("non-JSON-RPC stdout line ignored", extra={"bytes": len(line)})
        return None


@contextlib.asynccontextmanager
async def docker_stdio_streams(
    sock: socket.socket, ended: anyio.Event, max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
) -> AsyncIterator[tuple[Any, Any]]:
    """Bridges the attach socket to the SDK's memory streams with two pump tasks.

    Long lines are parsed in a worker thread, so one large answer does not hold up the event
    loop (and every other request of the process) while it is validated.
    """
    ids = IdNamespace()
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](0)

    async def pump_out() -> None:
        decoder = StdoutDecoder(wire_limit(max_result_bytes))
        try:
            async with read_writer:
                while chunk := await loop.sock_recv(sock, READ_CHUNK):
                    for item in decoder.feed(chunk):
                        inbound = await _inbound(item, ids, max_result_bytes)
                        if inbound is not None:
                            await read_writer.send(SessionMessage(inbound))
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass
        finally:
            ended.set()

    async def pump_in() -> None:
        try:
            async with write_reader:
                async for item in write_reader:
                    wire = ids.outbound(item.message)
                    data = wire.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                    await loop.sock_sendall(sock, data.encode())
        except OSError:
            await read_writer.aclose()

    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(pump_out)
            tasks.start_soon(pump_in)
            try:
                yield read_stream, write_stream
            finally:
                tasks.cancel_scope.cancel()
    finally:
        for stream in (read_stream, write_stream, read_writer, write_reader):
            stream.close()
        sock.close()


async def _inbound(
    item: bytes | Oversize, ids: IdNamespace, max_result_bytes: int
) -> mt.JSONRPCMessage | None:
    """A decoded stdout item as the message to hand the session, if it is for us."""
    if isinstance(item, Oversize):
        logger.info("mcp message over the size limit dropped", extra={"bytes": item.size})
        return ids.oversize(item, max_result_bytes)
    if len(item) > PARSE_OFF_LOOP_BYTES:
        message = await asyncio.to_thread(parse_message, item)
    else:
        message = parse_message(item)
    return None if message is None else ids.inbound(message)


def unwrap_error(exc: BaseException) -> BaseException:
    """The error to report from task-group exception groups: an `AppError` if one is inside."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        app_errors = [inner for inner in exc.exceptions if isinstance(inner, AppError)]
        exc = app_errors[0] if app_errors else exc.exceptions[0]
    return exc


def _json(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def _tool_info(tool: mt.Tool) -> schemas.ToolInfo:
    return schemas.ToolInfo(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.input_schema,
        output_schema=tool.output_schema,
        annotations=_json(tool.annotations) if tool.annotations else None,
    )


def _resource_info(resource: mt.Resource) -> schemas.ResourceInfo:
    return schemas.ResourceInfo(
        uri=str(resource.uri),
        name=resource.name,
        title=resource.title,
        description=resource.description,
        mime_type=resource.mime_type,
        size=resource.size,
    )


def _prompt_info(prompt: mt.Prompt) -> schemas.PromptInfo:
    return schemas.PromptInfo(
        name=prompt.name,
        title=prompt.title,
        description=prompt.description,
        arguments=[
            schemas.PromptArgument(
                name=argument.name,
                description=argument.description,
                required=bool(argument.required),
            )
            for argument in prompt.arguments or []
        ],
    )
