"""Writes audit entries in their own transaction, so a failed action is still recorded.

Only codes go into `detail` (e.g. `IMAGE_NOT_AVAILABLE`), never messages that might quote input;
the text is also passed through the redactor as a last guard.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from mcp_console.audit.models import AuditEntry
from mcp_console.audit.repository import AuditRepository
from mcp_console.core.db import Database
from mcp_console.core.logging import redactor

logger = logging.getLogger("mcp_console.audit")

SUCCESS = "success"
FAILURE = "failure"


class AuditService:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(
        self, actor: str, action: str, target: str, outcome: str, detail: str | None = None
    ) -> None:
        entry = AuditEntry(
            actor=actor,
            action=action,
            target=redactor.text(target)[:300],
            outcome=outcome,
            detail=redactor.text(detail)[:500] if detail else None,
        )
        async with self._database.sessions.begin() as session:
            AuditRepository(session).add(entry)
        logger.info(
            "audit",
            extra={
                "actor": actor,
                "action": action,
                "target": entry.target,
                "outcome": outcome,
                "detail": entry.detail,
            },
        )

    async def search(
        self,
        *,
        actor: str | None,
        action: str | None,
        target: str | None,
        limit: int,
        before_id: int | None,
    ) -> Sequence[AuditEntry]:
        async with self._database.sessions() as session:
            return await AuditRepository(session).search(
                actor=actor, action=action, target=target, limit=limit, before_id=before_id
            )
