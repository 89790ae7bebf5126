"""Queries for custom catalog sources; callers own the transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_console.catalog.models import CatalogSourceRow


class CatalogSourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self) -> list[CatalogSourceRow]:
        result = await self.session.execute(select(CatalogSourceRow).order_by(CatalogSourceRow.id))
        return list(result.scalars())

    async def get(self, source_id: int) -> CatalogSourceRow | None:
        return await self.session.get(CatalogSourceRow, source_id)

    async def add(self, name: str, url: str, created_by: str) -> CatalogSourceRow:
        row = CatalogSourceRow(name=name, url=url, created_by=created_by)
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete(self, row: CatalogSourceRow) -> None:
        await self.session.delete(row)
        await self.session.flush()
