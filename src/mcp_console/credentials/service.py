"""Encrypts credentials before they reach the database and rotates them to the newest key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.credentials.repository import CredentialRepository


@dataclass(frozen=True)
class CredentialInfo:
    """What may be told about a stored credential without decrypting it."""

    key_id: str | None
    details: dict[str, Any]
    updated_at: datetime


class CredentialService:
    def __init__(self, database: Database, keys: KeyManager) -> None:
        self.database = database
        self.keys = keys

    async def store(
        self,
        owner: str,
        kind: str,
        name: str,
        purpose: str,
        value: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Encrypt with the first key of the purpose's ring; `details` must hold nothing secret."""
        ring = self.keys.ring(purpose)
        ciphertext = ring.encrypt(value)
        async with self.database.sessions.begin() as session:
            await CredentialRepository(session).upsert(
                owner, kind, name, purpose, ciphertext, key_id=ring.key_id, details=details
            )

    async def load(self, owner: str, kind: str, name: str) -> str | None:
        async with self.database.sessions() as session:
            row = await CredentialRepository(session).get(owner, kind, name)
        return None if row is None else self.keys.ring(row.key_purpose).decrypt(row.ciphertext)

    async def describe(self, owner: str, kind: str, name: str) -> CredentialInfo | None:
        async with self.database.sessions() as session:
            row = await CredentialRepository(session).get(owner, kind, name)
        if row is None:
            return None
        return CredentialInfo(row.key_id, dict(row.details or {}), row.updated_at)

    async def delete(self, owner: str, kind: str, name: str) -> bool:
        async with self.database.sessions.begin() as session:
            return await CredentialRepository(session).delete(owner, kind, name)

    async def rotate_all(self) -> int:
        """Re-encrypt every value not yet under the first key of its ring; returns rows changed."""
        changed = 0
        async with self.database.sessions.begin() as session:
            async for row in CredentialRepository(session).iterate_all():
                ring = self.keys.ring(row.key_purpose)
                if row.key_id == ring.key_id:
                    continue
                row.ciphertext, row.key_id = ring.rotate(row.ciphertext), ring.key_id
                changed += 1
        return changed
