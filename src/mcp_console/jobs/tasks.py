"""Tasks of the jobs domain itself: a diagnostic round trip used by tests, benchmarks and doctor."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from mcp_console.core.errors import AppError
from mcp_console.jobs.runner import JobContext


async def diagnostic(
    job: JobContext,
    echo: str = "ping",
    sleep_seconds: float = 0.0,
    steps: int = 0,
    fail_code: str | None = None,
) -> dict[str, Any]:
    """Echoes its input from the worker; optionally sleeps in steps (reporting progress) or fails
    with a given code, so the queue's behaviour can be checked end to end."""
    for step in range(steps):
        await asyncio.sleep(sleep_seconds / max(steps, 1))
        await job.progress((step + 1) * 100 // steps, f"step {step + 1} of {steps}")
    if not steps and sleep_seconds:
        await asyncio.sleep(sleep_seconds)
    if fail_code:
        raise AppError(fail_code, "The diagnostic job was asked to fail.")
    return {"echo": echo, "worker": job.worker_name, "finished_at": time.time()}
