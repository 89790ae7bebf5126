"""Queries for gateway profiles, their saved versions and client tokens; callers own the
transaction (one unit of work per service call)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_console.core.clock import utcnow
from mcp_console.gateway.models import GatewayProfileRow, GatewayProfileVersionRow, GatewayTokenRow


def _changed(result: Any) -> int:
    cursor: CursorResult[Any] = result
    return cursor.rowcount


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, owner: str, name: str) -> GatewayProfileRow | None:
        query = select(GatewayProfileRow).where(
            GatewayProfileRow.owner == owner, GatewayProfileRow.name == name
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list_owned(self, owner: str) -> Sequence[GatewayProfileRow]:
        query = (
            select(GatewayProfileRow)
            .where(GatewayProfileRow.owner == owner)
            .order_by(GatewayProfileRow.name)
        )
        return (await self.session.execute(query)).scalars().all()

    async def add(self, row: GatewayProfileRow) -> None:
        """IntegrityError when the owner has a profile of that name already."""
        self.session.add(row)
        await self.session.flush()

    async def replace(
        self, owner: str, name: str, edited_version: int, document: dict[str, Any]
    ) -> bool:
        """Store `document` as the next version only if the stored one is still
        `edited_version`: one statement, so of two concurrent edits exactly one wins."""
        query = (
            update(GatewayProfileRow)
            .where(
                GatewayProfileRow.owner == owner,
                GatewayProfileRow.name == name,
                GatewayProfileRow.version == edited_version,
            )
            .values(document=document, version=edited_version + 1, updated_at=utcnow())
        )
        return _changed(await self.session.execute(query)) == 1

    async def delete(self, owner: str, name: str) -> bool:
        """Removes the profile and its saved versions."""
        await self.session.execute(
            delete(GatewayProfileVersionRow).where(
                GatewayProfileVersionRow.owner == owner, GatewayProfileVersionRow.name == name
            )
        )
        query = delete(GatewayProfileRow).where(
            GatewayProfileRow.owner == owner, GatewayProfileRow.name == name
        )
        return _changed(await self.session.execute(query)) == 1

    async def keep_version(
        self, owner: str, name: str, version: int, document: dict[str, Any], keep: int
    ) -> None:
        """Save `document` (version `version`) and drop all but the newest `keep` saved ones."""
        self.session.add(
            GatewayProfileVersionRow(owner=owner, name=name, version=version, document=document)
        )
        await self.session.flush()
        older = (
            select(GatewayProfileVersionRow.id)
            .where(GatewayProfileVersionRow.owner == owner, GatewayProfileVersionRow.name == name)
            .order_by(GatewayProfileVersionRow.version.desc())
            .offset(keep)
        )
        stale = list((await self.session.execute(older)).scalars())
        if stale:
            await self.session.execute(
                delete(GatewayProfileVersionRow).where(GatewayProfileVersionRow.id.in_(stale))
            )

    async def versions(self, owner: str, name: str) -> Sequence[GatewayProfileVersionRow]:
        query = (
            select(GatewayProfileVersionRow)
            .where(GatewayProfileVersionRow.owner == owner, GatewayProfileVersionRow.name == name)
            .order_by(GatewayProfileVersionRow.version.desc())
        )
        return (await self.session.execute(query)).scalars().all()

    async def version(self, owner: str, name: str, version: int) -> GatewayProfileVersionRow | None:
        query = select(GatewayProfileVersionRow).where(
            GatewayProfileVersionRow.owner == owner,
            GatewayProfileVersionRow.name == name,
            GatewayProfileVersionRow.version == version,
        )
        return (await self.session.execute(query)).scalar_one_or_none()


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: GatewayTokenRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def list_owned(self, owner: str) -> Sequence[GatewayTokenRow]:
        query = (
            select(GatewayTokenRow)
            .where(GatewayTokenRow.owner == owner)
            .order_by(GatewayTokenRow.created_at.desc())
        )
        return (await self.session.execute(query)).scalars().all()

    async def delete(self, owner: str, token_id: str) -> bool:
        query = delete(GatewayTokenRow).where(
            GatewayTokenRow.owner == owner, GatewayTokenRow.id == token_id
        )
        return _changed(await self.session.execute(query)) == 1

    async def delete_for_profile(self, owner: str, profile: str) -> None:
        await self.session.execute(
            delete(GatewayTokenRow).where(
                GatewayTokenRow.owner == owner, GatewayTokenRow.profile == profile
            )
        )

    async def find(self, hashes: list[str]) -> GatewayTokenRow | None:
        query = select(GatewayTokenRow).where(GatewayTokenRow.token_hash.in_(hashes))
        return (await self.session.execute(query)).scalars().first()

    async def touch(
        self, token_id: str, at: datetime, not_since: datetime, rehash: tuple[str, str] | None
    ) -> None:
        """Record a use unless one after `not_since` is recorded already (by another replica).
        `rehash` (`(key_id, token_hash)`) moves the stored hash to the ring's current key."""
        query = update(GatewayTokenRow).where(GatewayTokenRow.id == token_id)
        if rehash is None:
            query = query.where(
                GatewayTokenRow.last_used_at.is_(None) | (GatewayTokenRow.last_used_at < not_since)
            ).values(last_used_at=at)
        else:
            query = query.values(last_used_at=at, key_id=rehash[0], token_hash=rehash[1])
        await self.session.execute(query)
