"""The gateway endpoint's parts that run for the process's lifetime, started and stopped in
order by the API's lifespan: the event subscription, the call-log writer and the SDK's
session manager (stopped first, so the last calls' log entries are still written)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp_console.gateway.aggregate import GatewayService
from mcp_console.gateway.caller import InflightCalls
from mcp_console.gateway.mcp_server import GatewayMcpServer
from mcp_console.gateway.recorder import BackgroundRecorder
from mcp_console.gateway.redis_state import EventHub
from mcp_console.gateway.transport import GatewayEndpoint


@dataclass(frozen=True)
class EndpointRuntime:
    endpoint: GatewayEndpoint
    service: GatewayService
    hub: EventHub
    recorder: BackgroundRecorder
    server: GatewayMcpServer
    inflight: InflightCalls
    token_events: Callable[[dict[str, Any]], Awaitable[None]]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.hub.on_owner_event(self.service.on_event)
        self.hub.on_owner_event(self.token_events)
        self.hub.on_cancel(self.inflight.cancel)
        await self.hub.start()
        self.recorder.start()
        try:
            async with self.server.run():
                yield
        finally:
            await self.recorder.stop()
            await self.hub.stop()
