"""The Gateway profile form read back into the API's `ProfileUpdate`, and the API's objections
placed on the rows they name, also when the servers changed between rendering and posting."""

from __future__ import annotations

from starlette.datastructures import FormData

from mcp_console.gateway.schemas import ProfileServerStatus, ProfileStatus, ValidationReport
from mcp_console.web.api_client import ApiError, _json_body
from mcp_console.web.gateway_form import (
    ProfileForm,
    read_posted,
    reject,
    report,
    rows_from,
    update_body,
)


def _server(server_id: str, name: str, running: bool = True) -> ProfileServerStatus:
    return ProfileServerStatus(
        kind="container",
        server_id=server_id,
        server_name=name,
        state="running" if running else "exited",
        enabled=False,
        prefix=None,
        available_tools=["echo", "add"] if running else None,
        selected_tools=None,
    )


def _status(*servers: ProfileServerStatus) -> ProfileStatus:
    return ProfileStatus(name="default", version=3, servers=list(servers), exposed_tools=[])


POSTED = FormData(
    [
        ("version", "3"),
        ("servers.10.server_id", "b"),
        ("servers.10.kind", "container"),
        ("servers.10.all_tools", "true"),
        ("servers.10.tools", "echo"),
        ("servers.2.server_id", "a"),
        ("servers.2.kind", "container"),
        ("servers.2.enabled", "true"),
        ("servers.2.prefix", " p "),
        ("servers.2.tools", "echo"),
        ("servers.2.tools", "add"),
    ]
)


def test_rows_are_read_in_the_order_of_their_numbers_into_the_body_the_api_judges() -> None:
    posted = read_posted(POSTED)
    assert [row.server_id for row in posted] == ["a", "b"]
    body = _json_body(update_body("3", "mine", posted))
    assert body == {
        "version": 3,
        "description": "mine",
        "servers": [
            {
                "kind": "container",
                "server_id": "a",
                "enabled": True,
                "tools": ["echo", "add"],
                "prefix": "p",
            },
            {
                "kind": "container",
                "server_id": "b",
                "enabled": False,
                "tools": None,
                "prefix": None,
            },
        ],
    }
    assert _json_body(update_body("x1", "", []))["version"] == "x1", "the API names a bad one"


def test_typed_choices_are_laid_over_the_current_servers_by_id() -> None:
    posted = read_posted(POSTED)
    rows = rows_from(
        _status(_server("b", "beta"), _server("new", "gamma"), _server("a", "alpha")), posted
    )
    assert [(row.name, row.enabled, row.prefix, row.tools) for row in rows] == [
        ("beta", False, "", None),
        ("gamma", False, "", None),
        ("alpha", True, "p", ["echo", "add"]),
    ]
    assert rows[2].picked("add") and not rows_from(_status(_server("a", "alpha")))[0].problems


def test_objections_land_on_the_rows_they_name_and_collisions_on_both_servers() -> None:
    posted = read_posted(POSTED)
    form = ProfileForm(
        "3", "", rows_from(_status(_server("b", "beta"), _server("a", "alpha")), posted)
    )
    error = ApiError(
        422,
        "PROFILE_NAME_COLLISION",
        "Two servers would expose the same name: alpha and beta would both expose the tool echo.",
        fields={"servers.0.prefix": "bad prefix", "description": "too long"},
        details={"collisions": [{"kind": "tool", "name": "echo", "servers": ["alpha", "beta"]}]},
    )
    reject(form, posted, error)
    beta, alpha = form.rows
    assert alpha.problems == ["bad prefix", "The tool echo is also exposed by beta."]
    assert beta.problems == ["The tool echo is also exposed by alpha."]
    assert form.problems == ["description: too long"] and form.alert is error


def test_validation_problems_name_their_servers_on_their_row() -> None:
    posted = read_posted(POSTED)
    form = ProfileForm(
        "3", "", rows_from(_status(_server("a", "alpha"), _server("b", "beta")), posted)
    )
    result = ValidationReport.model_validate(
        {
            "valid": False,
            "problems": [
                {
                    "code": "UNKNOWN_TOOL",
                    "path": "servers.1.tools.0",
                    "message": "no tool zip",
                    "servers": ["beta"],
                },
                {"code": "SCHEMA", "path": "version", "message": "not a number"},
            ],
        }
    )
    report(form, posted, result)
    assert form.rows[1].problems == ["no tool zip (beta)"]
    assert form.problems == ["version: not a number"] and not form.rows[0].problems
