"""What the gateway endpoint needs from the rest of the gateway domain, as protocols.

The endpoint (transport, aggregation, MCP server) depends on these shapes, not on the services
that implement them (`tokens.TokenService`, `profiles.ProfileService`, `calls.CallLog`), so
tests can hand in their own and each side can change its internals freely.
"""

from __future__ import annotations

from typing import Literal, Protocol

from mcp_console.gateway import schemas
from mcp_console.gateway.tokens import TokenPrincipal

Principal = TokenPrincipal
"""Who calls through the gateway: a verified client token (never the token itself)."""


class TokenVerifier(Protocol):
    async def verify(self, raw: str) -> Principal | None: ...


class ProfileReader(Protocol):
    async def get(self, owner: str, name: str) -> schemas.Profile: ...


class CallRecorder(Protocol):
    """Writes one call-log row: names, duration and outcome, never arguments or results."""

    async def record(
        self,
        principal: Principal,
        *,
        server: str | None,
        method: str,
        name: str | None,
        duration_ms: float,
        outcome: Literal["success", "failure"],
        error_code: str | None,
    ) -> None: ...
