"""A task that fails with a secret in its exception: the secret reaches no status, key or log."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import configure_logging, secret_registry
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.jobs.runner import JobContext, TaskFunction, TaskSpec
from mcp_console.worker import build_worker
from tests.support.redis_dump import dump_all
from tests.support.workers import job_queue

SECRET = "s3cr3t-value-from-the-vault-771"
OWNER = SessionHash("session-owner-2")


def leaky_task(keys: KeyManager, redis: Redis) -> TaskFunction:
    """Reads an encrypted value the way real tasks read the session record, then fails loudly."""

    async def task(job: JobContext, record_key: str) -> dict[str, Any]:
        value = keys.credential.decrypt(await redis.get(record_key))
        raise ValueError(f"upstream refused credential {value} in job {job.job_id}")

    return task


# arq's Worker.close() calls redis-py's deprecated close(); not ours to fix.
@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_exception_text_with_a_secret_is_sanitised_everywhere(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    keys = KeyManager.from_settings(settings, secret_registry)
    await redis_client.set("test:record", keys.credential.encrypt(SECRET))
    stream = io.StringIO()
    configure_logging("DEBUG", json_output=True, stream=stream)
    worker = build_worker(
        settings,
        keys,
        burst=True,
        extra_tasks=[TaskSpec("test.leaky", leaky_task(keys, redis_client))],
    )
    try:
        async with job_queue(settings) as queue:
            job = await queue.enqueue(
                "test.leaky", session_hash=OWNER, args={"record_key": "test:record"}
            )
            await worker.async_run()
            view = await queue.get(job.job_id, OWNER)
    finally:
        await worker.close()
        configure_logging("INFO", json_output=False)

    assert view.status == "failed"
    assert view.error is not None
    assert view.error.code == "TASK_FAILED"
    assert SECRET not in view.model_dump_json()
    logs = stream.getvalue()
    assert "ValueError" in logs  # the failure is logged...
    assert SECRET not in logs  # ...without the secret
    for key, value in (await dump_all(redis_client)).items():
        assert SECRET not in value, key
