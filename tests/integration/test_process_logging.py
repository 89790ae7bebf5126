"""Real api and worker processes: access logs, request bodies and arq records come out redacted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from arq import create_pool
from arq.connections import RedisSettings

from mcp_console.jobs.queue import QUEUE_NAME
from mcp_console.jobs.serialization import deserialize, serialize
from tests.support.processes import (
    base_env,
    console_command,
    free_port,
    spawn_console,
    stop_process,
    wait_for_http,
)

GITHUB_TOKEN = "ghp_" + "Q" * 36
MASTER_PASSWORD = "correct-horse-battery-staple-9"


def test_api_logs_mask_query_tokens_and_never_log_auth_bodies(tmp_path: Path) -> None:
    env = base_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite", LOG_REQUEST_BODY="true"
    )
    port = free_port()
    process = spawn_console(["api", "--port", str(port)], env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/health", process=process)
        httpx.get(f"{base}/health?access_token={GITHUB_TOKEN}&state=visible-state")
        httpx.post(
            f"{base}/api/auth/login",
            json={
                "method": "master_password",
                "email": "a@example.com",
                "master_password": MASTER_PASSWORD,
            },
        )
    finally:
        output = stop_process(process)

    assert "GET /health?access_token=" in output  # the uvicorn access line is there...
    assert GITHUB_TOKEN not in output  # ...with the token masked
    assert "visible-state" in output
    assert MASTER_PASSWORD not in output
    assert "a@example.com" not in output  # the login body is not logged at all


async def test_worker_logs_mask_job_arguments(tmp_path: Path) -> None:
    """Enqueued straight through ARQ (the domains refuse such arguments before they enqueue):
    even then ARQ's own log lines of the call and its result are redacted."""
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")
    redis_url = env["REDIS_URL"]
    pool = await create_pool(
        RedisSettings.from_dsn(redis_url),
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=QUEUE_NAME,
    )
    job = await pool.enqueue_job(
        "system.diagnostic", echo=f"token {GITHUB_TOKEN} password=swordfish-77"
    )
    assert job is not None
    result = subprocess.run(
        console_command("worker", "--burst"),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    info = await job.result(timeout=5)
    await pool.aclose()
    output = result.stdout + result.stderr
    assert "system.diagnostic" in output
    assert GITHUB_TOKEN not in output and "swordfish-77" not in output
    assert info == {"status": "succeeded"}  # results are not scanned: tasks build them safe
