"""The Official MCP Registry (`GET /v0/servers`, cursor pagination, latest version only).

Both the current camelCase API and the earlier snake_case one are read, since registries that
mirror the API lag behind its schema changes.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from mcp_console.catalog.errors import SourceInvalidError, SourceUnavailableError
from mcp_console.catalog.normalize import (
    MalformedEntryError,
    SourceResult,
    as_dict,
    as_list,
    checked_name,
    collect,
    first_text,
    flag,
    item_id,
    remote_transport,
    text,
)
from mcp_console.catalog.schemas import CatalogItem, EnvTemplate, SecretSpec
from mcp_console.core.ssrf import SafeFetcher

PAGE_LIMIT = 100
PAGE_MAX_BYTES = 10 * 1024 * 1024
OFFICIAL_META = "io.modelcontextprotocol.registry/official"
NOT_CONTAINER = "Published as a {kind} package: not directly installable as a container."


def _version_key(version: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version or "")[:4])


def _unwrap(raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """New API: `{server: {...}, _meta: {...}}`; old API: the server object itself."""
    entry = as_dict(raw)
    server = as_dict(entry.get("server")) or entry
    meta = as_dict(entry.get("_meta")) or as_dict(server.get("_meta"))
    return server, as_dict(meta.get(OFFICIAL_META))


def latest_only(entries: list[Any]) -> list[tuple[str, Any]]:
    """One entry per name: the one flagged latest, else the highest version."""
    best: dict[str, tuple[bool, tuple[int, ...], Any]] = {}
    order: list[str] = []
    for raw in entries:
        server, official = _unwrap(raw)
        name = text(server.get("name")) or f"#malformed-{len(order)}"
        rank = (
            flag(official, "isLatest", "is_latest"),
            _version_key(_version(server)),
            raw,
        )
        if name not in best:
            order.append(name)
            best[name] = rank
        elif rank[:2] > best[name][:2]:
            best[name] = rank
    return [(name, best[name][2]) for name in order]


def _version(server: dict[str, Any]) -> str | None:
    return text(server.get("version")) or text(as_dict(server.get("version_detail")).get("version"))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", name.rsplit("/", 1)[-1].lower()).strip("_") or "server"


def _variables(
    server_slug: str, variables: list[Any]
) -> tuple[list[SecretSpec], list[EnvTemplate], dict[str, Any]]:
    """Secrets, env templates referring to config parameters, and those parameters' schema."""
    secrets, env, properties, required = [], [], {}, []
    for raw in variables:
        var = as_dict(raw)
        name = text(var.get("name"))
        if not name:
            continue
        description = text(var.get("description"))
        is_required = flag(var, "isRequired", "is_required")
        if flag(var, "isSecret", "is_secret"):
            secrets.append(
                SecretSpec(
                    name=f"{server_slug}.{name.lower()}",
                    env=name,
                    description=description,
                    required=is_required,
                )
            )
            continue
        param = name.lower()
        prop: dict[str, Any] = {"type": "string", "description": description or name}
        default = text(var.get("default"))
        if default is not None:
            prop["default"] = default
        properties[param] = prop
        if is_required:
            required.append(param)
        env.append(
            EnvTemplate(
                name=name,
                value=f"{{{{{server_slug}.{param}}}}}",
                description=description,
                required=is_required,
            )
        )
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return secrets, env, schema


def _arguments(package: dict[str, Any], schema: dict[str, Any]) -> None:
    for raw in as_list(package.get("packageArguments")) + as_list(package.get("package_arguments")):
        arg = as_dict(raw)
        name = first_text(arg, "name", "valueHint", "value_hint")
        if name:
            param = name.lstrip("-").replace("-", "_").lower()
            schema["properties"][param] = {
                "type": "string",
                "description": text(arg.get("description")) or name,
                "x-argument": name,
            }


def _image(package: dict[str, Any]) -> str | None:
    identifier = first_text(package, "identifier", "name")
    if identifier is None:
        return None
    version = text(package.get("version"))
    tail = identifier.rsplit("/", 1)[-1]
    if version and ":" not in tail and "@" not in identifier:
        return f"{identifier}:{version}"
    return identifier


def _registry_type(package: dict[str, Any]) -> str | None:
    return first_text(package, "registryType", "registry_type", "registry_name")


def _run_fields(packages: list[dict[str, Any]], remotes: list[dict[str, Any]]) -> dict[str, Any]:
    """How the server runs: an OCI image, else a remote endpoint, else not installable."""
    oci = next((p for p in packages if _registry_type(p) in ("oci", "docker")), None)
    if oci is not None:
        kind = text(as_dict(oci.get("transport")).get("type")) or "stdio"
        transport = "stdio" if kind == "stdio" else remote_transport(kind)
        return {"image": _image(oci), "transport": transport, "installable": True}
    if remotes:
        url = text(remotes[0].get("url"))
        if url is None:
            raise MalformedEntryError("remote without url")
        transport = remote_transport(first_text(remotes[0], "type", "transport_type"))
        return {"transport": transport, "remote_url": url, "installable": True}
    if packages:
        kind = _registry_type(packages[0]) or "non-container"
        return {"installable": False, "install_note": NOT_CONTAINER.format(kind=kind)}
    return {"installable": False, "install_note": "No package or remote endpoint is published."}


def server_to_item(source: str, name: Any, raw: Any) -> CatalogItem:
    server, _official = _unwrap(raw)
    name = checked_name(name)
    packages = [as_dict(p) for p in as_list(server.get("packages"))]
    remotes = [as_dict(r) for r in as_list(server.get("remotes"))]
    fields = _run_fields(packages, remotes)
    oci = [p for p in packages if _registry_type(p) in ("oci", "docker")]
    package = (oci or packages or [{}])[0]
    variables = as_list(package.get("environmentVariables")) + as_list(
        package.get("environment_variables")
    )
    secrets, env, schema = _variables(_slug(name), variables)
    _arguments(package, schema)
    icons = [as_dict(i) for i in as_list(server.get("icons"))]
    repository = text(as_dict(server.get("repository")).get("url"))
    return CatalogItem(
        id=item_id(source, name),
        name=name,
        title=text(server.get("title")) or name.rsplit("/", 1)[-1],
        description=text(server.get("description")) or "",
        source=source,
        icon=text(icons[0].get("src")) if icons else None,
        version=_version(server),
        secrets=secrets,
        env=env,
        config_schema=schema if schema["properties"] else None,
        config_root=_slug(name),
        docs_url=first_text(server, "websiteUrl", "website_url") or repository,
        **fields,
    )


class OfficialRegistrySource:
    key = "official"

    def __init__(self, base_url: str, max_pages: int, fetcher: SafeFetcher) -> None:
        self._base = base_url.rstrip("/")
        self._max_pages = max_pages
        self._fetcher = fetcher

    async def fetch(self) -> SourceResult:
        entries: list[Any] = []
        cursor: str | None = None
        pages = 0
        while pages < self._max_pages:
            page, cursor = await self._page(cursor)
            pages += 1
            entries.extend(page)
            if not cursor:
                break
        latest = latest_only(entries)
        result = collect(self.key, latest, lambda n, e: server_to_item(self.key, n, e))
        result.upstream_requests = pages
        return result

    async def _page(self, cursor: str | None) -> tuple[list[Any], str | None]:
        query = {"limit": str(PAGE_LIMIT), **({"cursor": cursor} if cursor else {})}
        response = await self._fetcher.get(
            f"{self._base}/v0/servers?{urlencode(query)}",
            headers={"Accept": "application/json"},
            accept_types=("application/json",),
            max_bytes=PAGE_MAX_BYTES,
        )
        if response.status != 200:
            raise SourceUnavailableError(self.key, f"HTTP {response.status}")
        try:
            body = as_dict(json.loads(response.body))
        except ValueError:
            raise SourceInvalidError(self.key, "the page is not JSON") from None
        metadata = as_dict(body.get("metadata"))
        next_cursor = first_text(metadata, "nextCursor", "next_cursor")
        return as_list(body.get("servers")), next_cursor
