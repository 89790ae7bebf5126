"""Audit API models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEntryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str
    detail: str | None


class AuditPage(BaseModel):
    entries: list[AuditEntryView]
    next_before_id: int | None
