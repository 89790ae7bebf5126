"""Live logs over WebSocket (and the SSE twin): follow, tail, since, end on stop, redaction."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession

from tests.support.containers import (  # noqa: F401
    Console,
    User,
    VaultSecret,
    console_fixture,
    wait_for,
)
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)

pytestmark = pytest.mark.docker

COUNTER = "trap 'exit 0' TERM; i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done"


def _receive_lines(ws: WebSocketTestSession, count: int) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    while len(lines) < count:
        message = ws.receive_json()
        assert "event" not in message, message
        lines.append(message)
    return lines


def _counter(console: Console, user: User, image: BuiltImage) -> str:
    config = {"image": image.tag, "command": ["sh", "-c", COUNTER]}
    container_id: str = console.create(user, config)["container_id"]
    return container_id


def test_websocket_follows_new_lines_and_ends_when_the_container_stops(
    console: Console, busybox_image: BuiltImage
) -> None:
    user = console.login()
    container_id = _counter(console, user, busybox_image)
    path = f"/api/containers/{container_id}/logs?tail=0"
    with console.client.websocket_connect(path, headers=user.headers) as ws:
        first = _receive_lines(ws, 3)
        numbers = [int(line["line"].split()[1]) for line in first]
        assert numbers == sorted(numbers) and len(set(numbers)) == 3  # new lines, in order
        assert all(line["stream"] == "stdout" and line["time"].endswith("Z") for line in first)
        assert console.action(user, container_id, "stop")["status"] == "exited"
        while (message := ws.receive_json()).get("event") != "end":
            assert "line" in message
        closing = ws.receive()
        assert closing["type"] == "websocket.close" and closing["code"] == 1000


def test_tail_and_since_select_lines(console: Console, busybox_image: BuiltImage) -> None:
    user = console.login()
    container_id = _counter(console, user, busybox_image)
    path = f"/api/containers/{container_id}/logs"
    wait_for(lambda: len(_all_lines(console, user, path)) >= 20)
    tail = _lines(console, user, path, tail="5")
    assert len(tail) == 5
    everything = _all_lines(console, user, path)
    cut = datetime.fromisoformat(everything[10]["time"][:26] + "+00:00").timestamp()
    since = _lines(console, user, path, since=str(cut))
    assert since and since[0]["line"] in {e["line"] for e in everything[9:12]}
    assert "line 0" not in {line["line"] for line in since}
    response = console.client.get(path, params={"since": "yesterday"}, headers=user.headers)
    assert response.status_code == 422


def _lines(console: Console, user: User, path: str, **params: str) -> list[dict[str, Any]]:
    query = "&".join(f"{key}={value}" for key, value in {"follow": "false", **params}.items())
    with console.client.websocket_connect(f"{path}?{query}", headers=user.headers) as ws:
        received = []
        while "event" not in (message := ws.receive_json()):
            received.append(message)
        assert message["event"] == "end"
    return received


def _all_lines(console: Console, user: User, path: str) -> list[dict[str, Any]]:
    return _lines(console, user, path, tail="all")


def test_client_leaving_ends_the_stream(console: Console, busybox_image: BuiltImage) -> None:
    user = console.login()
    container_id = _counter(console, user, busybox_image)
    started = time.monotonic()
    for _ in range(3):
        with console.client.websocket_connect(
            f"/api/containers/{container_id}/logs?tail=1", headers=user.headers
        ) as ws:
            _receive_lines(ws, 1)
    assert time.monotonic() - started < 10
    # The API is still responsive and the container untouched.
    assert console.listing(user)[container_id]["status"] == "running"


def test_unknown_container_websocket_reports_error(console: Console) -> None:
    user = console.login()
    with console.client.websocket_connect("/api/containers/nope/logs", headers=user.headers) as ws:
        message = ws.receive_json()
        assert message == {
            "event": "error",
            "code": "CONTAINER_NOT_FOUND",
            "message": "No such container.",
        }
        assert ws.receive()["code"] == 4404


def test_a_line_with_a_resolved_secret_arrives_masked(
    console: Console, busybox_image: BuiltImage
) -> None:
    secret = VaultSecret("log-item", "hunter2-log-canary-7f3a")
    user = console.login(secret)
    config = {
        "image": busybox_image.tag,
        "command": [
            "sh",
            "-c",
            "trap 'exit 0' TERM; echo value is $TOKEN here; echo plain; sleep 60",
        ],
        "env": {"TOKEN": secret.reference},
    }
    container_id: str = console.create(user, config)["container_id"]
    path = f"/api/containers/{container_id}/logs"
    lines = wait_for(lambda: [line for line in _all_lines(console, user, path) if line["line"]])
    texts = [line["line"] for line in lines]
    assert "plain" in texts
    assert all(secret.value not in text for text in texts)
    # No key=value or token pattern here: only the exact-value registry can mask it.
    assert "value is *** here" in texts
    with console.client.stream(
        "GET", path, params={"follow": False}, headers=user.headers
    ) as response:
        body = response.read().decode()
    assert secret.value not in body and "event: end" in body


def test_another_users_secret_is_plain_text_in_my_stream(
    console: Console, busybox_image: BuiltImage
) -> None:
    """Masking follows the streaming session: a user cannot learn from a `***` in their own
    stream that a guess equals another user's secret."""
    secret = VaultSecret("log-item-alice", "alice-log-canary-9c1d-77")
    alice, bob = console.login(secret), console.login()

    def echoing(user: User, text: str, env: dict[str, str]) -> list[str]:
        script = f"trap 'exit 0' TERM; echo value is {text} here; sleep 60"
        config = {"image": busybox_image.tag, "command": ["sh", "-c", script], "env": env}
        path = f"/api/containers/{console.create(user, config)['container_id']}/logs"
        lines = wait_for(lambda: [line for line in _all_lines(console, user, path) if line["line"]])
        return [line["line"] for line in lines]

    assert echoing(alice, "$TOKEN", {"TOKEN": secret.reference}) == ["value is *** here"]
    assert echoing(bob, secret.value, {}) == [f"value is {secret.value} here"]
