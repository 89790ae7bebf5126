"""Queries for stored credentials; callers own the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_console.credentials.models import StoredCredential

ROTATION_BATCH = 200


class CredentialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, owner: str, kind: str, name: str) -> StoredCredential | None:
        result = await self.session.execute(
            select(StoredCredential).where(
                StoredCredential.owner == owner,
                StoredCredential.kind == kind,
                StoredCredential.name == name,
            )
        )
        return result.scalar_one_or_none()

    async def upsert(
        self,
        owner: str,
        kind: str,
        name: str,
        key_purpose: str,
        ciphertext: str,
        *,
        key_id: str,
        details: dict[str, Any] | None = None,
    ) -> StoredCredential:
        row = await self.get(owner, kind, name)
        if row is None:
            row = StoredCredential(owner=owner, kind=kind, name=name)
            self.session.add(row)
        row.key_purpose, row.key_id, row.ciphertext = key_purpose, key_id, ciphertext
        row.details = details
        await self.session.flush()
        return row

    async def delete(self, owner: str, kind: str, name: str) -> bool:
        row = await self.get(owner, kind, name)
        if row is None:
            return False
        await self.session.delete(row)
        await self.session.flush()
        return True

    async def iterate_all(self) -> AsyncIterator[StoredCredential]:
        """Every row, in id order and in batches, so rotation never loads the whole table."""
        last_id = 0
        while True:
            result = await self.session.execute(
                select(StoredCredential)
                .where(StoredCredential.id > last_id)
                .order_by(StoredCredential.id)
                .limit(ROTATION_BATCH)
            )
            rows = list(result.scalars())
            if not rows:
                return
            for row in rows:
                yield row
            last_id = rows[-1].id
