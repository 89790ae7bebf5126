"""Install answers generated from a real `server.yaml`, written independently of the product's
parser: what a careful user would type for each parameter, and what the entry declares as
required (parameters without defaults, secrets, alternative secret groups)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REF = "{{{{ bw:item-{n}:password }}}}"
# The parameter names a `run:` template reads (`{{server.name...}}` -> `name`, first segment).
_TEMPLATE_PATH = re.compile(r"\{\{\s*[^.|}\s]+\.([A-Za-z0-9_-]+)")


def _volume_parameters(server: dict[str, Any]) -> set[str]:
    """Parameters that appear in `run.volumes`: their answers are host paths."""
    run = server.get("run") or {}
    return {m for v in run.get("volumes") or [] for m in _TEMPLATE_PATH.findall(str(v))}


def _string(name: str, schema: dict[str, Any], path_root: Path, as_path: bool) -> str:
    if as_path:
        return str(path_root / name)
    if "enum" in schema:
        return str(schema["enum"][0])
    if "default" in schema and isinstance(schema["default"], str) and schema["default"]:
        return str(schema["default"])
    pattern = str(schema.get("pattern", ""))
    if "http" in pattern or "url" in name.lower() or schema.get("format") == "uri":
        return f"https://{name.lower().replace('_', '-')}.example.com"
    return f"value-{name}"


def answer(name: str, schema: Any, path_root: Path, paths: set[str]) -> Any:
    """A value satisfying `schema` (type, enum, items, nested properties)."""
    schema = schema if isinstance(schema, dict) else {}
    kind = schema.get("type", "string")
    if kind == "object":
        props = schema.get("properties") or {}
        return {key: answer(key, sub, path_root / name, paths) for key, sub in props.items()}
    if kind == "array":
        items = schema.get("items") or {"type": "string"}
        if name in paths:
            return [str(path_root / name / "one"), str(path_root / name / "two")]
        return [answer(f"{name}-{i}", items, path_root, set()) for i in (1, 2)]
    if kind == "integer":
        return int(schema.get("default", schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("default", 1.5))
    if kind == "boolean":
        return bool(schema.get("default", True))
    return _string(name, schema, path_root, name in paths)


@dataclass
class EntryAnswers:
    name: str
    parameters: dict[str, Any]
    secrets: dict[str, str]
    env: dict[str, str]
    required_parameters: set[str]  # top level, without a default
    required_secret_fields: set[str]  # `secrets.<name>` or `secrets.<group>`
    has_any_of: bool


def _env_secret(entry: dict[str, Any]) -> bool:
    """`config.env` entry in the secrets shape (uberall): a dotted name, `env:`, no value."""
    return "env" in entry and "." in entry["name"] and "value" not in entry


def _key(name: str) -> str:
    return name.lower().replace(".", "_").replace("-", "_")


def entry_answers(server: dict[str, Any], path_root: Path) -> EntryAnswers:
    config = server.get("config") or {}
    schema = config.get("parameters") or {}
    env_entries = config.get("env") or []
    secrets = [*(config.get("secrets") or [])]
    secrets += [{**e, "required": bool(e.get("required"))} for e in env_entries if _env_secret(e)]
    # a parameter repeating a secret's name, read by no template, is that secret (uberall)
    used = str(server.get("run")) + str([e for e in env_entries if not _env_secret(e)])
    twins = {_key(s["name"]) for s in secrets} | {_key(s["env"]) for s in secrets}
    props = {
        key: sub
        for key, sub in (schema.get("properties") or {}).items()
        if key in used or _key(key) not in twins
    }
    paths = _volume_parameters(server)
    parameters = {key: answer(key, sub, path_root, paths) for key, sub in props.items()}
    answers = {s["name"]: REF.format(n=i) for i, s in enumerate(secrets)}
    objects = {key for key, sub in props.items() if (sub or {}).get("type") == "object"}
    required_secrets = set()
    for spec in secrets:
        parts = spec["name"].split(".")
        if len(parts) >= 3 and parts[1] in objects:
            required_secrets.add(f"secrets.{parts[1]}")
        elif spec.get("required", True) is not False:
            required_secrets.add(f"secrets.{spec['name']}")
    env = {
        str(e.get("env") or e["name"]): REF.format(n=100 + i)
        for i, e in enumerate(env_entries)
        if e.get("required") and "value" not in e and not _env_secret(e)
    }
    required = {
        name
        for name in schema.get("required") or []
        if name in props and "default" not in (props[name] or {})
    }
    return EntryAnswers(
        name=server["name"],
        parameters=parameters,
        secrets=answers,
        env=env,
        required_parameters=required,
        required_secret_fields=required_secrets,
        has_any_of="anyOf" in schema or "oneOf" in schema,
    )
