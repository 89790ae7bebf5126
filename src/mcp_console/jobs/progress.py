"""Progress reporting from inside a task (e.g. during an image pull)."""

from __future__ import annotations

from typing import Any

from mcp_console.core.logging import redactor
from mcp_console.jobs.store import JobStore


async def report_progress(ctx: dict[str, Any], percent: int, message: str) -> None:
    store: JobStore = ctx["job_store"]
    clamped = max(0, min(100, int(percent)))
    await store.update(
        ctx["job_id"], progress={"percent": clamped, "message": redactor.text(message)}
    )
