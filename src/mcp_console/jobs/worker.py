"""The ARQ worker as infrastructure: JSON serialisation, tuned polling, tracked tasks, heartbeat
and the cleanup cron. Which tasks exist, and the objects they use, come from the composition root
(`mcp_console/worker.py`); this module knows no domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from arq.connections import RedisSettings
from arq.cron import cron
from arq.worker import Worker, func

from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.core.task_names import TaskName
from mcp_console.jobs.cleanup import cleanup_expired_sessions
from mcp_console.jobs.heartbeat import Heartbeat, worker_name
from mcp_console.jobs.queue import QUEUE_NAME
from mcp_console.jobs.runner import TaskSpec, tracked
from mcp_console.jobs.serialization import deserialize, serialize
from mcp_console.jobs.store import JobStore

# ARQ polls Redis for new jobs; its 0.5 s default puts half a second on every job's start.
POLL_DELAY_SECONDS = 0.01
# ARQ's own deadline sits above the wrapper's so the wrapper can record JOB_TIMEOUT itself.
ARQ_TIMEOUT_MARGIN_SECONDS = 5


def _functions(
    settings: Settings, specs: list[TaskSpec], store: JobStore, worker: str
) -> list[Any]:
    functions = []
    for spec in specs:
        timeout = spec.timeout_seconds or settings.job_timeout_seconds
        functions.append(
            func(
                tracked(spec, store, worker, timeout, settings.job_max_tries),  # type: ignore[arg-type]
                name=spec.name,
                timeout=timeout + ARQ_TIMEOUT_MARGIN_SECONDS,
                max_tries=settings.job_max_tries,
            )
        )
    return functions


def _cleanup_minutes(interval: int) -> set[int]:
    return set(range(0, 60, interval)) if interval < 60 else {0}


def arq_worker(
    settings: Settings,
    tasks: list[TaskSpec],
    *,
    redis: RedisService,
    store: JobStore,
    on_shutdown: Callable[[], Awaitable[None]],
    burst: bool = False,
) -> Worker:
    """An ARQ worker running `tasks`; `on_shutdown` closes the root's clients after the last job."""
    name = worker_name()
    heartbeat = Heartbeat(redis, name, settings.worker_heartbeat_seconds)

    async def start(ctx: dict[str, Any]) -> None:
        await heartbeat.start()

    async def stop(ctx: dict[str, Any]) -> None:
        await heartbeat.stop()
        await on_shutdown()

    async def cleanup(ctx: dict[str, Any]) -> dict[str, int]:
        return await cleanup_expired_sessions(redis, settings.data_dir)

    return Worker(
        functions=_functions(settings, tasks, store, name),
        cron_jobs=[
            cron(
                cleanup,
                name=TaskName.CLEANUP,
                minute=_cleanup_minutes(settings.cleanup_interval_minutes),
                run_at_startup=not burst,
                unique=True,
            )
        ],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=QUEUE_NAME,
        on_startup=start,
        on_shutdown=stop,
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
