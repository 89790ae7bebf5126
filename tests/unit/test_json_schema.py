"""Untrusted JSON schemas: `$ref` stays inside the document, size and work are bounded."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from mcp_console.core.errors import AppError
from mcp_console.core.json_schema import (
    DEFAULT_LIMITS,
    SchemaLimits,
    backtracks,
    schema_problem,
    validation_errors,
)


def _code(schema: Any, instance: Any, limits: SchemaLimits = DEFAULT_LIMITS) -> tuple[str, Any]:
    with pytest.raises(AppError) as caught:
        validation_errors(schema, instance, limits)
    assert caught.value.status == 422
    return caught.value.code, caught.value.details


@pytest.mark.parametrize(
    ("schema", "ref"),
    [
        ({"properties": {"a": {"$ref": "http://127.0.0.1:9/x.json"}}}, "http://127.0.0.1:9/x.json"),
        ({"$ref": "file:///etc/passwd#/x"}, "file:///etc/passwd#/x"),
        ({"$id": "file:///etc/", "properties": {"a": {"$ref": "passwd"}}}, "passwd"),
        ({"$ref": "urn:example:elsewhere"}, "urn:example:elsewhere"),
    ],
)
def test_refs_outside_the_document_are_refused_by_name(schema: Any, ref: str) -> None:
    assert _code(schema, {"a": 1}) == ("SCHEMA_REF_REFUSED", {"ref": ref})


def test_a_ref_outside_is_refused_even_when_no_value_reaches_it() -> None:
    schema = {"properties": {"a": {"anyOf": [{"$ref": "https://x.example/s.json"}]}}}
    refused = ("SCHEMA_REF_REFUSED", {"ref": "https://x.example/s.json"})
    assert _code(schema, {}) == refused
    assert _code(schema, {"b": 1}) == refused
    with pytest.raises(AppError) as caught:
        schema_problem(schema)  # the inspector's check of a tool's schema, before any call
    assert (caught.value.code, caught.value.details) == refused


def test_refs_inside_the_document_and_meta_schemas_work() -> None:
    schema = {"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}}}
    assert [e.validator for e in validation_errors(schema, {"a": 1})] == ["type"]
    assert validation_errors(schema, {"a": "x"}) == []
    meta = {"$ref": "https://json-schema.org/draft/2020-12/schema"}
    assert validation_errors(meta, {"type": "object"}) == []


@pytest.mark.parametrize(
    "schema", [{"$ref": "#"}, {"properties": {"a": {"$ref": "#"}}, "$ref": "#/properties/a"}]
)
def test_self_reference_is_a_422_not_a_recursion_error(schema: Any) -> None:
    assert _code(schema, {"a": 1})[0] == "SCHEMA_TOO_COMPLEX"


def test_self_reference_is_a_422_under_a_tracer_too() -> None:
    """A tracer (coverage, a debugger) moves where the interpreter's recursion limit falls; the
    keyword-nesting cap ends the recursion first, so the answer does not depend on it."""
    calls = 0

    def tracer(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        calls += 1

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        code, details = _code({"$ref": "#"}, {"a": 1})
    finally:
        sys.settrace(previous)
    assert (code, details["limit"]) == ("SCHEMA_TOO_COMPLEX", "recursion without end")
    assert calls > 0


def test_deep_instance_and_schema_are_measured_before_validating() -> None:
    deep = json.loads("[" * 900 + "]" * 900)
    assert _code({}, deep) == (
        "SCHEMA_TOO_COMPLEX",
        {"part": "value", "limit": "nested deeper than 64"},
    )
    nested: dict[str, Any] = {}
    for _ in range(20_000):
        nested = {"items": nested}
    assert _code(nested, [])[1]["part"] == "schema"
    assert _code({}, list(range(10)), SchemaLimits(max_nodes=5))[1]["limit"] == (
        "more than 5 values"
    )


def test_combinatorial_schema_stops_at_the_budget() -> None:
    defs: dict[str, Any] = {"d0": {"type": "integer"}}
    for i in range(1, 30):
        branch = {"$ref": f"#/$defs/d{i - 1}"}
        defs[f"d{i}"] = {"anyOf": [branch, branch, {"type": "string"}]}
    schema = {"$defs": defs, "$ref": "#/$defs/d29"}
    code, details = _code(schema, None, SchemaLimits(max_steps=2_000, seconds=60))
    assert (code, details["limit"]) == ("SCHEMA_TOO_COMPLEX", "step budget exhausted")


def test_schema_problem_names_the_broken_keyword() -> None:
    assert schema_problem({"type": "object"}) is None
    assert schema_problem({"type": 5}) is not None


@pytest.mark.parametrize(
    ("pattern", "risky"),
    [
        (r"^(a+)+$", True),
        (r"(a|aa)*", True),
        (r"(\w+\s?)*$", True),
        (r"(x)\1", True),
        (r"(unclosed", True),
        (r"^[a-z0-9-]+$", False),
        (r"^\d{4}-\d{2}-\d{2}$", False),
        (r"^([a-z]+\.)?[a-z]+$", False),
        (r"^(?:ab|cd){1,5}$", False),
    ],
)
def test_backtracking_patterns_are_recognised(pattern: str, risky: bool) -> None:
    assert backtracks(pattern) is risky


def test_a_backtracking_pattern_is_skipped_the_rest_still_applies() -> None:
    evil = {"type": "string", "pattern": r"^(a+)+$", "maxLength": 10}
    assert [e.validator for e in validation_errors(evil, "a" * 64 + "!")] == ["maxLength"]
    names = {"type": "object", "patternProperties": {r"^(a+)+$": {}, r"^b": {"type": "integer"}}}
    assert [e.validator for e in validation_errors(names, {"a" * 64 + "!": 1, "bb": "x"})] == [
        "type"
    ]
    assert [e.validator for e in validation_errors({"pattern": "^[a-z]+$"}, "A")] == ["pattern"]
