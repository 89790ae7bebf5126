"""The Docker side of a managed container: its stored row and resolved env as a `ContainerSpec`
(labels that tie it to the console, limits with the configured defaults)."""

from __future__ import annotations

from mcp_console.containers.docker import MANAGED_LABEL, VERSION_LABEL, ContainerSpec
from mcp_console.containers.models import ManagedContainer
from mcp_console.containers.schemas import ContainerConfig
from mcp_console.core.settings import Settings


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
        command=config.command,
        ports={
            f"{port.container_port}/{port.protocol}": (port.host_ip, port.host_port)
            for port in config.ports
        },
        binds={
            volume.host_path: {
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
    )
