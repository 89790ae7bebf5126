"""Gateway client tokens, client snippets and recent calls over HTTP (real SQLite, Redis and
Docker): a token is shown once, stored only as a keyed hash (byte scan of the database and
Redis), never logged, and reaches only its owner's profile; snippets carry PUBLIC_URL and a
placeholder, never a token."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from mcp_console.app import ROUTERS
from mcp_console.core.logging import configure_logging
from mcp_console.core.sensitive import is_sensitive_path, sensitive_route_patterns
from mcp_console.core.settings import Settings
from mcp_console.gateway.calls import CallLog, Outcome
from mcp_console.gateway.schemas import TOKEN_PLACEHOLDER
from mcp_console.gateway.tokens import TokenPrincipal, TokenService
from tests.support.canary import leaks
from tests.support.containers import Console, running_console, stored_text
from tests.support.images import docker_client_fixture  # noqa: F401

pytestmark = pytest.mark.docker
PUBLIC_URL = "https://console.example.test/base/"
ENDPOINT = "https://console.example.test/base/mcp/default"


@pytest.fixture(name="logged")
def logged_fixture(
    settings: Settings, tmp_path: Path, docker_client: docker.DockerClient
) -> Iterator[tuple[Console, io.StringIO]]:
    """A console that would log request bodies, with its whole log in a string."""
    stream = io.StringIO()
    configure_logging("INFO", json_output=True, stream=stream)
    try:
        with running_console(
            settings, tmp_path, docker_client, log_request_body=True, public_url=PUBLIC_URL
        ) as console:
            yield console, stream
    finally:
        configure_logging("INFO", json_output=False)


def _tokens(console: Console) -> TokenService:
    service: TokenService = console.client.app.state.registry.get(TokenService)  # type: ignore[attr-defined]
    return service


def test_a_token_is_shown_once_hashed_at_rest_and_never_logged(
    logged: tuple[Console, io.StringIO],
) -> None:
    console, log = logged
    alice, bob = console.login(), console.login()
    response = console.client.post(
        "/api/gateway/tokens",
        json={"name": "laptop", "profile": "default", "expires_at": "2999-01-01T00:00:00Z"},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    token = created["token"]
    assert token.startswith("mcpgw_") and created["prefix"] == token[:12]

    listed = console.client.get("/api/gateway/tokens", headers=alice.headers).json()["tokens"]
    assert [(t["id"], t["name"], t["profile"]) for t in listed] == [
        (created["id"], "laptop", "default")
    ]
    assert token not in json.dumps(listed)
    principal = console.client.portal.call(_tokens(console).verify, token)  # type: ignore[union-attr]
    assert principal == TokenPrincipal(created["id"], alice.email, "laptop", "default")
    assert console.client.get("/api/gateway/tokens", headers=bob.headers).json()["tokens"] == []

    places = {name: text.encode() for name, text in stored_text(console).items()}
    places["log"] = log.getvalue().encode()
    assert leaks(places, {"token": token}) == []
    assert is_sensitive_path("/api/gateway/tokens", sensitive_route_patterns(ROUTERS))

    foreign = console.client.delete(f"/api/gateway/tokens/{created['id']}", headers=bob.headers)
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "TOKEN_NOT_FOUND")
    revoked = console.client.delete(f"/api/gateway/tokens/{created['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    assert console.client.portal.call(_tokens(console).verify, token) is None  # type: ignore[union-attr]


def test_token_requests_are_checked(logged: tuple[Console, io.StringIO]) -> None:
    console, _log = logged
    user = console.login()
    for body, status, code in (
        ({"name": "x", "profile": "missing"}, 404, "PROFILE_NOT_FOUND"),
        (
            {"name": "x", "profile": "default", "expires_at": "2001-01-01T00:00:00Z"},
            422,
            "TOKEN_EXPIRY_IN_PAST",
        ),
        ({"name": "", "profile": "default"}, 422, "VALIDATION_ERROR"),
        ({"name": "x", "profile": "Not A Name"}, 422, "VALIDATION_ERROR"),
    ):
        response = console.client.post("/api/gateway/tokens", json=body, headers=user.headers)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert console.client.get("/api/gateway/tokens").status_code == 401
    other = console.login()
    created = console.client.post(
        "/api/gateway/profiles", json={"name": "theirs"}, headers=other.headers
    )
    assert created.status_code == 201, created.text
    foreign = console.client.post(
        "/api/gateway/tokens", json={"name": "x", "profile": "theirs"}, headers=user.headers
    )
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "PROFILE_NOT_FOUND")


def _snippet(console: Console, headers: dict[str, str], client: str) -> dict[str, Any]:
    response = console.client.get(
        "/api/gateway/profiles/default/client-config", params={"client": client}, headers=headers
    )
    assert response.status_code == 200, response.text
    config: dict[str, Any] = response.json()
    assert (config["client"], config["url"], config["token_placeholder"]) == (
        client,
        ENDPOINT,
        True,
    )
    assert "mcpgw_" not in config["snippet"]
    return config


def test_client_snippets_use_public_url_and_a_placeholder(
    logged: tuple[Console, io.StringIO],
) -> None:
    console, _log = logged
    user = console.login()
    bearer = f"Bearer {TOKEN_PLACEHOLDER}"
    code = _snippet(console, user.headers, "claude-code")
    assert code["format"] == "shell"
    assert code["snippet"] == (
        f"claude mcp add --transport http mcp-console-default {ENDPOINT} "
        f'--header "Authorization: {bearer}"'
    )
    expected = {
        "cursor": ("mcpServers", {"url": ENDPOINT, "headers": {"Authorization": bearer}}),
        "vscode": (
            "servers",
            {"type": "http", "url": ENDPOINT, "headers": {"Authorization": bearer}},
        ),
        "windsurf": ("mcpServers", {"serverUrl": ENDPOINT, "headers": {"Authorization": bearer}}),
    }
    for client, (top, entry) in expected.items():
        config = _snippet(console, user.headers, client)
        assert config["format"] == "json" and config["path_hint"]
        assert json.loads(config["snippet"]) == {top: {"mcp-console-default": entry}}
    desktop = json.loads(_snippet(console, user.headers, "claude-desktop")["snippet"])
    bridge = desktop["mcpServers"]["mcp-console-default"]
    assert bridge["command"] == "npx" and ENDPOINT in bridge["args"]
    assert bridge["env"] == {"MCPGW_AUTH_HEADER": bearer}
    generic = json.loads(_snippet(console, user.headers, "generic")["snippet"])
    assert generic == {
        "transport": "streamable-http",
        "url": ENDPOINT,
        "headers": {"Authorization": bearer},
    }
    unknown = console.client.get(
        "/api/gateway/profiles/default/client-config",
        params={"client": "emacs", "token": "mcpgw_x"},
        headers=user.headers,
    )
    assert unknown.status_code == 422


def test_recent_calls_of_a_profile_are_listed_newest_first(
    logged: tuple[Console, io.StringIO],
) -> None:
    console, _log = logged
    user = console.login()
    calls: CallLog = console.client.app.state.registry.get(CallLog)  # type: ignore[attr-defined]
    principal = TokenPrincipal("t", user.email, "laptop", "default")
    cases: list[tuple[str, Outcome]] = [("echo", "success"), ("add", "failure")]
    for name, outcome in cases:
        record = functools.partial(
            calls.record,
            principal,
            server="mcp-x",
            method="tools/call",
            name=name,
            duration_ms=2.0,
            outcome=outcome,
            error_code="TIMEOUT" if outcome == "failure" else None,
        )
        console.client.portal.call(record)  # type: ignore[union-attr]
    response = console.client.get(
        "/api/gateway/profiles/default/calls", params={"limit": 1}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    [latest] = response.json()["calls"]
    assert (latest["name"], latest["outcome"], latest["error_code"]) == (
        "add",
        "failure",
        "TIMEOUT",
    )
    other = console.login()
    listed = console.client.get("/api/gateway/profiles/default/calls", headers=other.headers)
    assert listed.json()["calls"] == []
    too_many = console.client.get(
        "/api/gateway/profiles/default/calls", params={"limit": 501}, headers=user.headers
    )
    assert too_many.status_code == 422
