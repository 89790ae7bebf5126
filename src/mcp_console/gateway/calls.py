"""The gateway's call log: who called what through which profile, how long it took and how it
ended. There is no parameter for arguments or results, so they cannot be recorded.

One INSERT per call (its own short transaction). Pruning keeps the newest `keep` rows per owner
(10,000 by default): the transaction writing a row whose id is a multiple of `PRUNE_EVERY` also
deletes its owner's rows beyond the newest `keep`, so the table stays bounded without an extra
query per call (an owner may briefly hold up to about `keep + PRUNE_EVERY` rows).
"""

from __future__ import annotations

import logging
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_console.core.clock import as_utc
from mcp_console.core.db import Database
from mcp_console.core.logging import redactor
from mcp_console.gateway import schemas
from mcp_console.gateway.models import GatewayCallRow
from mcp_console.gateway.tokens import TokenPrincipal

logger = logging.getLogger("mcp_console.gateway.calls")

KEEP_PER_OWNER = 10_000
PRUNE_EVERY = 100
Outcome = Literal["success", "failure"]


class CallLog:
    def __init__(self, database: Database, keep: int = KEEP_PER_OWNER) -> None:
        self._database = database
        self._keep = keep

    async def record(
        self,
        principal: TokenPrincipal,
        *,
        server: str | None,
        method: str,
        name: str | None,
        duration_ms: float,
        outcome: Outcome,
        error_code: str | None,
    ) -> None:
        """Names pass the redactor (a resource URI may carry a query with a credential)."""
        row = GatewayCallRow(
            owner=principal.owner,
            token_name=principal.name,
            profile=principal.profile,
            server=server[:100] if server else None,
            method=method[:64],
            name=redactor.text(name)[:300] if name else None,
            duration_ms=round(duration_ms, 3),
            outcome=outcome,
            error_code=error_code[:64] if error_code else None,
        )
        async with self._database.sessions.begin() as session:
            session.add(row)
            await session.flush()
            if row.id % PRUNE_EVERY == 0:
                await self._prune(principal.owner, session)
        logger.info(
            "gateway call",
            extra={
                "profile": row.profile,
                "token_name": row.token_name,
                "server": row.server,
                "method": row.method,
                "called": row.name,
                "duration_ms": row.duration_ms,
                "outcome": outcome,
                "error_code": row.error_code,
            },
        )

    async def _prune(self, owner: str, session: AsyncSession) -> None:
        oldest_kept = (
            select(GatewayCallRow.id)
            .where(GatewayCallRow.owner == owner)
            .order_by(GatewayCallRow.id.desc())
            .offset(self._keep - 1)
            .limit(1)
        )
        boundary = (await session.execute(oldest_kept)).scalar_one_or_none()
        if boundary is not None:
            await session.execute(
                delete(GatewayCallRow).where(
                    GatewayCallRow.owner == owner, GatewayCallRow.id < boundary
                )
            )

    async def recent(self, owner: str, profile: str, limit: int = 50) -> schemas.GatewayCallList:
        query = (
            select(GatewayCallRow)
            .where(GatewayCallRow.owner == owner, GatewayCallRow.profile == profile)
            .order_by(GatewayCallRow.id.desc())
            .limit(limit)
        )
        async with self._database.sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return schemas.GatewayCallList(
            calls=[
                schemas.GatewayCall(
                    at=as_utc(row.at),
                    token_name=row.token_name,
                    profile=row.profile,
                    server=row.server,
                    method=row.method,
                    name=row.name,
                    duration_ms=row.duration_ms,
                    outcome="success" if row.outcome == "success" else "failure",
                    error_code=row.error_code,
                )
                for row in rows
            ]
        )
