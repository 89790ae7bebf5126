"""Every container action writes an audit entry (who, what, target, outcome, time), readable at
`GET /api/audit` with filters, only by the user who caused it, and free of secret values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.containers import (  # noqa: F401
    Console,
    User,
    VaultSecret,
    console_fixture,
)
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)

pytestmark = pytest.mark.docker

SECRET = VaultSecret("audit-item", "audit-canary-Vx81-secret")


def _audit(console: Console, caller: User, **params: Any) -> list[dict[str, Any]]:
    response = console.client.get("/api/audit", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def test_each_action_is_audited_with_outcome(console: Console, busybox_image: BuiltImage) -> None:
    user = console.login(SECRET)
    before = datetime.now(UTC) - timedelta(seconds=1)
    config = {"image": busybox_image.tag, "env": {"TOKEN": SECRET.reference}}
    container_id = console.create(user, config, start=False)["container_id"]
    for action in ("start", "stop", "restart"):
        console.action(user, container_id, action)
    console.client.delete(
        f"/api/containers/{container_id}", params={"force": True}, headers=user.headers
    )
    missing = console.client.post("/api/containers/unknown-id/start", headers=user.headers)
    assert missing.status_code == 404
    refused = console.client.post(
        "/api/containers",
        json={"config": {"image": "mcp-console-test/absent:1"}},
        headers=user.headers,
    )
    assert refused.status_code == 404

    entries = _audit(console, user)
    observed = [(e["action"], e["outcome"]) for e in reversed(entries)]
    assert observed == [
        ("container.create", "success"),
        ("container.start", "success"),
        ("container.stop", "success"),
        ("container.restart", "success"),
        ("container.delete", "success"),
        ("container.start", "failure"),
        ("container.create", "failure"),
    ]
    assert all(e["actor"] == user.email for e in entries)
    assert all(datetime.fromisoformat(e["at"]).replace(tzinfo=UTC) >= before for e in entries)
    assert [e["target"] for e in reversed(entries)][:5] == [container_id] * 5
    assert entries[1]["target"] == "unknown-id"
    assert entries[1]["detail"] == "CONTAINER_NOT_FOUND"
    assert entries[0]["detail"] == "IMAGE_NOT_AVAILABLE"
    assert SECRET.value not in str(entries)

    assert [e["action"] for e in _audit(console, user, action="container.stop")] == [
        "container.stop"
    ]
    assert len(_audit(console, user, target=container_id)) == 5
    assert len(_audit(console, user, user=user.email)) == 7
    paged = _audit(console, user, limit=3)
    older = _audit(console, user, limit=10, before_id=paged[-1]["id"])
    assert [e["id"] for e in paged + older] == [e["id"] for e in entries]


def test_users_see_only_their_own_entries(console: Console, busybox_image: BuiltImage) -> None:
    owner, other = console.login(), console.login()
    console.create(owner, {"image": busybox_image.tag})
    assert len(_audit(console, owner)) == 1
    assert _audit(console, other) == []
    assert _audit(console, other, user=owner.email) == []


def test_audit_requires_a_session(console: Console) -> None:
    response = console.client.get("/api/audit")
    assert response.status_code == 401
