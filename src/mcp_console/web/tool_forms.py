"""A tool's JSON Schema as HTML form fields, and the submitted form back as typed JSON arguments.

Forms only send strings, while the inspector checks arguments against the tool's schema: `2` must
travel as a number, not `"2"`, and an empty optional field means "not given", not `""`. Prompt
arguments (strings, some required) use the same fields.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

FieldKind = Literal["string", "number", "integer", "boolean", "enum", "json"]
SCALAR_TYPES = ("string", "number", "integer", "boolean")
FIELD_PREFIX = "arg."
BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))


@dataclass(frozen=True)
class FormField:
    """One argument: how to ask for it and how to read the answer back."""

    name: str
    kind: FieldKind
    required: bool = False
    label: str = ""
    description: str | None = None
    default: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def input_name(self) -> str:
        """Prefixed, so an argument called `csrf_token` cannot collide with the form's own."""
        return FIELD_PREFIX + self.name


@dataclass
class Submission:
    """Typed arguments, or the errors (by argument name) that kept them from being built."""

    arguments: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def _declared_type(spec: Mapping[str, Any]) -> str | None:
    """The one non-null type a property allows (`["string", "null"]` and `anyOf` included)."""
    declared = spec.get("type")
    if isinstance(declared, str):
        return declared
    if isinstance(declared, list):
        types = [t for t in declared if t != "null"]
        return types[0] if len(types) == 1 and isinstance(types[0], str) else None
    options = spec.get("anyOf") or spec.get("oneOf")
    if isinstance(options, list):
        found = {_declared_type(o) for o in options if isinstance(o, dict)} - {"null", None}
        return found.pop() if len(found) == 1 else None
    return None


def _kind(spec: Mapping[str, Any]) -> FieldKind:
    if isinstance(spec.get("enum"), list) and spec["enum"]:
        return "enum"
    declared = _declared_type(spec)
    return cast(FieldKind, declared) if declared in SCALAR_TYPES else "json"


def _form_value(kind: FieldKind, value: Any) -> str:
    """How a JSON value (a schema default) is written into the form."""
    if kind == "boolean":
        return "true" if value else "false"
    return json.dumps(value) if kind in ("enum", "json") else str(value)


def _field(name: str, spec: Mapping[str, Any], required: bool) -> FormField:
    kind = _kind(spec)
    choices: tuple[tuple[str, str], ...] = ()
    if kind == "enum":
        choices = tuple((json.dumps(v), str(v)) for v in spec["enum"])
    elif kind == "boolean":
        choices = BOOLEAN_CHOICES
    return FormField(
        name=name,
        kind=kind,
        required=required,
        label=str(spec.get("title") or name),
        description=spec.get("description"),
        default=_form_value(kind, spec["default"]) if "default" in spec else "",
        choices=choices,
    )


def schema_fields(schema: Mapping[str, Any]) -> list[FormField]:
    """One field per property of an object schema, in the schema's order."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return []
    required = set(schema.get("required") or [])
    return [
        _field(name, spec if isinstance(spec, dict) else {}, name in required)
        for name, spec in properties.items()
    ]


def prompt_fields(arguments: Iterable[Mapping[str, Any]]) -> list[FormField]:
    """Prompt arguments are strings; the server says which are required."""
    return [
        FormField(
            name=str(argument["name"]),
            kind="string",
            required=bool(argument.get("required")),
            label=str(argument["name"]),
            description=argument.get("description"),
        )
        for argument in arguments
    ]


def _number(raw: str) -> int | float:
    """An integer literal stays an int (`2` + `3` is `5`, not `5.0`); JSON has no NaN/Infinity."""
    try:
        return int(raw)
    except ValueError:
        value = float(raw)
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


def _no_constant(name: str) -> Any:
    """`NaN` and `Infinity` parse in Python but are not JSON: the API could not receive them."""
    raise ValueError(name)


MESSAGES: dict[FieldKind, str] = {
    "number": "Enter a number, such as 2 or 3.5.",
    "integer": "Enter a whole number, such as 3.",
    "enum": "Choose one of the listed values.",
    "boolean": "Choose true or false.",
    "json": 'Enter valid JSON, such as ["a", "b"] or {"key": 1}.',
    "string": "",
}


def _convert(form_field: FormField, raw: str) -> Any:
    """The typed value; `ValueError` carries the message shown beside the field."""
    try:
        if form_field.kind == "number":
            return _number(raw)
        if form_field.kind == "integer":
            return int(raw)
        if form_field.kind in ("enum", "boolean"):
            allowed = {value for value, _label in form_field.choices}
            if raw not in allowed:
                raise ValueError
            return json.loads(raw)
        if form_field.kind == "json":
            return json.loads(raw, parse_constant=_no_constant)
    except ValueError:
        raise ValueError(MESSAGES[form_field.kind]) from None
    return raw


def read_form(fields: Iterable[FormField], form: Mapping[str, Any]) -> Submission:
    """Typed arguments from the submitted form; empty optional fields are left out."""
    submission = Submission()
    for form_field in fields:
        raw = form.get(form_field.input_name)
        text = raw if isinstance(raw, str) else ""
        if form_field.kind != "string":
            text = text.strip()
        submission.values[form_field.name] = text
        if text == "":
            if form_field.required:
                submission.errors[form_field.name] = "Required: enter a value."
            continue
        try:
            submission.arguments[form_field.name] = _convert(form_field, text)
        except ValueError as exc:
            submission.errors[form_field.name] = str(exc)
    return submission
