"""Queries for custom catalog sources; callers own the transaction."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_console.catalog.models import CatalogSourceRow

GLOBAL, PRIVATE = "global", "private"


class CatalogSourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_visible(self, email: str) -> list[CatalogSourceRow]:
        """Global sources and the private sources `email` owns, oldest first."""
        visible = or_(CatalogSourceRow.scope == GLOBAL, CatalogSourceRow.owner == email)
        query = select(CatalogSourceRow).where(visible).order_by(CatalogSourceRow.id)
        return list((await self.session.execute(query)).scalars())

    async def count_private(self, owner: str) -> int:
        query = select(func.count()).where(
            CatalogSourceRow.scope == PRIVATE, CatalogSourceRow.owner == owner
        )
        return int((await self.session.execute(query)).scalar_one())

    async def get(self, source_id: int) -> CatalogSourceRow | None:
        return await self.session.get(CatalogSourceRow, source_id)

    async def add(self, name: str, url: str, created_by: str, scope: str) -> CatalogSourceRow:
        owner = created_by if scope == PRIVATE else None
        row = CatalogSourceRow(name=name, url=url, created_by=created_by, scope=scope, owner=owner)
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, row: CatalogSourceRow) -> None:
        await self.session.delete(row)
        await self.session.flush()
