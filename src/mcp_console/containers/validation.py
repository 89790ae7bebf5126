"""Config checks that need settings, answered in the same 422 shape as request validation."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from mcp_console.containers.schemas import ContainerConfig
from mcp_console.core.errors import AppError
from mcp_console.core.registries import RegistryPolicy
from mcp_console.secrets import policy
from mcp_console.secrets.refs import parse_env


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


def check_mounts(config: ContainerConfig, roots: Sequence[Path], prefix: str = "config") -> None:
    """Host paths must resolve (symlinks followed) inside one of ALLOWED_MOUNT_ROOTS."""
    resolved_roots = [Path(os.path.realpath(root)) for root in roots]
    problems = [
        (f"{prefix}.volumes.{index}.host_path", "outside ALLOWED_MOUNT_ROOTS")
        for index, volume in enumerate(config.volumes)
        if not _inside(Path(os.path.realpath(volume.host_path)), resolved_roots)
    ]
    if problems:
        raise invalid_fields(problems)


def check_secrets(config: ContainerConfig, prefix: str = "config") -> None:
    """The secrets policy over the whole config; declared secrets must be references."""
    declared = {f"{prefix}.env.{name}" for name in config.secret_env}
    policy.check_config(config.model_dump(mode="json"), prefix, declared)


def check_config(
    config: ContainerConfig, roots: Sequence[Path], registries: RegistryPolicy
) -> None:
    """Everything checkable before Docker is called: the image's registry host (the SSRF rules
    and IMAGE_REGISTRY_ALLOWLIST), mounts, well-formed references (a malformed one is a 422
    naming the key, never passed on to a container as text) and the secrets policy (no
    plain-text secret is stored, sent to Docker or enqueued)."""
    registries.check(config.image)
    parse_env(config.env)
    check_secrets(config)
    check_mounts(config, roots)
