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
from mcp_console.core.session_ids import SessionHash
from mcp_console.jobs.schemas import FINAL_STATES
from mcp_console.jobs.store import JobStore, timestamp

logger = logging.getLogger("mcp_console.jobs")
RETRY_BACKOFF_SECONDS = (1, 4, 15)


@dataclass(frozen=True)
class JobContext:
    """What a task knows of its own job: its id, the session that owns it (whose vault and
    whose log redaction apply), the worker running it, and a way to report progress."""

    job_id: str
    session_hash: SessionHash
    worker_name: str
    store: JobStore

    async def progress(self, percent: int, message: str) -> None:
        """Percent is clamped to 0-100; the message is redacted before it is stored."""
        clamped = max(0, min(100, int(percent)))
        await self.store.update(
            self.job_id, progress={"percent": clamped, "message": redactor.text(message)}
        )


# A task is called as `function(job, **arguments)`; the arguments are the job's JSON payload.
TaskFunction = Callable[..., Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class TaskSpec:
    """One registered task: its public name (`core.task_names`), function and own time limit."""

    name: str
    function: TaskFunction
    timeout_seconds: float | None = None


def _failure(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": redactor.text(message)}}


def tracked(
    spec: TaskSpec, store: JobStore, worker: str, timeout: float, max_tries: int
) -> Callable[..., Awaitable[Any]]:
    """The function ARQ runs for `spec`: ARQ's `ctx` is read here and nowhere else."""

    async def run(ctx: dict[str, Any], **kwargs: Any) -> dict[str, str]:
        job_id: str = ctx["job_id"]
        record = await store.read(job_id)
        if record.get("status") in FINAL_STATES:  # cancelled while it waited in the queue
            return {"status": str(record["status"])}
        attempt = int(ctx.get("job_try", 1))
        await store.update(
            job_id,
            status="running",
            started_at=timestamp(),
            attempt=attempt,
            worker=worker,
        )
        job = JobContext(job_id, SessionHash(str(record.get("session_hash", ""))), worker, store)
        with log_session(job.session_hash or None):  # its values, no other's
            status, fields = await _execute(spec, job, kwargs, timeout, attempt, max_tries)
        await store.finish(job_id, status, **fields)
        return {"status": status}

    run.__qualname__ = spec.name
    return run


async def _execute(
    spec: TaskSpec,
    job: JobContext,
    kwargs: dict[str, Any],
    limit_seconds: float,
    attempt: int,
    max_tries: int,
) -> tuple[str, dict[str, Any]]:
    store = job.store
    try:
        result = await asyncio.wait_for(spec.function(job, **kwargs), limit_seconds)
    except TimeoutError:
        message = f"The job did not finish within {limit_seconds:g} s."
        return "failed", _failure("JOB_TIMEOUT", message)
    except asyncio.CancelledError:
        record = await asyncio.shield(store.read(job.job_id))
        if record.get("cancel_requested"):
            await asyncio.shield(store.finish(job.job_id, "cancelled"))
        else:  # the worker is shutting down: ARQ runs the job again elsewhere
            await asyncio.shield(store.update(job.job_id, status="queued"))
        raise
    except AppError as exc:
        if exc.retryable and attempt < max_tries:
            await store.update(job.job_id, status="queued")
            raise Retry(
                defer=RETRY_BACKOFF_SECONDS[min(attempt, len(RETRY_BACKOFF_SECONDS)) - 1]
            ) from None
        return "failed", _failure(exc.code, exc.message)
    except Exception:
        logger.exception("task %s failed", spec.name, extra={"job_id": job.job_id})
        return "failed", _failure("TASK_FAILED", f"The {spec.name} job failed unexpectedly.")
    return "succeeded", {"result": result, "progress": {"percent": 100, "message": "done"}}
