"""`GET /api/audit`: audit entries, newest first, filtered by user/action/target.

A user sees only entries they caused (isolation: another user's container actions are
invisible), and `user` naming anyone else finds nothing. Operators (`ADMIN_EMAILS`) see every
user's entries, since they answer for global catalog sources that anyone may try to change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from mcp_console.audit.schemas import AuditEntryView, AuditPage
from mcp_console.audit.service import AuditService
from mcp_console.auth.deps import CurrentSession
from mcp_console.core.deps import SettingsDep, provided

router = APIRouter(prefix="/api/audit", tags=["audit"])


AuditDep = Annotated[AuditService, Depends(provided(AuditService))]


@router.get("")
async def list_audit(
    session: CurrentSession,
    audit: AuditDep,
    settings: SettingsDep,
    user: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: int | None = None,
) -> AuditPage:
    if settings.is_admin(session.user_email):
        actor = user  # None: every user's entries
    elif user is None or user == session.user_email:
        actor = session.user_email
    else:
        return AuditPage(entries=[], next_before_id=None)
    entries = await audit.search(
        actor=actor, action=action, target=target, limit=limit, before_id=before_id
    )
    views = [AuditEntryView.model_validate(entry) for entry in entries]
    next_before = views[-1].id if len(views) == limit else None
    return AuditPage(entries=views, next_before_id=next_before)
