"""Typed dependency for the job queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from mcp_console.core.deps import ServicesDep
from mcp_console.jobs.queue import JobQueue


def get_job_queue(services: ServicesDep) -> JobQueue:
    return services.jobs


JobQueueDep = Annotated[JobQueue, Depends(get_job_queue)]
