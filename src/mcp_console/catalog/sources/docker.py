"""Docker's MCP catalog file: a top-level `registry:` map (YAML v2 or JSON v3)."""

from __future__ import annotations

import re
from typing import Any

from mcp_console.catalog.documents import DEFAULT_READER, DocumentReader, DocumentRejectedError
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
from mcp_console.catalog.schemas import (
    CatalogItem,
    EnvTemplate,
    PackageArgument,
    RemoteSpec,
    RunSpec,
    SecretSpec,
)
from mcp_console.catalog.sources.official import REMOTE_ONLY
from mcp_console.core.env_rules import LOADER_REASON, is_loader_variable
from mcp_console.core.json_schema import SchemaRefRefusedError, outside_refs
from mcp_console.core.ssrf import ResponseRejectedError, SafeFetcher

CATALOG_TYPES = (
    "application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml",
    "application/json", "text/plain", "application/octet-stream",
)  # fmt: skip


SCHEMA_KEYWORDS = (
    "$defs", "definitions", "anyOf", "oneOf", "allOf", "not", "if", "then", "else",
    "additionalProperties", "patternProperties", "propertyNames", "unevaluatedProperties",
    "minProperties", "maxProperties", "dependentRequired", "dependentSchemas", "dependencies",
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
    # the block's other JSON-schema keywords apply as written (atlassian's `anyOf`: Confluence
    # or Jira); `$defs`/`definitions` keep in-document `$ref`s resolvable
    schema |= {key: block[key] for key in SCHEMA_KEYWORDS if key in block}
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


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TERM_PATH = re.compile(r"\{\{\s*([A-Za-z0-9_.-]+)")


def _secret_shaped(raw: Any) -> bool:
    """An env entry in the secrets shape: `name: uberall.access_token`, `env: UBERALL_...`, no
    value or default. Its name is not an env name, so it declares a secret (docs/CATALOG.md)."""
    entry = as_dict(raw)
    name, env = text(entry.get("name")), text(entry.get("env"))
    unset = entry.get("value") is None and entry.get("default") is None
    return name is not None and env is not None and not _ENV_NAME.match(name) and unset


def split_env(entries: list[Any]) -> tuple[list[Any], list[Any]]:
    """Env entries, and the secret declarations among them (required only when they say so,
    as env entries are)."""
    secrets = [{**e, "required": flag(e, "required")} for e in entries if _secret_shaped(e)]
    return [e for e in entries if not _secret_shaped(e)], secrets


def _read_parameters(entry: dict[str, Any], env: list[Any]) -> set[str]:
    """Every parameter name some template of the entry reads (`{{srv.name...}}` -> `name`)."""
    texts = [str(v) for e in env for v in as_dict(e).values()]
    texts += [str(v) for key in ("command", "volumes") for v in as_list(entry.get(key))]
    texts += [str(entry.get("user") or "")]
    return {
        segment for t in texts for path in _TERM_PATH.findall(t) for segment in path.split(".")[1:]
    }


def _key(name: str) -> str:
    return re.sub(r"[.-]", "_", name.lower())


def without_secret_duplicates(
    schema: dict[str, Any] | None, secrets: list[SecretSpec], read: set[str]
) -> dict[str, Any] | None:
    """A parameter no template reads whose name repeats a declared secret's (uberall's
    `uberall_access_token` beside the secret `uberall.access_token`) is the secret itself,
    declared twice: it is neither offered nor demanded, the secret answers it."""
    properties = as_dict(as_dict(schema).get("properties"))
    secret_keys = {_key(s.name) for s in secrets} | {_key(s.env) for s in secrets}
    duplicates = {n for n in properties if n not in read and _key(n) in secret_keys}
    if schema is None or not duplicates:
        return schema
    kept = dict(schema, properties={n: p for n, p in properties.items() if n not in duplicates})
    required = [n for n in as_list(schema.get("required")) if n not in duplicates]
    if required:
        kept["required"] = required
    else:
        kept.pop("required", None)
    return kept


def docker_remote(remote: dict[str, Any], transport: str, url: str) -> RemoteSpec:
    """`remote: {url, transport_type, headers: {Name: value}}`; a header whose value names a
    variable (`Bearer ${API_KEY}`, set from a secret) is secret."""
    headers = [
        PackageArgument(kind="named", name=str(header), value=value, secret="$" in value)
        for header, value in ((h, text(v)) for h, v in as_dict(remote.get("headers")).items())
        if value is not None
    ]
    return RemoteSpec(transport=transport, url=url, headers=headers)


def _refusal(schema: dict[str, Any] | None, env: list[EnvTemplate]) -> str | None:
    """Why an entry with an image still cannot be installed: a schema `$ref` outside itself,
    or an env variable that changes how programs load code (docs/SECURITY.md)."""
    outside_ref = next(outside_refs(schema), None)
    if outside_ref is not None:
        return SchemaRefRefusedError(outside_ref).message
    loader = next((e.name for e in env if is_loader_variable(e.name)), None)
    if loader is not None:
        return f"The entry sets {loader}, which {LOADER_REASON}."
    return None


def _install_note(image: str | None, remote_url: str | None, refusal: str | None) -> str | None:
    if image is not None:
        return refusal
    if remote_url is not None:
        return REMOTE_ONLY.format(url=remote_url)
    return "No container image is published."


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
    # a remote (no image) is registered separately, not installed as a container (docs/CATALOG.md)
    env, env_secrets = split_env(as_list(entry.get("env")))
    secrets = secrets_from([*as_list(entry.get("secrets")), *env_secrets])
    schema = without_secret_duplicates(
        config_schema(entry.get("config")), secrets, _read_parameters(entry, env)
    )
    item_env = env_from(env)
    refusal = _refusal(schema, item_env)
    installable = image is not None and refusal is None
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
        install_note=_install_note(image, remote_url, refusal),
        secrets=grouped_secrets(secrets, schema),
        config_schema=schema,
        env=item_env,
        run=run_spec(entry),
        remotes=[docker_remote(remote, transport, remote_url)] if remote_url else [],
        tools=tools_from(as_list(entry.get("tools"))),
        docs_url=first_text(entry, "readme", "source"),
    )


def parse_catalog(
    source: str, body: bytes, reader: DocumentReader = DEFAULT_READER
) -> SourceResult:
    """Parse a whole catalog file within the reader's limits (`catalog/documents.py`); a file
    without a `registry:` map is invalid as a whole."""
    try:
        data = reader.load(body)
    except ValueError:
        raise SourceInvalidError(source, "not valid YAML or JSON") from None
    registry = as_dict(data).get("registry")
    if not isinstance(registry, dict):
        raise SourceInvalidError(source, "no top-level `registry:` map")
    reader.check_entries(registry)
    for name, entry in registry.items():
        reader.check_entry(str(name), entry)
    return collect(source, registry.items(), lambda n, e: entry_to_item(source, n, e))


class DockerCatalogSource:
    """A Docker-format catalog at one URL (Docker's own, or a user's custom catalog)."""

    def __init__(
        self, key: str, url: str, fetcher: SafeFetcher, reader: DocumentReader = DEFAULT_READER
    ) -> None:
        self.key = key
        self.url = url
        self._fetcher = fetcher
        self._reader = reader

    async def fetch(self) -> SourceResult:
        limit = self._reader.limits.max_document_bytes
        try:
            response = await self._fetcher.get(
                self.url, accept_types=CATALOG_TYPES, max_bytes=limit
            )
        except ResponseRejectedError as exc:
            if exc.reason != "response_too_large":
                raise
            raise DocumentRejectedError("too_large", f"larger than {limit} bytes") from None
        if response.status != 200:
            raise SourceUnavailableError(self.key, f"HTTP {response.status}")
        # Parsing a whole catalog is CPU work of half a second: off the event loop (where it
        # would stall every other request and Redis call of this process), within a budget.
        result = await self._reader.run(parse_catalog, self.key, response.body, self._reader)
        result.upstream_requests = 1
        return result
