"""The gateway's profile API over HTTP, with real containers, SQLite and Redis: CRUD and
versions, the name-collision rule against live tool lists of real MCP servers, the validate
report, the live status, the secrets policy and isolation between users."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.containers import Console, User, console_fixture  # noqa: F401
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker
PROFILES = "/api/gateway/profiles"
GITHUB_TOKEN = "ghp_" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7d"


def _mcp_server(console: Console, user: User, image: BuiltImage) -> str:
    container_id: str = console.create(user, {"image": image.tag, "stdin_open": True})[
        "container_id"
    ]
    return container_id


def _stopped(console: Console, user: User, image: BuiltImage) -> str:
    container_id: str = console.create(user, {"image": image.tag}, start=False)["container_id"]
    return container_id


def _call(console: Console, user: User, method: str, path: str, **kwargs: Any) -> Any:
    return console.client.request(method, f"{PROFILES}{path}", headers=user.headers, **kwargs)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


def test_profiles_round_trip_with_versions_backups_and_restore(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    server_id = _stopped(console, user, busybox_image)
    listed = _ok(_call(console, user, "GET", ""))
    assert [p["name"] for p in listed["profiles"]] == ["default"]

    body = {"name": "work", "description": "for work", "servers": [{"server_id": server_id}]}
    created = _ok(_call(console, user, "POST", "", json=body), 201)
    assert (created["version"], created["servers"][0]["tools"]) == (1, None)
    assert created["endpoint"] == f"{console.settings.public_url}/mcp/work"
    _error(_call(console, user, "POST", "", json=body), 409, "PROFILE_EXISTS")

    edit = {"version": 1, "servers": [{"server_id": server_id, "tools": ["echo"], "prefix": "bb"}]}
    updated = _ok(_call(console, user, "PUT", "/work", json=edit))
    assert (updated["version"], updated["description"]) == (2, "")
    assert updated["servers"][0] == {
        "kind": "container",
        "server_id": server_id,
        "enabled": True,
        "tools": ["echo"],
        "prefix": "bb",
    }
    stale = _call(console, user, "PUT", "/work", json={**edit, "servers": []})
    assert _error(stale, 409, "CONFIG_CONFLICT")["version"] == 2
    assert _ok(_call(console, user, "GET", "/work"))["servers"] == updated["servers"]

    versions = _ok(_call(console, user, "GET", "/work/versions"))
    assert (versions["current_version"], [v["version"] for v in versions["versions"]]) == (2, [1])
    restored = _ok(_call(console, user, "POST", "/work/versions/1/restore"))
    assert (restored["version"], restored["description"]) == (3, "for work")
    assert restored["servers"][0]["tools"] is None
    _error(_call(console, user, "POST", "/work/versions/9/restore"), 404, "VERSION_NOT_FOUND")
    assert restored["dropped_servers"] == []

    # A version listing a container deleted since is restored without it, and says so.
    gone = _stopped(console, user, busybox_image)
    both = {"version": 3, "servers": [{"server_id": server_id}, {"server_id": gone}]}
    assert _ok(_call(console, user, "PUT", "/work", json=both))["version"] == 4
    one = {"version": 4, "servers": [{"server_id": server_id}]}
    assert _ok(_call(console, user, "PUT", "/work", json=one))["version"] == 5
    deleted = console.client.delete(f"/api/containers/{gone}", headers=user.headers)
    assert deleted.status_code == 204, deleted.text
    restored = _ok(_call(console, user, "POST", "/work/versions/4/restore"))
    assert restored["version"] == 6
    assert [server["server_id"] for server in restored["servers"]] == [server_id]
    assert restored["dropped_servers"] == [gone]

    assert _call(console, user, "DELETE", "/work").status_code == 204
    _error(_call(console, user, "GET", "/work"), 404, "PROFILE_NOT_FOUND")
    _error(_call(console, user, "DELETE", "/default"), 409, "PROFILE_DEFAULT_KEPT")


def test_a_collision_is_refused_naming_both_servers_and_a_prefix_resolves_it(
    console: Console, mcp_server_image: BuiltImage
) -> None:
    user = console.login()
    first = _mcp_server(console, user, mcp_server_image)
    second = _mcp_server(console, user, mcp_server_image)
    names = {c["container_id"]: c["name"] for c in console.listing(user).values()}
    servers: list[dict[str, Any]] = [
        {"server_id": first},
        {"server_id": second, "tools": ["add", "fail"]},
    ]

    refused = _error(
        _call(console, user, "POST", "", json={"name": "both", "servers": servers}),
        422,
        "PROFILE_NAME_COLLISION",
    )
    collisions = refused["collisions"]
    assert {"kind": "tool", "name": "add", "servers": [names[first], names[second]]} in collisions
    assert {(c["kind"], c["name"]) for c in collisions} == {
        ("tool", "add"),
        ("tool", "fail"),
        ("prompt", "summarize"),
        ("resource", "test://greeting"),  # the same URIs: a collision until one has a prefix
        ("resource", "test://environment"),
    }
    assert names[first] in refused["message"] and names[second] in refused["message"]
    # Copies of one server collide on prompts and URIs too: the hint's way out is a prefix.
    assert refused["hint"].startswith("Give one of the two servers a prefix")
    assert "resource URI both offer is then served by the server listed first" in refused["hint"]
    _error(_call(console, user, "GET", "/both"), 404, "PROFILE_NOT_FOUND")

    report = _ok(_call(console, user, "POST", "/both/validate", json={"servers": servers}))
    assert not report["valid"]
    assert {(p["code"], p["path"]) for p in report["problems"]} == {("NAME_COLLISION", "servers.1")}

    servers[1]["prefix"] = "two"
    saved = _ok(_call(console, user, "POST", "", json={"name": "both", "servers": servers}), 201)
    assert saved["servers"][1]["prefix"] == "two"
    status = _ok(_call(console, user, "GET", "/both/status"))
    exposed = {tool["name"]: (tool["server_id"], tool["tool"]) for tool in status["exposed_tools"]}
    assert exposed == {
        "echo": (first, "echo"),
        "env_value": (first, "env_value"),
        "add": (first, "add"),
        "fail": (first, "fail"),
        "two_add": (second, "add"),
        "two_fail": (second, "fail"),
    }
    rows = {row["server_id"]: row for row in status["servers"]}
    assert rows[second]["selected_tools"] == ["add", "fail"]
    assert sorted(rows[second]["available_tools"]) == ["add", "echo", "env_value", "fail"]
    assert rows[first]["state"] == "running" and rows[first]["server_name"] == names[first]

    # Editing the prefix away again is refused by PUT as well, and nothing changes.
    servers[1]["prefix"] = None
    edit = {"version": 1, "servers": servers}
    _error(_call(console, user, "PUT", "/both", json=edit), 422, "PROFILE_NAME_COLLISION")
    assert _ok(_call(console, user, "GET", "/both"))["version"] == 1


def test_validate_reports_schema_paths_unknown_servers_and_tools(
    console: Console, mcp_server_image: BuiltImage, busybox_image: BuiltImage
) -> None:
    user = console.login()
    running = _mcp_server(console, user, mcp_server_image)
    stopped = _stopped(console, user, busybox_image)
    other = console.login()
    foreign = _stopped(console, other, busybox_image)
    running_name = {c["container_id"]: c["name"] for c in console.listing(user).values()}[running]

    schema = _ok(
        _call(
            console,
            user,
            "POST",
            "/default/validate",
            json={"servers": [{"server_id": running, "prefix": "1bad", "tools": ["a", "a"]}]},
        )
    )
    assert not schema["valid"]
    assert {(p["code"], p["path"]) for p in schema["problems"]} == {
        ("SCHEMA", "servers.0.tools"),
        ("SCHEMA", "servers.0.prefix"),
    }
    prefix = next(p for p in schema["problems"] if p["path"] == "servers.0.prefix")
    assert "starting with a letter" in prefix["message"]

    document = {
        "servers": [
            {"server_id": running, "tools": ["echo", "nope"]},
            {"server_id": stopped, "tools": ["whatever"]},
            {"server_id": foreign},
            {"server_id": "no-such-container"},
        ]
    }
    report = _ok(_call(console, user, "POST", "/default/validate", json=document))
    problems = {(p["code"], p["path"]) for p in report["problems"]}
    assert problems == {
        ("UNKNOWN_TOOL", "servers.0.tools.1"),
        ("SERVER_UNREACHABLE", "servers.1"),
        ("UNKNOWN_SERVER", "servers.2.server_id"),
        ("UNKNOWN_SERVER", "servers.3.server_id"),
    }
    assert not report["valid"]
    saved = _call(console, user, "PUT", "/default", json={"version": 1, **document})
    assert _error(saved, 422, "PROFILE_UNKNOWN_SERVER")["servers"] == [
        foreign,
        "no-such-container",
    ]

    # Save refuses what validate reports for a running server; a stopped one cannot be checked.
    lacking = {"servers": [{"server_id": running, "tools": ["echo", "nope"]}]}
    refused = _error(
        _call(console, user, "PUT", "/default", json={"version": 1, **lacking}),
        422,
        "PROFILE_UNKNOWN_TOOL",
    )
    assert refused["fields"] == [
        {"field": "servers.0.tools.1", "message": f"{running_name} has no tool named nope"}
    ]
    assert running_name in refused["message"] and "nope" in refused["message"]
    assert _ok(_call(console, user, "GET", "/default"))["version"] == 1

    warning_only = {"servers": [{"server_id": stopped, "tools": ["whatever"]}]}
    stored = _call(console, user, "PUT", "/default", json={"version": 1, **warning_only})
    assert _ok(stored)["version"] == 2
    report = _ok(_call(console, user, "POST", "/default/validate", json=warning_only))
    assert report["valid"] and [p["code"] for p in report["problems"]] == ["SERVER_UNREACHABLE"]
    assert "created" in report["problems"][0]["message"]


def test_a_secret_in_a_profile_is_refused_by_the_policy(console: Console) -> None:
    user = console.login()
    for body in (
        {"name": "leaky", "description": f"use {GITHUB_TOKEN} for this"},
        {"name": "leaky", "description": "mcpgw_" + "Zx9" * 15},
    ):
        refused = _error(_call(console, user, "POST", "", json=body), 422, "SECRET_IN_PLAIN_TEXT")
        assert refused["fields"][0]["field"] == "description"
        assert GITHUB_TOKEN not in str(refused)
    edit = {"version": 1, "description": f"token {GITHUB_TOKEN}"}
    _error(_call(console, user, "PUT", "/default", json=edit), 422, "SECRET_IN_PLAIN_TEXT")
    report = _ok(_call(console, user, "POST", "/default/validate", json=edit))
    assert [(p["code"], p["path"]) for p in report["problems"]] == [
        ("SECRET_IN_PLAIN_TEXT", "description")
    ]
    assert _ok(_call(console, user, "GET", "/default"))["version"] == 1


def test_another_users_profiles_do_not_exist_for_them(
    console: Console, busybox_image: BuiltImage
) -> None:
    alice, bob = console.login(), console.login()
    server = _stopped(console, alice, busybox_image)
    _ok(_call(console, alice, "POST", "", json={"name": "private", "servers": []}), 201)
    for method, path, body in (
        ("GET", "/private", None),
        ("PUT", "/private", {"version": 1}),
        ("DELETE", "/private", None),
        ("GET", "/private/status", None),
        ("GET", "/private/versions", None),
        ("POST", "/private/versions/1/restore", None),
        ("GET", "/private/client-config?client=generic", None),
        ("GET", "/private/export?format=docker-mcp", None),
        ("GET", "/private/calls", None),
    ):
        _error(_call(console, bob, method, path, json=body), 404, "PROFILE_NOT_FOUND")
    assert [p["name"] for p in _ok(_call(console, bob, "GET", ""))["profiles"]] == ["default"]
    stolen = {"version": 1, "servers": [{"server_id": server}]}
    _error(_call(console, bob, "PUT", "/default", json=stolen), 422, "PROFILE_UNKNOWN_SERVER")
    bob_status = _ok(_call(console, bob, "GET", "/default/status"))
    assert bob_status["servers"] == [] and bob_status["exposed_tools"] == []
    assert _ok(_call(console, alice, "GET", "/private"))["version"] == 1
