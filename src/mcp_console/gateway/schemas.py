"""Request and response models of the gateway API (docs/GATEWAY.md has the rules behind them).

A profile is configuration only: which of the owner's servers it exposes, and per server a tool
allow-list (`tools: null` = all) and an optional prefix (`<prefix>_<tool>`). Tokens are shown
once, at creation; afterwards only their metadata.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
TOOL_NAME_MAX = 128
MAX_SERVERS = 100
MAX_TOOLS_PER_SERVER = 500
DEFAULT_PROFILE = "default"
# What client snippets hold instead of a token (GET .../client-config). The web page replaces it
# with the token it was just shown (POST /api/gateway/tokens), in the browser only.
TOKEN_PLACEHOLDER = "<YOUR_MCPGW_TOKEN>"  # noqa: S105 - a placeholder, not a secret
ClientKind = Literal["claude-code", "claude-desktop", "cursor", "vscode", "windsurf", "generic"]
ServerKind = Literal["container", "remote"]


def check_profile_name(value: str) -> str:
    if not PROFILE_NAME.match(value):
        raise ValueError(
            "a profile name is 1-63 characters: lower-case letters, digits, '-' and '_', "
            "starting with a letter or digit"
        )
    return value


class ProfileServer(BaseModel):
    """One server of a profile. `server_id` is a managed container's id (remote servers later)."""

    model_config = ConfigDict(extra="forbid")

    kind: ServerKind = "container"
    server_id: str = Field(min_length=1, max_length=64)
    enabled: bool = True
    tools: list[str] | None = Field(
        default=None,
        max_length=MAX_TOOLS_PER_SERVER,
        description="Tool allow-list; null exposes every tool the server lists.",
    )
    prefix: str | None = Field(
        default=None, description="Exposed names become `<prefix>_<name>` (tools and prompts)."
    )

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is not None and not PREFIX.match(value):
            raise ValueError(
                "a prefix is 1-32 characters: letters, digits, '-' and '_', starting with a letter"
            )
        return value

    @field_validator("tools")
    @classmethod
    def _tools(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for name in value:
            if not 0 < len(name) <= TOOL_NAME_MAX:
                raise ValueError(f"tool names are 1-{TOOL_NAME_MAX} characters")
        if len(set(value)) != len(value):
            raise ValueError("a tool is listed twice")
        return value


class ProfileBody(BaseModel):
    """What a client writes: the editable part of a profile."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(default="", max_length=500)
    servers: list[ProfileServer] = Field(default_factory=list, max_length=MAX_SERVERS)

    @field_validator("servers")
    @classmethod
    def _unique_servers(cls, value: list[ProfileServer]) -> list[ProfileServer]:
        keys = [(server.kind, server.server_id) for server in value]
        if len(set(keys)) != len(keys):
            raise ValueError("a server is listed twice")
        return value


class ProfileCreate(ProfileBody):
    name: str

    _name = field_validator("name")(classmethod(lambda cls, value: check_profile_name(value)))


class ProfileUpdate(ProfileBody):
    version: int = Field(ge=1, description="The version this edit started from (409 if stale).")


class ProfileDraft(ProfileBody):
    """What `/validate` checks: a body as POST or PUT would carry it; `name` and `version` are
    optional here (a draft of a new profile, or an edit of a known version)."""

    name: str | None = None
    version: int | None = Field(default=None, ge=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else check_profile_name(value)


class Profile(ProfileBody):
    name: str
    version: int
    created_at: datetime
    updated_at: datetime
    endpoint: str = Field(description="The profile's MCP endpoint, from PUBLIC_URL.")


class RestoredProfile(Profile):
    dropped_servers: list[str] = Field(
        default_factory=list,
        description="Servers of the restored version that are no longer among your containers "
        "(deleted since): left out of the new version.",
    )


class ProfileSummary(BaseModel):
    name: str
    version: int
    description: str
    servers: int
    enabled_servers: int
    updated_at: datetime


class ProfileList(BaseModel):
    profiles: list[ProfileSummary]


class ProfileVersion(BaseModel):
    version: int
    saved_at: datetime
    servers: int


class ProfileVersionList(BaseModel):
    name: str
    current_version: int
    versions: list[ProfileVersion]


class ValidationProblem(BaseModel):
    """One problem of a profile. `path` points into the document (`servers.1.tools.0`)."""

    code: Literal[
        "SCHEMA",
        "SECRET_IN_PLAIN_TEXT",
        "UNKNOWN_SERVER",
        "UNKNOWN_TOOL",
        "NAME_COLLISION",
        "SERVER_UNREACHABLE",
    ]
    path: str
    message: str
    servers: list[str] = Field(default_factory=list)


class ValidationReport(BaseModel):
    valid: bool
    problems: list[ValidationProblem]


class ExposedTool(BaseModel):
    """A tool as a gateway client sees it, and where it comes from."""

    name: str
    server_id: str
    server_name: str
    tool: str
    description: str | None = None


class ProfileServerStatus(BaseModel):
    """A profile server's live state, for the Gateway page (tools from its live list)."""

    kind: ServerKind
    server_id: str
    server_name: str
    state: str
    enabled: bool
    prefix: str | None
    available_tools: list[str] | None = Field(
        default=None, description="Null when the server is not running (no live list)."
    )
    selected_tools: list[str] | None


class ProfileStatus(BaseModel):
    name: str
    version: int
    servers: list[ProfileServerStatus]
    exposed_tools: list[ExposedTool]


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    profile: str
    expires_at: datetime | None = Field(default=None, description="UTC; omitted = never expires.")

    _profile = field_validator("profile")(classmethod(lambda cls, value: check_profile_name(value)))


class TokenInfo(BaseModel):
    id: str
    name: str
    profile: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    expired: bool


class TokenCreated(TokenInfo):
    token: str = Field(description="Shown once; only a keyed hash is stored.")


class TokenList(BaseModel):
    tokens: list[TokenInfo]


class ClientConfig(BaseModel):
    """A ready-to-paste client configuration. The API never puts a token in it: the snippet
    holds `TOKEN_PLACEHOLDER` and `token_placeholder` is true; a client that has just created
    a token may substitute it (the web page does, in the browser) and set it false."""

    client: ClientKind
    profile: str
    url: str
    format: Literal["shell", "json"]
    path_hint: str | None = Field(
        default=None, description="Where the client reads this file, when it is a file."
    )
    snippet: str
    token_placeholder: bool


class GatewayCall(BaseModel):
    """One call through the gateway: never its arguments or results."""

    at: datetime
    token_name: str
    profile: str
    server: str | None
    method: str
    name: str | None = Field(default=None, description="Tool, prompt or resource URI.")
    duration_ms: float
    outcome: Literal["success", "failure"]
    error_code: str | None = None


class GatewayCallList(BaseModel):
    calls: list[GatewayCall]
