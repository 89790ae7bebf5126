"""Catalog documents are untrusted input: every source parses them here, within bounds.

- YAML aliases are refused: a 0.5 KB document of nested aliases ("billion laughs") expands to
  tens of MB once serialised, and no real catalog uses them. Anchors alone are harmless.
- Nesting depth is checked on YAML's event stream before the tree is composed (so PyYAML's
  recursive composer never sees a deep document) and after JSON decoding; total entries and
  the size of each entry are counted with an explicit stack, never by recursion or serialising.
- Parsing and normalising run in a worker thread (`DocumentReader.run`), off the event loop, with
  a deadline checked inside the parse and a timeout around it. Without alias expansion, the
  memory a document takes is proportional to its bytes, which `max_document_bytes` caps.

A breach raises 422 `CATALOG_SOURCE_REJECTED` with a `reason`; the loader records it as the
source's failure, so the other sources keep answering.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

from mcp_console.core.errors import AppError
from mcp_console.core.settings import Settings

T = TypeVar("T")
# libyaml's safe loader when PyYAML was built with it (6x faster than the pure-Python one)
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CLOCK_EVERY = 1024  # nodes between two deadline checks
REASON_HINTS = {
    "yaml_alias": "Write the document without YAML aliases (`*name`); repeat the values instead.",
    "too_deep": "Flatten the document; catalog entries need only a few levels of nesting.",
    "too_large": "Point the source at a smaller document, or ask the operator to raise "
    "CATALOG_MAX_DOCUMENT_BYTES.",
    "too_many_items": "Split the catalog, or ask the operator to raise CATALOG_MAX_ITEMS.",
    "item_too_large": "Shorten the entry, or ask the operator to raise CATALOG_MAX_ITEM_BYTES.",
    "parse_timeout": "The document took too long to read; make it smaller or simpler.",
}


class DocumentSyntaxError(ValueError):
    """Not YAML/JSON at all; each source reports it in its own words (invalid source, skipped
    entry), as it did for the plain parsers' ValueError."""


class DocumentRejectedError(AppError):
    """A document (or one of its entries) breaks a limit; the source fails with this reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(
            "CATALOG_SOURCE_REJECTED",
            f"The catalog document was refused: {detail}.",
            status=422,
            hint=REASON_HINTS.get(reason),
            details={"reason": reason},
        )
        self.reason = reason


@dataclass(frozen=True)
class DocumentLimits:
    max_document_bytes: int = 20 * 1024 * 1024
    max_items: int = 10_000
    max_item_bytes: int = 512 * 1024
    max_depth: int = 32
    seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentLimits:
        return cls(
            max_document_bytes=settings.catalog_max_document_bytes,
            max_items=settings.catalog_max_items,
            max_item_bytes=settings.catalog_max_item_bytes,
            max_depth=settings.catalog_max_depth,
            seconds=settings.catalog_parse_timeout_seconds,
        )


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise DocumentRejectedError("parse_timeout", f"parsing took over {self.seconds:g} s")


def _scan_yaml(body: bytes, max_depth: int, deadline: _Deadline) -> None:
    """One pass over libyaml's event stream before anything is built: refuses aliases and
    nesting past `max_depth`, so the composer that runs next never expands or recurses far."""
    depth = 0
    for count, event in enumerate(yaml.parse(body, Loader=FAST_LOADER)):
        if count % CLOCK_EVERY == 0:
            deadline.check()
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise DocumentRejectedError("too_deep", f"nesting deeper than {max_depth} levels")
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, AliasEvent):
            raise DocumentRejectedError(
                "yaml_alias", f"YAML aliases are not accepted (`*{str(event.anchor)[:40]}`)"
            )


class DocumentReader:
    """Bounded parsing for every source; built once from settings (catalog/setup.py)."""

    def __init__(self, limits: DocumentLimits) -> None:
        self.limits = limits

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in a worker thread; past the time budget the source fails. The parse
        checks the same deadline itself, so the thread stops soon after, too."""
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(work, *args), timeout=self.limits.seconds + 1.0
            )
        except TimeoutError:
            raise DocumentRejectedError(
                "parse_timeout", f"parsing took over {self.limits.seconds:g} s"
            ) from None

    def load(self, body: bytes, *, json_only: bool = False) -> Any:
        """YAML or JSON (JSON when it starts with `{`/`[`, or `json_only`), bounded."""
        deadline = _Deadline(self.limits.seconds)
        stripped = body.lstrip()
        try:
            if json_only or stripped[:1] in (b"{", b"["):
                data = json.loads(body)
            else:
                _scan_yaml(body, self.limits.max_depth, deadline)
                data = yaml.load(body, Loader=FAST_LOADER)  # noqa: S506 - a SafeLoader
        except RecursionError:
            raise DocumentRejectedError(
                "too_deep", f"nesting deeper than {self.limits.max_depth} levels"
            ) from None
        except yaml.YAMLError as exc:
            if "nesting depth" in str(exc):  # libyaml's own cap (1000), met before ours
                raise DocumentRejectedError(
                    "too_deep", f"nesting deeper than {self.limits.max_depth} levels"
                ) from None
            raise DocumentSyntaxError("not valid YAML") from None
        except ValueError:
            raise DocumentSyntaxError("not valid JSON") from None
        self.measure(data, "the document", deadline=deadline, max_bytes=None)
        return data

    def check_entries(self, entries: Sized, what: str = "entries") -> None:
        if len(entries) > self.limits.max_items:
            raise DocumentRejectedError(
                "too_many_items", f"{len(entries)} {what}, more than {self.limits.max_items}"
            )

    def check_entry(self, name: str, entry: Any) -> None:
        self.measure(entry, f"entry {name[:80]!r}", max_bytes=self.limits.max_item_bytes)

    def measure(
        self, value: Any, what: str, *, max_bytes: int | None, deadline: _Deadline | None = None
    ) -> None:
        """Depth, and an estimate of the serialised size (text length plus a little per node),
        walked with an explicit stack."""
        stack: list[tuple[Any, int]] = [(value, 1)]
        size = 0
        nodes = 0
        while stack:
            node, depth = stack.pop()
            nodes += 1
            if deadline is not None and nodes % CLOCK_EVERY == 0:
                deadline.check()
            if depth > self.limits.max_depth:
                raise DocumentRejectedError(
                    "too_deep", f"{what} nests deeper than {self.limits.max_depth} levels"
                )
            if isinstance(node, dict):
                size += 2 + sum(len(str(key)) + 4 for key in node)
                stack.extend((child, depth + 1) for child in node.values())
            elif isinstance(node, list):
                size += 2 + len(node)
                stack.extend((child, depth + 1) for child in node)
            else:
                size += len(node) + 2 if isinstance(node, str) else 8
            if max_bytes is not None and size > max_bytes:
                raise DocumentRejectedError(
                    "item_too_large", f"{what} is larger than {max_bytes} bytes"
                )


DEFAULT_READER = DocumentReader(DocumentLimits())
