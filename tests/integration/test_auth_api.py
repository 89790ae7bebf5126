"""Login, authenticated calls and logout through the real API (in-process) and the fake `bw`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from mcp_console.app import create_app
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import secret_registry
from mcp_console.core.settings import Settings
from tests.support.auth import (
    bearer,
    fake_bw_settings,
    login_payload,
    login_user,
    settings_session_hash,
)
from tests.support.bitwarden import FakeBitwarden, fake_bw_fixture  # noqa: F401
from tests.support.processes import RedisServer


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, KeyManager.from_settings(settings, secret_registry)))


@pytest.fixture
def api(settings: Settings, fake_bw: FakeBitwarden, raw_redis: Redis) -> Iterator[TestClient]:
    with _client(fake_bw_settings(settings)) as client:
        yield client


def _session(api: TestClient, session_id: str) -> dict[str, object]:
    response = api.get("/api/auth/session", headers=bearer(session_id))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("method", ["master_password", "api_key"])
def test_login_call_logout_flow(api: TestClient, fake_bw: FakeBitwarden, method: str) -> None:
    session_id = login_user(api, "ada@example.test", method=method)
    body = _session(api, session_id)
    assert body["valid"] is True
    assert body["user_email"] == "ada@example.test"
    assert body["session_id"] == session_id
    assert fake_bw.count("sync") == 1, "login syncs the local vault copy"

    logout = api.post("/api/auth/logout", headers=bearer(session_id))
    assert logout.status_code == 200
    assert logout.json() == {"success": True, "message": "Logged out."}
    again = api.get("/api/auth/session", headers=bearer(session_id))
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "SESSION_INVALID"


def test_wrong_master_password_is_401(api: TestClient, fake_bw: FakeBitwarden) -> None:
    fake_bw.add_account("bob@example.test")
    response = api.post("/api/auth/login", json=login_payload("bob@example.test", password="no"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_FAILED"


def test_wrong_api_key_is_401(api: TestClient, fake_bw: FakeBitwarden) -> None:
    account = fake_bw.add_account("kay@example.test")
    payload = login_payload("kay@example.test", "api_key", account.master_password)
    payload.update(client_id=account.client_id, client_secret="wrong")
    response = api.post("/api/auth/login", json=payload)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_FAILED"


def test_api_key_of_another_account_cannot_claim_an_email(
    api: TestClient, fake_bw: FakeBitwarden
) -> None:
    mallory = fake_bw.add_account("mallory@example.test")
    fake_bw.add_account("victim@example.test")
    payload = login_payload("victim@example.test", "api_key", mallory.master_password)
    payload.update(client_id=mallory.client_id, client_secret=mallory.client_secret)
    response = api.post("/api/auth/login", json=payload)
    assert response.status_code == 401


def test_two_step_code_reaches_bw_login(api: TestClient, fake_bw: FakeBitwarden) -> None:
    fake_bw.add_account("tina@example.test", two_step_code="424242")
    without = api.post("/api/auth/login", json=login_payload("tina@example.test"))
    assert without.status_code == 401
    assert "two_step_login_code" in without.json()["error"]["hint"]
    payload = {**login_payload("tina@example.test"), "two_step_login_method": 0}
    response = api.post("/api/auth/login", json={**payload, "two_step_login_code": "424242"})
    assert response.status_code == 200, response.text
    login = [e for e in fake_bw.invocations() if e["command"] == "login"][-1]
    assert login["options"]["--method"] == "0" and login["options"]["--code"] == "***"


@pytest.mark.parametrize(
    ("payload", "missing"),
    [
        ({"method": "api_key", "email": "a@example.test"}, {"client_id", "client_secret"}),
        ({"method": "master_password", "email": "a@example.test"}, {"master_password"}),
    ],
)
def test_missing_fields_are_422_naming_them(
    api: TestClient, payload: dict[str, str], missing: set[str]
) -> None:
    response = api.post("/api/auth/login", json=payload)
    assert response.status_code == 422
    fields = {item["field"].rsplit(".", 1)[-1] for item in response.json()["error"]["fields"]}
    assert missing <= fields


def test_validation_errors_never_echo_the_input(api: TestClient) -> None:
    secret = "pw-never-echoed-" * 100
    payload = {"method": "master_password", "email": "a@example.test", "master_password": secret}
    response = api.post("/api/auth/login", json=payload)
    assert response.status_code == 422
    assert "pw-never-echoed" not in response.text


def test_two_users_have_separate_cli_data_directories(
    api: TestClient, fake_bw: FakeBitwarden, settings: Settings
) -> None:
    first = login_user(api, "one@example.test")
    second = login_user(api, "two@example.test")
    root = settings.data_dir / "bitwarden"
    dirs = {token: root / settings_session_hash(settings, token) for token in (first, second)}
    assert {path.name for path in root.iterdir()} == {path.name for path in dirs.values()}
    for directory in dirs.values():
        assert directory.is_dir()
        assert directory.stat().st_mode & 0o777 == 0o700
        commands = {e["command"] for e in fake_bw.invocations(directory)}
        assert commands == {"login", "sync"}
    assert {e["appdata"] for e in fake_bw.invocations()} == {str(d) for d in dirs.values()}
    state = [Path(d, "data.json").read_text() for d in dirs.values()]
    assert "one@example.test" in state[0] and "one@example.test" not in state[1]

    api.post("/api/auth/logout", headers=bearer(first))
    assert not dirs[first].exists(), "logout removes the CLI data directory"
    assert dirs[second].is_dir()
    assert _session(api, second)["user_email"] == "two@example.test"
    assert fake_bw.count("lock", appdata=dirs[first]) == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer unknown-session"}, {"Authorization": "Basic abc"}],
)
def test_protected_routes_reject_missing_or_unknown_sessions(
    api: TestClient, headers: dict[str, str]
) -> None:
    for method, path in [("GET", "/api/auth/session"), ("POST", "/api/auth/logout")]:
        response = api.request(method, path, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "SESSION_INVALID"


def test_rate_limit_returns_429_after_configured_failures(
    settings: Settings, fake_bw: FakeBitwarden, raw_redis: Redis
) -> None:
    limited = fake_bw_settings(settings).model_copy(update={"login_rate_limit_per_email": 3})
    fake_bw.add_account("eve@example.test")
    bad = login_payload("eve@example.test", password="guess")
    with _client(limited) as client:
        codes = [client.post("/api/auth/login", json=bad).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        blocked = client.post("/api/auth/login", json=login_payload("eve@example.test"))
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "RATE_LIMITED"
        assert 0 < int(blocked.headers["Retry-After"]) <= limited.login_rate_limit_window_seconds
        other = login_user(client, "someone-else@example.test")
        assert other, "another e-mail from the same address is still allowed"
    assert fake_bw.count("login") == 4, "a blocked attempt never reaches bw"


def test_rate_limit_per_address(
    settings: Settings, fake_bw: FakeBitwarden, raw_redis: Redis
) -> None:
    limited = fake_bw_settings(settings).model_copy(update={"login_rate_limit_per_address": 2})
    with _client(limited) as client:
        for index in range(2):
            fake_bw.add_account(f"u{index}@example.test")
            bad = login_payload(f"u{index}@example.test", password="guess")
            assert client.post("/api/auth/login", json=bad).status_code == 401
        fake_bw.add_account("fresh@example.test")
        response = client.post("/api/auth/login", json=login_payload("fresh@example.test"))
        assert response.status_code == 429


def test_missing_cli_is_503(settings: Settings, raw_redis: Redis, tmp_path: Path) -> None:
    missing = settings.model_copy(update={"bitwarden_cli_path": str(tmp_path / "no-bw")})
    with _client(missing) as client:
        response = client.post("/api/auth/login", json=login_payload("x@example.test"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "BITWARDEN_UNAVAILABLE"


def test_redis_stopped_is_503_for_login_and_session_checks(
    settings: Settings, fake_bw: FakeBitwarden, private_redis: RedisServer
) -> None:
    own = fake_bw_settings(settings).model_copy(update={"redis_url": private_redis.url})
    with _client(own) as client:
        session_id = login_user(client, "r@example.test")
        private_redis.stop()
        checks = [
            client.post("/api/auth/login", json=login_payload("r@example.test")),
            client.get("/api/auth/session", headers=bearer(session_id)),
            client.post("/api/auth/logout", headers=bearer(session_id)),
        ]
        for response in checks:
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "REDIS_UNAVAILABLE"
        private_redis.start()


def test_login_logs_neither_credentials_nor_the_bitwarden_session_key(
    api: TestClient, fake_bw: FakeBitwarden, raw_redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        session_id = login_user(api, "quiet@example.test", method="api_key")
        _session(api, session_id)
        keys: KeyManager = api.app.state.keys  # type: ignore[attr-defined]
        name = keys.session_hasher.digest(session_id)
        record = raw_redis.hgetall(f"session:auth:{name}")
        bw_key = keys.credential.decrypt(str(record["bw_key"]))  # type: ignore[index]
        api.post("/api/auth/logout", headers=bearer(session_id))
    account = fake_bw.add_account("quiet@example.test")
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert "login succeeded" in logged
    for secret in (bw_key, account.master_password, account.client_secret):
        assert secret not in logged
