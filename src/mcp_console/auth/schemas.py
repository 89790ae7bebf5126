"""Login/session request and response shapes (field names are a public contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from mcp_console.core.session_ids import SessionHash

# No leading "-": the e-mail is an argument of `bw login` and must never parse as a flag.
_Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s-][^@\s]*@[^@\s]+$")]
_Secret = Annotated[SecretStr, Field(min_length=1, max_length=1024)]


class _LoginBase(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    email: _Email
    master_password: _Secret
    two_step_login_method: int | None = Field(default=None, ge=0, le=10)
    two_step_login_code: SecretStr | None = Field(default=None, max_length=64)


class MasterPasswordLogin(_LoginBase):
    method: Literal["master_password"]


class ApiKeyLogin(_LoginBase):
    method: Literal["api_key"]
    client_id: Annotated[str, Field(min_length=1, max_length=256)]
    client_secret: _Secret


# The discriminator makes a missing field's error name it, e.g. `body.api_key.client_secret`.
LoginRequest = Annotated[MasterPasswordLogin | ApiKeyLogin, Field(discriminator="method")]


class LoginResponse(BaseModel):
    session_id: str
    expires_at: datetime
    user_email: str
    created_at: datetime


class LogoutResponse(BaseModel):
    success: bool
    message: str


class SessionResponse(BaseModel):
    valid: bool
    expires_at: datetime
    session_id: str
    user_email: str
    created_at: datetime
    admin: bool = Field(
        default=False, description="An operator (ADMIN_EMAILS): manages global catalog sources."
    )


@dataclass(frozen=True)
class AuthSession:
    """A valid session as seen by a protected route (never carries the Bitwarden key).

    `session_id` is the bearer token, only ever sent back to its holder; `session_hash` is the
    name everything at rest uses (Redis keys, job records, the CLI data directory)."""

    session_id: str
    session_hash: SessionHash
    user_email: str
    created_at: datetime
    expires_at: datetime
    last_activity: datetime
