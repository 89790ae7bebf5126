"""Request id and request logging as plain ASGI middleware (streams and WebSockets pass through)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_console.core.handlers import internal_error_response
from mcp_console.core.logging import Redactor, redactor, request_id_var
from mcp_console.core.sensitive import is_sensitive_path

logger = logging.getLogger("mcp_console.request")

BODY_LOG_LIMIT = 4096
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestLogMiddleware:
    """Assigns a request id, logs method/path/status/duration, and a redacted body if enabled.

    `sensitive_routes` gives the path patterns of the routes declared with
    `core.sensitive.SENSITIVE_ROUTE`: their bodies are never logged, whatever LOG_REQUEST_BODY says.
    """

    def __init__(
        self,
        app: ASGIApp,
        log_body: bool,
        sensitive_routes: Callable[[], Iterable[re.Pattern[str]]] = tuple,
        body_redactor: Redactor = redactor,
    ) -> None:
        self.app = app
        self.log_body = log_body
        self.sensitive_routes = sensitive_routes
        self.redactor = body_redactor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = {"code": 0}
        body = bytearray()
        capture = self.log_body and not is_sensitive_path(scope["path"], self.sensitive_routes())

        async def receive_wrapper() -> Message:
            message = await receive()
            if capture and message["type"] == "http.request" and len(body) < BODY_LOG_LIMIT:
                body.extend(message.get("body", b"")[: BODY_LOG_LIMIT - len(body)])
            return message

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except Exception as exc:
            if scope["type"] != "http" or status["code"]:
                raise
            await internal_error_response(exc)(scope, receive, send_wrapper)
        finally:
            self._log(scope, status["code"], started, bytes(body) if capture else None)
            request_id_var.reset(token)

    def _log(self, scope: Scope, status: int, started: float, body: bytes | None) -> None:
        fields: dict[str, object] = {
            "method": scope.get("method", "WS"),
            "path": scope["path"],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if body:
            redacted = self._redacted_body(body)
            if redacted is not None:
                fields["body"] = redacted
        logger.info("request", extra=fields)

    def _redacted_body(self, body: bytes) -> object | None:
        """Redact structurally when JSON; if redaction fails the body is dropped, not logged."""
        try:
            text = body.decode("utf-8", errors="replace")
            try:
                redacted: object = self.redactor.data(json.loads(text))
                return redacted
            except ValueError:
                return self.redactor.text(text)
        except Exception:
            return None


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_REQUEST_ID.fullmatch(candidate):
                return candidate
    return None
