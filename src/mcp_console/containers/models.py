"""The persisted config of a managed container. Env values are plain text or `{{ bw:... }}`
references; a resolved secret value never reaches this table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mcp_console.core.clock import utcnow
from mcp_console.core.db import Base


class ManagedContainer(Base):
    __tablename__ = "managed_containers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    server_name: Mapped[str | None] = mapped_column(String(200))
    catalog_source: Mapped[str | None] = mapped_column(String(100))
    catalog_item: Mapped[str | None] = mapped_column(String(300))
    docker_id: Mapped[str | None] = mapped_column(String(80))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    config_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
