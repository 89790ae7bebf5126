"""Typed dependency for the inspector routes: the service over the lifespan's shared parts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mcp_console.containers.deps import ContainerServiceDep
from mcp_console.core.deps import ServicesDep
from mcp_console.inspector.service import InspectorService


def get_inspector(services: ServicesDep, containers: ContainerServiceDep) -> InspectorService:
    parts = services.inspector
    return InspectorService(containers, services.docker, parts.pool, parts.remote)


InspectorDep = Annotated[InspectorService, Depends(get_inspector)]
