"""arq's private Redis key layout, which `jobs/queue.py` reads by name (arq is pinned to a minor
version for it): checked against the keys a real arq worker writes, and through the queue's own
behaviour that depends on them, so an arq upgrade that moves a key fails here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from arq.constants import (
    abort_jobs_ss,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)
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


@asynccontextmanager
async def running_burst_worker(
    settings: Settings, gate: Gate
) -> AsyncIterator[Callable[[], asyncio.Task[None]]]:
    """A real in-process arq worker in burst mode (runs until its queue is empty), with the gated
    task beside the registry; yields a function that starts it."""
    keys = KeyManager.from_settings(settings, secret_registry)
    worker = build_worker(settings, keys, burst=True, extra_tasks=[TaskSpec(GATED, gate.task)])
    runs: list[asyncio.Task[None]] = []

    def start() -> asyncio.Task[None]:
        runs.append(asyncio.create_task(worker.async_run()))
        return runs[-1]

    try:
        yield start
    finally:
        gate.release.set()
        for run in runs:
            await asyncio.wait_for(run, 30)
        await worker.close()


async def _enqueued(queue: JobQueue, redis: Redis) -> str:
    job_id = (await queue.enqueue(GATED, session_hash=OWNER, args={})).job_id
    assert await arq_keys_of(redis, job_id) == {job_key_prefix + job_id, QUEUE_NAME}
    assert await redis.zscore(QUEUE_NAME, job_id) is not None
    return job_id


async def test_a_job_s_arq_keys_are_the_ones_the_queue_reads(
    settings: Settings, redis_client: Redis
) -> None:
    gate = Gate()
    async with job_queue(settings) as queue, running_burst_worker(settings, gate) as start:
        job_id = await _enqueued(queue, redis_client)
        run = start()
        await asyncio.wait_for(gate.started.wait(), 30)

        assert await arq_keys_of(redis_client, job_id) == {
            job_key_prefix + job_id,
            retry_key_prefix + job_id,
            in_progress_key_prefix + job_id,
            QUEUE_NAME,
        }
        # The queue keeps a running job `running` only while it finds arq's in-progress mark.
        assert (await queue.get(job_id, OWNER)).status == "running"

        gate.release.set()
        await asyncio.wait_for(run, 30)
        assert await arq_keys_of(redis_client, job_id) == {result_key_prefix + job_id}
        assert (await queue.get(job_id, OWNER)).status == "succeeded"

        # A record left `running` while arq holds a result is a job arq finished without the
        # wrapper (retries used up): the queue finds that result key and says so.
        await queue.store.update(job_id, status="running")
        lost = await queue.get(job_id, OWNER)
    assert lost.status == "failed"
    assert lost.error is not None and lost.error.code == "WORKER_LOST"


async def test_a_cancel_reaches_arq_through_its_abort_set(
    settings: Settings, redis_client: Redis
) -> None:
    gate = Gate()
    async with job_queue(settings) as queue, running_burst_worker(settings, gate) as start:
        job_id = await _enqueued(queue, redis_client)
        run = start()
        await asyncio.wait_for(gate.started.wait(), 30)

        await queue.cancel(job_id, OWNER)
        # Only arq, reading its abort set, can end this task: the gate is never released.
        cancelled = await wait_for_status(queue, job_id, OWNER, {"cancelled"})
        await asyncio.wait_for(run, 30)
        assert not gate.release.is_set()
    assert cancelled.status == "cancelled"
    assert await arq_keys_of(redis_client, job_id) == {result_key_prefix + job_id}


async def test_a_queued_job_s_cancel_is_in_the_abort_set_arq_reads(
    settings: Settings, redis_client: Redis
) -> None:
    gate = Gate()
    async with job_queue(settings) as queue, running_burst_worker(settings, gate) as start:
        job_id = await _enqueued(queue, redis_client)
        await queue.cancel(job_id, OWNER)
        assert await redis_client.zscore(abort_jobs_ss, job_id) is not None
        assert await arq_keys_of(redis_client, job_id) == {
            job_key_prefix + job_id,
            QUEUE_NAME,
            abort_jobs_ss,
        }

        await asyncio.wait_for(start(), 30)
        # arq ended the job without running it and emptied the abort set it reads (a set under
        # another name would have been left behind).
        assert not gate.started.is_set()
        assert await arq_keys_of(redis_client, job_id) == {result_key_prefix + job_id}
