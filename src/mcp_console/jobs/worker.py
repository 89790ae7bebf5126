"""The ARQ worker: JSON serialisation, tuned polling, tracked tasks, heartbeat and cleanup cron."""

from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings
from arq.cron import cron
from arq.worker import Worker, func

from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.jobs.cleanup import cleanup_expired_sessions
from mcp_console.jobs.heartbeat import Heartbeat, worker_name
from mcp_console.jobs.registry import TASKS
from mcp_console.jobs.runner import TaskSpec, tracked
from mcp_console.jobs.serialization import deserialize, serialize
from mcp_console.jobs.store import JobStore

QUEUE_NAME = "mcp-console:queue"
# ARQ polls Redis for new jobs; its 0.5 s default puts half a second on every job's start.
POLL_DELAY_SECONDS = 0.01
# ARQ's own deadline sits above the wrapper's so the wrapper can record JOB_TIMEOUT itself.
ARQ_TIMEOUT_MARGIN_SECONDS = 5


def _functions(settings: Settings, specs: list[TaskSpec]) -> list[Any]:
    functions = []
    for spec in specs:
        timeout = spec.timeout_seconds or settings.job_timeout_seconds
        functions.append(
            func(
                tracked(spec, timeout, settings.job_max_tries),  # type: ignore[arg-type]
                name=spec.name,
                timeout=timeout + ARQ_TIMEOUT_MARGIN_SECONDS,
                max_tries=settings.job_max_tries,
            )
        )
    return functions


def _cleanup_minutes(interval: int) -> set[int]:
    return set(range(0, 60, interval)) if interval < 60 else {0}


def build_worker(
    settings: Settings,
    keys: KeyManager,
    burst: bool = False,
    extra_tasks: list[TaskSpec] | None = None,
) -> Worker:
    name = worker_name()

    async def on_startup(ctx: dict[str, Any]) -> None:
        redis = RedisService(settings.redis_url, settings.redis_timeout_seconds)
        heartbeat = Heartbeat(redis, name, settings.worker_heartbeat_seconds)
        ctx.update(
            settings=settings,
            keys=keys,
            redis=redis,
            database=Database(settings.database_url),
            job_store=JobStore(redis, settings.job_retention_hours * 3600),
            worker_name=name,
            heartbeat=heartbeat,
        )
        await heartbeat.start()

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await ctx["heartbeat"].stop()
        await ctx["database"].close()
        await ctx["redis"].close()

    return Worker(
        functions=_functions(settings, [*TASKS, *(extra_tasks or [])]),
        cron_jobs=[
            cron(
                cleanup_expired_sessions,
                name="system.cleanup",
                minute=_cleanup_minutes(settings.cleanup_interval_minutes),
                run_at_startup=not burst,
                unique=True,
            )
        ],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=QUEUE_NAME,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        job_serializer=serialize,
        job_deserializer=deserialize,
        poll_delay=POLL_DELAY_SECONDS,
        max_jobs=settings.worker_max_jobs,
        job_timeout=settings.job_timeout_seconds + ARQ_TIMEOUT_MARGIN_SECONDS,
        keep_result=settings.job_retention_hours * 3600,
        max_tries=settings.job_max_tries,
        allow_abort_jobs=True,
        burst=burst,
        log_results=False,
        handle_signals=True,
    )
