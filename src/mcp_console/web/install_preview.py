"""The install form's two read-only views of what a container gets: what the catalog entry itself
sets (its env templates, command, volumes, user and network, shown before anything is answered),
and the dry run's exact config (`InstallPreview.config`) shown before the install.

Both exist because a catalog entry can set what the user never types: every variable, mount and
argument is listed. A secret variable shows its `{{ bw:... }}` reference, never a value: a value
that is not a reference, or any shown value with a secret's shape, is replaced by `HIDDEN`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mcp_console.catalog.schemas import CatalogItem
from mcp_console.containers.schemas import ContainerConfig, InstallPreview
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


def _command(arguments: Sequence[str | list[str]] | None) -> list[str]:
    """Arguments in order; a catalog group (a named argument and its value) is flattened."""
    flat: list[str] = []
    for argument in arguments or []:
        flat.extend(argument if isinstance(argument, list) else [argument])
    return flat


def _other(config: ContainerConfig) -> dict[str, str]:
    ports = [
        f"{p.host_ip}:{p.host_port or 'any'} -> {p.container_port}/{p.protocol}"
        for p in config.ports
    ]
    other = {
        "Ports": ", ".join(ports),
        "Memory": config.memory or "",
        "CPUs": str(config.cpus or ""),
        "Restart": "" if config.restart_policy == "no" else config.restart_policy,
    }
    return {label: value for label, value in other.items() if value}


def preview_of(preview: InstallPreview) -> Preview:
    """The dry run's answer for the page."""
    config = preview.config
    secret_env = set(config.secret_env)
    return Preview(
        image=config.image,
        command=[_shown(a, False) for a in _command(config.command)],
        env=[
            EnvRow(name, _shown(value, name in secret_env), name in secret_env)
            for name, value in sorted(config.env.items())
        ],
        volumes=[
            VolumeRow(v.host_path, v.container_path, v.read_only, named=v.type == "volume")
            for v in config.volumes
        ],
        user=config.user or None,
        network=config.network_mode,
        stdin_open=config.stdin_open,
        other=_other(config),
        notes=[Note(n.field, n.origin, _shown(n.message, False)) for n in preview.notes],
    )


FROM_VAULT = "secret: from your vault reference"


def catalog_settings(item: CatalogItem) -> CatalogSettings:
    """The entry's own env, command, volumes, user and network, as written in the catalog, and
    the variables its secrets set (their value is the user's reference, never shown here)."""
    run = item.run
    return CatalogSettings(
        env=[EnvRow(e.name, e.value or e.default or "") for e in item.env]
        + [EnvRow(s.env, FROM_VAULT, secret=True) for s in item.secrets],
        command=_command(run.command),
        volumes=list(run.volumes),
        user=run.user or None,
        no_network=run.disable_network,
    )
