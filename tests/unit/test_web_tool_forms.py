"""A tool's inputSchema as form fields, and the submitted strings back as typed JSON arguments."""

from __future__ import annotations

from mcp_console.web.tool_forms import prompt_fields, read_form, schema_fields

SCHEMA = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "What to say"},
        "count": {"type": "integer", "default": 3},
        "ratio": {"type": "number", "title": "Ratio"},
        "loud": {"type": "boolean", "default": False},
        "mode": {"enum": ["fast", "slow", 2]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["text", "count"],
}


def form(**values: str) -> dict[str, str]:
    return {f"arg.{name}": value for name, value in values.items()}


def test_each_property_becomes_a_field_of_its_kind_with_required_and_defaults() -> None:
    fields = {field.name: field for field in schema_fields(SCHEMA)}
    assert [f.name for f in schema_fields(SCHEMA)] == list(SCHEMA["properties"])
    assert {name: field.kind for name, field in fields.items()} == {
        "text": "string",
        "count": "integer",
        "ratio": "number",
        "loud": "boolean",
        "mode": "enum",
        "tags": "json",
        "note": "string",
    }
    assert fields["text"].required and fields["count"].required and not fields["ratio"].required
    assert fields["text"].description == "What to say"
    assert fields["ratio"].label == "Ratio" and fields["text"].label == "text"
    assert (fields["count"].default, fields["loud"].default, fields["text"].default) == (
        "3",
        "false",
        "",
    )
    assert fields["mode"].choices == (('"fast"', "fast"), ('"slow"', "slow"), ("2", "2"))
    assert fields["loud"].choices == (("true", "true"), ("false", "false"))
    assert fields["text"].input_name == "arg.text"


def test_the_form_is_read_back_as_typed_arguments_and_empty_optionals_are_left_out() -> None:
    submitted = form(
        text="hello", count=" 7 ", ratio="2", loud="true", mode="2", tags='["a", "b"]', note=""
    )
    result = read_form(schema_fields(SCHEMA), submitted)
    assert result.errors == {}
    assert result.arguments == {
        "text": "hello",
        "count": 7,
        "ratio": 2,
        "loud": True,
        "mode": 2,
        "tags": ["a", "b"],
    }
    assert isinstance(result.arguments["ratio"], int)  # 2 + 3 is 5, not 5.0
    decimal = read_form(schema_fields(SCHEMA), form(text="x", count="1", ratio="3.5"))
    assert decimal.arguments["ratio"] == 3.5


def test_missing_required_and_untypable_values_are_errors_beside_their_fields() -> None:
    submitted = form(text="", count="2.5", ratio="abc", loud="maybe", mode='"other"', tags="[1,")
    result = read_form(schema_fields(SCHEMA), submitted)
    assert set(result.errors) == {"text", "count", "ratio", "loud", "mode", "tags"}
    assert result.errors["text"].startswith("Required")
    assert "whole number" in result.errors["count"]
    assert "number" in result.errors["ratio"]
    assert result.arguments == {}
    assert result.values["ratio"] == "abc"  # kept, so the form shows what was typed
    assert "ratio" in read_form(schema_fields(SCHEMA), form(ratio="inf")).errors  # not JSON
    assert "ratio" in read_form(schema_fields(SCHEMA), form(ratio="nan")).errors
    assert "tags" in read_form(schema_fields(SCHEMA), form(tags="[NaN]")).errors


def test_prompt_arguments_are_strings_with_the_servers_required_flag() -> None:
    fields = prompt_fields([{"name": "topic", "required": True}, {"name": "style"}])
    assert [(f.name, f.kind, f.required) for f in fields] == [
        ("topic", "string", True),
        ("style", "string", False),
    ]
    assert read_form(fields, form(topic="MCP", style="")).arguments == {"topic": "MCP"}
    assert read_form(fields, {}).errors == {"topic": "Required: enter a value."}


def test_a_schema_without_properties_has_no_fields() -> None:
    assert schema_fields({"type": "object"}) == []
    assert schema_fields({"properties": "broken"}) == []
