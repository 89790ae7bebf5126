"""Official Registry inputs (arguments, env variables, `{variables}`) as config parameters.

Every value the user answers becomes one property of the item's `config_schema` and is referred
to by a template `{{<root>.<param>}}` (see `catalog/templates.py`), so the Docker-catalog install
path evaluates Official packages too. Inputs that share a name share one parameter (the spec lets
URL and value variables refer to argument and env names); the first declaration shapes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mcp_console.catalog.normalize import as_dict, as_list, first_text, flag, text
from mcp_console.catalog.schemas import PackageArgument, SecretSpec

VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")
_PARAM_CHARS = re.compile(r"[^a-z0-9_]+")
SCHEMA_TYPES = {"string": "string", "filepath": "string", "number": "number", "boolean": "boolean"}


class UnsupportedPackageError(ValueError):
    """The package cannot run as a console container; the message is the user-facing reason."""


def parameter_name(label: str) -> str:
    """`--log-level`, `LOG_LEVEL`, `log.level` -> `log_level`: one template path segment."""
    return _PARAM_CHARS.sub("_", label.lower()).strip("_") or "value"


def check_literal(value: str, what: str) -> str:
    """Catalog text that ends up in a template must not read as one (or as a reference)."""
    if "{{" in value or "}}" in value:
        raise UnsupportedPackageError(
            f"{what} contains `{{{{` or `}}}}`, which the console refuses."
        )
    return value


def _typed(value: str, kind: str) -> Any:
    if kind == "number":
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    if kind == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise ValueError(value)
        return lowered == "true"
    return value


def schema_property(raw: dict[str, Any], repeated: bool = False) -> dict[str, Any]:
    """JSON schema of one input: `format` -> type, `choices` -> enum, `default`, `placeholder`."""
    fmt = text(raw.get("format")) or "string"
    kind = SCHEMA_TYPES.get(fmt, "string")
    choices = [c for c in (text(v) for v in as_list(raw.get("choices"))) if c is not None]
    default = text(raw.get("default"))
    try:
        typed_choices = [_typed(c, kind) for c in choices]
        typed_default = None if default is None else _typed(default, kind)
    except ValueError:  # a `number` whose default is not a number: keep the author's text
        kind, typed_choices, typed_default = "string", choices, default
    item: dict[str, Any] = {"type": kind}
    if fmt == "filepath":
        item["format"] = "filepath"
    if typed_choices:
        item["enum"] = typed_choices
    prop: dict[str, Any] = {"type": "array", "items": item} if repeated else dict(item)
    description = text(raw.get("description"))
    if description:
        prop["description"] = description
    if typed_default is not None:
        prop["default"] = [typed_default] if repeated else typed_default
    placeholder = text(raw.get("placeholder"))
    if placeholder:
        prop["examples"] = [placeholder]
    if repeated and flag(raw, "isRequired", "is_required"):
        prop["minItems"] = 1
    return prop


def describe(kind: str, raw: dict[str, Any], *, name: str | None = None) -> PackageArgument:
    """An argument/header/variable as shown on the item (`PackageSpec`, `RemoteSpec`)."""
    return PackageArgument(
        kind="named" if kind == "named" else "positional",
        name=name or text(raw.get("name")),
        value=text(raw.get("value")),
        value_hint=first_text(raw, "valueHint", "value_hint"),
        description=text(raw.get("description")),
        required=flag(raw, "isRequired", "is_required"),
        default=text(raw.get("default")),
        choices=[c for c in (text(v) for v in as_list(raw.get("choices"))) if c is not None],
        repeated=flag(raw, "isRepeated", "is_repeated"),
        secret=flag(raw, "isSecret", "is_secret"),
        format=text(raw.get("format")),
    )


def is_secret(raw: dict[str, Any]) -> bool:
    return flag(raw, "isSecret", "is_secret")


@dataclass
class Inputs:
    """The parameters and secrets one item asks for, collected while its package is mapped."""

    root: str
    properties: dict[str, Any] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    secrets: list[SecretSpec] = field(default_factory=list)

    def template(self, param: str) -> str:
        return f"{{{{{self.root}.{param}}}}}"

    def parameter(self, label: str, raw: dict[str, Any], repeated: bool = False) -> str:
        """Declare the property answering `raw` (once per name); returns its name."""
        param = parameter_name(label)
        if param not in self.properties:
            self.properties[param] = schema_property(raw, repeated)
            if flag(raw, "isRequired", "is_required"):
                self.required.append(param)
        return param

    def secret(self, env: str, raw: dict[str, Any]) -> None:
        """A secret answered with a reference and handed to the container as `env`."""
        self.secrets.append(
            SecretSpec(
                name=f"{self.root}.{env.lower()}",
                env=env,
                description=text(raw.get("description")),
                required=flag(raw, "isRequired", "is_required"),
            )
        )

    def substitute(self, value: str, variables: dict[str, Any], what: str) -> str:
        """`{var}` placeholders of `value` become templates of parameters; a placeholder with no
        entry in `variables` stays as written (the spec says so). A secret variable cannot be
        part of a larger value: secrets reach a container only as whole env values."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                return match.group(0)
            variable = as_dict(variables[name])
            if is_secret(variable):
                raise UnsupportedPackageError(
                    f"{what} puts the secret `{name}` inside a larger value; the console passes "
                    "secrets only as whole environment variables."
                )
            return self.template(self.parameter(name, variable))

        return VARIABLE.sub(replace, check_literal(value, what))

    def schema(self) -> dict[str, Any] | None:
        if not self.properties:
            return None
        schema: dict[str, Any] = {"type": "object", "properties": self.properties}
        if self.required:
            schema["required"] = self.required
        return schema
