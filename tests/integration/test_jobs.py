"""The job queue against real Redis and real worker processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from mcp_console.core.errors import AppError
from mcp_console.core.session_ids import SessionHash
from tests.support.processes import base_env, console_command, running_api
from tests.support.workers import (
    job_queue,
    running_worker,
    settings_from_env,
    wait_for_status,
    wait_for_worker_count,
)

OWNER = SessionHash("session-owner-1")


@pytest.fixture
def env(tmp_path: Path, redis_client: Redis) -> dict[str, str]:
    return base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")


async def test_enqueue_poll_succeeded_with_result(env: dict[str, str], tmp_path: Path) -> None:
    settings = settings_from_env(env, tmp_path)
    with running_worker(env):
        async with job_queue(settings) as queue:
            accepted = await queue.enqueue(
                "system.diagnostic", session_hash=OWNER, args={"echo": "hi"}
            )
            assert accepted.status == "queued"
            done = await wait_for_status(queue, accepted.job_id, OWNER, {"succeeded"})
    assert done.result is not None
    assert done.result["echo"] == "hi"
    assert done.queued_at <= (done.started_at or "") <= (done.finished_at or "")
    assert done.progress.percent == 100
    assert done.attempt == 1


async def test_failing_task_reports_its_code_and_progress(
    env: dict[str, str], tmp_path: Path
) -> None:
    settings = settings_from_env(env, tmp_path)
    with running_worker(env):
        async with job_queue(settings) as queue:
            job = await queue.enqueue(
                "system.diagnostic",
                session_hash=OWNER,
                args={"steps": 2, "sleep_seconds": 0.2, "fail_code": "UPSTREAM_REJECTED"},
            )
            failed = await wait_for_status(queue, job.job_id, OWNER, {"failed"})
    assert failed.error is not None
    assert failed.error.code == "UPSTREAM_REJECTED"
    assert failed.progress.percent == 100  # both steps reported before the failure
    assert failed.result is None


async def test_other_sessions_job_is_indistinguishable_from_a_missing_one(
    env: dict[str, str], tmp_path: Path
) -> None:
    settings = settings_from_env(env, tmp_path)
    async with job_queue(settings) as queue:
        job = await queue.enqueue("system.diagnostic", session_hash=OWNER, args={})
        with pytest.raises(AppError) as other:
            await queue.get(job.job_id, SessionHash("someone-else"))
        with pytest.raises(AppError) as missing:
            await queue.get("0" * 32, OWNER)
        assert [job.job_id for job in await queue.list(OWNER)] == [job.job_id]
        assert await queue.list(SessionHash("someone-else")) == []
    assert (other.value.code, other.value.status, other.value.message) == (
        missing.value.code,
        missing.value.status,
        missing.value.message,
    )
    assert other.value.code == "JOB_NOT_FOUND"


async def test_cancel_a_running_job_stops_it(env: dict[str, str], tmp_path: Path) -> None:
    settings = settings_from_env(env, tmp_path)
    with running_worker(env):
        async with job_queue(settings) as queue:
            job = await queue.enqueue(
                "system.diagnostic", session_hash=OWNER, args={"steps": 100, "sleep_seconds": 30}
            )
            await wait_for_status(queue, job.job_id, OWNER, {"running"})
            await asyncio.sleep(0.6)
            await queue.cancel(job.job_id, OWNER)
            cancelled = await wait_for_status(queue, job.job_id, OWNER, {"cancelled"})
            await asyncio.sleep(1.0)
            later = await queue.get(job.job_id, OWNER)
            with pytest.raises(AppError) as again:
                await queue.cancel(job.job_id, OWNER)
    assert 0 < cancelled.progress.percent < 100
    assert later.progress.percent == cancelled.progress.percent  # the task really stopped
    assert later.status == "cancelled"
    assert again.value.code == "JOB_ALREADY_FINISHED"


async def test_cancel_a_queued_job_before_any_worker_runs_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    settings = settings_from_env(env, tmp_path)
    async with job_queue(settings) as queue:
        job = await queue.enqueue("system.diagnostic", session_hash=OWNER, args={"echo": "never"})
        assert (await queue.cancel(job.job_id, OWNER)).status == "cancelled"
        with running_worker(env):
            await wait_for_worker_count(env["REDIS_URL"], 1)
            await asyncio.sleep(0.5)
            view = await queue.get(job.job_id, OWNER)
    assert view.status == "cancelled"
    assert view.result is None
    assert view.started_at is None


async def test_timeout_ends_failed_with_job_timeout(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "JOB_TIMEOUT_SECONDS": "1"}
    settings = settings_from_env(env, tmp_path)
    with running_worker(env):
        async with job_queue(settings) as queue:
            job = await queue.enqueue(
                "system.diagnostic", session_hash=OWNER, args={"sleep_seconds": 20}
            )
            failed = await wait_for_status(queue, job.job_id, OWNER, {"failed"}, timeout=20)
    assert failed.error is not None
    assert failed.error.code == "JOB_TIMEOUT"


@pytest.mark.parametrize(("max_tries", "outcome"), [(3, "succeeded"), (1, "failed")])
async def test_killed_worker_job_is_retried_or_fails_worker_lost(
    env: dict[str, str], tmp_path: Path, max_tries: int, outcome: str
) -> None:
    # In-progress marks expire after JOB_TIMEOUT_SECONDS + 15 s: that is the documented bound.
    env = {
        **env,
        "JOB_TIMEOUT_SECONDS": "4",
        "JOB_MAX_TRIES": str(max_tries),
        "WORKER_HEARTBEAT_SECONDS": "0.5",
    }
    settings = settings_from_env(env, tmp_path)
    async with job_queue(settings) as queue:
        job = await queue.enqueue(
            "system.diagnostic", session_hash=OWNER, args={"steps": 3, "sleep_seconds": 1.5}
        )
        with running_worker(env) as first:
            await wait_for_status(queue, job.job_id, OWNER, {"running"})
            first.send_signal(signal.SIGKILL)
            first.wait()
        # Once the dead worker's heartbeat lapses the job no longer claims to be running.
        orphaned = await wait_for_status(queue, job.job_id, OWNER, {"queued"}, timeout=5)
        assert "worker was lost" in orphaned.progress.message
        with running_worker(env):
            final = await wait_for_status(queue, job.job_id, OWNER, {outcome}, timeout=4 + 15 + 10)
    if outcome == "succeeded":
        assert final.attempt == 2
    else:
        assert final.error is not None
        assert final.error.code == "WORKER_LOST"


async def test_worker_check_doctor_and_health_reflect_liveness(env: dict[str, str]) -> None:
    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            console_command("worker", "--check"),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def doctor() -> str:
        return subprocess.run(
            console_command("doctor"), env=env, capture_output=True, text=True, check=False
        ).stdout

    def health_workers(base: str) -> dict[str, Any]:
        workers: dict[str, Any] = httpx.get(f"{base}/health").json()["workers"]
        return workers

    assert check().returncode == 1
    with running_api({**env, "HEALTH_CHECK_INTERVAL_SECONDS": "0.3"}) as base:
        assert health_workers(base)["live"] == 0
        with running_worker(env):
            await wait_for_worker_count(env["REDIS_URL"], 1)
            running = check()
            doctor_output = doctor()
            await asyncio.sleep(0.8)
            live = health_workers(base)
        stopped = check()
        await asyncio.sleep(0.8)
        after = health_workers(base)
    assert running.returncode == 0
    assert "1 live" in running.stdout
    assert "[ok  ] worker: a diagnostic job ran" in doctor_output
    assert live["live"] == 1
    assert live["last_heartbeat_age_seconds"] < 15
    assert stopped.returncode == 1
    assert after["live"] == 0
    assert "[FAIL] worker: no live worker" in doctor()


async def test_queue_keys_are_json_and_never_pickle(
    env: dict[str, str], tmp_path: Path, redis_client: Redis
) -> None:
    settings = settings_from_env(env, tmp_path)
    with running_worker(env):
        async with job_queue(settings) as queue:
            job = await queue.enqueue("system.diagnostic", session_hash=OWNER, args={"echo": "x"})
            await wait_for_status(queue, job.job_id, OWNER, {"succeeded"})
    raw = Redis.from_url(env["REDIS_URL"])
    keys = [key async for key in raw.scan_iter(count=500)]
    assert any(key.startswith(b"arq:result:") for key in keys)
    for key in keys:
        kind = await raw.type(key)
        if kind == b"string":
            value = await raw.get(key)
            assert not value.startswith(b"\x80"), f"{key!r} holds a pickle"
            if key.startswith((b"arq:job:", b"arq:result:", b"worker:")):
                json.loads(value)
    await raw.aclose()
    assert os.environ.get("TEST_REDIS_URL", env["REDIS_URL"]) == env["REDIS_URL"]
