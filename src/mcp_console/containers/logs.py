"""Log stream options shared by the WebSocket and SSE routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mcp_console.containers.validation import invalid_fields


class LogQuery(BaseModel):
    """`tail`: last N lines or `all`; `since`: unix seconds or ISO 8601; `follow`: keep open."""

    model_config = ConfigDict(extra="forbid")

    tail: str = Field(default="all", max_length=12)
    since: str | None = Field(default=None, max_length=40)
    follow: bool = True

    @field_validator("tail")
    @classmethod
    def _tail(cls, value: str) -> str:
        if value != "all" and not value.isdigit():
            raise ValueError("a number of lines or `all`")
        return value


def _since_seconds(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_fields([("since", "unix seconds or an ISO 8601 time")]) from None
    return parsed.timestamp()


def parse_log_query(query: LogQuery) -> dict[str, Any]:
    since = _since_seconds(query.since) if query.since else None
    return {"tail": query.tail, "since": since, "follow": query.follow}
