"""`/mcp/{profile}`: the HTTP side of the gateway, in front of the SDK's stateless transport.

Per request: the bearer token is verified (401 with `WWW-Authenticate: Bearer` without one or
with a bad one; 403 when it belongs to another profile), then
- POST: the JSON-RPC message is looked at (never logged): an `initialize` that succeeds gets a
  new `Mcp-Session-Id` (Redis, any replica); a later request's session id must be this token's
  and profile's (404 otherwise, so the client starts over); a request over the token's rate
  limit is answered with a JSON-RPC error; a `notifications/cancelled` is published so the
  replica running that call stops it. The request then goes to the SDK with the `Caller`.
- GET (with a session): an SSE stream of the owner's list changes, and of updates of the
  resources this session subscribed to, from Redis pub/sub.
- DELETE: ends the session.

The endpoint keeps no session state in memory between requests (only the short-lived view and
token caches that every replica's events invalidate); see docs/GATEWAY.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from mcp_console.core.errors import AppError
from mcp_console.core.handlers import error_body
from mcp_console.gateway.aggregate import RATE_LIMITED, RESOURCE_EVENT
from mcp_console.gateway.caller import Caller, attach, request_key
from mcp_console.gateway.ports import Principal, TokenVerifier
from mcp_console.gateway.recorder import BackgroundRecorder, CallEntry
from mcp_console.gateway.redis_state import EventHub, McpSession, McpSessionStore, RateLimiter

logger = logging.getLogger("mcp_console.gateway")
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]
MCP_PATH = "/mcp/{profile}"
SESSION_HEADER = "mcp-session-id"
MAX_BODY_BYTES = 4 * 1024 * 1024
KEEPALIVE_SECONDS = 15.0
REALM = 'Bearer realm="mcp-gateway-console"'
LIST_CHANGED = (
    "notifications/tools/list_changed",
    "notifications/prompts/list_changed",
    "notifications/resources/list_changed",
)
# What the rate limit counts: the calls that reach a server (lists are served from the cache).
LIMITED_METHODS = {"tools/call", "resources/read", "prompts/get"}
DEFAULT_PROTOCOL = "2025-03-26"


class RefusedError(Exception):
    """An HTTP-level refusal (authentication, session, body) with its response."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _error(
    status: int, code: str, message: str, hint: str | None = None, **headers: str
) -> RefusedError:
    return RefusedError(JSONResponse(error_body(code, message, hint), status, headers=headers))


class GatewayEndpoint:
    def __init__(
        self,
        tokens: TokenVerifier,
        sessions: McpSessionStore,
        limiter: RateLimiter,
        hub: EventHub,
        recorder: BackgroundRecorder,
        mcp: Asgi,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._tokens = tokens
        self._sessions = sessions
        self._limiter = limiter
        self._hub = hub
        self._recorder = recorder
        self._mcp = mcp
        self.keepalive_seconds = keepalive_seconds  # also how soon a deleted session's stream ends

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        try:
            principal = await self._authenticate(headers, scope["path_params"]["profile"])
            method = scope["method"]
            if method == "POST":
                await self._post(principal, headers, scope, receive, send)
            elif method == "GET":
                await self._get(principal, headers, scope, receive, send)
            elif method == "DELETE":
                session = await self._session(principal, headers, required=True)
                assert session is not None
                await self._sessions.end(session.session_id)
                await Response(status_code=204)(scope, receive, send)
            else:
                raise _error(
                    405, "METHOD_NOT_ALLOWED", "Use POST, GET or DELETE.", Allow="GET, POST, DELETE"
                )
        except RefusedError as refused:
            await refused.response(scope, receive, send)
        except AppError as exc:
            body = error_body(exc.code, exc.message, exc.hint)
            await JSONResponse(body, exc.status, headers=exc.headers)(scope, receive, send)

    async def _authenticate(self, headers: Headers, profile: str) -> Principal:
        scheme, _, raw = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise _error(
                401,
                "GATEWAY_TOKEN_REQUIRED",
                # Worded so that no `Bearer <value>` shape appears: the log redactor would
                # mask the example itself.
                "This endpoint needs a gateway token: send the header Authorization with the "
                "value 'Bearer <token>'.",
                "Create one with POST /api/gateway/tokens (or on the Gateway page).",
                **{"WWW-Authenticate": REALM},
            )
        principal = await self._tokens.verify(raw.strip())
        if principal is None:
            raise _error(
                401,
                "GATEWAY_TOKEN_INVALID",
                "The gateway token is unknown, revoked or expired.",
                "Create a new token with POST /api/gateway/tokens.",
                **{"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
            )
        if principal.profile != profile:
            raise _error(
                403,
                "GATEWAY_TOKEN_WRONG_PROFILE",
                "This token belongs to another profile.",
                "Use the URL of the token's own profile, or a token made for this one.",
                **{"WWW-Authenticate": f'{REALM}, error="insufficient_scope"'},
            )
        return principal

    async def _session(
        self, principal: Principal, headers: Headers, *, required: bool
    ) -> McpSession | None:
        session_id = headers.get(SESSION_HEADER)
        if session_id is None:
            if required:
                raise _error(
                    400,
                    "MCP_SESSION_REQUIRED",
                    "This request needs the Mcp-Session-Id header from initialize.",
                )
            return None
        session = await self._sessions.touch(session_id, principal.token_id, principal.profile)
        if session is None:
            raise _error(
                404,
                "MCP_SESSION_NOT_FOUND",
                "The MCP session is unknown or expired.",
                "Send initialize again to start a new session.",
            )
        return session

    # -- POST ---------------------------------------------------------------------------------

    async def _post(
        self, principal: Principal, headers: Headers, scope: Scope, receive: Receive, send: Send
    ) -> None:
        body = await _read_body(receive)
        if not _is_json(headers):
            raise _error(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "A POST to the MCP endpoint carries a JSON-RPC message: Content-Type must be "
                "application/json.",
            )
        message = _message_of(body)
        method = message.get("method")
        session = None
        if method != "initialize":
            session = await self._session(principal, headers, required=False)
        if method in LIMITED_METHODS and "id" in message:
            decision = await self._limiter.hit(principal.token_id)
            if not decision.allowed:
                self._recorder.record(
                    CallEntry(principal, None, str(method), None, 0.0, "failure", "RATE_LIMITED")
                )
                refusal = _rate_limited(message.get("id"), self._limiter.per_minute)
                await refusal(scope, receive, send)
                return
        if method == "notifications/cancelled" and session is not None:
            params = message.get("params") or {}
            if isinstance(params, dict) and "requestId" in params:
                await self._hub.publish_cancel(session.session_id, request_key(params["requestId"]))
        attach(scope, Caller(principal, session.session_id if session else None))
        if method == "initialize":
            send = self._issuing_session(principal, message, send)
        await self._mcp(scope, _replay(body, receive), send)

    def _issuing_session(self, principal: Principal, message: dict[str, Any], send: Send) -> Send:
        """A `send` that adds a new session id to a successful initialize answer."""
        params = message.get("params")
        requested = params.get("protocolVersion") if isinstance(params, dict) else None

        async def issuing(event: Message) -> None:
            if event["type"] == "http.response.start" and event["status"] == 200:
                session = await self._sessions.create(
                    principal.token_id, principal.profile, str(requested or DEFAULT_PROTOCOL)
                )
                headers = list(event.get("headers", []))
                headers.append((SESSION_HEADER.encode(), session.session_id.encode()))
                event = {**event, "headers": headers}
            await send(event)

        return issuing

    # -- GET: the list-change stream ------------------------------------------------------------

    async def _get(
        self, principal: Principal, headers: Headers, scope: Scope, receive: Receive, send: Send
    ) -> None:
        session = await self._session(principal, headers, required=True)
        assert session is not None
        if "text/event-stream" not in headers.get("accept", ""):
            raise _error(406, "NOT_ACCEPTABLE", "The stream needs Accept: text/event-stream.")
        async with self._hub.stream(principal.owner) as events:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream"),
                        (b"cache-control", b"no-cache, no-transform"),
                        (SESSION_HEADER.encode(), session.session_id.encode()),
                    ],
                }
            )
            await _chunk(send, b": stream open\n\n")
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_cancel_on_disconnect, receive, tasks.cancel_scope)
                await self._pump(principal, session, events, send)
                tasks.cancel_scope.cancel()
        with contextlib.suppress(OSError, RuntimeError):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pump(
        self,
        principal: Principal,
        session: McpSession,
        events: asyncio.Queue[dict[str, Any]],
        send: Send,
    ) -> None:
        """Sends list changes as they come and a comment every keep-alive period; ends when
        the session does (DELETE or expiry)."""
        while True:
            try:
                event = await asyncio.wait_for(events.get(), self.keepalive_seconds)
            except TimeoutError:
                alive = await self._sessions.touch(
                    session.session_id, principal.token_id, principal.profile
                )
                if alive is None:
                    return
                await _chunk(send, b": keepalive\n\n")
                continue
            if event.get("reason") == "token":
                continue  # a revoke changes no list
            if event.get("profile") not in (None, principal.profile):
                continue
            if event.get("reason") == RESOURCE_EVENT:
                if await self._subscribed(principal, session, str(event.get("uri"))):
                    await _chunk(send, _resource_updated(str(event.get("uri"))))
                continue
            await _chunk(send, _list_changed())

    async def _subscribed(self, principal: Principal, session: McpSession, uri: str) -> bool:
        """Whether the session holds a subscription to `uri` now (read from Redis: it may have
        subscribed or unsubscribed through another replica since the stream opened)."""
        current = await self._sessions.touch(
            session.session_id, principal.token_id, principal.profile
        )
        return current is not None and uri in current.subscriptions


async def _chunk(send: Send, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()


def _list_changed() -> bytes:
    return b"".join(
        b"event: message\ndata: "
        + json.dumps({"jsonrpc": "2.0", "method": method}).encode()
        + b"\n\n"
        for method in LIST_CHANGED
    )


def _resource_updated(uri: str) -> bytes:
    method = "notifications/resources/updated"
    message = {"jsonrpc": "2.0", "method": method, "params": {"uri": uri}}
    return b"event: message\ndata: " + json.dumps(message).encode() + b"\n\n"


def _rate_limited(request_id: object, per_minute: int) -> Response:
    retry_after = 60 - int(time.time() % 60)
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {
            "code": RATE_LIMITED,
            "message": f"Rate limit reached: this token may make {per_minute} requests a "
            f"minute. Retry in {retry_after} s.",
            "data": {"code": "RATE_LIMITED", "retry_after": retry_after},
        },
    }
    return JSONResponse(body, 200, headers={"Retry-After": str(retry_after)})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        event = await receive()
        if event["type"] == "http.disconnect":
            raise _error(400, "INVALID_BODY", "The client went away before sending the body.")
        chunk = event.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _error(413, "BODY_TOO_LARGE", f"The body is over {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
        more = event.get("more_body", False)
    return b"".join(chunks)


def _is_json(headers: Headers) -> bool:
    """The SDK's own Content-Type rule, checked first so that its plain-text 400 becomes the
    console's JSON error shape."""
    return headers.get("content-type", "").lower().startswith("application/json")


def _message_of(body: bytes) -> dict[str, Any]:
    """The JSON-RPC message when the body is one (the SDK answers anything else itself)."""
    try:
        message = json.loads(body)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own events (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class RegisteredEndpoint:
    """The route's ASGI app: the process's one `GatewayEndpoint`, built by the lifespan (routes
    exist before it runs, so it is looked up per request from the app's registry)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = scope["app"].state.registry.get(GatewayEndpoint)
        await endpoint(scope, receive, send)
