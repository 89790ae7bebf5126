"""The install form's two read-only views of what a container gets: what the catalog entry itself
sets (its env templates, command, volumes, user and network, shown before anything is answered),
and the dry run's exact config (`InstallPreview.config`) shown before the install.

Both exist because a catalog entry can set what the user never types: every variable, mount and
argument is listed. A secret variable shows its `{{ bw:... }}` reference, never a value: a value
that is not a reference, or any shown value with a secret's shape, is replaced by `HIDDEN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp_console.core.references import is_reference
from mcp_console.core.secret_patterns import first_match

HIDDEN = "(hidden)"


@dataclass(frozen=True)
class EnvRow:
    name: str
    value: str
    secret: bool = False


@dataclass(frozen=True)
class VolumeRow:
    source: str  # a host path, or a named volume's name
    target: str
    read_only: bool
    named: bool = False


@dataclass(frozen=True)
class Note:
    """Where a derived part came from, or why one was left out (`InstallPreview.notes`)."""

    field: str
    origin: str
    message: str


@dataclass(frozen=True)
class Preview:
    """The dry run's config as the page lists it."""

    image: str
    command: list[str]
    env: list[EnvRow]
    volumes: list[VolumeRow]
    user: str | None
    network: str
    stdin_open: bool
    other: dict[str, str] = field(default_factory=dict)  # ports, limits, restart: when set
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class CatalogSettings:
    """What the entry sets on its own, as templates (before any answer is applied)."""

    env: list[EnvRow]
    command: list[str]
    volumes: list[str]
    user: str | None
    no_network: bool

    @property
    def empty(self) -> bool:
        return not (self.env or self.command or self.volumes or self.user or self.no_network)


def _shown(value: str, secret: bool) -> str:
    if secret and not is_reference(value):
        return HIDDEN
    return HIDDEN if first_match(value) else value


def _command(arguments: Any) -> list[str]:
    """Arguments in order; a catalog group (a named argument and its value) is flattened."""
    flat: list[str] = []
    for argument in arguments or []:
        flat.extend(_command(argument) if isinstance(argument, list) else [str(argument)])
    return flat


def _other(config: Mapping[str, Any]) -> dict[str, str]:
    ports = [
        f"{p.get('host_ip')}:{p.get('host_port') or 'any'} -> {p['container_port']}/"
        f"{p.get('protocol', 'tcp')}"
        for p in config.get("ports") or []
    ]
    other = {
        "Ports": ", ".join(ports),
        "Memory": str(config.get("memory") or ""),
        "CPUs": str(config.get("cpus") or ""),
        "Restart": "" if config.get("restart_policy") in (None, "no") else config["restart_policy"],
    }
    return {label: value for label, value in other.items() if value}


def preview_of(body: Mapping[str, Any]) -> Preview:
    """The dry run's answer (`InstallPreview`) for the page."""
    config: Mapping[str, Any] = body.get("config") or {}
    secret_env = set(config.get("secret_env") or [])
    env = config.get("env") or {}
    return Preview(
        image=str(config.get("image") or ""),
        command=[_shown(a, False) for a in _command(config.get("command"))],
        env=[
            EnvRow(name, _shown(str(value), name in secret_env), name in secret_env)
            for name, value in sorted(env.items())
        ],
        volumes=[
            VolumeRow(
                str(v.get("host_path") or ""),
                str(v.get("container_path") or ""),
                bool(v.get("read_only", True)),
                named=v.get("type") == "volume",
            )
            for v in config.get("volumes") or []
        ],
        user=config.get("user") or None,
        network=str(config.get("network_mode") or "bridge"),
        stdin_open=bool(config.get("stdin_open")),
        other=_other(config),
        notes=[
            Note(str(n.get("field")), str(n.get("origin")), _shown(str(n.get("message")), False))
            for n in body.get("notes") or []
        ],
    )


FROM_VAULT = "secret: from your vault reference"


def catalog_settings(item: Mapping[str, Any]) -> CatalogSettings:
    """The entry's own env, command, volumes, user and network, as written in the catalog, and
    the variables its secrets set (their value is the user's reference, never shown here)."""
    run: Mapping[str, Any] = item.get("run") or {}
    return CatalogSettings(
        env=[
            EnvRow(str(e["name"]), str(e.get("value") or e.get("default") or ""))
            for e in item.get("env") or []
        ]
        + [EnvRow(str(s["env"]), FROM_VAULT, secret=True) for s in item.get("secrets") or []],
        command=_command(run.get("command")),
        volumes=[str(v) for v in run.get("volumes") or []],
        user=run.get("user") or None,
        no_network=bool(run.get("disable_network")),
    )
