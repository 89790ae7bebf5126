"""Turns Docker's inspect and stats documents into the console's container views."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mcp_console.containers.docker import VERSION_LABEL
from mcp_console.containers.models import ManagedContainer
from mcp_console.containers.schemas import (
    ContainerConfig,
    ContainerConfigView,
    ContainerView,
    PortView,
    ResourceUsage,
)

MISSING = "missing"
ACTIVE_STATES = {"running", "restarting", "paused"}


def _time(value: str | None) -> datetime | None:
    if not value or value.startswith("0001-01-01"):
        return None
    # Docker gives nanoseconds; Python keeps microseconds.
    head, _, rest = value.rstrip("Z").partition(".")
    fraction = rest[:6] if rest else "0"
    return datetime.fromisoformat(f"{head}.{fraction}+00:00")


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def status_of(attrs: dict[str, Any] | None) -> str:
    return str(attrs["State"]["Status"]) if attrs else MISSING


def _ports(attrs: dict[str, Any]) -> list[PortView]:
    bindings = (attrs.get("NetworkSettings") or {}).get("Ports") or {}
    if not bindings:
        bindings = {key: None for key in (attrs.get("HostConfig") or {}).get("PortBindings") or {}}
    views = []
    for key, published in sorted(bindings.items()):
        port, _, protocol = key.partition("/")
        for binding in published or [None]:
            views.append(
                PortView(
                    container_port=int(port),
                    protocol=protocol or "tcp",
                    host_ip=binding.get("HostIp") if binding else None,
                    host_port=int(binding["HostPort"])
                    if binding and binding.get("HostPort")
                    else None,
                )
            )
    return views


def usage_of(stats: dict[str, Any]) -> ResourceUsage:
    """CPU percentage from the two samples Docker returns, as `docker stats` computes it."""
    cpu, previous = stats.get("cpu_stats") or {}, stats.get("precpu_stats") or {}
    cpu_delta = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (
        previous.get("cpu_usage") or {}
    ).get("total_usage", 0)
    system_delta = cpu.get("system_cpu_usage", 0) - previous.get("system_cpu_usage", 0)
    online = cpu.get("online_cpus") or 1
    percent = (cpu_delta / system_delta) * online * 100 if system_delta > 0 and previous else None
    memory = stats.get("memory_stats") or {}
    return ResourceUsage(
        cpu_percent=round(percent, 2) if percent is not None else None,
        memory_bytes=memory.get("usage"),
        memory_limit_bytes=memory.get("limit"),
    )


def view_of(
    row: ManagedContainer, attrs: dict[str, Any] | None, usage: ResourceUsage | None = None
) -> ContainerView:
    state = (attrs or {}).get("State") or {}
    health = (state.get("Health") or {}).get("Status")
    return ContainerView(
        container_id=row.id,
        docker_id=row.docker_id,
        name=row.name,
        server_name=row.server_name,
        image=str(row.config.get("image", "")),
        status=status_of(attrs),
        health=health,
        created_at=_aware(row.created_at),
        started_at=_time(state.get("StartedAt")),
        finished_at=_time(state.get("FinishedAt")),
        exit_code=state.get("ExitCode") if attrs and state.get("Status") == "exited" else None,
        ports=_ports(attrs) if attrs else [],
        usage=usage,
        catalog_source=row.catalog_source,
        config_version=row.config_version,
    )


def runs_version(attrs: dict[str, Any], version: int) -> bool:
    """Whether the Docker container was created from this stored config version."""
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    return bool(labels.get(VERSION_LABEL) == str(version))


def config_view_of(row: ManagedContainer) -> ContainerConfigView:
    return ContainerConfigView(
        container_id=row.id,
        name=row.name,
        server_name=row.server_name,
        catalog_source=row.catalog_source,
        catalog_item=row.catalog_item,
        config_version=row.config_version,
        config=ContainerConfig.model_validate(row.config),
    )
