"""Typed dependency for the inspector routes: the service over the lifespan's shared parts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mcp_console.core.deps import provided
from mcp_console.inspector.service import InspectorService

InspectorDep = Annotated[InspectorService, Depends(provided(InspectorService))]
