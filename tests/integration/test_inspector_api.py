"""The inspector's HTTP routes, in-process, logged in through the real login and the fake `bw`,
against the locally built MCP server image in a container the console created."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mcp_console.core.settings import Settings
from tests.support.auth import fake_bw_settings
from tests.support.containers import Console, User, console_fixture  # noqa: F401
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
    mcp_server_image_fixture,
)

pytestmark = pytest.mark.docker
INIT_SECONDS = 5.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The fake `bw` for logins, and a short handshake limit so the non-MCP case is quick."""
    return fake_bw_settings(settings).model_copy(update={"mcp_init_timeout_seconds": INIT_SECONDS})


def _server(console: Console, user: User, image: BuiltImage, **config: Any) -> str:
    created = console.create(user, {"image": image.tag, "stdin_open": True, **config})
    container_id: str = created["container_id"]
    return container_id


def _get(console: Console, user: User, path: str, **params: Any) -> Any:
    return console.client.get(f"/api/inspector/{path}", headers=user.headers, params=params)


def _post(console: Console, user: User, path: str, body: dict[str, Any]) -> Any:
    return console.client.post(f"/api/inspector/{path}", headers=user.headers, json=body)


def test_inspector_routes_list_and_call(console: Console, mcp_server_image: BuiltImage) -> None:
    user = console.login()
    cid = _server(console, user, mcp_server_image)

    capabilities = _get(console, user, f"{cid}/capabilities")
    assert capabilities.status_code == 200, capabilities.text
    body = capabilities.json()
    assert (body["server_name"], body["server_version"]) == ("console-test-server", "1.0.0")
    assert body["protocol_version"] and body["instructions"]
    assert body["capabilities"]["tools"] and body["capabilities"]["prompts"]

    tools = _get(console, user, f"{cid}/tools").json()
    assert {tool["name"] for tool in tools["tools"]} == {"echo", "env_value", "add", "fail"}
    assert tools["pages"] == 1
    resources = _get(console, user, f"{cid}/resources").json()["resources"]
    assert {r["uri"] for r in resources} == {"test://greeting", "test://environment"}
    prompts = _get(console, user, f"{cid}/prompts").json()["prompts"]
    assert [p["name"] for p in prompts] == ["summarize"]

    called = _post(console, user, f"{cid}/tools/add/call", {"arguments": {"a": 40, "b": 2}})
    assert called.status_code == 200, called.text
    assert called.json()["structured_content"] == {"result": 42.0}

    read = _get(console, user, f"{cid}/resources/read", uri="test://greeting")
    assert read.json()["contents"][0]["text"] == "hello from the console test server"
    prompt = _post(console, user, f"{cid}/prompts/summarize/get", {"arguments": {"topic": "x"}})
    assert prompt.json()["messages"][0]["content"]["text"].startswith("Please summarize x")


def test_invalid_arguments_422_and_tool_errors_as_data(
    console: Console, mcp_server_image: BuiltImage
) -> None:
    user = console.login()
    cid = _server(console, user, mcp_server_image)
    invalid = _post(console, user, f"{cid}/tools/add/call", {"arguments": {"a": "1", "c": 2}})
    assert invalid.status_code == 422, invalid.text
    error = invalid.json()["error"]
    assert error["code"] == "INVALID_TOOL_ARGUMENTS"
    assert {(e["path"], e["validator"]) for e in error["errors"]} == {
        ("a", "type"),
        ("", "required"),
    }
    failed = _post(console, user, f"{cid}/tools/fail/call", {"arguments": {}})
    assert failed.status_code == 200
    assert failed.json()["is_error"] is True
    assert "requested failure" in failed.json()["content"][0]["text"]


def test_session_and_ownership_are_required(console: Console, mcp_server_image: BuiltImage) -> None:
    owner, stranger = console.login(), console.login()
    cid = _server(console, owner, mcp_server_image)
    anonymous = console.client.get(f"/api/inspector/{cid}/tools")
    assert anonymous.status_code == 401
    for response in (
        _get(console, stranger, f"{cid}/capabilities"),
        _get(console, stranger, f"{cid}/tools"),
        _get(console, stranger, f"{cid}/resources/read", uri="test://greeting"),
        _post(console, stranger, f"{cid}/tools/echo/call", {"arguments": {"text": "x"}}),
        _post(console, stranger, f"{cid}/prompts/summarize/get", {"arguments": {}}),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "CONTAINER_NOT_FOUND"


def test_stopped_409_and_non_mcp_502_within_the_limit(
    console: Console, mcp_server_image: BuiltImage, busybox_image: BuiltImage
) -> None:
    user = console.login()
    stopped = _server(console, user, mcp_server_image)
    console.action(user, stopped, "stop")
    response = _get(console, user, f"{stopped}/tools")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONTAINER_NOT_RUNNING"

    not_mcp = _server(console, user, busybox_image)
    started = time.monotonic()
    response = _get(console, user, f"{not_mcp}/capabilities")
    elapsed = time.monotonic() - started
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "MCP_HANDSHAKE_FAILED"
    assert elapsed < INIT_SECONDS + 2.0
