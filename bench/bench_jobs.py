"""Job queue latency (enqueue to running, enqueue to done) on an idle worker, and throughput with
one and two worker processes, measured in the same run."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from tests.support.processes import base_env
from tests.support.workers import (
    job_queue,
    running_worker,
    settings_from_env,
    wait_for_status,
    wait_for_worker_count,
)

from bench.support import markdown_table
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.task_names import TaskName

LATENCY_JOBS = 200
THROUGHPUT_JOBS = 400
OWNER = SessionHash("bench-session")


def _ms_between(start: str, end: str | None) -> float:
    assert end is not None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000


def _percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[49], 1), round(cuts[94], 1)


async def _latency(env: dict[str, str], tmp: Path) -> tuple[list[float], list[float]]:
    to_running, to_done = [], []
    async with job_queue(settings_from_env(env, tmp)) as queue:
        for _ in range(LATENCY_JOBS):
            job = await queue.enqueue(TaskName.DIAGNOSTIC, session_hash=OWNER, args={})
            done = await wait_for_status(queue, job.job_id, OWNER, {"succeeded"})
            to_running.append(_ms_between(done.queued_at, done.started_at))
            to_done.append(_ms_between(done.queued_at, done.finished_at))
    return to_running, to_done


async def _throughput(env: dict[str, str], tmp: Path) -> float:
    async with job_queue(settings_from_env(env, tmp)) as queue:
        started = time.perf_counter()
        jobs = await asyncio.gather(
            *(
                queue.enqueue(TaskName.DIAGNOSTIC, session_hash=OWNER, args={})
                for _ in range(THROUGHPUT_JOBS)
            )
        )
        for job in jobs:
            await wait_for_status(queue, job.job_id, OWNER, {"succeeded"}, timeout=120)
        return THROUGHPUT_JOBS / (time.perf_counter() - started)


def _with_workers(env: dict[str, str], tmp: Path, count: int) -> float:
    with ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(running_worker(env))
        asyncio.run(wait_for_worker_count(env["REDIS_URL"], count))
        return asyncio.run(_throughput(env, tmp))


def run() -> str:
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = base_env(REDIS_URL=redis_url, LOG_LEVEL="WARNING")
        with running_worker(env):
            asyncio.run(wait_for_worker_count(redis_url, 1))
            to_running, to_done = asyncio.run(_latency(env, tmp))
        one = _with_workers(env, tmp, 1)
        two = _with_workers(env, tmp, 2)
    run_p50, run_p95 = _percentiles(to_running)
    done_p50, done_p95 = _percentiles(to_done)
    return (
        "## Job queue\n\n"
        f"{LATENCY_JOBS} no-op `system.diagnostic` jobs enqueued one at a time on an idle worker "
        "(ARQ poll delay 10 ms instead of its 500 ms default):\n\n"
        + markdown_table(
            ["interval", "p50 ms", "p95 ms"],
            [["enqueue → running", run_p50, run_p95], ["enqueue → done", done_p50, done_p95]],
        )
        + f"\nThroughput, {THROUGHPUT_JOBS} jobs enqueued at once, same machine (2 cores):\n\n"
        + markdown_table(["worker processes", "jobs/s"], [[1, round(one, 1)], [2, round(two, 1)]])
        + f"\nTwo workers finish {two / one:.2f} times as many jobs per second as one. No-op jobs "
        "are pure Redis round trips; on 2 cores shared with the enqueuing client a second "
        "process mostly adds contention, so this measures queue overhead, not the capacity "
        "for real (I/O-bound) jobs, where each worker also runs WORKER_MAX_JOBS at once.\n"
    )
