"""Shared pieces of turning a catalog entry into a `CatalogItem`, whatever its source format.

Each source adapter maps its own field names and then calls these helpers, so the rules (how a
secret, an env template or a tool looks; what counts as malformed; how duplicates collapse) live
in one place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from mcp_console.catalog.schemas import CatalogItem, EnvTemplate, SecretSpec, ToolSummary

logger = logging.getLogger("mcp_console.catalog")

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@-]{0,199}$")
REMOTE_TRANSPORTS = {"streamable-http": "streamable-http", "http": "streamable-http", "sse": "sse"}


class MalformedEntryError(ValueError):
    """An entry that cannot become an item; counted and skipped, never fatal."""


@dataclass
class SourceResult:
    """What one fetch of one source produced."""

    items: list[CatalogItem] = field(default_factory=list)
    skipped: int = 0
    duplicates: int = 0
    upstream_requests: int = 0


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """A non-empty string or None (YAML happily yields numbers and nulls where text is meant)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        stripped = str(value).strip()
        return stripped or None
    return None


def first_text(mapping: dict[str, Any], *keys: str) -> str | None:
    """The first key present, so camelCase and snake_case spellings both work."""
    for key in keys:
        found = text(mapping.get(key))
        if found is not None:
            return found
    return None


def flag(mapping: dict[str, Any], *keys: str, default: bool = False) -> bool:
    for key in keys:
        if isinstance(mapping.get(key), bool):
            return bool(mapping[key])
    return default


def checked_name(value: Any) -> str:
    name = text(value)
    if name is None or not NAME_RE.match(name):
        raise MalformedEntryError("missing or invalid name")
    return name


def secrets_from(entries: Iterable[Any]) -> list[SecretSpec]:
    """Docker-style `[{name, env, description|example}]` secret declarations."""
    secrets = []
    for raw in entries:
        entry = as_dict(raw)
        name, env = text(entry.get("name")), text(entry.get("env"))
        if name and env:
            description = first_text(entry, "description", "example")
            required = flag(entry, "required", default=True)
            secrets.append(
                SecretSpec(name=name, env=env, description=description, required=required)
            )
    return secrets


def env_from(entries: Iterable[Any]) -> list[EnvTemplate]:
    """Docker-style `[{name, value, example, required, default}]` env entries; values may hold
    `{{srv.param}}`. An entry that names its variable under `env:` (a secret-shaped entry
    misplaced under env) sets that variable."""
    env = []
    for raw in entries:
        entry = as_dict(raw)
        name = text(entry.get("env")) or text(entry.get("name"))
        if name:
            env.append(
                EnvTemplate(
                    name=name,
                    value=_raw_text(entry.get("value")),
                    description=first_text(entry, "description", "example"),
                    required=flag(entry, "required"),
                    default=_raw_text(entry.get("default")),
                )
            )
    return env


def _raw_text(value: Any) -> str | None:
    """A scalar as text, unstripped (an env value's spaces are the author's); booleans as
    `true`/`false` as YAML authors mean them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def tools_from(entries: Iterable[Any]) -> list[ToolSummary]:
    tools = []
    for raw in entries:
        entry = as_dict(raw)
        name = text(entry.get("name"))
        if name:
            tools.append(ToolSummary(name=name, description=text(entry.get("description"))))
    return tools


def tags_from(value: Any) -> list[str]:
    return list(dict.fromkeys(t for t in (text(v) for v in as_list(value)) if t))


def remote_transport(value: Any) -> str:
    transport = REMOTE_TRANSPORTS.get((text(value) or "").lower())
    if transport is None:
        raise MalformedEntryError("unknown remote transport")
    return transport


def item_id(source: str, name: str) -> str:
    return f"{source}:{name}"


def collect(
    source: str, entries: Iterable[tuple[str, Any]], convert: Callable[[str, Any], CatalogItem]
) -> SourceResult:
    """Convert every entry; malformed ones are skipped and counted, duplicates collapse."""
    result = SourceResult()
    seen: set[str] = set()
    for key, raw in entries:
        try:
            item = convert(key, raw)
        except (MalformedEntryError, ValidationError, TypeError, AttributeError) as exc:
            result.skipped += 1
            logger.info("catalog entry skipped", extra={"source": source, "reason": str(exc)[:200]})
            continue
        if item.name in seen:
            result.duplicates += 1
            continue
        seen.add(item.name)
        result.items.append(item)
    return result
