"""The API's side of the queue: enqueue, read (owner only), list and cancel jobs.

Reconcile and cancel read arq's private Redis layout (`arq.constants`), not its public API: arq
is pinned to the minor version `tests/integration/test_jobs_arq_layout.py` checked it against."""

from __future__ import annotations

import uuid
from typing import Any

from arq.connections import ArqRedis
from arq.constants import abort_jobs_ss, in_progress_key_prefix, result_key_prefix
from arq.utils import timestamp_ms

from mcp_console.core.errors import AppError
from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.jobs.heartbeat import HEARTBEAT_PREFIX
from mcp_console.jobs.schemas import FINAL_STATES, JobView
from mcp_console.jobs.store import JobStore, to_view

QUEUE_NAME = "mcp-console:queue"


def job_not_found() -> AppError:
    return AppError(
        "JOB_NOT_FOUND",
        "No such job for this session.",
        status=404,
        hint="Job ids are only visible to the session that started them, for JOB_RETENTION_HOURS.",
    )


class JobQueue:
    def __init__(self, arq: ArqRedis, store: JobStore, redis: RedisService) -> None:
        self.arq = arq
        self.store = store
        self.redis = redis

    async def close(self) -> None:
        await self.arq.aclose(close_connection_pool=True)

    async def enqueue(
        self, task: str, *, session_hash: SessionHash, args: dict[str, Any]
    ) -> JobView:
        """Record the job, then queue it. Arguments are identifiers and configuration that
        already passed the secrets policy (`secrets/policy.py`) in the domain that built them."""
        job_id = uuid.uuid4().hex
        await self.store.create(job_id, task, session_hash)
        await self.redis.call(lambda _r: self.arq.enqueue_job(task, _job_id=job_id, **args))
        return await self.get(job_id, session_hash)

    async def get(self, job_id: str, session_hash: SessionHash) -> JobView:
        """Owner only: the record's session hash must be the caller's."""
        record = await self.store.read(job_id)
        if not record or record.get("session_hash") != session_hash:
            raise job_not_found()
        if record["status"] not in FINAL_STATES:
            record = await self._reconcile(job_id, record)
        return to_view(record)

    async def list(self, session_hash: SessionHash) -> list[JobView]:
        views = []
        for job_id in await self.store.recent_ids(session_hash):
            try:
                views.append(await self.get(job_id, session_hash))
            except AppError:
                continue  # expired between the index read and the record read
        return views

    async def cancel(self, job_id: str, session_hash: SessionHash) -> JobView:
        view = await self.get(job_id, session_hash)
        if view.status in FINAL_STATES:
            raise AppError(
                "JOB_ALREADY_FINISHED",
                f"The job already ended ({view.status}).",
                status=409,
                hint="Only queued or running jobs can be cancelled.",
            )
        await self.store.update(job_id, cancel_requested=True)
        if view.status == "queued":
            await self.store.finish(job_id, "cancelled")
        await self.redis.call(lambda r: r.zadd(abort_jobs_ss, {job_id: timestamp_ms()}))
        return await self.get(job_id, session_hash)

    async def _reconcile(self, job_id: str, record: dict[str, Any]) -> dict[str, Any]:
        """Catch jobs whose worker died: ARQ finished them without running our wrapper (retries
        exhausted), or the worker that holds them stopped sending heartbeats."""
        result_exists, in_progress, worker_alive = await self.redis.call(
            lambda r: _probe(r, job_id, record.get("worker"))
        )
        if result_exists:
            await self.store.finish(
                job_id,
                "failed",
                error={"code": "WORKER_LOST", "message": "The worker running this job was lost."},
            )
            return await self.store.read(job_id)
        if record["status"] == "running" and not (in_progress and worker_alive):
            message = "The worker was lost; the job will be retried by another worker."
            return {**record, "status": "queued", "progress": {"percent": 0, "message": message}}
        return record


async def _probe(r: Any, job_id: str, worker: str | None) -> tuple[bool, bool, bool]:
    async with r.pipeline(transaction=False) as pipe:
        pipe.exists(result_key_prefix + job_id)
        pipe.exists(in_progress_key_prefix + job_id)
        pipe.exists(HEARTBEAT_PREFIX + (worker or "-"))
        result, in_progress, alive = await pipe.execute()
    return bool(result), bool(in_progress), bool(alive)
