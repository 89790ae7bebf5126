"""The Docker side of a managed container: its stored row and resolved env as a `ContainerSpec`
(labels that tie it to the console, limits with the configured defaults)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from mcp_console.containers.docker import MANAGED_LABEL, VERSION_LABEL, ContainerSpec
from mcp_console.containers.models import ManagedContainer
from mcp_console.containers.schemas import ContainerConfig, VolumeMount
from mcp_console.core.settings import Settings

_DOLLAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def volume_source(volume: VolumeMount, owner: str) -> str:
    """A bind's host path, or a named volume's Docker name in the owner's namespace (two
    users installing `memory` never share `claude-memory`)."""
    if volume.type == "bind":
        return volume.host_path
    owner_key = hashlib.sha256(owner.encode()).hexdigest()[:12]
    return f"mcp-{owner_key}-{volume.host_path}"


def expand_command(
    command: list[str] | None, env: Mapping[str, str], names: list[str]
) -> list[str] | None:
    """`$NAME` of the listed env names replaced with their resolved values; other `$` text
    stays literal (docs/CONTAINERS.md)."""
    if command is None or not names:
        return command

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return env[name] if name in names and name in env else match.group(0)

    return [_DOLLAR.sub(replace, argument) for argument in command]


def container_spec(row: ManagedContainer, env: dict[str, str], settings: Settings) -> ContainerSpec:
    """What Docker creates for `row`; `env` holds resolved values, so the spec lives in memory
    only."""
    config = ContainerConfig.model_validate(row.config)
    cpus = config.cpus or settings.container_default_cpus
    return ContainerSpec(
        name=row.name,
        image=config.image,
        labels={
            MANAGED_LABEL: "true",
            "mcp-console.id": row.id,
            "mcp-console.owner": row.owner,
            "mcp-console.server": row.server_name or "",
            "mcp-console.source": row.catalog_source or "manual",
            VERSION_LABEL: str(row.config_version),
        },
        env=env,
        command=expand_command(config.command, env, config.command_env),
        ports={
            f"{port.container_port}/{port.protocol}": (port.host_ip, port.host_port)
            for port in config.ports
        },
        binds={
            volume_source(volume, row.owner): {
                "bind": volume.container_path,
                "mode": "ro" if volume.read_only else "rw",
            }
            for volume in config.volumes
        },
        restart_policy=config.restart_policy,
        mem_limit=config.memory or settings.container_default_memory,
        nano_cpus=int(cpus * 1_000_000_000),
        network_mode=config.network_mode,
        stdin_open=config.stdin_open,
        user=config.user,
    )
