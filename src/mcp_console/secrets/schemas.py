"""Request bodies of the secrets routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ResolveRequest(BaseModel):
    """Env-style mapping whose values may hold `{{ bw:<item-id>:<field> }}` references."""

    model_config = ConfigDict(extra="forbid")

    env: dict[str, str] = Field(min_length=1, max_length=200)
