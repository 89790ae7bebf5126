"""Who a gateway request is for, carried from the HTTP layer to the MCP handlers, and the calls
in flight that a client's `notifications/cancelled` (on any replica) may stop.

The transport puts a `Caller` into the ASGI scope's state before it hands the request to the
SDK; the SDK passes the HTTP request to every handler (`ctx.request`), so the handler reads it
back from there, whichever task the stateless manager runs it in.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import anyio

from mcp_console.gateway.ports import Principal

STATE_KEY = "mcp_console.gateway.caller"


@dataclass(frozen=True)
class Caller:
    principal: Principal
    session_id: str | None


def attach(scope: MutableMapping[str, Any], caller: Caller) -> None:
    scope.setdefault("state", {})[STATE_KEY] = caller


def caller_of(scope: Mapping[str, Any]) -> Caller | None:
    caller = (scope.get("state") or {}).get(STATE_KEY)
    return caller if isinstance(caller, Caller) else None


def request_key(request_id: object) -> str:
    """A JSON-RPC id as a key: 1 and "1" are different ids."""
    return json.dumps(request_id)


class InflightCalls:
    """The cancel scopes of this process's running calls, by MCP session and request id."""

    def __init__(self) -> None:
        self._scopes: dict[tuple[str, str], anyio.CancelScope] = {}

    @contextlib.contextmanager
    def scope(self, session_id: str | None, request_id: object) -> Iterator[anyio.CancelScope]:
        with anyio.CancelScope() as scope:
            key = (session_id, request_key(request_id)) if session_id else None
            if key is not None:
                self._scopes[key] = scope
            try:
                yield scope
            finally:
                if key is not None and self._scopes.get(key) is scope:
                    del self._scopes[key]

    def cancel(self, session_id: str, key: str) -> None:
        scope = self._scopes.get((session_id, key))
        if scope is not None:
            scope.cancel()

    def __len__(self) -> int:
        return len(self._scopes)
