"""Queries for managed container records; callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mcp_console.containers.models import ManagedContainer


class ContainerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_owned(self, container_id: str, owner: str) -> ManagedContainer | None:
        """The record only if `owner` owns it: another user's container does not exist for them."""
        row = await self.session.get(ManagedContainer, container_id)
        return row if row is not None and row.owner == owner else None

    async def list_owned(self, owner: str) -> Sequence[ManagedContainer]:
        query = (
            select(ManagedContainer)
            .where(ManagedContainer.owner == owner)
            .order_by(ManagedContainer.created_at)
        )
        return (await self.session.execute(query)).scalars().all()

    async def name_taken(self, name: str) -> bool:
        query = select(ManagedContainer.id).where(ManagedContainer.name == name)
        return (await self.session.execute(query)).first() is not None

    async def add(self, row: ManagedContainer) -> None:
        self.session.add(row)
        await self.session.flush()

    async def delete(self, row: ManagedContainer) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def set_docker_id(self, container_id: str, docker_id: str) -> None:
        """Point the record at the Docker container that now runs it (after a re-create)."""
        query = (
            update(ManagedContainer)
            .where(ManagedContainer.id == container_id)
            .values(docker_id=docker_id, updated_at=datetime.now(UTC))
        )
        await self.session.execute(query)

    async def replace_config(
        self, container_id: str, owner: str, edited_version: int, config: dict[str, Any]
    ) -> bool:
        """Store `config` as the next version, only if the stored one is still `edited_version`:
        one statement, so of two concurrent edits of the same version exactly one wins."""
        query = (
            update(ManagedContainer)
            .where(
                ManagedContainer.id == container_id,
                ManagedContainer.owner == owner,
                ManagedContainer.config_version == edited_version,
            )
            .values(
                config=config,
                config_version=ManagedContainer.config_version + 1,
                updated_at=datetime.now(UTC),
            )
        )
        result: CursorResult[Any] = await self.session.execute(query)  # type: ignore[assignment]
        return result.rowcount == 1
