"""`secrets.resolve` through the API and a real worker: 202 + job, owner-only status, and raw
Redis afterwards holds no secret value, no Bitwarden session key and no pickle."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcp_console.core.logging import TOKEN_PATTERNS
from tests.support.auth import settings_session_hash
from tests.support.containers import (  # noqa: F401
    Console,
    VaultSecret,
    console_fixture,
    run_worker,
    stored_text,
)
from tests.support.images import docker_client_fixture  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

API_TOKEN = VaultSecret("resolve-item-1", "canary-resolve-value-31337")
DB_PASSWORD = VaultSecret("resolve-item-2", "canary-db-password-42424")


def test_resolve_job_succeeds_names_keys_and_stores_no_value(console: Console) -> None:
    user = console.login(API_TOKEN, DB_PASSWORD)
    env = {
        "API_TOKEN": API_TOKEN.reference,
        "DB_URL": f"pg://u:{DB_PASSWORD.reference}@db",
        "MODE": "x",
    }
    accepted = console.client.post("/api/secrets/resolve", json={"env": env}, headers=user.headers)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    assert (
        console.client.get(f"/api/jobs/{job_id}", headers=user.headers).json()["status"] == "queued"
    )

    run_worker(console)

    job = console.client.get(f"/api/jobs/{job_id}", headers=user.headers).json()
    assert job["status"] == "succeeded", job
    assert job["result"] == {"resolved": ["API_TOKEN", "DB_URL"], "plain": ["MODE"]}
    stored = stored_text(console)
    name = settings_session_hash(console.settings, user.session_id)
    cache_keys = [key for key in stored if key.startswith(f"cache:secret:{name}:")]
    assert len(cache_keys) == 2  # the values now sit, encrypted, in the session cache
    for key, value in stored.items():
        assert API_TOKEN.value not in value, key
        assert DB_PASSWORD.value not in value, key
        assert not any(pattern.search(value) for pattern in TOKEN_PATTERNS[-1:]), key  # bw key
    for key, value in stored.items():
        if key.startswith(("arq:job:", "arq:result:")):
            json.loads(value)  # JSON, never pickle


def test_other_sessions_job_and_a_random_id_answer_the_same_404(console: Console) -> None:
    owner, other = console.login(API_TOKEN), console.login()
    job_id = console.client.post(
        "/api/secrets/resolve", json={"env": {"A": API_TOKEN.reference}}, headers=owner.headers
    ).json()["job_id"]
    foreign = console.client.get(f"/api/jobs/{job_id}", headers=other.headers)
    missing = console.client.get(f"/api/jobs/{'f' * 32}", headers=other.headers)
    cancel = console.client.post(f"/api/jobs/{job_id}/cancel", headers=other.headers)
    assert foreign.status_code == missing.status_code == cancel.status_code == 404
    assert _without_request_id(foreign.json()) == _without_request_id(missing.json())
    assert _without_request_id(cancel.json()) == _without_request_id(missing.json())
    assert foreign.json()["error"]["code"] == "JOB_NOT_FOUND"
    assert [
        j["job_id"] for j in console.client.get("/api/jobs", headers=other.headers).json()["jobs"]
    ] == []
    assert (
        console.client.post(f"/api/jobs/{job_id}/cancel", headers=owner.headers).json()["status"]
        == "cancelled"
    )


def _without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body["error"].items() if key != "request_id"}


def test_unknown_reference_fails_the_job_naming_it_and_bad_input_is_422(console: Console) -> None:
    user = console.login(API_TOKEN)
    job_id = console.client.post(
        "/api/secrets/resolve",
        json={"env": {"X": "{{ bw:no-such-item:password }}"}},
        headers=user.headers,
    ).json()["job_id"]
    run_worker(console)
    job = console.client.get(f"/api/jobs/{job_id}", headers=user.headers).json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "SECRET_NOT_FOUND"
    assert "no-such-item" in job["error"]["message"]

    malformed = console.client.post(
        "/api/secrets/resolve", json={"env": {"X": "{{ bw:broken }}"}}, headers=user.headers
    )
    plain_token = console.client.post(
        "/api/secrets/resolve", json={"env": {"X": "ghp_" + "a" * 36}}, headers=user.headers
    )
    assert malformed.status_code == 422
    assert plain_token.status_code == 422
    assert plain_token.json()["error"]["code"] == "SECRET_IN_PLAIN_TEXT"
    assert "ghp_" not in plain_token.text
