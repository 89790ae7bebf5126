"""What the inspector tabs show: a form per tool or prompt with the outcome of its last submit,
and MCP content (tool results, resource contents, prompt messages) as readable blocks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from mcp_console.inspector.schemas import (
    PromptInfo,
    PromptMessages,
    ResourceContents,
    ToolCallResult,
    ToolInfo,
)
from mcp_console.web.api_client import ApiError
from mcp_console.web.schema_forms import FormField, Submission

MAX_BLOCK_CHARS = 20_000


@dataclass(frozen=True)
class Block:
    """One piece of content: text goes into a `<pre>` as is, anything else as indented JSON."""

    kind: Literal["text", "json"]
    label: str
    body: str


@dataclass
class Card:
    """One tool or prompt: its form, and what came back when the user just submitted it."""

    index: int
    info: ToolInfo | PromptInfo
    fields: list[FormField]
    submission: Submission = field(default_factory=Submission)
    blocks: list[Block] | None = None
    is_error: bool = False
    error: ApiError | None = None

    @property
    def name(self) -> str:
        return self.info.name

    def value(self, form_field: FormField) -> str:
        return self.submission.shown(form_field)

    def error_for(self, form_field: FormField) -> str | None:
        """The local check's message, or the API's for that argument."""
        api_fields = self.error.fields if self.error else {}
        return self.submission.errors.get(form_field.name) or api_fields.get(form_field.name)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)[:MAX_BLOCK_CHARS]


def content_block(item: dict[str, Any], label: str | None = None) -> Block:
    """A text item (or a resource with text) as text; images, blobs and the rest as JSON."""
    resource = item.get("resource") if isinstance(item.get("resource"), dict) else None
    source = resource or item
    name = label or str(source.get("uri") or item.get("type") or "content")
    if isinstance(source.get("text"), str):
        return Block("text", name, source["text"][:MAX_BLOCK_CHARS])
    return Block("json", name, pretty(item))


def tool_blocks(result: ToolCallResult) -> list[Block]:
    blocks = [content_block(item) for item in result.content]
    if result.structured_content is not None:
        blocks.append(Block("json", "structured content", pretty(result.structured_content)))
    return blocks


def prompt_blocks(result: PromptMessages) -> list[Block]:
    """One block per message (the server's own JSON), labelled with its role."""
    return [
        content_block(message.get("content") or {}, str(message.get("role") or "message"))
        for message in result.messages
    ]


def resource_blocks(result: ResourceContents) -> list[Block]:
    return [content_block(item) for item in result.contents]
