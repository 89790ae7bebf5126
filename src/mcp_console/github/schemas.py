"""Request and response models of `/api/github-token`; the token itself only ever comes in."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

# Visible ASCII only: whatever GitHub issues, and nothing that could break the Authorization header.
_TOKEN_SHAPE = re.compile(r"[\x21-\x7e]+")


class GitHubTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    token: SecretStr = Field(
        min_length=1,
        max_length=255,
        description="A GitHub personal access token (fine-grained or classic). Never returned.",
    )

    @field_validator("token")
    @classmethod
    def _visible_ascii(cls, value: SecretStr) -> SecretStr:
        stripped = value.get_secret_value().strip()
        if not _TOKEN_SHAPE.fullmatch(stripped):
            raise ValueError("a GitHub token is one word of visible ASCII characters")
        return SecretStr(stripped)


class GitHubTokenStatus(BaseModel):
    """What is known about the stored token; never the token."""

    configured: bool
    login: str | None = Field(None, description="The GitHub account the token belongs to.")
    scopes: list[str] = Field(
        default_factory=list,
        description="Classic token scopes (`X-OAuth-Scopes`); empty for fine-grained tokens.",
    )
    last_checked: datetime | None = Field(None, description="When GitHub last accepted it.")
