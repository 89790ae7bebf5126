"""An inspector for remote MCP servers only, with loopback allowed for local test servers."""

from __future__ import annotations

from typing import Any

from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SsrfGuard, SsrfPolicy
from mcp_console.inspector.client import Limits
from mcp_console.inspector.pool import StdioSessionPool
from mcp_console.inspector.service import InspectorService
from mcp_console.wiring import remote_connector


def remote_inspector(settings: Settings, limits: Limits, **overrides: Any) -> InspectorService:
    """Test-only allow-list for loopback (the servers run on 127.0.0.1) and plain http."""
    values = {"ssrf_allow_cidrs": "127.0.0.0/8", "allow_insecure_endpoint": True, **overrides}
    policy = SsrfPolicy.from_settings(settings.model_copy(update=values))
    unused_pool = StdioSessionPool(_no_containers)
    remote = remote_connector(SsrfGuard(policy), limits)
    return InspectorService(_NoContainers(), _NoContainers(), unused_pool, remote)


def _no_containers(_key: str) -> Any:
    raise AssertionError("remote tests reach no container")


class _NoContainers:
    async def docker_id_of(self, *_args: Any) -> str:
        raise AssertionError("remote tests reach no container")

    async def inspect(self, _docker_id: str) -> dict[str, Any] | None:
        raise AssertionError("remote tests reach no container")
