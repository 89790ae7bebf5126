"""`GET /health` (process up, cached dependency summary) and `GET /health/redis` (live ping)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from mcp_console import __version__
from mcp_console.core.deps import RedisDep, provided
from mcp_console.health.schemas import HealthReport
from mcp_console.health.service import HealthMonitor

router = APIRouter(tags=["health"])
HealthDep = Annotated[HealthMonitor, Depends(provided(HealthMonitor))]


@router.get("/health", response_model=HealthReport)
async def health(monitor: HealthDep) -> dict[str, Any]:
    return {"version": __version__, **monitor.summary()}


@router.get("/health/redis", responses={503: {"description": "Redis unreachable"}})
async def health_redis(redis: RedisDep) -> dict[str, Any]:
    latency = await redis.ping()
    return {"status": "ok", "latency_ms": round(latency, 3)}
