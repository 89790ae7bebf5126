"""Job records as clients see them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]
FINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


class JobError(BaseModel):
    code: str
    message: str


class JobProgress(BaseModel):
    percent: int = Field(ge=0, le=100)
    message: str = ""


class JobView(BaseModel):
    job_id: str
    task: str
    status: JobState
    queued_at: str
    started_at: str | None = None
    finished_at: str | None = None
    attempt: int = 0
    progress: JobProgress = JobProgress(percent=0)
    result: dict[str, Any] | None = None
    error: JobError | None = None


class JobList(BaseModel):
    jobs: list[JobView]


class JobAccepted(BaseModel):
    job_id: str
    status: JobState = "queued"
