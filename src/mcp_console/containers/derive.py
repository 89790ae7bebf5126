"""What a catalog entry's `run` block and env templates ask for, evaluated against the config
tree (`catalog/templates.py`): env, command, volumes and user, with a note for every part that
was derived or left out. Template errors propagate as `TemplateError`; everything the catalog
asks for is still checked by the domain rules (`containers/validation.py`) afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from mcp_console.catalog.schemas import CatalogItem, EnvTemplate
from mcp_console.catalog.templates import (
    TemplateError,
    dollar_names,
    evaluate_command,
    evaluate_list,
    evaluate_text,
    expand_dollars,
    is_template,
)
from mcp_console.containers.schemas import InstallNote, NoteOrigin, VolumeMount
from mcp_console.core.env_rules import LOADER_REASON, is_loader_variable

_WINDOWS_SOURCE = re.compile(r"^[A-Za-z]:[\\/]")
Problems = list[tuple[str, str]]


@dataclass
class Derived:
    """The catalog's part of a container config (before the request's own options)."""

    env: dict[str, str] = field(default_factory=dict)
    secret_env: set[str] = field(default_factory=set)
    command: list[str] = field(default_factory=list)
    command_env: list[str] = field(default_factory=list)
    volumes: list[VolumeMount] = field(default_factory=list)
    user: str | None = None
    notes: list[InstallNote] = field(default_factory=list)
    problems: Problems = field(default_factory=list)

    def note(self, where: str, origin: NoteOrigin, message: str) -> None:
        self.notes.append(InstallNote(field=where, origin=origin, message=message))


def _env_value(
    template: EnvTemplate, tree: Mapping[str, Any], known: Mapping[str, str]
) -> tuple[str, list[str]]:
    """A template is evaluated against the tree; a plain value may use `$NAME` of variables
    already set (secrets first); the default applies when the result is empty."""
    value, used = template.value or "", list[str]()
    if is_template(value):
        value = evaluate_text(value, tree)
    elif "$" in value:
        value, used = expand_dollars(value, known)
    if value == "" and template.default:
        value = evaluate_text(template.default, tree)
    return value, used


def derive_env(
    item: CatalogItem,
    tree: Mapping[str, Any],
    secret_env: dict[str, str],
    given: Mapping[str, str],
    derived: Derived,
) -> None:
    """Catalog env in declaration order; an env that evaluates to "" is not set at all."""
    known: dict[str, str] = dict(secret_env)
    for template in item.env:
        if is_loader_variable(template.name):  # the catalog's fault, not the user's
            raise TemplateError(f"env {template.name}", f"a catalog variable that {LOADER_REASON}")
        where = f"env.{template.name}"
        if template.value is None and template.default is None:
            if template.required and template.name not in given:
                derived.problems.append((where, "required by the server: give it under `env`"))
            continue
        value, used = _env_value(template, tree, known)
        if value == "":
            if template.required and template.name not in given:
                derived.problems.append((where, "required by the server: answer its parameter"))
            else:
                derived.note(where, "left-out", "not set: its value is empty")
            continue
        if any(name in secret_env for name in used):
            derived.secret_env.add(template.name)  # holds a secret's reference
        known[template.name] = derived.env[template.name] = value
        if value == template.default:
            derived.note(where, "default", "the catalog's default value")
        else:
            derived.note(where, "catalog", f"from the catalog's `{template.value}`")


def derive_command(
    item: CatalogItem, tree: Mapping[str, Any], env: Mapping[str, str], derived: Derived
) -> None:
    """The catalog command; `$NAME` in it names an env variable expanded when Docker creates
    the container (it must be set: a literal `$NAME` never reaches the server)."""
    derived.command = evaluate_command(item.run.command, tree)
    raw = [t for entry in item.run.command for t in ([entry] if isinstance(entry, str) else entry)]
    for name in dict.fromkeys(n for template in raw for n in dollar_names(template)):
        if name not in env:
            raise TemplateError(f"${name}", f"the command refers to ${name}, which is not set")
        derived.command_env.append(name)
        derived.note("command", "catalog", f"${name} is replaced with env {name} at start")


def parse_volume(spec: str) -> VolumeMount | str:
    """`source:target[:ro|rw]` as a mount (a source that is not a path is a named volume;
    catalog mounts are writable unless `:ro`), or the reason it is not one."""
    if _WINDOWS_SOURCE.match(spec):
        return "a Windows path cannot be mounted on the Docker host"
    parts = spec.split(":")
    mode = parts.pop() if len(parts) == 3 and parts[-1] in ("ro", "rw") else "rw"
    if len(parts) != 2 or not parts[1]:
        return "expected `source:target[:ro]`"
    source, target = parts
    kind = "bind" if source.startswith("/") else "volume"
    try:
        return VolumeMount(
            type=kind, host_path=source, container_path=target, read_only=mode == "ro"
        )
    except ValidationError as exc:
        return "; ".join(str(error["msg"]) for error in exc.errors())[:200]


def derive_volumes(item: CatalogItem, tree: Mapping[str, Any], derived: Derived) -> None:
    """Catalog volumes, one mount per evaluated entry; an entry with an empty source (an
    optional path left unanswered) is left out. Notes and problems name the config's index."""
    for spec in evaluate_list(item.run.volumes, tree):
        where = f"volumes.{len(derived.volumes)}"
        if spec.split(":")[0] == "":
            derived.note("volumes", "left-out", f"`{spec}` has no source: left out")
            continue
        mount = parse_volume(spec)
        if isinstance(mount, str):
            derived.problems.append((where, f"catalog volume `{spec}`: {mount}"))
        else:
            derived.note(where, "catalog", f"from the catalog: `{spec}`")
            derived.volumes.append(mount)


def derive(
    item: CatalogItem,
    tree: Mapping[str, Any],
    secret_env: dict[str, str],
    given_env: Mapping[str, str],
    command_given: bool,
) -> Derived:
    """Env, command, volumes and user as the catalog asks (the request's `command`, when
    given, replaces the catalog's, which is then not evaluated at all)."""
    derived = Derived(secret_env=set(secret_env))
    derive_env(item, tree, secret_env, given_env, derived)
    final_env = {**derived.env, **secret_env, **given_env}
    if command_given:
        if item.run.command:
            derived.note("command", "request", "the request's command replaces the catalog's")
    else:
        derive_command(item, tree, final_env, derived)
    derive_volumes(item, tree, derived)
    if item.run.user:
        derived.user = evaluate_text(item.run.user, tree) or None
    return derived
