"""Encrypts credentials before they reach the database and rotates them to the newest key."""

from __future__ import annotations

from mcp_console.core.db import Database
from mcp_console.core.keys import KeyManager
from mcp_console.credentials.repository import CredentialRepository


class CredentialService:
    def __init__(self, database: Database, keys: KeyManager) -> None:
        self.database = database
        self.keys = keys

    async def store(self, owner: str, kind: str, name: str, purpose: str, value: str) -> None:
        ciphertext = self.keys.ring(purpose).encrypt(value)
        async with self.database.sessions.begin() as session:
            await CredentialRepository(session).upsert(owner, kind, name, purpose, ciphertext)

    async def load(self, owner: str, kind: str, name: str) -> str | None:
        async with self.database.sessions() as session:
            row = await CredentialRepository(session).get(owner, kind, name)
        return None if row is None else self.keys.ring(row.key_purpose).decrypt(row.ciphertext)

    async def rotate_all(self) -> int:
        """Re-encrypt every stored value with the first key of its ring; returns rows changed."""
        changed = 0
        async with self.database.sessions.begin() as session:
            async for row in CredentialRepository(session).iterate_all():
                row.ciphertext = self.keys.ring(row.key_purpose).rotate(row.ciphertext)
                changed += 1
        return changed
