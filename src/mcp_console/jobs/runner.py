"""Wraps every task so its record in `JobStore` tells the truth, whatever happens inside.

Exceptions never reach ARQ (which would store their text in Redis): the wrapper turns them into a
sanitised `{code, message}`; only retries and cancellations are handed back to ARQ.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from arq.worker import Retry

from mcp_console.core.errors import AppError
from mcp_console.core.logging import redactor
from mcp_console.core.secret_registry import log_session
from mcp_console.jobs.schemas import FINAL_STATES
from mcp_console.jobs.store import JobStore, utc_now

logger = logging.getLogger("mcp_console.jobs")
TaskFunction = Callable[..., Awaitable[dict[str, Any]]]
RETRY_BACKOFF_SECONDS = (1, 4, 15)


@dataclass(frozen=True)
class TaskSpec:
    name: str
    function: TaskFunction
    timeout_seconds: float | None = None


def _failure(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": redactor.text(message)}}


def tracked(spec: TaskSpec, timeout: float, max_tries: int) -> Callable[..., Awaitable[Any]]:
    async def run(ctx: dict[str, Any], **kwargs: Any) -> dict[str, str]:
        store: JobStore = ctx["job_store"]
        job_id: str = ctx["job_id"]
        record = await store.read(job_id)
        if record.get("status") in FINAL_STATES:  # cancelled while it waited in the queue
            return {"status": str(record["status"])}
        attempt = int(ctx.get("job_try", 1))
        await store.update(
            job_id,
            status="running",
            started_at=utc_now(),
            attempt=attempt,
            worker=ctx.get("worker_name"),
        )
        session_hash = record.get("session_hash")
        task_ctx = {**ctx, "session_hash": session_hash}
        with log_session(str(session_hash) if session_hash else None):  # its values, no other's
            status, fields = await _execute(spec, task_ctx, kwargs, timeout, attempt, max_tries)
        await store.finish(job_id, status, **fields)
        return {"status": status}

    run.__qualname__ = spec.name
    return run


async def _execute(
    spec: TaskSpec,
    ctx: dict[str, Any],
    kwargs: dict[str, Any],
    limit_seconds: float,
    attempt: int,
    max_tries: int,
) -> tuple[str, dict[str, Any]]:
    store: JobStore = ctx["job_store"]
    try:
        result = await asyncio.wait_for(spec.function(ctx, **kwargs), limit_seconds)
    except TimeoutError:
        message = f"The job did not finish within {limit_seconds:g} s."
        return "failed", _failure("JOB_TIMEOUT", message)
    except asyncio.CancelledError:
        record = await asyncio.shield(store.read(ctx["job_id"]))
        if record.get("cancel_requested"):
            await asyncio.shield(store.finish(ctx["job_id"], "cancelled"))
        else:  # the worker is shutting down: ARQ runs the job again elsewhere
            await asyncio.shield(store.update(ctx["job_id"], status="queued"))
        raise
    except AppError as exc:
        if exc.retryable and attempt < max_tries:
            await store.update(ctx["job_id"], status="queued")
            raise Retry(
                defer=RETRY_BACKOFF_SECONDS[min(attempt, len(RETRY_BACKOFF_SECONDS)) - 1]
            ) from None
        return "failed", _failure(exc.code, exc.message)
    except Exception:
        logger.exception("task %s failed", spec.name, extra={"job_id": ctx["job_id"]})
        return "failed", _failure("TASK_FAILED", f"The {spec.name} job failed unexpectedly.")
    return "succeeded", {"result": result, "progress": {"percent": 100, "message": "done"}}
