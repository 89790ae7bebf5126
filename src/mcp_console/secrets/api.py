"""`POST /api/secrets/resolve`: check and pre-fetch references in the background (202 + job)."""

from __future__ import annotations

from fastapi import APIRouter

from mcp_console.auth.deps import CurrentSession
from mcp_console.core.sensitive import SENSITIVE_ROUTE
from mcp_console.core.task_names import TaskName
from mcp_console.jobs.deps import JobQueueDep
from mcp_console.jobs.schemas import JobAccepted
from mcp_console.secrets import policy
from mcp_console.secrets.refs import parse_env
from mcp_console.secrets.schemas import ResolveRequest

router = APIRouter(prefix="/api/secrets", tags=["secrets"])


@router.post(
    "/resolve",
    status_code=202,
    response_model=JobAccepted,
    openapi_extra=SENSITIVE_ROUTE,
    responses={422: {"description": "malformed reference or SECRET_IN_PLAIN_TEXT"}},
)
async def resolve(body: ResolveRequest, session: CurrentSession, jobs: JobQueueDep) -> JobAccepted:
    parse_env(body.env)  # malformed references are a 422 now, not a failed job later
    policy.check_config(body.env, "env")
    job = await jobs.enqueue(
        TaskName.SECRETS_RESOLVE, session_hash=session.session_hash, args={"env": body.env}
    )
    return JobAccepted(job_id=job.job_id, status=job.status)
