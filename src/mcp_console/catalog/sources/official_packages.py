"""An Official Registry OCI package as the console's run block, env templates and secrets.

Package arguments are the container command (after the image); runtime arguments are `docker
run` flags, of which only the safe, known ones are read (env, bind mounts, user, `--network
none`). Flags the console sets itself are dropped, published ports are left to the install form,
and any other flag makes the package not installable, naming the flag. docs/CATALOG.md has the
whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mcp_console.catalog.normalize import as_dict, as_list, first_text, flag, text
from mcp_console.catalog.schemas import EnvTemplate, PackageArgument, PackageSpec, RunSpec
from mcp_console.catalog.sources.official_inputs import (
    VARIABLE,
    Inputs,
    UnsupportedPackageError,
    check_literal,
    describe,
    is_secret,
    parameter_name,
)

ENV_FLAGS = ("-e", "--env")
VOLUME_FLAGS = ("-v", "--volume")
USER_FLAGS = ("-u", "--user")
NETWORK_FLAGS = ("--network", "--net")
PORT_FLAGS = ("-p", "--publish")
# The console runs every container with these itself (or, for a TTY, must not: stdio needs a pipe).
DROPPED_FLAGS = ("--rm", "-i", "--interactive", "--init", "-t", "--tty", "-it")
VALUE_FLAGS = (*ENV_FLAGS, *VOLUME_FLAGS, *USER_FLAGS, *NETWORK_FLAGS, *PORT_FLAGS, "--mount")
DOCKER_HUB = ("docker.io", "registry-1.docker.io", "index.docker.io", "registry.hub.docker.com")
MOUNT_KEYS = {"source": "src", "src": "src", "target": "dst", "dst": "dst", "destination": "dst"}


@dataclass
class ContainerPlan:
    """What one OCI package maps to; `notes` say what was left to the user or dropped."""

    image: str
    run: RunSpec
    env: list[EnvTemplate]
    package: PackageSpec
    notes: list[str] = field(default_factory=list)


def registry_type(package: dict[str, Any]) -> str | None:
    kind = first_text(package, "registryType", "registry_type", "registry_name")
    return kind.lower() if kind else None


def image_reference(package: dict[str, Any]) -> str:
    """`identifier[:version]`: a tag or digest already in the identifier wins; a registry base
    URL other than Docker Hub becomes the image's registry host."""
    identifier = first_text(package, "identifier", "name")
    if identifier is None:
        raise UnsupportedPackageError("The OCI package has no identifier.")
    identifier = check_literal(identifier, "The image identifier")
    host = urlsplit(first_text(package, "registryBaseUrl", "registry_base_url") or "").netloc
    first = identifier.split("/", 1)[0]
    has_host = "/" in identifier and ("." in first or ":" in first or first == "localhost")
    if host and host.lower() not in DOCKER_HUB and not has_host:
        identifier = f"{host}/{identifier}"
    version = text(package.get("version"))
    if version and "@" not in identifier and ":" not in identifier.rsplit("/", 1)[-1]:
        return f"{identifier}:{version}"
    return identifier


def _label(raw: dict[str, Any], position: int) -> str:
    """What names an argument's parameter: its `valueHint`, else its flag name."""
    return first_text(raw, "valueHint", "value_hint", "name") or f"argument {position + 1}"


def _arguments(package: dict[str, Any], camel: str, snake: str) -> list[dict[str, Any]]:
    return [as_dict(a) for a in as_list(package.get(camel)) + as_list(package.get(snake))]


def command_of(inputs: Inputs, arguments: list[dict[str, Any]]) -> list[str | list[str]]:
    """Package arguments -> the container command. A fixed argument is plain text; one the user
    answers is a group (`["--flag", "{{root.param}}"]`) that disappears when unanswered and
    repeats per element of an array answer (`isRepeated`)."""
    command: list[str | list[str]] = []
    for position, raw in enumerate(arguments):
        named = text(raw.get("type")) == "named"
        name = text(raw.get("name")) if named else None
        label = _label(raw, position)
        if named and name is None:
            raise UnsupportedPackageError(f"The named package argument {position + 1} has no name.")
        flag_part = [check_literal(name, "A flag name")] if name else []
        if is_secret(raw):
            command.extend([*flag_part, _secret_argument(inputs, raw, label)])
            continue
        value = text(raw.get("value"))
        if value is not None:
            rendered = inputs.substitute(value, as_dict(raw.get("variables")), f"`{label}`")
            parts = [*flag_part, rendered]
            if rendered == value:
                command.extend(parts)
            else:
                command.append(parts)
            continue
        repeated = flag(raw, "isRepeated", "is_repeated")
        param = inputs.parameter(label, raw, repeated)
        parts = [*flag_part, inputs.template(param)]
        if named or repeated or not flag(raw, "isRequired", "is_required"):
            command.append(parts)
        else:
            command.extend(parts)
    return command


def _secret_argument(inputs: Inputs, raw: dict[str, Any], label: str) -> str:
    """A secret argument is a secret (answered with a reference) whose env `NAME` the command
    names as `$NAME`, replaced with the resolved value when the container is created. Such an
    argument cannot be left out or repeated, so only a required, single one is accepted."""
    if not flag(raw, "isRequired", "is_required") or flag(raw, "isRepeated", "is_repeated"):
        raise UnsupportedPackageError(
            f"The package argument `{label}` is an optional or repeated secret on the command "
            "line, which the console cannot leave out or repeat; it passes such secrets only as "
            "environment variables."
        )
    if text(raw.get("value")) is not None:
        raise UnsupportedPackageError(
            f"The package argument `{label}` is a secret with a fixed value in the catalog."
        )
    env = parameter_name(label).upper()
    env = f"ARG_{env}" if env[0].isdigit() else env
    inputs.secret(env, raw)
    return f"${env}"


def _flag_pairs(arguments: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Runtime arguments as (flag, argument) pairs; also reads `--flag=value` and flags written
    as positional values followed by their value, as some publishers do."""
    pairs: list[tuple[str, dict[str, Any]]] = []
    pending: str | None = None
    for position, raw in enumerate(arguments):
        named = text(raw.get("type")) == "named"
        word = text(raw.get("name")) if named else text(raw.get("value"))
        if pending is not None and not named:
            pairs.append((pending, raw))
            pending = None
            continue
        if word is None or not word.startswith("-"):
            label = word or _label(raw, position)
            raise UnsupportedPackageError(f"The runtime argument `{label}` is not a docker flag.")
        flag_name, _, inline = word.partition("=")
        if inline:
            pairs.append((flag_name, {**raw, "value": inline}))
        elif named or flag_name not in VALUE_FLAGS:
            pairs.append((flag_name, raw))
        else:
            pending = flag_name
    if pending is not None:
        raise UnsupportedPackageError(f"The runtime flag `{pending}` has no value.")
    return pairs


class RuntimeMapper:
    """Reads the allowed `docker run` flags into the run block, env and secrets."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.run = RunSpec()
        self.env: list[EnvTemplate] = []
        self.notes: list[str] = []

    def apply(self, arguments: list[dict[str, Any]]) -> None:
        for flag_name, raw in _flag_pairs(arguments):
            if flag_name in DROPPED_FLAGS:
                continue
            if flag_name in PORT_FLAGS:
                self.notes.append(
                    f"The package publishes ports (`{flag_name}`): choose them in the install form."
                )
                continue
            handler = {
                **dict.fromkeys(ENV_FLAGS, self._env),
                **dict.fromkeys(VOLUME_FLAGS, self._volume),
                **dict.fromkeys(USER_FLAGS, self._user),
                **dict.fromkeys(NETWORK_FLAGS, self._network),
                "--mount": self._mount,
            }.get(flag_name)
            if handler is None:
                raise UnsupportedPackageError(
                    f"The package asks the container runtime for `{flag_name}`, which the console "
                    "does not grant (host network, privileges, devices, capabilities and other "
                    "runtime options stay under its own control)."
                )
            handler(flag_name, raw)

    def _value(self, flag_name: str, raw: dict[str, Any]) -> str:
        """The flag's value as a template; without a fixed value the user answers it."""
        value = text(raw.get("value"))
        if value is None:
            label = first_text(raw, "valueHint", "value_hint") or flag_name
            return self.inputs.template(self.inputs.parameter(label, raw))
        return self.inputs.substitute(value, as_dict(raw.get("variables")), f"`{flag_name}`")

    def _env(self, flag_name: str, raw: dict[str, Any]) -> None:
        value = text(raw.get("value"))
        if value is None or "=" not in value:
            raise UnsupportedPackageError(
                f"The runtime flag `{flag_name}` has no fixed `NAME=value`, so the console cannot "
                "tell which variable it sets."
            )
        name, _, assigned = value.partition("=")
        add_env(self.inputs, self.env, {**raw, "name": name, "value": assigned or None})

    def _volume(self, flag_name: str, raw: dict[str, Any]) -> None:
        self.run.volumes.append(self._value(flag_name, raw))

    def _mount(self, flag_name: str, raw: dict[str, Any]) -> None:
        """`--mount type=bind,src=...,dst=...[,readonly]` as the volume `src:dst[:ro]`."""
        fields: dict[str, str] = {}
        for part in self._value(flag_name, raw).split(","):
            key, _, value = part.partition("=")
            fields[MOUNT_KEYS.get(key.strip(), key.strip())] = value.strip()
        read_only = fields.pop("readonly", fields.pop("ro", None))
        if fields.pop("type", "") != "bind" or set(fields) != {"src", "dst"}:
            raise UnsupportedPackageError(
                "The runtime flag `--mount` is supported only as `type=bind,src=...,dst=...` "
                "(optionally `readonly`)."
            )
        suffix = ":ro" if read_only is not None and read_only in ("", "true", "1") else ""
        self.run.volumes.append(f"{fields['src']}:{fields['dst']}{suffix}")

    def _user(self, flag_name: str, raw: dict[str, Any]) -> None:
        self.run.user = self._value(flag_name, raw)

    def _network(self, flag_name: str, raw: dict[str, Any]) -> None:
        network = text(raw.get("value")) or ""
        if network == "none":
            self.run.disable_network = True
        elif network not in ("bridge", "default"):
            raise UnsupportedPackageError(
                f"The package asks for `{flag_name} {network}`; the console runs containers on "
                "its own bridge network, or none."
            )


def add_env(inputs: Inputs, env: list[EnvTemplate], raw: dict[str, Any]) -> None:
    """One environment variable: a secret (references only), a fixed or templated value, or a
    parameter the user answers (`isRequired`, `default`, `choices`, `format`)."""
    name = text(raw.get("name"))
    if name is None:
        return
    name = check_literal(name, "An environment variable name")
    value = text(raw.get("value"))
    variables = as_dict(raw.get("variables"))
    whole = VARIABLE.fullmatch(value) if value else None
    if whole and is_secret(as_dict(variables.get(whole.group(1)))):
        inputs.secret(name, as_dict(variables[whole.group(1)]))
        return
    if is_secret(raw):
        inputs.secret(name, raw)
        return
    description = text(raw.get("description"))
    required = flag(raw, "isRequired", "is_required")
    if value is not None:
        rendered = inputs.substitute(value, variables, f"The variable `{name}`")
        env.append(
            EnvTemplate(name=name, value=rendered, description=description, required=required)
        )
        return
    param = inputs.parameter(name, raw)
    default = text(raw.get("default"))
    env.append(
        EnvTemplate(
            name=name,
            value=inputs.template(param),
            description=description,
            required=required,
            default=check_literal(default, f"The default of `{name}`") if default else None,
        )
    )


def package_spec(package: dict[str, Any], inputs: Inputs | None = None) -> PackageSpec:
    """The package as shown on the item; `parameter` names the property answering an argument."""
    shown: dict[str, list[PackageArgument]] = {}
    for key, snake in (
        ("runtimeArguments", "runtime_arguments"),
        ("packageArguments", "package_arguments"),
    ):
        shown[key] = []
        for position, raw in enumerate(_arguments(package, key, snake)):
            argument = describe(text(raw.get("type")) or "positional", raw)
            param = parameter_name(_label(raw, position))
            if argument.value is None and inputs is not None and param in inputs.properties:
                argument.parameter = param
            shown[key].append(argument)
    transport = text(as_dict(package.get("transport")).get("type")) or "stdio"
    return PackageSpec(
        registry_type=registry_type(package) or "unknown",
        identifier=first_text(package, "identifier", "name") or "",
        version=text(package.get("version")),
        transport=transport if transport in ("stdio", "streamable-http", "sse") else "stdio",
        runtime_arguments=shown["runtimeArguments"],
        package_arguments=shown["packageArguments"],
    )


def container_plan(inputs: Inputs, package: dict[str, Any]) -> ContainerPlan:
    """Map one OCI package, or raise `UnsupportedPackageError` with the reason."""
    image = image_reference(package)
    runtime = _arguments(package, "runtimeArguments", "runtime_arguments")
    arguments = _arguments(package, "packageArguments", "package_arguments")
    mapper = RuntimeMapper(inputs)
    mapper.apply(runtime)
    mapper.run.command = command_of(inputs, arguments)
    for raw in _arguments(package, "environmentVariables", "environment_variables"):
        add_env(inputs, mapper.env, raw)
    return ContainerPlan(image, mapper.run, mapper.env, package_spec(package, inputs), mapper.notes)
