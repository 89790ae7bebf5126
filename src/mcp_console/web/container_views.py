"""How a container of `GET /api/containers` is shown: uptime, ports, usage and its actions.

Shared by the dashboard and the container page, so both say the same thing the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from mcp_console.containers.schemas import ContainerView, PortMapping, PortView, ResourceUsage
from mcp_console.core.references import is_reference
from mcp_console.web.render import wire_time

ACTIVE = frozenset({"running", "restarting", "paused"})
UNITS = ("B", "KiB", "MiB", "GiB", "TiB")
NBSP = "\u00a0"  # a number stays on one line with its unit


@dataclass(frozen=True)
class ContainerRow:
    """One container, ready for a template: every value is display text or a flag."""

    container_id: str
    name: str
    image: str
    status: str
    server_name: str | None = None
    exit_code: int | None = None
    uptime: str | None = None
    started_at: str | None = None
    ports: list[str] = field(default_factory=list)
    cpu: str | None = None
    memory: str | None = None

    @property
    def is_active(self) -> bool:
        """Running (or about to be): stop applies, start does not, delete needs force."""
        return self.status in ACTIVE

    @property
    def can_restart(self) -> bool:
        return self.status == "running"


def duration(seconds: float) -> str:
    """`42 s`, `5 min`, `3 h 12 min`, `2 d 4 h`: the two largest units are enough."""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


def size(count: float) -> str:
    """Bytes in binary units: `512 B`, `12.5 MiB`."""
    unit = 0
    while count >= 1024 and unit < len(UNITS) - 1:
        count /= 1024
        unit += 1
    return f"{count:.0f}{NBSP}B" if unit == 0 else f"{count:.1f}{NBSP}{UNITS[unit]}"


def port_text(port: PortView | PortMapping) -> str:
    """`127.0.0.1:8080 → 80/tcp`; an unpublished port is just `80/tcp`."""
    inside = f"{port.container_port}/{port.protocol or 'tcp'}"
    if not port.host_port:
        return inside
    return f"{port.host_ip or '0.0.0.0'}:{port.host_port} → {inside}"


def _uptime(view: ContainerView, now: datetime) -> str | None:
    started = view.started_at
    if view.status != "running" or not started:
        return None
    return duration((now - started).total_seconds())


def _usage(view: ContainerView) -> tuple[str | None, str | None]:
    usage = view.usage or ResourceUsage()
    cpu = usage.cpu_percent
    memory = usage.memory_bytes
    limit = usage.memory_limit_bytes
    memory_text = None
    if memory is not None:
        memory_text = size(memory) + (f" / {size(limit)}" if limit else "")
    return (f"{cpu:.1f}{NBSP}%" if cpu is not None else None), memory_text


def container_row(view: ContainerView, now: datetime | None = None) -> ContainerRow:
    cpu, memory = _usage(view)
    return ContainerRow(
        container_id=view.container_id,
        name=view.name or view.container_id,
        image=view.image,
        status=view.status or "unknown",
        server_name=view.server_name,
        exit_code=view.exit_code,
        uptime=_uptime(view, now or datetime.now(UTC)),
        started_at=wire_time(view.started_at) or None,
        ports=[port_text(port) for port in view.ports],
        cpu=cpu,
        memory=memory,
    )


@dataclass(frozen=True)
class EnvEntry:
    """One variable of the stored config; a reference is shown as the reference it is."""

    name: str
    value: str

    @property
    def is_reference(self) -> bool:
        return is_reference(self.value)


def env_entries(env: dict[str, str]) -> list[EnvEntry]:
    return [EnvEntry(name, value) for name, value in sorted(env.items())]
