"""Builds the API-side queue client. ARQ needs a bytes (not decoded) Redis connection, with the
same short timeouts as the rest of the console so a Redis outage fails fast here too."""

from __future__ import annotations

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.jobs.queue import JobQueue
from mcp_console.jobs.serialization import deserialize, serialize
from mcp_console.jobs.store import JobStore
from mcp_console.jobs.worker import QUEUE_NAME


def build_job_queue(settings: Settings, redis: RedisService) -> JobQueue:
    pool = ConnectionPool.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
    )
    arq = ArqRedis(
        connection_pool=pool,
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=QUEUE_NAME,
    )
    return JobQueue(arq, JobStore(redis, settings.job_retention_hours * 3600), redis)
