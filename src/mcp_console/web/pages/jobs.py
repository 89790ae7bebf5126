"""Jobs: the session's recent background jobs, with cancel. The model for adding a page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from mcp_console.web.api_client import ApiClient, ApiError
from mcp_console.web.deps import Api, Session
from mcp_console.web.render import is_htmx, render

router = APIRouter()

ACTIVE = frozenset({"queued", "running"})


async def _jobs_page(
    request: Request, api: ApiClient, session: str, error: ApiError | None = None
) -> HTMLResponse:
    body: dict[str, Any] = await api.request("GET", "/api/jobs", session_id=session)
    jobs: list[dict[str, Any]] = body.get("jobs", [])
    context = {
        "page_title": "Jobs",
        "nav": "jobs",
        "jobs": jobs,
        "active": ACTIVE,
        "any_active": any(job.get("status") in ACTIVE for job in jobs),
        "error": error,
    }
    return render(request, "jobs.html", context)


@router.get("/jobs", response_class=HTMLResponse)
async def jobs_page(request: Request, api: Api, session: Session) -> HTMLResponse:
    return await _jobs_page(request, api, session)


@router.post("/jobs/{job_id}/cancel")
async def cancel_job(request: Request, job_id: str, api: Api, session: Session) -> Response:
    error: ApiError | None = None
    try:
        await api.request("POST", f"/api/jobs/{quote(job_id, safe='')}/cancel", session_id=session)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        error = exc  # e.g. JOB_ALREADY_FINISHED: shown above the table
    if is_htmx(request) or error is not None:
        return await _jobs_page(request, api, session, error)
    return RedirectResponse("/jobs", status_code=303)
