"""Builds every shared client at start-up and closes them on shutdown (no import-time globals)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.health.service import HealthMonitor
from mcp_console.jobs.queue import JobQueue
from mcp_console.jobs.setup import build_job_queue

logger = logging.getLogger("mcp_console.lifespan")


@dataclass
class AppServices:
    settings: Settings
    keys: KeyManager
    redis: RedisService
    database: Database
    health: HealthMonitor
    jobs: JobQueue


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    keys: KeyManager = app.state.keys
    redis = RedisService(settings.redis_url, settings.redis_timeout_seconds)
    database = Database(settings.database_url)
    health = HealthMonitor(redis, database, settings.health_check_interval_seconds)
    jobs = build_job_queue(settings, redis)
    app.state.services = AppServices(settings, keys, redis, database, health, jobs)
    await health.start()
    logger.info("api ready", extra={"environment": settings.environment})
    try:
        yield
    finally:
        await health.stop()
        await jobs.close()
        await redis.close()
        await database.close()
