"""Builds every shared client at start-up and closes them on shutdown (no import-time globals)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from mcp_console.auth.service import AuthService
from mcp_console.auth.setup import build_auth_service
from mcp_console.catalog.service import CatalogService
from mcp_console.catalog.setup import build_catalog_service
from mcp_console.containers.docker import DockerAdapter
from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SsrfGuard, SsrfPolicy
from mcp_console.github.service import GitHubTokenService
from mcp_console.github.setup import build_github_token_service
from mcp_console.health.service import HealthMonitor
from mcp_console.inspector.wiring import InspectorParts, build_inspector_parts
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
    docker: DockerAdapter
    catalog: CatalogService
    inspector: InspectorParts
    auth: AuthService
    github_tokens: GitHubTokenService


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    keys: KeyManager = app.state.keys
    redis = RedisService(settings.redis_url, settings.redis_timeout_seconds)
    database = Database(settings.database_url)
    health = HealthMonitor(redis, database, settings.health_check_interval_seconds)
    jobs = build_job_queue(settings, redis)
    docker = DockerAdapter(settings.docker_host)
    guard = SsrfGuard(SsrfPolicy.from_settings(settings))
    github_tokens = build_github_token_service(settings, database, keys, guard)
    catalog = build_catalog_service(
        settings, redis, database, guard, github_token=github_tokens.requesting_users_token
    )
    inspector = build_inspector_parts(settings, docker)
    app.state.services = AppServices(
        settings,
        keys,
        redis,
        database,
        health,
        jobs,
        docker=docker,
        catalog=catalog,
        inspector=inspector,
        auth=build_auth_service(settings, keys, redis),
        github_tokens=github_tokens,
    )
    await health.start()
    logger.info("api ready", extra={"environment": settings.environment})
    try:
        yield
    finally:
        await health.stop()
        await jobs.close()
        await inspector.close()
        await docker.close()
        await catalog.aclose()
        await github_tokens.aclose()
        await redis.close()
        await database.close()
