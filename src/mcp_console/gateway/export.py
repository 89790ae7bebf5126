"""Export a profile as the files `docker mcp gateway run` reads (docs/GATEWAY.md, "Export for
Docker's gateway", has the mapping table).

`catalog.yaml` is a Docker catalog (`registry:` map) of the profile's enabled servers, each from
its container's stored config: image, command, volumes, user, network, prefix; env values that
hold a `{{ bw:... }}` reference become Docker secrets whose values `secrets.env` lists as the
same references (never resolved: the user resolves them, e.g. with `bw`), plain env values
become config parameters (`config.yaml`) that the catalog's env templates read. `registry.yaml`
enables the servers, `tools.yaml` holds the allow-lists (a server without one gets all tools).
"""

from __future__ import annotations

import io
import re
import tarfile
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from mcp_console.containers.schemas import (
    ContainerConfig,
    ContainerConfigView,
    ContainerView,
    VolumeMount,
)
from mcp_console.containers.service import Actor
from mcp_console.core.references import REFERENCE_START
from mcp_console.gateway.clients import server_key
from mcp_console.gateway.schemas import Profile, ProfileServer

RUN_COMMAND = (
    'docker mcp gateway run --catalog "$PWD/catalog.yaml" --registry "$PWD/registry.yaml" '
    '--config "$PWD/config.yaml" --tools-config "$PWD/tools.yaml"'
)


class ContainerConfigs(Protocol):
    async def list_views(
        self, actor: Actor, include_stopped: bool, stats: bool
    ) -> list[ContainerView]: ...

    async def get_config(self, actor: Actor, container_id: str) -> ContainerConfigView: ...


def catalog_key(container_name: str) -> str:
    """A catalog name usable in `{{ name.param }}` templates (no dots)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", container_name)


@dataclass
class Archive:
    """The files being built, one entry per server at a time."""

    catalog: dict[str, Any] = field(default_factory=dict)
    registry: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    tools: dict[str, list[str]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)

    def add(self, key: str, server: ProfileServer, config: ContainerConfig) -> None:
        entry: dict[str, Any] = {"name": key, "type": "server", "image": config.image}
        secrets, env, parameters = [], [], {}
        for name, value in config.env.items():
            if REFERENCE_START.search(value):
                secret = f"{key}.{name}"
                secrets.append({"name": secret, "env": name})
                self.secrets[secret] = value
            else:
                env.append({"name": name, "value": f"{{{{{key}.{name}}}}}"})
                parameters[name] = value
        optional: dict[str, Any] = {
            "secrets": secrets,
            "env": env,
            "command": config.command,
            "volumes": [_volume(mount) for mount in config.volumes],
            "user": config.user,
            "disableNetwork": config.network_mode == "none",
            "prefix": server.prefix,
        }
        entry.update({name: value for name, value in optional.items() if value})
        self.catalog[key] = entry
        self.registry[key] = {"ref": ""}
        if parameters:
            self.config[key] = parameters
        if server.tools is not None:
            self.tools[key] = list(server.tools)


def _volume(mount: VolumeMount) -> str:
    return f"{mount.host_path}:{mount.container_path}" + (":ro" if mount.read_only else "")


def _yaml(document: Any) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")


def _readme(profile: Profile, archive: Archive) -> bytes:
    lines = [
        f"# {server_key(profile.name)}: profile {profile.name} for Docker's MCP gateway",
        "",
        f"Exported from MCP Gateway Console (profile version {profile.version}). Run:",
        "",
        "```",
        RUN_COMMAND + (' --secrets "$PWD/secrets.env"' if archive.secrets else ""),
        "```",
        "",
        "Servers: " + (", ".join(archive.catalog) or "none") + ".",
    ]
    if archive.secrets:
        lines += [
            "",
            "`secrets.env` holds Bitwarden references, not values: replace each",
            "`{{ bw:<item>:<field> }}` with the value (`bw get item <item>`) before running.",
        ]
    if archive.left_out:
        lines += ["", "Left out (their containers no longer exist): " + ", ".join(archive.left_out)]
    lines += [
        "",
        "Some versions of `docker mcp` only read catalogs under ~/.docker/mcp/catalogs/: copy",
        "catalog.yaml there and pass its file name to --catalog.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o600 if name == "secrets.env" else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class DockerExport:
    def __init__(self, containers: ContainerConfigs) -> None:
        self._containers = containers

    async def archive(self, actor: Actor, profile: Profile) -> bytes:
        """A `.tar.gz` of the files; enabled servers only, in the profile's order."""
        views = {
            view.container_id: view
            for view in await self._containers.list_views(actor, include_stopped=True, stats=False)
        }
        archive = Archive()
        for server in profile.servers:
            if not server.enabled:
                continue
            view = views.get(server.server_id)
            if view is None:
                archive.left_out.append(server.server_id)
                continue
            stored = await self._containers.get_config(actor, server.server_id)
            archive.add(catalog_key(view.name), server, stored.config)
        files = {
            "catalog.yaml": _yaml(
                {
                    "name": server_key(profile.name),
                    "displayName": f"MCP Gateway Console: {profile.name}",
                    "registry": archive.catalog,
                }
            ),
            "registry.yaml": _yaml({"registry": archive.registry}),
            "config.yaml": _yaml(archive.config),
            "tools.yaml": _yaml(archive.tools),
        }
        if archive.secrets:
            files["secrets.env"] = "".join(
                f"{name}={value}\n" for name, value in archive.secrets.items()
            ).encode("utf-8")
        files["README.md"] = _readme(profile, archive)
        return _tar(files)
