"""Sessions live in Redis: several real API processes share them, restarts keep them, and they
expire on time. Concurrent use never loses an update nor revives a logged-out session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from redis import Redis

from tests.conftest import TEST_REDIS_URL
from tests.support.auth import bearer, login_payload, login_user, session_hash
from tests.support.bitwarden import FakeBitwarden
from tests.support.processes import base_env, fresh_key, running_api

CREDENTIAL_KEY = fresh_key()


def _record_key(session_id: str) -> str:
    """Records are named by the keyed hash of the token, never by the token."""
    return f"session:auth:{session_hash(CREDENTIAL_KEY, session_id)}"


def _env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """One env for every process of a test: they must share the encryption keys."""
    return base_env(
        **FakeBitwarden(tmp_path / "vaults").env(),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        DATA_DIR=str(tmp_path / "data"),
        REDIS_URL=TEST_REDIS_URL,
        CREDENTIAL_ENCRYPTION_KEY=CREDENTIAL_KEY,
        **overrides,
    )


@pytest.fixture(scope="module")
def two_apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """Two API processes on different ports, one Redis (started once for the module)."""
    tmp_path = tmp_path_factory.mktemp("two-apis")
    env = _env(tmp_path)
    with running_api(env) as first, running_api(env) as second:
        yield first, second, tmp_path / "vaults"


def _last_activity(client: Redis, key: str) -> int:
    value: str | None = client.hget(key, "last_activity")  # type: ignore[assignment]
    return int(value or 0)


def _check(base_url: str, session_id: str) -> httpx.Response:
    return httpx.get(f"{base_url}/api/auth/session", headers=bearer(session_id), timeout=10)


def _login(base_url: str, vaults: Path, email: str) -> str:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return login_user(client, email, vaults_dir=vaults)


def test_session_from_one_process_is_valid_on_the_other_and_logout_is_seen(
    two_apis: tuple[str, str, Path],
) -> None:
    first, second, vaults = two_apis
    session_id = _login(first, vaults, "shared@example.test")
    on_second = _check(second, session_id)
    assert on_second.status_code == 200
    assert on_second.json()["user_email"] == "shared@example.test"

    assert httpx.post(f"{second}/api/auth/logout", headers=bearer(session_id)).status_code == 200
    gone = _check(first, session_id)
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "SESSION_INVALID"


def test_fifty_concurrent_requests_across_both_processes(
    two_apis: tuple[str, str, Path], raw_redis: Redis
) -> None:
    first, second, vaults = two_apis
    session_id = _login(first, vaults, "busy@example.test")
    key = _record_key(session_id)
    assert raw_redis.exists(key) == 1
    before = _last_activity(raw_redis, key)
    created_expiry = datetime.fromisoformat(_check(first, session_id).json()["expires_at"])
    time.sleep(0.05)

    urls = [first if index % 2 else second for index in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(lambda url: _check(url, session_id), urls))

    assert [r.status_code for r in responses] == [200] * 50
    after = _last_activity(raw_redis, key)
    assert after > before, "last activity advances"
    latest = max(datetime.fromisoformat(r.json()["expires_at"]) for r in responses)
    assert latest > created_expiry, "the sliding expiry moved forward"
    assert _last_activity(raw_redis, key) == after


def test_concurrent_requests_never_revive_a_logged_out_session(
    two_apis: tuple[str, str, Path], raw_redis: Redis
) -> None:
    first, second, vaults = two_apis
    session_id = _login(first, vaults, "race@example.test")

    def hit(index: int) -> int:
        if index == 25:
            return httpx.post(f"{second}/api/auth/logout", headers=bearer(session_id)).status_code
        return _check(first if index % 2 else second, session_id).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(hit, range(50)))
    assert set(codes) <= {200, 401}, codes
    assert raw_redis.exists(_record_key(session_id)) == 0
    assert _check(first, session_id).status_code == 401
    assert _check(second, session_id).status_code == 401


def test_session_survives_an_api_restart(tmp_path: Path, raw_redis: Redis) -> None:
    env = _env(tmp_path)
    with running_api(env) as before:
        session_id = _login(before, tmp_path / "vaults", "restart@example.test")
    with running_api(env) as after:
        response = _check(after, session_id)
    assert response.status_code == 200
    assert response.json()["user_email"] == "restart@example.test"


def test_session_expires_after_the_idle_timeout_and_login_does_not_block(
    tmp_path: Path, raw_redis: Redis
) -> None:
    # 0.05 minutes = 3 s idle timeout; every fake `bw` call takes 0.8 s.
    env = _env(tmp_path, SESSION_TIMEOUT_MINUTES="0.05", BITWARDENCLI_FAKE_DELAY="0.8")
    fake = FakeBitwarden(tmp_path / "vaults")
    fake.add_account("slow@example.test")
    with running_api(env) as api, ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        pending = pool.submit(
            httpx.post, f"{api}/api/auth/login", json=login_payload("slow@example.test"), timeout=30
        )
        health_times = []
        while not pending.done():
            probe = time.monotonic()
            assert httpx.get(f"{api}/health", timeout=5).status_code < 500
            health_times.append(time.monotonic() - probe)
        assert time.monotonic() - started >= 1.6, "login ran two slow bw calls"
        assert len(health_times) >= 5 and max(health_times) < 0.5, health_times
        session_id = pending.result().json()["session_id"]

        time.sleep(2)
        assert _check(api, session_id).status_code == 200, "use renews the sliding expiry"
        time.sleep(2)
        assert _check(api, session_id).status_code == 200
        time.sleep(3.5)
        expired = _check(api, session_id)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "SESSION_INVALID"
