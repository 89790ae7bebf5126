"""The user's install answers before templates read them: schema defaults filled in, and text
that would look like a template to a later reader refused.

Defaults: a property missing from an object gets the schema's `default` (deep-copied); nested
objects are filled only when the user answered them (or their default made them exist), so an
unanswered optional group (atlassian's `jira`) stays absent.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from mcp_console.secrets.refs import parse_value

MAX_SCHEMA_DEPTH = 32


def with_defaults(schema: Any, value: Any, depth: int = 0) -> Any:
    """`value` with every missing property that has a `default` filled in, recursively."""
    if not isinstance(schema, dict) or not isinstance(value, dict) or depth > MAX_SCHEMA_DEPTH:
        return value
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return value
    filled = dict(value)
    for name, subschema in properties.items():
        if not isinstance(subschema, dict):
            continue
        if name not in filled and "default" in subschema:
            filled[name] = copy.deepcopy(subschema["default"])
        if name in filled:
            filled[name] = with_defaults(subschema, filled[name], depth + 1)
    return filled


def empty_required_arrays(
    schema: Any, value: Any, path: str = "parameters", depth: int = 0
) -> list[tuple[str, str]]:
    """A required array answered `[]` is no answer: `filesystem` would start with no allowed
    directory. Checked in every answered object, recursively (docs/CATALOG.md)."""
    if not isinstance(schema, dict) or not isinstance(value, dict) or depth > MAX_SCHEMA_DEPTH:
        return []
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return []
    required = schema.get("required")
    required = set(required) if isinstance(required, list) else set()
    problems = []
    for name, subschema in properties.items():
        if not isinstance(subschema, dict) or name not in value:
            continue
        if name in required and subschema.get("type") == "array" and value[name] == []:
            problems.append((f"{path}.{name}", "required: give at least one element"))
        problems += empty_required_arrays(subschema, value[name], f"{path}.{name}", depth + 1)
    return problems


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")


def brace_problems(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """Answers may hold `{{ bw:... }}` references (resolved when they land in env) but no other
    braces: a `{{` in an answer must never look like a template to anything after us."""
    problems = []
    for path, text in _strings(parameters, "parameters"):
        spans = parse_value(path, text)  # a malformed reference raises, naming the path
        rest, cursor = [], 0
        for span in spans:
            rest.append(text[cursor : span.start])
            cursor = span.end
        rest.append(text[cursor:])
        literal = " ".join(rest)
        if "{{" in literal or "}}" in literal:
            problems.append(
                (
                    path,
                    "`{{` and `}}` are not allowed in answers (secrets go under "
                    "`secrets` as {{ bw:... }} references)",
                )
            )
    return problems
