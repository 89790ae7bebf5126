"""Docker's MCP catalog file: a top-level `registry:` map (YAML v2 or JSON v3)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import yaml

from mcp_console.catalog.errors import SourceInvalidError, SourceUnavailableError
from mcp_console.catalog.normalize import (
    MalformedEntryError,
    SourceResult,
    as_dict,
    as_list,
    checked_name,
    collect,
    env_from,
    first_text,
    flag,
    item_id,
    remote_transport,
    secrets_from,
    tags_from,
    text,
    tools_from,
)
from mcp_console.catalog.schemas import CatalogItem, RunSpec, SecretSpec
from mcp_console.core.ssrf import SafeFetcher

CATALOG_MAX_BYTES = 20 * 1024 * 1024
CATALOG_TYPES = (
    "application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml",
    "application/json", "text/plain", "application/octet-stream",
)  # fmt: skip


def config_schema(value: Any) -> dict[str, Any] | None:
    """Docker's `config: [{name, description, type, properties, required}]` as one JSON schema."""
    blocks = [as_dict(block) for block in as_list(value) if as_dict(block)]
    if not blocks:
        return None
    block = blocks[0]
    properties = as_dict(block.get("properties"))
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    # A required name with no property (proxmox's secret `token_value`) cannot be answered in
    # any form: only declared properties stay required (docs/CATALOG.md).
    required = [name for name in as_list(block.get("required")) if name in properties]
    if required:
        schema["required"] = required
    for combinator in ("anyOf", "oneOf", "allOf"):  # atlassian: Confluence or Jira
        if as_list(block.get(combinator)):
            schema[combinator] = block[combinator]
    description = text(block.get("description"))
    if description:
        schema["description"] = description
    return schema


def _strings(value: Any) -> list[str]:
    return [str(v) for v in as_list(value) if isinstance(v, str | int | float)]


def run_spec(entry: dict[str, Any]) -> RunSpec:
    """`command`, `volumes`, `user`, `disableNetwork` of an entry (top level in Docker's
    catalog file; `server.yaml`'s `run:` block is mapped there by the GitHub source)."""
    command: list[str | list[str]] = []
    for element in as_list(entry.get("command")):
        if isinstance(element, list):
            command.append(_strings(element))
        elif isinstance(element, str | int | float) and not isinstance(element, bool):
            command.append(str(element))
    return RunSpec(
        command=command,
        volumes=_strings(entry.get("volumes")),
        user=text(entry.get("user")),
        disable_network=flag(entry, "disableNetwork", "disable_network"),
    )


def run_env(value: Any) -> list[dict[str, Any]]:
    """A `run.env` map (`{NAME: value}`) as env entries."""
    return [{"name": name, "value": v} for name, v in as_dict(value).items()]


def grouped_secrets(secrets: list[SecretSpec], schema: dict[str, Any] | None) -> list[SecretSpec]:
    """Secrets named `<server>.<object>.<field>`, where `<object>` is an object parameter,
    are alternatives within that object (atlassian: `confluence` or `jira` tokens, either kind):
    one answer per answered object is enough (docs/CATALOG.md)."""
    properties = as_dict(as_dict(schema).get("properties"))
    grouped = []
    for spec in secrets:
        parts = spec.name.split(".")
        parent = as_dict(properties.get(parts[1])) if len(parts) >= 3 else {}
        if parent.get("type") == "object" and spec.alternative_group is None:
            spec = spec.model_copy(update={"alternative_group": parts[1]})
        grouped.append(spec)
    return grouped


def entry_to_item(source: str, name: Any, raw: Any) -> CatalogItem:
    entry = as_dict(raw)
    if not entry:
        raise MalformedEntryError("entry is not a mapping")
    name = checked_name(name)
    meta = as_dict(entry.get("metadata"))
    remote = as_dict(entry.get("remote"))
    image = text(entry.get("image"))
    transport, remote_url = "stdio", None
    if remote:
        transport = remote_transport(remote.get("transport_type"))
        remote_url = text(remote.get("url"))
        if remote_url is None:
            raise MalformedEntryError("remote entry without url")
    installable = image is not None or remote_url is not None
    schema = config_schema(entry.get("config"))
    return CatalogItem(
        id=item_id(source, name),
        name=name,
        title=text(entry.get("title")) or name,
        description=text(entry.get("description")) or "",
        source=source,
        category=text(meta.get("category")),
        tags=tags_from(meta.get("tags")),
        icon=text(entry.get("icon")),
        image=image,
        version=text(entry.get("version")),
        transport=transport,
        remote_url=remote_url,
        installable=installable,
        install_note=None if installable else "No container image or remote URL is published.",
        secrets=grouped_secrets(secrets_from(as_list(entry.get("secrets"))), schema),
        config_schema=schema,
        env=env_from(as_list(entry.get("env"))),
        run=run_spec(entry),
        tools=tools_from(as_list(entry.get("tools"))),
        docs_url=first_text(entry, "readme", "source"),
    )


def parse_catalog(source: str, body: bytes) -> SourceResult:
    """Parse a whole catalog file; a file without a `registry:` map is invalid as a whole."""
    try:
        stripped = body.lstrip()
        data = json.loads(body) if stripped.startswith(b"{") else yaml.safe_load(body)
    except (ValueError, yaml.YAMLError):
        raise SourceInvalidError(source, "not valid YAML or JSON") from None
    registry = as_dict(data).get("registry")
    if not isinstance(registry, dict):
        raise SourceInvalidError(source, "no top-level `registry:` map")
    return collect(source, registry.items(), lambda n, e: entry_to_item(source, n, e))


class DockerCatalogSource:
    """A Docker-format catalog at one URL (Docker's own, or a user's custom catalog)."""

    def __init__(self, key: str, url: str, fetcher: SafeFetcher) -> None:
        self.key = key
        self.url = url
        self._fetcher = fetcher

    async def fetch(self) -> SourceResult:
        response = await self._fetcher.get(
            self.url, accept_types=CATALOG_TYPES, max_bytes=CATALOG_MAX_BYTES
        )
        if response.status != 200:
            raise SourceUnavailableError(self.key, f"HTTP {response.status}")
        # Parsing a whole catalog is CPU work of half a second: off the event loop, where it
        # would stall every other request and Redis call of this process.
        result = await asyncio.to_thread(parse_catalog, self.key, response.body)
        result.upstream_requests = 1
        return result
