"""The Edit form of the container page's config tab: the stored config as inputs, the posted form
back into a `PATCH /api/containers/{id}/config` body, and the API's errors beside their inputs.

Inputs are named by the API's field paths (`config.ports.0.host_port`, `config.memory`), so a
422 lands beside its input. Env rows are `env.<n>.name` / `env.<n>.value`; the API names them
`config.env.<NAME>`, found by name. A variable the catalog declared secret takes only a
`{{ bw:... }}` reference: anything else is refused here, never sent and never written back; a
value the API refused as a plain-text secret is not written back either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from mcp_console.containers.schemas import ContainerConfigView
from mcp_console.core.references import is_reference
from mcp_console.core.secret_patterns import first_match
from mcp_console.web.api_client import ApiError

NOT_A_REFERENCE = (
    "This variable is declared secret: enter a Bitwarden reference such as "
    "{{ bw:<item-id>:password }}; a secret value is never accepted here."
)
NAME_NEEDED = "Enter the variable's name, or clear its value to drop the row."
DUPLICATE_NAME = "This name is used by another row."
SECRET_REFUSED = "SECRET_IN_PLAIN_TEXT"  # noqa: S105 (an error code)
ROW_ACTION = re.compile(r"^(add|remove)-(env|ports|volumes)(?:-(\d+))?$")
ENV_INPUT = re.compile(r"^env\.(\d+)\.(name|value)$")
TEXT_INPUTS = frozenset({"config.command", "config.memory", "config.cpus"})


@dataclass
class EnvRow:
    name: str = ""
    value: str = ""
    secret: bool = False  # declared secret by the catalog: a reference input

    def is_blank(self) -> bool:
        return not self.name and not self.value


@dataclass
class PortRow:
    container_port: str = ""
    host_port: str = ""
    protocol: str = "tcp"
    host_ip: str = "127.0.0.1"

    def is_blank(self) -> bool:
        return not self.container_port and not self.host_port


@dataclass
class VolumeRow:
    host_path: str = ""
    container_path: str = ""
    read_only: bool = True

    def is_blank(self) -> bool:
        return not self.host_path and not self.container_path


ROW_TYPES: dict[str, type[PortRow] | type[VolumeRow]] = {"ports": PortRow, "volumes": VolumeRow}


@dataclass
class EditForm:
    """The form as shown: what is stored or was entered, and the errors by input name."""

    version: int
    env: list[EnvRow]
    ports: list[PortRow]
    volumes: list[VolumeRow]
    command: str = ""  # one argument per line
    memory: str = ""
    cpus: str = ""
    restart_policy: str = "no"
    network_mode: str = "bridge"
    restart_now: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    hint: str | None = None  # the API's advice on its field errors
    alert: ApiError | None = None

    @property
    def status(self) -> int:
        if self.alert is not None:
            return self.alert.status
        return 422 if self.errors else 200

    def unplaced(self) -> dict[str, str]:
        """Errors about no input of this form (e.g. a whole list): listed above the form."""
        return {key: message for key, message in self.errors.items() if key not in self._inputs()}

    def _inputs(self) -> set[str]:
        names = {*TEXT_INPUTS, "config.env", "config.restart_policy", "config.network_mode"}
        names |= {f"env.{n}.{part}" for n in range(len(self.env)) for part in ("name", "value")}
        for group in ROW_TYPES:
            rows: list[Any] = getattr(self, group)
            names |= {_input(group, n, f.name) for n in range(len(rows)) for f in fields(rows[n])}
        return names


def _input(group: str, index: int, name: str) -> str:
    return f"config.{group}.{index}.{name}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def from_config(view: ContainerConfigView) -> EditForm:
    """The stored config as the form shows it first."""
    config = view.config
    secret = set(config.secret_env)
    env = [EnvRow(name, value, name in secret) for name, value in sorted(config.env.items())]
    ports = [
        PortRow(_text(p.container_port), _text(p.host_port), p.protocol, p.host_ip)
        for p in config.ports
    ]
    volumes = [VolumeRow(v.host_path, v.container_path, v.read_only) for v in config.volumes]
    return EditForm(
        version=view.config_version,
        env=env,
        ports=ports,
        volumes=volumes,
        command="\n".join(config.command or []),
        memory=_text(config.memory),
        cpus=_text(config.cpus),
        restart_policy=config.restart_policy,
        network_mode=config.network_mode,
    )


def _indices(form: Mapping[str, Any], pattern: re.Pattern[str]) -> list[int]:
    return sorted({int(match[1]) for key in form if (match := pattern.match(key))})


def _env_rows(form: Mapping[str, Any], secret_env: set[str]) -> list[EnvRow]:
    rows = []
    for index in _indices(form, ENV_INPUT):
        name = str(form.get(f"env.{index}.name", "")).strip()
        rows.append(EnvRow(name, str(form.get(f"env.{index}.value", "")), name in secret_env))
    return rows


def _rows(form: Mapping[str, Any], group: str) -> list[Any]:
    row_type = ROW_TYPES[group]
    pattern = re.compile(rf"^config\.{group}\.(\d+)\.")
    rows = []
    for index in _indices(form, pattern):
        values: dict[str, Any] = {}
        for item in fields(row_type):
            entered = form.get(_input(group, index, item.name))
            if item.type == "bool":
                values[item.name] = entered == "true"
            elif entered is not None:
                values[item.name] = str(entered).strip()
        rows.append(row_type(**values))
    return rows


def read_form(form: Mapping[str, Any], secret_env: set[str]) -> EditForm:
    """The posted form as entered (secret_env comes from the stored config, not the form)."""
    return EditForm(
        version=int(str(form.get("config_version") or "0") or 0),
        env=_env_rows(form, secret_env),
        ports=_rows(form, "ports"),
        volumes=_rows(form, "volumes"),
        command=str(form.get("config.command", "")),
        memory=str(form.get("config.memory", "")).strip(),
        cpus=str(form.get("config.cpus", "")).strip(),
        restart_policy=str(form.get("config.restart_policy", "no")),
        network_mode=str(form.get("config.network_mode", "bridge")),
        restart_now=form.get("restart") == "true",
    )


def apply_row_action(edit: EditForm, action: str) -> bool:
    """`add-env`, `remove-ports-2`...: change the rows and show the form again (nothing is
    saved). False when `action` is not a row action (i.e. save)."""
    match = ROW_ACTION.match(action)
    if match is None:
        return False
    verb, group, index = match[1], match[2], match[3]
    rows: list[Any] = getattr(edit, group)
    if verb == "add":
        rows.append(EnvRow() if group == "env" else ROW_TYPES[group]())
    elif index is not None and int(index) < len(rows):
        del rows[int(index)]
    return True


def check(edit: EditForm) -> None:
    """This form's own checks, before anything is sent: blank rows are dropped, a declared
    secret must be a reference (a refused value is cleared), every value needs a name."""
    edit.env = [row for row in edit.env if not row.is_blank()]
    edit.ports = [row for row in edit.ports if not row.is_blank()]
    edit.volumes = [row for row in edit.volumes if not row.is_blank()]
    seen: set[str] = set()
    for index, row in enumerate(edit.env):
        key = f"env.{index}"
        if row.secret and not is_reference(row.value):
            edit.errors[f"{key}.value"] = NOT_A_REFERENCE
            edit.env[index] = replace(row, value="")
        elif not row.name:
            edit.errors[f"{key}.name"] = NAME_NEEDED
        elif row.name in seen:
            edit.errors[f"{key}.name"] = DUPLICATE_NAME
        seen.add(row.name)


def forget_secret_shapes(edit: EditForm) -> None:
    """Before the form is shown again unchecked by the API (this form refused it first): an
    entered value with a secret's shape is cleared and marked, never rendered back."""
    for index, row in enumerate(edit.env):
        if rule := first_match(row.name):
            edit.errors[f"env.{index}.name"] = f"looks like a secret ({rule})"
            row.name = ""
        if rule := first_match(row.value):
            edit.errors[f"env.{index}.value"] = f"looks like a secret ({rule})"
            row.value = ""
    if rule := first_match(edit.command):
        edit.errors["config.command"] = f"looks like a secret ({rule})"
        edit.command = ""
    for group in ("ports", "volumes"):
        for index, item in enumerate(getattr(edit, group)):
            for entry in fields(item):
                value = getattr(item, entry.name)
                if isinstance(value, str) and (rule := first_match(value)):
                    edit.errors[f"{group}.{index}.{entry.name}"] = f"looks like a secret ({rule})"
                    setattr(item, entry.name, "")


def _or_none(value: str) -> str | None:
    return value or None


def payload(edit: EditForm) -> dict[str, Any]:
    """The PATCH body; numbers go as entered (the API types them and names a bad one)."""
    config = {
        "env": {row.name: row.value.strip() for row in edit.env},
        "command": [line.strip() for line in edit.command.splitlines() if line.strip()] or None,
        "ports": [
            {
                "container_port": row.container_port,
                "host_port": _or_none(row.host_port),
                "protocol": row.protocol,
                "host_ip": row.host_ip or "127.0.0.1",
            }
            for row in edit.ports
        ],
        "volumes": [
            {"host_path": r.host_path, "container_path": r.container_path, "read_only": r.read_only}
            for r in edit.volumes
        ],
        "memory": _or_none(edit.memory),
        "cpus": _or_none(edit.cpus),
        "restart_policy": edit.restart_policy,
        "network_mode": edit.network_mode,
    }
    return {"config_version": edit.version, "config": config}


def _input_for(edit: EditForm, path: str) -> str:
    """The input an API field path is about (`config.env.TOKEN` -> `env.3.value`)."""
    if path.startswith("config.env."):
        name = path.removeprefix("config.env.")
        index = next((n for n, row in enumerate(edit.env) if row.name == name), None)
        return f"env.{index}.value" if index is not None else path
    if path.startswith("config.command."):
        return "config.command"
    return path


def _clear(edit: EditForm, name: str) -> None:
    """Forget what was entered in one input (a value the API took for a secret)."""
    if match := ENV_INPUT.match(name):
        row = edit.env[int(match[1])]
        edit.env[int(match[1])] = replace(row, value="")
    elif name in TEXT_INPUTS:
        setattr(edit, name.removeprefix("config."), "")
    elif (parts := name.split(".")) and len(parts) == 4 and parts[1] in ROW_TYPES:
        rows: list[Any] = getattr(edit, parts[1])
        if int(parts[2]) < len(rows) and isinstance(getattr(rows[int(parts[2])], parts[3]), str):
            setattr(rows[int(parts[2])], parts[3], "")


def apply_error(edit: EditForm, error: ApiError) -> None:
    """The API's answer: field errors beside their inputs (values refused as secrets cleared),
    anything else (409 CONFIG_CONFLICT, Docker down...) as an alert above the form."""
    edit.hint = error.hint if error.fields else None
    for path, message in error.fields.items():
        name = _input_for(edit, path)
        edit.errors[name] = message
        if error.code == SECRET_REFUSED:
            _clear(edit, name)
    if not error.fields:
        edit.alert = error
