"""Config checks that need settings, answered in the same 422 shape as request validation."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Sequence
from pathlib import Path

from mcp_console.containers.schemas import ContainerConfig
from mcp_console.core.env_rules import LOADER_REASON, is_loader_variable
from mcp_console.core.errors import AppError
from mcp_console.core.registries import RegistryPolicy
from mcp_console.secrets import policy
from mcp_console.secrets.refs import has_references, parse_env

KNOWN_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")


def invalid_fields(fields: Sequence[tuple[str, str]]) -> AppError:
    names = ", ".join(field for field, _ in fields)
    return AppError(
        "VALIDATION_ERROR",
        f"The request is invalid: {names}.",
        status=422,
        hint="Fix the listed fields and send the request again.",
        details={"fields": [{"field": field, "message": message} for field, message in fields]},
    )


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def is_socket(path: str) -> bool:
    """A Unix socket on this host (followed through symlinks), or a well-known engine socket
    path even when this host has none (the Docker host may)."""
    resolved = os.path.realpath(path)
    if resolved in KNOWN_SOCKETS or path in KNOWN_SOCKETS:
        return True
    try:
        return stat.S_ISSOCK(Path(resolved).stat().st_mode)
    except OSError:
        return False


def _mount_problem(
    host_path: str, roots: Sequence[Path], server_name: str | None, socket_entries: Collection[str]
) -> str | None:
    if is_socket(host_path):
        if server_name is not None and server_name in socket_entries:
            return None
        return (
            f"{host_path} is a host socket: refused, since it controls the host. An operator "
            "may allow it for this entry with CATALOG_DOCKER_SOCKET_ENTRIES"
        )
    resolved_roots = [Path(os.path.realpath(root)) for root in roots]
    if _inside(Path(os.path.realpath(host_path)), resolved_roots):
        return None
    if not roots:
        return f"{host_path}: host mounts are off (ALLOWED_MOUNT_ROOTS is empty)"
    allowed = ", ".join(str(root) for root in roots)
    return f"{host_path} is outside ALLOWED_MOUNT_ROOTS: pick a directory under {allowed}"


def check_mounts(
    config: ContainerConfig,
    roots: Sequence[Path],
    prefix: str = "config",
    server_name: str | None = None,
    socket_entries: Collection[str] = (),
) -> None:
    """Host paths must resolve (symlinks followed) inside one of ALLOWED_MOUNT_ROOTS; host
    sockets only for entries the operator named. Named volumes need no host path."""
    problems = [
        (f"{prefix}.volumes.{index}.host_path", problem)
        for index, volume in enumerate(config.volumes)
        if volume.type == "bind"
        and (problem := _mount_problem(volume.host_path, roots, server_name, socket_entries))
    ]
    if problems:
        raise invalid_fields(problems)


def check_runtime(config: ContainerConfig, prefix: str = "config") -> None:
    """Loader variables are refused; references are resolved in env only, so one anywhere else
    (command, volumes, user) would reach Docker as text."""
    problems = [
        (f"{prefix}.env.{name}", LOADER_REASON) for name in config.env if is_loader_variable(name)
    ]
    elsewhere = {
        "command": config.command or [],
        "volumes": [f"{v.host_path}:{v.container_path}" for v in config.volumes],
        "user": [config.user or ""],
    }
    problems += [
        (f"{prefix}.{field}", "references are resolved in env only")
        for field, values in elsewhere.items()
        if has_references({str(i): value for i, value in enumerate(values)})
    ]
    if problems:
        raise invalid_fields(problems)


def check_secrets(config: ContainerConfig, prefix: str = "config") -> None:
    """The secrets policy over the whole config; declared secrets must be references."""
    declared = {f"{prefix}.env.{name}" for name in config.secret_env}
    policy.check_config(config.model_dump(mode="json"), prefix, declared)


def check_config(
    config: ContainerConfig,
    roots: Sequence[Path],
    registries: RegistryPolicy,
    server_name: str | None = None,
    socket_entries: Collection[str] = (),
) -> None:
    """Everything checkable before Docker is called: the image's registry host (the SSRF rules
    and IMAGE_REGISTRY_ALLOWLIST), loader variables, mounts, well-formed references (a malformed
    one is a 422 naming the key, never passed on to a container as text) and the secrets policy
    (no plain-text secret is stored, sent to Docker or enqueued)."""
    registries.check(config.image)
    parse_env(config.env)
    check_runtime(config)
    check_secrets(config)
    check_mounts(config, roots, server_name=server_name, socket_entries=socket_entries)
