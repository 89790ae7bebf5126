"""Typed dependencies for the gateway routes: the objects the composition root built once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mcp_console.core.deps import provided
from mcp_console.gateway.calls import CallLog
from mcp_console.gateway.checks import ProfileGuard
from mcp_console.gateway.export import DockerExport
from mcp_console.gateway.profiles import ProfileService
from mcp_console.gateway.tokens import TokenService

ProfilesDep = Annotated[ProfileService, Depends(provided(ProfileService))]
GuardDep = Annotated[ProfileGuard, Depends(provided(ProfileGuard))]
TokensDep = Annotated[TokenService, Depends(provided(TokenService))]
CallsDep = Annotated[CallLog, Depends(provided(CallLog))]
ExportDep = Annotated[DockerExport, Depends(provided(DockerExport))]
