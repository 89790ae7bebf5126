"""Typed FastAPI dependencies that hand the lifespan's clients to endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_console.core.lifespan import AppServices
from mcp_console.core.redis import RedisService
from mcp_console.health.service import HealthMonitor


def get_services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


ServicesDep = Annotated[AppServices, Depends(get_services)]


def get_redis(services: ServicesDep) -> RedisService:
    return services.redis


def get_health(services: ServicesDep) -> HealthMonitor:
    return services.health


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async for session in services.database.unit_of_work():
        yield session


RedisDep = Annotated[RedisService, Depends(get_redis)]
HealthDep = Annotated[HealthMonitor, Depends(get_health)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
