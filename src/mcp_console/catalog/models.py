"""Table of user-configured (custom) catalog sources.

`scope` is `global` (every user sees it; operators manage it) or `private` (only `owner` sees
and manages it). `owner` is set for private sources only; `created_by` records who added it.
Ids are never handed out twice (AUTOINCREMENT on SQLite, a sequence on PostgreSQL): an id names a
source's cache key, so a reused id could inherit a deleted source's cached catalog."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mcp_console.core.clock import utcnow
from mcp_console.core.db import Base


class CatalogSourceRow(Base):
    __tablename__ = "catalog_sources"
    __table_args__ = (Index("ix_catalog_sources_owner", "owner"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2048))
    created_by: Mapped[str] = mapped_column(String(320))
    scope: Mapped[str] = mapped_column(String(16), default="private", server_default="global")
    owner: Mapped[str | None] = mapped_column(String(320), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
