"""JSON Schema properties as form fields (tool arguments, prompt arguments, install parameters),
and the submitted strings back as typed JSON values."""

from __future__ import annotations

from mcp_console.inspector.schemas import PromptArgument
from mcp_console.web.schema_forms import (
    REQUIRED,
    FormField,
    Submission,
    error_keys,
    prompt_fields,
    read_form,
    schema_fields,
)

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
    fields = prompt_fields(
        [PromptArgument(name="topic", required=True), PromptArgument(name="style")]
    )
    assert [(f.name, f.kind, f.required) for f in fields] == [
        ("topic", "string", True),
        ("style", "string", False),
    ]
    assert read_form(fields, form(topic="MCP", style="")).arguments == {"topic": "MCP"}
    assert read_form(fields, {}).errors == {"topic": "Required: enter a value."}


def test_a_schema_without_properties_has_no_fields() -> None:
    assert schema_fields({"type": "object"}) == []
    assert schema_fields({"properties": "broken"}) == []


INSTALL_SCHEMA = {
    "type": "object",
    "properties": {
        "region": {"type": "string", "enum": ["eu", "us"]},
        "retries": {"type": "integer", "minimum": 1, "maximum": 5, "default": 3},
        "scale": {"type": "number", "minimum": 0.5},
        "verbose": {"type": "boolean", "default": False},
        "strict": {"type": "boolean"},
        "debug": {"type": "boolean"},
        "label": {"type": ["string", "null"], "description": "Shown name"},
        "size": {"enum": ["2", 2], "default": 2},
    },
    "required": ["region", "strict"],
}


def install_fields() -> dict[str, FormField]:
    fields = schema_fields(INSTALL_SCHEMA, prefix="parameters.")
    return {f.name: f for f in fields}


def answers(**values: str) -> dict[str, str]:
    return {f"parameters.{name}": value for name, value in values.items()}


def test_install_parameters_are_named_by_the_apis_field_paths() -> None:
    fields = install_fields()
    assert fields["region"].input_name == "parameters.region"
    assert read_form(fields.values(), answers(region="eu", strict="true")).arguments == {
        "region": "eu",
        "verbose": False,
        "strict": True,
    }


def test_all_string_options_are_sent_as_text_and_mixed_ones_as_json() -> None:
    fields = install_fields()
    assert fields["region"].choices == (("eu", "eu"), ("us", "us"))
    assert fields["region"].control == "select" and fields["region"].default == ""
    assert fields["size"].choices == (('"2"', "2"), ("2", "2")) and fields["size"].default == "2"
    typed = read_form(fields.values(), answers(region="us", strict="", size='"2"'))
    assert typed.arguments["region"] == "us" and typed.arguments["size"] == "2"
    assert read_form(fields.values(), answers(size="2")).arguments["size"] == 2
    assert "region" in read_form(fields.values(), answers(region='"eu"')).errors


def test_a_boolean_with_a_value_is_a_checkbox_and_one_without_a_three_state_select() -> None:
    fields = install_fields()
    assert (fields["verbose"].control, fields["verbose"].default) == ("checkbox", "false")
    assert fields["strict"].control == "checkbox", "required: unchecked means false"
    assert fields["debug"].control == "select", "optional without default: not set/true/false"
    unchecked = read_form(fields.values(), answers(region="eu"))
    assert unchecked.errors == {}
    assert (unchecked.arguments["verbose"], unchecked.arguments["strict"]) == (False, False)
    assert "debug" not in unchecked.arguments
    chosen = read_form(fields.values(), answers(region="eu", verbose="true", debug="false"))
    assert (chosen.arguments["verbose"], chosen.arguments["debug"]) == (True, False)
    assert "verbose" in read_form(fields.values(), answers(verbose="on")).errors


def test_number_limits_reach_the_input_and_are_checked_when_read() -> None:
    fields = install_fields()
    assert fields["retries"].limits == {"min": "1", "max": "5", "step": "1"}
    assert fields["scale"].limits == {"min": "0.5", "step": "any"}
    assert fields["retries"].default == "3" and fields["region"].limits == {}
    result = read_form(fields.values(), answers(region="eu", retries="9", scale="0.1"))
    assert result.errors == {
        "retries": "Enter a whole number from 1 to 5.",
        "scale": "Enter a number of at least 0.5.",
    }
    within = read_form(fields.values(), answers(region="eu", retries="+5", scale="1e0"))
    assert (within.arguments["retries"], within.arguments["scale"]) == (5, 1.0)
    for refused in ("1_000", "0x10", "1e999", "Infinity"):
        assert "scale" in read_form(fields.values(), answers(scale=refused)).errors, refused
    assert "tags" in read_form(schema_fields(SCHEMA), form(tags="[1e999]")).errors


def test_a_nullable_string_is_a_text_field_kept_as_typed() -> None:
    fields = install_fields()
    label = fields["label"]
    assert (label.kind, label.control, label.required) == ("string", "text", False)
    assert label.description == "Shown name" and label.default == ""
    typed = read_form(fields.values(), answers(region="eu", label=" padded "))
    assert typed.arguments["label"] == " padded "
    assert "label" not in read_form(fields.values(), answers(region="eu", label="")).arguments
    assert schema_fields(SCHEMA)[-1].default == "", "a null default is no default"


NESTED_SCHEMA = {
    "type": "object",
    "properties": {
        "paths": {"type": "array", "items": {"type": "string"}, "default": ["/srv/data"]},
        "ports": {"type": "array", "items": {"type": "integer", "maximum": 9000}},
        "confluence": {
            "type": "object",
            "title": "Confluence",
            "properties": {"url": {"type": "string"}, "cloud": {"type": "boolean"}},
            "required": ["url"],
        },
        "jira": {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]},
        "extra": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["paths"],
}


def nested_fields() -> dict[str, FormField]:
    return {f.name: f for f in schema_fields(NESTED_SCHEMA, "parameters.", structured=True)}


def test_structured_fields_are_groups_and_rows_and_other_forms_keep_json() -> None:
    fields = nested_fields()
    assert {n: f.control for n, f in fields.items()} == {
        "paths": "rows",
        "ports": "rows",
        "confluence": "group",
        "jira": "group",
        "extra": "textarea",
    }
    assert fields["paths"].default_rows == ("/srv/data",) and fields["paths"].required
    assert fields["paths"].row_name(1) == "parameters.paths.1"
    assert fields["ports"].item is not None and fields["ports"].item.control == "number"
    url, cloud = fields["confluence"].children
    assert (url.name, url.property_name, url.input_name) == (
        "confluence.url",
        "url",
        "parameters.confluence.url",
    )
    assert url.required and not cloud.required and fields["confluence"].label == "Confluence"
    assert not url.always_required, "required once its optional group is answered"
    assert url.label == "url", "labelled by its own name inside the group"
    assert fields["paths"].always_required
    deep = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": NESTED_SCHEMA}}},
    }
    [a] = schema_fields(deep, structured=True)
    [b] = a.children
    assert not any(f.always_required for f in b.children), "an optional group around counts"
    assert [f.control for f in schema_fields(NESTED_SCHEMA)][:3] == ["textarea"] * 3


def test_rows_and_groups_are_read_back_as_nested_json() -> None:
    fields = nested_fields()
    submitted = answers(
        **{
            "paths.0": " /a ",
            "paths.2": "",
            "paths.5": "/b",
            "ports.0": " 8080 ",
            "confluence.url": "https://c.example",
            "jira.url": "",
        }
    )
    result = read_form(fields.values(), submitted)
    assert result.errors == {}
    assert result.arguments == {
        "paths": [" /a ", "/b"],
        "ports": [8080],
        "confluence": {"url": "https://c.example"},
    }
    assert result.rows["paths"] == [" /a ", "/b"], "empty rows dropped, order of the numbers"


def test_row_and_group_errors_are_keyed_by_their_field_paths() -> None:
    fields = nested_fields()
    result = read_form(
        fields.values(), answers(**{"ports.0": "80", "ports.1": "x", "ports.3": "9999"})
    )
    assert result.errors == {
        "paths": REQUIRED,
        "ports.1": "Enter a whole number, such as 3.",
        "ports.2": "Enter a whole number of at most 9000.",
    }
    half = read_form(
        fields.values(), answers(**{"paths.0": "/a", "jira.url": "", "confluence.cloud": "true"})
    )
    assert half.errors == {"confluence.url": REQUIRED}, "a started group asks for its required"
    shown = Submission(rows={"paths": []})
    assert shown.shown_rows(fields["paths"]) == [""] and Submission().shown_rows(
        fields["paths"]
    ) == ["/srv/data"]
    assert "parameters.paths.0" in error_keys(fields.values(), Submission())
    assert "parameters.confluence.url" in error_keys(fields.values(), Submission())
