"""Request and response models for containers; the config model refuses unsafe settings itself.

Every check that needs no settings lives here, so a bad request answers 422 naming the field
through the shared validation handler. Checks that need settings (allowed mount roots) are in
`validation.py` and use the same error shape.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from mcp_console.jobs.schemas import JobAccepted

# Docker's reference grammar, simplified: [registry[:port]/]path[:tag][@sha256:digest].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REFERENCE = re.compile(
    rf"^(?:[a-zA-Z0-9.-]+(?::\d+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CONTAINER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
MEMORY = re.compile(r"^\d+[bkmg]?$", re.IGNORECASE)
VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$")
USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})?$")
# Install answers: any JSON, within these bounds (a form never needs more).
PARAMETERS_MAX_BYTES = 64 * 1024
PARAMETERS_MAX_DEPTH = 8
PARAMETERS_MAX_NODES = 2000

RestartPolicy = Literal["no", "on-failure", "always", "unless-stopped"]
NetworkMode = Literal["bridge", "none"]


def _check_name(value: str | None) -> str | None:
    if value is not None and not CONTAINER_NAME.match(value):
        raise ValueError("letters, digits, `_`, `.` and `-` only, starting alphanumeric")
    return value


ContainerName = Annotated[str | None, AfterValidator(_check_name)]


class PortMapping(BaseModel):
    """A published port; bound to loopback unless the user names another address."""

    model_config = ConfigDict(extra="forbid")

    container_port: int = Field(ge=1, le=65535)
    host_port: int | None = Field(default=None, ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    host_ip: str = "127.0.0.1"


class VolumeMount(BaseModel):
    """A mount: a host directory (`type: bind`, read-only unless asked otherwise) or a named
    Docker volume (`type: volume`, `host_path` holds its name). Named volumes are namespaced
    per owner when Docker creates them, so two users never share one (docs/CONTAINERS.md)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["bind", "volume"] = "bind"  # first: the host_path check depends on it
    host_path: str = Field(min_length=1, max_length=4096)
    container_path: str = Field(min_length=1, max_length=4096)
    read_only: bool = True

    @field_validator("host_path")
    @classmethod
    def _source(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("type") == "volume":
            if not VOLUME_NAME.match(value):
                raise ValueError("a volume name has letters, digits, `_`, `.` and `-` only")
        elif not value.startswith("/"):
            raise ValueError("must be an absolute path (or a named volume with type `volume`)")
        return value

    @field_validator("container_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must be an absolute path")
        return value


class RuntimeOptions(BaseModel):
    """The runtime settings a user states both for an explicit config and for an install."""

    model_config = ConfigDict(extra="forbid")

    command: list[str] | None = None
    env: dict[str, str] = Field(default_factory=dict)
    ports: list[PortMapping] = Field(default_factory=list, max_length=64)
    volumes: list[VolumeMount] = Field(default_factory=list, max_length=64)
    restart_policy: RestartPolicy = "no"
    memory: str | None = Field(default=None, max_length=32)
    cpus: float | None = Field(default=None, gt=0, le=256)
    network_mode: NetworkMode = "bridge"
    user: str | None = Field(
        default=None, max_length=129, description="`name|uid[:group|gid]` the process runs as."
    )

    @field_validator("user")
    @classmethod
    def _user(cls, value: str | None) -> str | None:
        if value is not None and not USER.match(value):
            raise ValueError("use `name`, `uid` or `name:group` (letters, digits, `_.-`)")
        return value


class ContainerConfig(RuntimeOptions):
    """What a managed container runs with. Env values are plain text or `{{ bw:... }}` refs."""

    image: str = Field(min_length=1, max_length=512)
    stdin_open: bool = False
    privileged: bool = False
    secret_env: list[str] = Field(
        default_factory=list,
        max_length=256,
        description="Env names the catalog declares secret: their values must be references.",
    )
    command_env: list[str] = Field(
        default_factory=list,
        max_length=64,
        description="Env names whose `$NAME` in command arguments is replaced with the "
        "variable's resolved value when Docker creates the container (a catalog command such "
        "as `--auth-token $SENTRY_AUTH_TOKEN`); any other `$` stays literal.",
    )

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not IMAGE_REFERENCE.match(value):
            raise ValueError("not a valid image reference (e.g. `ghcr.io/org/server:1.2`)")
        return value

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(name for name in value if not ENV_NAME.match(name))
        if bad:
            raise ValueError(f"invalid variable names: {', '.join(bad)}")
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        if value is not None and not MEMORY.match(value):
            raise ValueError("use a size such as `512m` or `1g`")
        return value

    @field_validator("privileged")
    @classmethod
    def _never_privileged(cls, value: bool) -> bool:
        if value:
            raise ValueError("privileged mode is refused")
        return value


class CreateContainerRequest(BaseModel):
    """Create from an explicit config (the user sees and confirms every field)."""

    model_config = ConfigDict(extra="forbid")

    name: ContainerName = None
    server_name: str | None = Field(default=None, max_length=200)
    config: ContainerConfig
    start: bool = True


class InstallRequest(RuntimeOptions):
    """Create from a catalog item as its authors meant: `parameters` answer its `config_schema`
    and fill its templates; `secrets` answer its secrets (`{{ bw:... }}` references, keyed by
    secret name or env name); `env` answers variables the entry requires without a value.

    The entry's env, command, volumes, user and network are derived from the answers (see
    docs/CATALOG.md) and then judged by the same safety rules as any config (mount roots, host
    sockets, loader variables, image registries). This request's own options are added: its
    `command` and `user` replace the catalog's, its `volumes` and `env` are merged (a volume at
    the same container path and a variable of the same name win). `?dry_run=true` returns the
    exact resulting config, with a note for each derived or left-out part, creating nothing.
    """

    item_id: str = Field(min_length=1, max_length=300)
    name: ContainerName = None
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Answers to the item's `config_schema` (any JSON: strings, numbers, "
        "booleans, arrays, nested objects; at most 64 KB, 8 levels, 2000 values). The config "
        "tree templates read is `{server_name: parameters}`.",
    )
    secrets: dict[str, str] = Field(default_factory=dict)
    stdin_open: bool | None = None
    start: bool = True

    @field_validator("parameters")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > PARAMETERS_MAX_BYTES:
            raise ValueError(f"larger than {PARAMETERS_MAX_BYTES} bytes")
        nodes = [(value, 1)]
        count = 0
        while nodes:
            node, depth = nodes.pop()
            count += 1
            if depth > PARAMETERS_MAX_DEPTH:
                raise ValueError(f"nested deeper than {PARAMETERS_MAX_DEPTH} levels")
            if count > PARAMETERS_MAX_NODES:
                raise ValueError(f"more than {PARAMETERS_MAX_NODES} values")
            children = node.values() if isinstance(node, dict) else node
            if isinstance(node, dict | list):
                nodes.extend((child, depth + 1) for child in children)
        return value


NoteOrigin = Literal["catalog", "request", "default", "left-out"]


class InstallNote(BaseModel):
    """One derived or left-out part of the config and why (`field`: `env.NAME`, `command`,
    `volumes.N`, `network_mode`)."""

    field: str
    origin: NoteOrigin
    message: str


class InstallPreview(BaseModel):
    """What an install would create, for the user to confirm: the exact container config,
    the answers after schema defaults, and notes on where each derived part came from."""

    item_id: str
    server_name: str
    catalog_source: str
    name: str | None
    config: ContainerConfig
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="The answers with the schema's defaults applied."
    )
    notes: list[InstallNote] = Field(default_factory=list)


class ContainerCreated(BaseModel):
    container_id: str
    name: str
    status: str


class PortView(BaseModel):
    container_port: int
    protocol: str
    host_ip: str | None = None
    host_port: int | None = None


class ResourceUsage(BaseModel):
    cpu_percent: float | None = None
    memory_bytes: int | None = None
    memory_limit_bytes: int | None = None


class ContainerView(BaseModel):
    """One managed container as the list shows it: Docker's live state joined with our record."""

    container_id: str
    docker_id: str | None
    name: str
    server_name: str | None
    image: str
    status: str
    health: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    ports: list[PortView] = Field(default_factory=list)
    usage: ResourceUsage | None = None
    catalog_source: str | None = None
    config_version: int


class ContainerList(BaseModel):
    containers: list[ContainerView]


class ContainerConfigView(BaseModel):
    container_id: str
    name: str
    server_name: str | None
    catalog_source: str | None
    catalog_item: str | None
    config_version: int
    config: ContainerConfig


class ConfigChanges(RuntimeOptions):
    """The editable part of a config; a field left out keeps its stored value. `env`, when
    given, replaces the whole map. Image, `stdin_open` and `secret_env` are not editable."""


class ConfigEdit(BaseModel):
    """`PATCH /api/containers/{id}/config`: the changes, and the version the client edited."""

    model_config = ConfigDict(extra="forbid")

    config_version: int = Field(ge=1, description="The config_version the edit was based on.")
    config: ConfigChanges


RestartState = Literal["pending", "applied", "none"]


class ConfigEdited(ContainerConfigView):
    """The stored config after an edit, and whether Docker runs it yet: `pending` (applies at
    the next start or restart), `applied` (restarted with `?restart=true`) or `none`."""

    restart: RestartState
    changed: list[str] = Field(description="The changed keys (`env.NAME`, `ports`...).")


class ConfigEditQueued(JobAccepted):
    """`?restart=true&async=true`: the config is stored; the restart runs as this job."""

    config_version: int
    changed: list[str]


class ActionResult(BaseModel):
    """The state after an action, read back from Docker once the action's lock was released."""

    container_id: str
    name: str
    status: str
    action: str
    at: datetime
