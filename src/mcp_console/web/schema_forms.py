"""A JSON Schema object's properties as HTML form fields, and the submitted strings back as typed
JSON values: the inspector's tool forms (`inputSchema`; prompt arguments, all strings, use the
same fields) and the install form's parameters (`config_schema`).

Forms only send strings, while the API checks values against the schema: `2` must travel as a
number, not `"2"`, and an empty optional field means "not given", not `""`. One set of rules:

- Type: `type`, or the one non-null type of a list (`["string", "null"]`) or of `anyOf`/`oneOf`.
  A non-empty `enum` is a select; objects, arrays and anything untyped are JSON in a text area.
- Enum options are sent as their text when all of them are strings (`eu`), as JSON when the
  types mix (`"2"` and `2` stay apart).
- A boolean that always has a value (required, or with a default) is a two-state checkbox: left
  unchecked it is `false`. Without either it has three states, so it is a select: not set, true,
  false.
- Numbers: an integer literal stays an int (`2` + `3` is `5`, not `5.0`); NaN and Infinity are not
  JSON and are refused; `minimum`/`maximum` become the input's `min`/`max` and are checked here.
- String answers are kept as typed; every other answer is stripped first.

Each form chooses its input names through `prefix`: tool arguments are `arg.<name>`, so an
argument called `csrf_token` cannot collide with the form's own; install parameters are the API's
field paths `parameters.<name>`, so the API's errors keyed that way land beside their field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

FieldKind = Literal["string", "number", "integer", "boolean", "enum", "json"]
Control = Literal["text", "number", "checkbox", "select", "textarea"]
Choices = tuple[tuple[str, str], ...]
SCALAR_TYPES = ("string", "number", "integer", "boolean")
ARGUMENT_PREFIX = "arg."
BOOLEAN_CHOICES: Choices = (("true", "true"), ("false", "false"))
INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
REQUIRED = "Required: enter a value."
MESSAGES: dict[FieldKind, str] = {
    "number": "Enter a number, such as 2 or 3.5.",
    "integer": "Enter a whole number, such as 3.",
    "enum": "Choose one of the listed values.",
    "boolean": "Choose true or false.",
    "json": 'Enter valid JSON, such as ["a", "b"] or {"key": 1}.',
    "string": "",
}


@dataclass(frozen=True)
class FormField:
    """One property: how to ask for it and how to read the answer back."""

    name: str
    kind: FieldKind
    required: bool = False
    label: str = ""
    description: str | None = None
    default: str = ""  # as the input shows it; "" when the schema has none
    choices: Choices = ()  # (submitted value, shown text)
    options: tuple[Any, ...] = ()  # the JSON value of each choice
    minimum: int | float | None = None
    maximum: int | float | None = None
    prefix: str = ARGUMENT_PREFIX

    @property
    def input_name(self) -> str:
        return self.prefix + self.name

    @property
    def control(self) -> Control:
        if self.kind == "boolean" and (self.required or self.default):
            return "checkbox"
        if self.choices:
            return "select"
        if self.kind == "json":
            return "textarea"
        return "number" if self.kind in ("number", "integer") else "text"

    @property
    def free_text(self) -> bool:
        """Typed in rather than picked: it could hold anything, a pasted secret too."""
        return self.control in ("text", "number", "textarea")

    @property
    def limits(self) -> dict[str, str]:
        """`min`/`max`/`step` of a number input, so the browser checks them first."""
        if self.control != "number":
            return {}
        bounds = {"min": self.minimum, "max": self.maximum}
        limits = {attr: str(bound) for attr, bound in bounds.items() if bound is not None}
        return {**limits, "step": "1" if self.kind == "integer" else "any"}


@dataclass
class Submission:
    """Typed values, or the errors (by property name) that kept them from being built."""

    arguments: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def shown(self, form_field: FormField) -> str:
        """What the input shows: the user's last entry, else the schema's default."""
        return self.values.get(form_field.name, form_field.default)


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


def _choices(kind: FieldKind, spec: Mapping[str, Any]) -> tuple[Choices, tuple[Any, ...]]:
    """The (submitted value, shown text) pairs and the JSON value each stands for."""
    if kind == "boolean":
        return BOOLEAN_CHOICES, (True, False)
    if kind != "enum":
        return (), ()
    options = tuple(spec["enum"])
    plain = all(isinstance(option, str) for option in options)
    return tuple((o if plain else json.dumps(o), str(o)) for o in options), options


def _default(kind: FieldKind, choices: Choices, options: tuple[Any, ...], value: Any) -> str:
    """How the schema's default is written into the form ("" for none, or one not offered)."""
    if value is None:
        return ""
    if choices:
        wanted = json.dumps(value)  # so that `true` is not the option `1`
        pairs = zip(choices, options, strict=True)
        return next((sent for (sent, _), o in pairs if json.dumps(o) == wanted), "")
    return json.dumps(value) if kind == "json" else str(value)


def _bound(spec: Mapping[str, Any], key: str) -> int | float | None:
    value = spec.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _field(name: str, spec: Mapping[str, Any], required: bool, prefix: str) -> FormField:
    kind = _kind(spec)
    choices, options = _choices(kind, spec)
    return FormField(
        name=name,
        kind=kind,
        required=required,
        label=str(spec.get("title") or name),
        description=str(spec["description"]) if spec.get("description") else None,
        default=_default(kind, choices, options, spec.get("default")),
        choices=choices,
        options=options,
        minimum=_bound(spec, "minimum"),
        maximum=_bound(spec, "maximum"),
        prefix=prefix,
    )


def schema_fields(schema: Mapping[str, Any], prefix: str = ARGUMENT_PREFIX) -> list[FormField]:
    """One field per property of an object schema, in the schema's order."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return []
    required = set(schema.get("required") or [])
    return [
        _field(str(name), spec if isinstance(spec, dict) else {}, name in required, prefix)
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


def _finite(value: float) -> float:
    """`NaN` and `Infinity` (also `1e999`) parse in Python but are not JSON."""
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _json_float(text: str) -> float:
    return _finite(float(text))


def _number(form_field: FormField, raw: str) -> int | float:
    """An integer literal stays an int; a decimal only where the schema allows one."""
    if INTEGER.fullmatch(raw):
        value: int | float = int(raw)
    elif form_field.kind == "number" and DECIMAL.fullmatch(raw):
        value = _finite(float(raw))
    else:
        raise ValueError(MESSAGES[form_field.kind])
    low, high = form_field.minimum, form_field.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(_range_message(form_field))
    return value


def _range_message(form_field: FormField) -> str:
    noun = "whole number" if form_field.kind == "integer" else "number"
    low, high = form_field.minimum, form_field.maximum
    if low is not None and high is not None:
        return f"Enter a {noun} from {low} to {high}."
    return (
        f"Enter a {noun} of at least {low}."
        if high is None
        else f"Enter a {noun} of at most {high}."
    )


def _convert(form_field: FormField, raw: str) -> Any:
    """The typed value; `ValueError` carries the message shown beside the field."""
    if form_field.choices:
        for (value, _label), option in zip(form_field.choices, form_field.options, strict=True):
            if raw == value:
                return option
        raise ValueError(MESSAGES[form_field.kind])
    if form_field.kind in ("number", "integer"):
        return _number(form_field, raw)
    if form_field.kind == "json":
        try:
            return json.loads(raw, parse_constant=_no_constant, parse_float=_json_float)
        except ValueError:
            raise ValueError(MESSAGES["json"]) from None
    return raw


def read_form(fields: Iterable[FormField], form: Mapping[str, Any]) -> Submission:
    """Typed values from the submitted form; empty optional fields are left out, an unchecked
    checkbox is `false`."""
    submission = Submission()
    for form_field in fields:
        raw = form.get(form_field.input_name)
        text = raw if isinstance(raw, str) else ""
        if form_field.kind != "string":
            text = text.strip()
        submission.values[form_field.name] = text
        if text == "":
            if form_field.control == "checkbox":
                submission.arguments[form_field.name] = False
            elif form_field.required:
                submission.errors[form_field.name] = REQUIRED
            continue
        try:
            submission.arguments[form_field.name] = _convert(form_field, text)
        except ValueError as exc:
            submission.errors[form_field.name] = str(exc)
    return submission
