"""`secrets.resolve`: resolve a mapping's references in the worker, warming the session cache.

The job carries references only and its result names the keys it resolved, never their values:
the values land (encrypted) in the session's secret cache, where a later start or install finds
them without another `bw` call.
"""

from __future__ import annotations

from typing import Any

from mcp_console.core.session_ids import SessionHash
from mcp_console.jobs.progress import report_progress
from mcp_console.secrets.refs import parse_env
from mcp_console.secrets.resolver import build_secret_resolver

RESOLVE_TASK = "secrets.resolve"


async def resolve_secrets(ctx: dict[str, Any], *, env: dict[str, str]) -> dict[str, Any]:
    parsed = parse_env(env)
    await report_progress(ctx, 10, f"resolving {len(parsed.spans)} reference(s)")
    resolver = build_secret_resolver(ctx["settings"], ctx["keys"], ctx["redis"])
    await resolver.resolve(SessionHash(str(ctx["session_hash"])), env)
    return {"resolved": sorted(parsed.spans), "plain": sorted(set(env) - set(parsed.spans))}
