"""arq's private Redis key layout, which `jobs/queue.py` reads by name (arq is pinned to a minor
version for it): checked against the keys a real arq worker writes, and through the queue's own
behaviour that depends on them, so an arq upgrade that moves a key fails here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from arq.constants import (
    abort_jobs_ss,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)
from arq.worker import Worker
from redis.asyncio import Redis

from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.jobs.queue import QUEUE_NAME, JobQueue
from mcp_console.jobs.runner import JobContext, TaskSpec
from mcp_console.jobs.store import META_PREFIX
from mcp_console.worker import build_worker
from tests.support.workers import job_queue, wait_for_status

OWNER = SessionHash("session-owner-arq")
GATED = "test.gated"

# arq's Worker.close() calls redis-py's deprecated close(); not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


class Gate:
    """A task that reports its start and then waits until released (or cancelled)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def task(self, job: JobContext) -> dict[str, Any]:
        self.started.set()
        await self.release.wait()
        return {"released": True}


async def arq_keys_of(redis: Redis, job_id: str) -> set[str]:
    """Every key naming the job (the console's own record aside), and the shared queue and abort
    collections when present: what arq wrote for this job."""
    keys = set(await redis.keys("*"))
    own = {key for key in keys if job_id in key and not key.startswith(META_PREFIX)}
    return own | ({QUEUE_NAME, abort_jobs_ss} & keys)


@dataclass
class GatedJob:
    """One gated job in the queue, and a real in-process arq worker in burst mode (it runs until
    its queue is empty) that has not started yet."""

    queue: JobQueue
    gate: Gate
    job_id: str
    worker: Worker
    runs: list[asyncio.Task[None]]

    def start_worker(self) -> asyncio.Task[None]:
        self.runs.append(asyncio.create_task(self.worker.async_run()))
        return self.runs[-1]

    async def started(self) -> asyncio.Task[None]:
        run = self.start_worker()
        await asyncio.wait_for(self.gate.started.wait(), 30)
        return run


@asynccontextmanager
async def gated_job(settings: Settings, redis: Redis) -> AsyncIterator[GatedJob]:
    """Enqueued through the real `JobQueue`: arq holds just the job key and its queue entry."""
    gate = Gate()
    keys = KeyManager.from_settings(settings, secret_registry)
    worker = build_worker(settings, keys, burst=True, extra_tasks=[TaskSpec(GATED, gate.task)])
    async with job_queue(settings) as queue:
        job_id = (await queue.enqueue(GATED, session_hash=OWNER, args={})).job_id
        assert await arq_keys_of(redis, job_id) == {job_key_prefix + job_id, QUEUE_NAME}
        assert await redis.zscore(QUEUE_NAME, job_id) is not None
        job = GatedJob(queue, gate, job_id, worker, [])
        try:
            yield job
        finally:
            gate.release.set()
            for run in job.runs:
                await asyncio.wait_for(run, 30)
            await worker.close()


async def test_a_job_s_arq_keys_are_the_ones_the_queue_reads(
    settings: Settings, redis_client: Redis
) -> None:
    async with gated_job(settings, redis_client) as job:
        run = await job.started()
        assert await arq_keys_of(redis_client, job.job_id) == {
            job_key_prefix + job.job_id,
            retry_key_prefix + job.job_id,
            in_progress_key_prefix + job.job_id,
            QUEUE_NAME,
        }
        # The queue keeps a running job `running` only while it finds arq's in-progress mark.
        assert (await job.queue.get(job.job_id, OWNER)).status == "running"

        job.gate.release.set()
        await asyncio.wait_for(run, 30)
        assert await arq_keys_of(redis_client, job.job_id) == {result_key_prefix + job.job_id}
        assert (await job.queue.get(job.job_id, OWNER)).status == "succeeded"

        # A record left `running` while arq holds a result is a job arq finished without the
        # wrapper (retries used up): the queue finds that result key and says so.
        await job.queue.store.update(job.job_id, status="running")
        lost = await job.queue.get(job.job_id, OWNER)
    assert lost.status == "failed"
    assert lost.error is not None and lost.error.code == "WORKER_LOST"


async def test_a_cancel_reaches_arq_through_its_abort_set(
    settings: Settings, redis_client: Redis
) -> None:
    async with gated_job(settings, redis_client) as job:
        run = await job.started()
        await job.queue.cancel(job.job_id, OWNER)
        # Only arq, reading its abort set, can end this task: the gate is never released.
        cancelled = await wait_for_status(job.queue, job.job_id, OWNER, {"cancelled"})
        await asyncio.wait_for(run, 30)
        assert not job.gate.release.is_set()
    assert cancelled.status == "cancelled"
    assert await arq_keys_of(redis_client, job.job_id) == {result_key_prefix + job.job_id}


async def test_a_queued_job_s_cancel_is_in_the_abort_set_arq_reads(
    settings: Settings, redis_client: Redis
) -> None:
    async with gated_job(settings, redis_client) as job:
        await job.queue.cancel(job.job_id, OWNER)
        assert await redis_client.zscore(abort_jobs_ss, job.job_id) is not None
        assert await arq_keys_of(redis_client, job.job_id) == {
            job_key_prefix + job.job_id,
            QUEUE_NAME,
            abort_jobs_ss,
        }

        await asyncio.wait_for(job.start_worker(), 30)
        # arq ended the job without running it and emptied the abort set it reads (a set under
        # another name would have been left behind).
        assert not job.gate.started.is_set()
        assert await arq_keys_of(redis_client, job.job_id) == {result_key_prefix + job.job_id}
