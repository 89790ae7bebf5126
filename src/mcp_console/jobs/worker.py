"""The ARQ worker definition: JSON serialisation, tuned polling, redacted logging."""

from __future__ import annotations

import os
import socket
from typing import Any

from arq.connections import RedisSettings
from arq.worker import Worker, func

from mcp_console.core.keys import KeyManager
from mcp_console.core.settings import Settings
from mcp_console.jobs.serialization import deserialize, serialize
from mcp_console.jobs.tasks import diagnostic

QUEUE_NAME = "mcp-console:queue"
POLL_DELAY_SECONDS = 0.01


def build_worker(settings: Settings, keys: KeyManager, burst: bool = False) -> Worker:
    worker_name = f"{socket.gethostname()}:{os.getpid()}"

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["keys"] = keys
        ctx["worker_name"] = worker_name

    return Worker(
        functions=[func(diagnostic, name="system.diagnostic")],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=QUEUE_NAME,
        on_startup=on_startup,
        job_serializer=serialize,
        job_deserializer=deserialize,
        poll_delay=POLL_DELAY_SECONDS,
        keep_result=settings.job_retention_hours * 3600,
        allow_abort_jobs=True,
        burst=burst,
        log_results=False,
        handle_signals=True,
    )
