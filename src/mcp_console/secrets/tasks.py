"""`secrets.resolve`: resolve a mapping's references in the worker, warming the session cache.

The job carries references only and its result names the keys it resolved, never their values:
the values land (encrypted) in the session's secret cache, where a later start or install finds
them without another `bw` call.
"""

from __future__ import annotations

from typing import Any

from mcp_console.jobs.runner import JobContext
from mcp_console.secrets.refs import parse_env
from mcp_console.secrets.resolver import SecretResolver


class SecretTasks:
    """The secrets jobs, bound to the worker's one resolver (built at start-up)."""

    def __init__(self, resolver: SecretResolver) -> None:
        self._resolver = resolver

    async def resolve(self, job: JobContext, *, env: dict[str, str]) -> dict[str, Any]:
        parsed = parse_env(env)
        await job.progress(10, f"resolving {len(parsed.spans)} reference(s)")
        await self._resolver.resolve(job.session_hash, env)
        return {"resolved": sorted(parsed.spans), "plain": sorted(set(env) - set(parsed.spans))}
