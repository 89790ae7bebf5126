"""Table of encrypted credentials. Only ciphertext is stored; the key purpose says which ring and
the key id which key of it encrypted the value (so rotation knows what is left to move). `details`
holds non-secret facts about the value, such as the GitHub login a token belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mcp_console.core.clock import utcnow
from mcp_console.core.db import Base


class StoredCredential(Base):
    __tablename__ = "stored_credentials"
    __table_args__ = (UniqueConstraint("owner", "kind", "name", name="uq_stored_credentials"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    key_purpose: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
