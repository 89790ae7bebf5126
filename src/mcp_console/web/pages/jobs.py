"""Jobs: the session's recent background jobs, with cancel, and one job's live progress page.
The list is the model for adding a page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from mcp_console.core.task_names import TaskName
from mcp_console.jobs.schemas import JobView
from mcp_console.web.api_client import ApiClient, ApiError
from mcp_console.web.deps import Api, Session
from mcp_console.web.pages.catalog import item_url
from mcp_console.web.render import is_htmx, render

router = APIRouter()

ACTIVE = frozenset({"queued", "running"})
TASK_LABELS: dict[str, str] = {
    TaskName.CONTAINERS_INSTALL: "Install a server",
    TaskName.SECRETS_RESOLVE: "Resolve secrets",
}


def job_url(job_id: str, item_id: str | None = None) -> str:
    """The progress page; an install names its catalog item, which the job does not tell, so a
    failed install can link back to its form."""
    query = f"?{urlencode({'item': item_id})}" if item_id else ""
    return f"/jobs/{quote(job_id, safe='')}{query}"


def go_to(request: Request, url: str) -> Response:
    """Another page: htmx follows `HX-Redirect` with a full load, a browser a 303."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _container_of(job: JobView) -> str | None:
    """The container a succeeded job created, if it created one (a task's result is its own
    JSON)."""
    result = job.result or {}
    container_id = result.get("container_id") if job.status == "succeeded" else None
    return str(container_id) if container_id else None


async def _jobs_page(
    request: Request, api: ApiClient, session: str, error: ApiError | None = None
) -> HTMLResponse:
    jobs = await api.list_jobs(session)
    context = {
        "page_title": "Jobs",
        "nav": "jobs",
        "jobs": jobs,
        "active": ACTIVE,
        "any_active": any(job.status in ACTIVE for job in jobs),
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
        await api.cancel_job(session, job_id)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        error = exc  # e.g. JOB_ALREADY_FINISHED: shown above the table
    if is_htmx(request) or error is not None:
        return await _jobs_page(request, api, session, error)
    return RedirectResponse("/jobs", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(
    request: Request, job_id: str, api: Api, session: Session, item: str = ""
) -> Response:
    try:
        job = await api.job(session, job_id)
    except ApiError as exc:
        if exc.code != "JOB_NOT_FOUND":
            raise
        return render(request, "job.html", {"page_title": "Job not found", "job": None}, 404)
    container_id = _container_of(job)
    container_url = f"/containers/{quote(container_id, safe='')}" if container_id else None
    if container_url and is_htmx(request):
        return go_to(request, container_url)  # the poll saw the install finish: land there
    task = job.task
    install = task == TaskName.CONTAINERS_INSTALL
    context: dict[str, Any] = {
        "page_title": TASK_LABELS.get(task, task),
        "nav": "jobs",
        "job": job,
        "active": job.status in ACTIVE,
        "poll_url": job_url(job_id, item or None),
        "container_url": container_url,
        "retry_url": f"{item_url(item)}/install" if install and item else None,
        "install": install,
    }
    return render(request, "job.html", context)
