"""The API process's composition root: the application factory, and the lifespan that builds
every client and service once and registers it for the routes' typed dependencies
(`core.deps.provided`). Domains never import this module."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Route

from mcp_console import __version__
from mcp_console.audit.api import router as audit_router
from mcp_console.audit.service import AuditService
from mcp_console.auth.api import router as auth_router
from mcp_console.auth.service import AuthService
from mcp_console.catalog.api import router as catalog_router
from mcp_console.catalog.service import CatalogService
from mcp_console.containers.api import router as containers_router
from mcp_console.containers.docker import DockerAdapter
from mcp_console.containers.service import ContainerService
from mcp_console.core.db import Database
from mcp_console.core.deps import ServiceRegistry
from mcp_console.core.handlers import ErrorBody, install_error_handlers
from mcp_console.core.keys import KeyManager
from mcp_console.core.middleware import RequestLogMiddleware
from mcp_console.core.redis import RedisService
from mcp_console.core.sensitive import sensitive_route_patterns
from mcp_console.core.settings import Settings
from mcp_console.gateway.api import router as gateway_router
from mcp_console.gateway.calls import CallLog
from mcp_console.gateway.checks import ProfileGuard
from mcp_console.gateway.export import DockerExport
from mcp_console.gateway.profiles import ProfileService
from mcp_console.gateway.runtime import EndpointRuntime
from mcp_console.gateway.tokens import TokenService
from mcp_console.gateway.transport import MCP_PATH, GatewayEndpoint, RegisteredEndpoint
from mcp_console.github.api import router as github_token_router
from mcp_console.github.service import GitHubTokenService
from mcp_console.health.api import router as health_router
from mcp_console.health.service import HealthMonitor
from mcp_console.inspector.api import router as inspector_router
from mcp_console.inspector.service import InspectorService
from mcp_console.jobs.api import router as jobs_router
from mcp_console.jobs.queue import JobQueue
from mcp_console.secrets.api import router as secrets_router
from mcp_console.wiring import (
    build_auth_service,
    build_catalog_service,
    build_container_service,
    build_gateway,
    build_gateway_endpoint,
    build_gateway_events,
    build_github_token_service,
    build_job_queue,
    build_redis,
    build_secret_resolver,
    build_ssrf_guard,
    build_vault,
    limits_of,
    remote_connector,
    stdio_pool,
)

logger = logging.getLogger("mcp_console.lifespan")

ROUTERS = (
    health_router,
    auth_router,
    catalog_router,
    containers_router,
    inspector_router,
    audit_router,
    jobs_router,
    secrets_router,
    github_token_router,
    gateway_router,
)


# Statuses every /api route can answer, declared with the shared error shape in the OpenAPI
# document (401: SESSION_INVALID, or AUTH_FAILED on login).
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "SESSION_INVALID (AUTH_FAILED on login)",
        422: "VALIDATION_ERROR or a domain validation code",
        500: "INTERNAL_ERROR",
        503: "REDIS_UNAVAILABLE or another dependency unavailable",
    }.items()
}


def build_services(settings: Settings, keys: KeyManager, stack: AsyncExitStack) -> ServiceRegistry:
    """Every object the routes use, built once; `stack` closes them in reverse order."""
    registry = ServiceRegistry()
    redis = build_redis(settings)
    stack.push_async_callback(redis.close)
    database = Database(settings.database_url)
    stack.push_async_callback(database.close)
    docker = DockerAdapter(settings.docker_host)
    stack.push_async_callback(docker.close)
    guard = build_ssrf_guard(settings)
    audit = AuditService(database)
    vault = build_vault(settings, keys, redis)
    jobs = build_job_queue(settings, redis)
    stack.push_async_callback(jobs.close)
    github_tokens = build_github_token_service(settings, database, keys, guard, audit)
    stack.push_async_callback(github_tokens.aclose)
    catalog = build_catalog_service(
        settings, redis, database, guard, github_tokens.requesting_users_token, audit
    )
    stack.push_async_callback(catalog.aclose)
    resolver = build_secret_resolver(keys, vault)
    events = build_gateway_events(redis)
    containers = build_container_service(
        settings, redis, database, docker, resolver, audit, observer=events
    )
    limits = limits_of(settings)
    pool = stdio_pool(docker, limits)
    stack.push_async_callback(pool.close)
    health = HealthMonitor(redis, database, settings.health_check_interval_seconds)
    inspector = InspectorService(containers, docker, pool, remote_connector(guard, limits))
    gateway = build_gateway(
        settings, database, keys, containers, inspector, changes=events, token_changes=events
    )
    endpoint = build_gateway_endpoint(settings, redis, events, gateway, containers, inspector)
    for kind, instance in (
        (Settings, settings),
        (KeyManager, keys),
        (RedisService, redis),
        (HealthMonitor, health),
        (JobQueue, jobs),
        (CatalogService, catalog),
        (GitHubTokenService, github_tokens),
        (AuthService, build_auth_service(settings, keys, redis, vault)),
        (AuditService, audit),
        (ContainerService, containers),
        (InspectorService, inspector),
        (ProfileService, gateway.profiles),
        (ProfileGuard, gateway.guard),
        (TokenService, gateway.tokens),
        (CallLog, gateway.calls),
        (EndpointRuntime, endpoint),
        (GatewayEndpoint, endpoint.endpoint),
        (DockerExport, gateway.export),
    ):
        registry.provide(kind, instance)
    return registry


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        app.state.registry = build_services(settings, app.state.keys, stack)
        health = app.state.registry.get(HealthMonitor)
        await health.start()
        stack.push_async_callback(health.stop)
        await stack.enter_async_context(app.state.registry.get(EndpointRuntime).running())
        logger.info("api ready", extra={"environment": settings.environment})
        yield


def create_app(settings: Settings, keys: KeyManager) -> FastAPI:
    app = FastAPI(title="MCP Gateway Console API", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.keys = keys
    install_error_handlers(app)
    for router in ROUTERS:
        api_route = (router.prefix or "").startswith("/api")
        app.include_router(router, responses=COMMON_ERRORS if api_route else None)
    gateway_route = Route(MCP_PATH, endpoint=RegisteredEndpoint(), name="mcp-gateway")
    app.router.routes.append(gateway_route)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-CSRF-Token"],
        )
    app.add_middleware(
        RequestLogMiddleware,
        log_body=settings.log_request_body,
        # MCP messages carry tool arguments: never logged, like the SENSITIVE_ROUTE bodies.
        sensitive_routes=lambda: [
            *sensitive_route_patterns([*ROUTERS, app.router]),
            gateway_route.path_regex,
        ],
    )
    return app
