"""Editing a stored container config: the changes merged onto what is stored, the keys that
changed (for the audit entry: names, never values) and the optimistic-concurrency conflict.

Image, `stdin_open` and `secret_env` are not editable: they come from the stored config, so a
declared secret stays declared and its value must remain a `{{ bw:... }}` reference.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from mcp_console.containers.schemas import ConfigChanges, ContainerConfig
from mcp_console.containers.validation import invalid_fields
from mcp_console.core.errors import AppError

PREFIX = "config"


def merged_config(stored: dict[str, Any], changes: ConfigChanges) -> ContainerConfig:
    """The stored config with every field the client sent replaced (422 naming the field)."""
    sent = changes.model_dump(mode="json", exclude_unset=True)
    try:
        return ContainerConfig.model_validate({**stored, **sent})
    except ValidationError as exc:
        problems = [
            (".".join([PREFIX, *(str(part) for part in error["loc"])]), error["msg"])
            for error in exc.errors()
        ]
        raise invalid_fields(problems) from None


def changed_keys(old: ContainerConfig, new: ContainerConfig) -> list[str]:
    """`env.NAME` per added, removed or changed variable, then each other changed field."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    env_before, env_after = before.pop("env"), after.pop("env")
    names = sorted(
        name
        for name in env_before.keys() | env_after.keys()
        if env_before.get(name) != env_after.get(name)
    )
    return [f"env.{name}" for name in names] + [
        key for key, value in after.items() if before.get(key) != value
    ]


def config_conflict(current_version: int | None) -> AppError:
    """409, with the stored version when it is known (the client reloads either way)."""
    return AppError(
        "CONFIG_CONFLICT",
        "The config was changed since you loaded it; nothing was changed.",
        status=409,
        hint="Reload the config, apply your change to it again and send it with the new "
        "config_version.",
        details={"config_version": current_version} if current_version else None,
    )
