"""Job routes: a session sees, lists and cancels only its own jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mcp_console.auth.deps import CurrentSession
from mcp_console.jobs.deps import JobQueueDep
from mcp_console.jobs.schemas import JobList, JobView

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "JOB_NOT_FOUND (missing, expired or another session's)"}
}


@router.get("", response_model=JobList)
async def list_jobs(session: CurrentSession, jobs: JobQueueDep) -> JobList:
    return JobList(jobs=await jobs.list(session.session_hash))


@router.get("/{job_id}", response_model=JobView, responses=NOT_FOUND)
async def get_job(job_id: str, session: CurrentSession, jobs: JobQueueDep) -> JobView:
    return await jobs.get(job_id, session.session_hash)


@router.post(
    "/{job_id}/cancel",
    response_model=JobView,
    responses={**NOT_FOUND, 409: {"description": "JOB_ALREADY_FINISHED"}},
)
async def cancel_job(job_id: str, session: CurrentSession, jobs: JobQueueDep) -> JobView:
    return await jobs.cancel(job_id, session.session_hash)
