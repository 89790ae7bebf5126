"""Request and response models of the inspector.

MCP objects that the console only shows (input schemas, content blocks, prompt messages) stay
plain JSON as the server sent them; the console adds no meaning to them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, HttpUrl

JsonObject = dict[str, Any]


class CapabilityFlags(BaseModel):
    """What the server said it supports, as booleans a UI can show directly."""

    tools: bool = False
    resources: bool = False
    prompts: bool = False
    logging: bool = False
    completions: bool = False
    resource_subscribe: bool = False
    tools_list_changed: bool = False
    resources_list_changed: bool = False
    prompts_list_changed: bool = False


class ServerCapabilities(BaseModel):
    server_name: str
    server_version: str
    server_title: str | None = None
    protocol_version: str
    instructions: str | None = None
    capabilities: CapabilityFlags
    raw_capabilities: JsonObject = Field(default_factory=dict)


class ToolInfo(BaseModel):
    name: str
    title: str | None = None
    description: str | None = None
    input_schema: JsonObject
    output_schema: JsonObject | None = None
    annotations: JsonObject | None = None


class ResourceInfo(BaseModel):
    uri: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None
    size: int | None = None


class PromptArgument(BaseModel):
    name: str
    description: str | None = None
    required: bool = False


class PromptInfo(BaseModel):
    name: str
    title: str | None = None
    description: str | None = None
    arguments: list[PromptArgument] = Field(default_factory=list)


class ToolList(BaseModel):
    """Every tool: the pagination cursors were followed to the end (`pages` were fetched)."""

    tools: list[ToolInfo]
    pages: int


class ResourceList(BaseModel):
    resources: list[ResourceInfo]
    pages: int


class PromptList(BaseModel):
    prompts: list[PromptInfo]
    pages: int


class ToolCallRequest(BaseModel):
    arguments: JsonObject = Field(default_factory=dict)


class ToolCallResult(BaseModel):
    """The server's answer; a tool that failed answers `is_error: true` here, not an HTTP error."""

    tool: str
    is_error: bool
    content: list[JsonObject]
    structured_content: JsonObject | None = None
    truncated: bool = Field(
        default=False,
        description="The result was over MCP_MAX_RESULT_BYTES: content was cut to what fits and "
        "ends with a text block saying so; structured_content was dropped.",
    )


class ResourceContents(BaseModel):
    uri: str
    contents: list[JsonObject]
    truncated: bool = Field(
        default=False,
        description="The contents were over MCP_MAX_RESULT_BYTES: cut to what fits, with a "
        "final text part saying so.",
    )


class PromptGetRequest(BaseModel):
    arguments: dict[str, str] = Field(default_factory=dict)


class PromptMessages(BaseModel):
    name: str
    description: str | None = None
    messages: list[JsonObject]


class RemoteServer(BaseModel):
    """A remote MCP endpoint, reached only through the SSRF-safe client."""

    url: HttpUrl
    transport: Literal["streamable_http", "sse"] = "streamable_http"
