"""A JSON Schema object's properties as HTML form fields, and the submitted strings back as typed
JSON values: the inspector's tool forms (`inputSchema`; prompt arguments, all strings, use the
same fields) and the install form's parameters (`config_schema`).

Forms only send strings, while the API checks values against the schema: `2` must travel as a
number, not `"2"`, and an empty optional field means "not given", not `""`. One set of rules:

- Type: `type`, or the one non-null type of a list (`["string", "null"]`) or of `anyOf`/`oneOf`.
  A non-empty `enum` is a select; objects, arrays and anything untyped are JSON in a text area,
  unless the form asks for `structured` fields (the install form): then an object with
  properties is a group of fields (at most `MAX_DEPTH` deep), read back as a nested object that
  is left out when none of its fields is answered (when one is, its required fields are asked
  for), and an array of strings, numbers, booleans or enum values is a list of rows
  (`<name>.0`, `<name>.1`...) read back in row order with empty rows dropped; a row's error is
  keyed `<name>.<index in the sent list>`, as the API keys its own.
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
field paths (`parameters.<name>`, `parameters.<object>.<name>`, `parameters.<array>.<index>`), so
the API's errors keyed that way land beside their field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from mcp_console.inspector.schemas import PromptArgument

FieldKind = Literal["string", "number", "integer", "boolean", "enum", "json", "array", "object"]
Control = Literal["text", "number", "checkbox", "select", "textarea", "rows", "group"]
Choices = tuple[tuple[str, str], ...]
SCALAR_TYPES = ("string", "number", "integer", "boolean")
ARGUMENT_PREFIX = "arg."
BOOLEAN_CHOICES: Choices = (("true", "true"), ("false", "false"))
MAX_DEPTH = 4  # nested groups shown as fields; deeper objects are JSON text
INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
REQUIRED = "Required: enter a value."
_MISSING = object()  # a field left out of the typed values
MESSAGES: dict[FieldKind, str] = {
    "number": "Enter a number, such as 2 or 3.5.",
    "integer": "Enter a whole number, such as 3.",
    "enum": "Choose one of the listed values.",
    "boolean": "Choose true or false.",
    "json": 'Enter valid JSON, such as ["a", "b"] or {"key": 1}.',
    "string": "",
    "array": "",
    "object": "",
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
    key: str = ""  # the property's own name inside its object ("" for `name`)
    children: tuple[FormField, ...] = ()  # an object's fields
    item: FormField | None = None  # how an array asks for and reads each row
    default_rows: tuple[str, ...] = ()  # an array's default, one text per row
    in_optional_group: bool = False  # required only once its group is answered

    @property
    def always_required(self) -> bool:
        """Whether the browser may demand it: not inside a group the user may leave empty."""
        return self.required and not self.in_optional_group

    @property
    def input_name(self) -> str:
        return self.prefix + self.name

    @property
    def property_name(self) -> str:
        return self.key or self.name

    def row_name(self, index: int) -> str:
        """The input name of an array's row, also the API's field path of that element."""
        return f"{self.input_name}.{index}"

    @property
    def control(self) -> Control:
        if self.kind == "object":
            return "group"
        if self.kind == "array":
            return "rows"
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
        if self.item is not None:
            return self.item.free_text
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
    rows: dict[str, list[str]] = field(default_factory=dict)  # an array's rows, by field name

    def shown(self, form_field: FormField) -> str:
        """What the input shows: the user's last entry, else the schema's default."""
        return self.values.get(form_field.name, form_field.default)

    def shown_rows(self, form_field: FormField) -> list[str]:
        """An array's rows as shown: the entered ones, else the default; at least one row."""
        rows = self.rows.get(form_field.name, list(form_field.default_rows))
        return rows or [""]


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


def _structure(spec: Mapping[str, Any], depth: int) -> FieldKind | None:
    """ "object" for an object with properties within `MAX_DEPTH`, "array" for an array of
    scalars (or enum values); None when the value stays JSON text."""
    declared = _declared_type(spec)
    if declared == "object" and depth < MAX_DEPTH and _properties(spec):
        return "object"
    items = spec.get("items")
    if declared == "array" and isinstance(items, dict) and _kind(items) != "json":
        return "array"
    return None


def _properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties")
    return properties if isinstance(properties, dict) else {}


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


def _default_rows(item: FormField, value: Any) -> tuple[str, ...]:
    """An array default as row texts; elements the rows cannot show leave it out whole."""
    if not isinstance(value, list):
        return ()
    rows = tuple(_default(item.kind, item.choices, item.options, v) for v in value)
    return rows if all(rows) else ()


@dataclass(frozen=True)
class _Level:
    """Where a structured property sits: its input prefix, its group's path and depth, and
    whether that group (or one around it) may be left empty."""

    prefix: str
    depth: int = 0
    path: str = ""
    optional: bool = False

    def inner(self, group: FormField) -> _Level:
        optional = self.optional or not group.required
        return _Level(self.prefix, self.depth + 1, group.name, optional)


def _structured_field(
    key: str, spec: Mapping[str, Any], required: bool, level: _Level
) -> FormField:
    """A property of the install form: a group, a list of rows or a plain field."""
    path = f"{level.path}.{key}" if level.path else key
    plain = replace(
        _field(path, spec, required, level.prefix),
        key=key,
        label=str(spec.get("title") or key),
        in_optional_group=level.optional,
    )
    structure = _structure(spec, level.depth)
    if structure == "object":
        children = _structured_fields(spec, level.inner(plain))
        return replace(plain, kind="object", default="", children=tuple(children))
    if structure == "array":
        item = _field(path, spec["items"], False, level.prefix)
        rows = _default_rows(item, spec.get("default"))
        return replace(plain, kind="array", default="", item=item, default_rows=rows)
    return plain


def _structured_fields(schema: Mapping[str, Any], level: _Level) -> list[FormField]:
    required = set(schema.get("required") or [])
    return [
        _structured_field(str(key), spec if isinstance(spec, dict) else {}, key in required, level)
        for key, spec in _properties(schema).items()
    ]


def schema_fields(
    schema: Mapping[str, Any], prefix: str = ARGUMENT_PREFIX, structured: bool = False
) -> list[FormField]:
    """One field per property of an object schema, in the schema's order; with `structured`,
    objects are groups of fields and arrays of scalars lists of rows."""
    if structured:
        return _structured_fields(schema, _Level(prefix))
    required = set(schema.get("required") or [])
    return [
        _field(str(name), spec if isinstance(spec, dict) else {}, name in required, prefix)
        for name, spec in _properties(schema).items()
    ]


def leaf_fields(fields: Iterable[FormField]) -> Iterator[FormField]:
    """Every field with inputs of its own (scalars and arrays), inside groups too."""
    for form_field in fields:
        if form_field.kind == "object":
            yield from leaf_fields(form_field.children)
        else:
            yield form_field


def entries(fields: Iterable[FormField], submission: Submission) -> Iterator[tuple[str, str]]:
    """(input name, text) of every answered input, rows included."""
    for form_field in leaf_fields(fields):
        if form_field.kind == "array":
            for index, text in enumerate(submission.rows.get(form_field.name, [])):
                yield form_field.row_name(index), text
        elif text := submission.values.get(form_field.name, ""):
            yield form_field.input_name, text


def error_keys(fields: Iterable[FormField], submission: Submission) -> set[str]:
    """The input names an error can be shown beside: each field, group and shown row."""
    keys: set[str] = set()
    for form_field in fields:
        keys.add(form_field.input_name)
        if form_field.kind == "object":
            keys |= error_keys(form_field.children, submission)
        elif form_field.kind == "array":
            rows = submission.shown_rows(form_field)
            keys |= {form_field.row_name(index) for index in range(len(rows))}
    return keys


def prompt_fields(arguments: Iterable[PromptArgument]) -> list[FormField]:
    """Prompt arguments are strings; the server says which are required."""
    return [
        FormField(
            name=argument.name,
            kind="string",
            required=argument.required,
            label=argument.name,
            description=argument.description,
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


def _text(form_field: FormField, raw: Any) -> str:
    text = raw if isinstance(raw, str) else ""
    return text if form_field.kind == "string" else text.strip()


def _read_scalar(form_field: FormField, form: Mapping[str, Any], submission: Submission) -> Any:
    """The field's typed value, or `_MISSING` when it is left out."""
    text = _text(form_field, form.get(form_field.input_name))
    submission.values[form_field.name] = text
    if text == "":
        if form_field.control == "checkbox":
            return False
        if form_field.required:
            submission.errors[form_field.name] = REQUIRED
        return _MISSING
    try:
        return _convert(form_field, text)
    except ValueError as exc:
        submission.errors[form_field.name] = str(exc)
        return _MISSING


def _submitted_rows(form_field: FormField, form: Mapping[str, Any]) -> list[str]:
    """The rows `<name>.<n>` in the order of n (gaps from removed rows are fine), empties out."""
    assert form_field.item is not None
    start = form_field.input_name + "."
    numbered = [
        (int(key[len(start) :]), _text(form_field.item, value))
        for key, value in form.items()
        if key.startswith(start) and key[len(start) :].isdigit()
    ]
    return [text for _, text in sorted(numbered) if text != ""]


def _read_rows(form_field: FormField, form: Mapping[str, Any], submission: Submission) -> Any:
    item = form_field.item
    assert item is not None
    rows = submission.rows[form_field.name] = _submitted_rows(form_field, form)
    if not rows:
        if form_field.required:
            submission.errors[form_field.name] = REQUIRED
        return _MISSING
    values = []
    for index, text in enumerate(rows):
        try:
            values.append(_convert(item, text))
        except ValueError as exc:
            submission.errors[f"{form_field.name}.{index}"] = str(exc)
    return values


def _answered(part: Submission) -> bool:
    return any(part.values.values()) or any(part.rows.values())


def _read_group(form_field: FormField, form: Mapping[str, Any], submission: Submission) -> Any:
    """A nested object; an optional one with no field answered is left out, its own required
    fields then asking for nothing."""
    part = Submission()
    value = _read_fields(form_field.children, form, part)
    submission.values |= part.values
    submission.rows |= part.rows
    if not form_field.required and not _answered(part):
        return _MISSING
    submission.errors |= part.errors
    return value


def _read_fields(
    fields: Iterable[FormField], form: Mapping[str, Any], submission: Submission
) -> dict[str, Any]:
    readers = {"object": _read_group, "array": _read_rows}
    typed: dict[str, Any] = {}
    for form_field in fields:
        value = readers.get(form_field.kind, _read_scalar)(form_field, form, submission)
        if value is not _MISSING:
            typed[form_field.property_name] = value
    return typed


def read_form(fields: Iterable[FormField], form: Mapping[str, Any]) -> Submission:
    """Typed values from the submitted form; empty optional fields are left out, an unchecked
    checkbox is `false`."""
    submission = Submission()
    submission.arguments = _read_fields(fields, form, submission)
    return submission
