"""Real `mcp-console worker` processes and a JobQueue client for tests."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from pydantic import SecretStr

from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.jobs.heartbeat import live_workers
from mcp_console.jobs.queue import JobQueue
from mcp_console.jobs.schemas import FINAL_STATES, JobView
from mcp_console.wiring import build_job_queue
from tests.support.processes import spawn_console, stop_process


def settings_from_env(env: Mapping[str, str], tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        redis_url=env["REDIS_URL"],
        database_url=env.get("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"),
        credential_encryption_key=SecretStr(env["CREDENTIAL_ENCRYPTION_KEY"]),
        oauth_token_encryption_key=SecretStr(env["OAUTH_TOKEN_ENCRYPTION_KEY"]),
    )


async def wait_for_worker_count(redis_url: str, count: int, timeout: float = 30) -> None:
    """Wait until exactly `count` workers have a live heartbeat."""
    redis = RedisService(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while len(await live_workers(redis)) != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"live workers never reached {count} within {timeout}s")
            await asyncio.sleep(0.1)
    finally:
        await redis.close()


@contextmanager
def running_worker(
    env: Mapping[str, str], logs: list[str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """A real `mcp-console worker`; what it printed is appended to `logs` when given."""
    process = spawn_console(["worker"], env)
    try:
        yield process
    finally:
        output = stop_process(process)
        if logs is not None:
            logs.append(output)


@asynccontextmanager
async def job_queue(settings: Settings) -> AsyncIterator[JobQueue]:
    redis = RedisService(settings.redis_url, settings.redis_timeout_seconds)
    queue = build_job_queue(settings, redis)
    try:
        yield queue
    finally:
        await queue.close()
        await redis.close()


async def wait_for_status(
    queue: JobQueue, job_id: str, session_hash: SessionHash, statuses: set[str], timeout: float = 30
) -> JobView:
    deadline = time.monotonic() + timeout
    while True:
        view = await queue.get(job_id, session_hash)
        if view.status in statuses:
            return view
        if view.status in FINAL_STATES or time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {view.status}, expected one of {statuses}")
        await asyncio.sleep(0.05)
