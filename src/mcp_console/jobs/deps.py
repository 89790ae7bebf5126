"""Typed dependency for the job queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mcp_console.core.deps import provided
from mcp_console.jobs.queue import JobQueue

JobQueueDep = Annotated[JobQueue, Depends(provided(JobQueue))]
