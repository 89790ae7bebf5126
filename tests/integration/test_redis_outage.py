"""Redis really stopped (and frozen), then restarted: fast 503s, then recovery without a restart."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.processes import RedisServer, base_env, running_api

# "Within about one second": the client timeout is 0.4 s with one bounded retry; allow for
# process scheduling on a loaded 2-core CI machine.
OUTAGE_ANSWER_BOUND_SECONDS = 2.0


def _timed_get(url: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = httpx.get(url, timeout=10)
    return response, time.perf_counter() - started


def _assert_unavailable(response: httpx.Response, elapsed: float) -> None:
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "REDIS_UNAVAILABLE"
    assert error["hint"]
    assert elapsed < OUTAGE_ANSWER_BOUND_SECONDS


def _wait_for_health(base: str, redis_ok: bool) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body: dict[str, object] = httpx.get(f"{base}/health").json()
        if body["dependencies"]["redis"]["ok"] is redis_ok:  # type: ignore[index]
            return body
        time.sleep(0.2)
    raise AssertionError(f"/health never reported redis ok={redis_ok}")


def test_stopped_then_restarted_redis(private_redis: RedisServer, tmp_path: Path) -> None:
    env = base_env(
        REDIS_URL=private_redis.url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite",
        HEALTH_CHECK_INTERVAL_SECONDS="0.5",
    )
    with running_api(env) as base:
        assert httpx.get(f"{base}/health/redis").status_code == 200

        private_redis.stop()
        for _ in range(3):
            _assert_unavailable(*_timed_get(f"{base}/health/redis"))
        health = _wait_for_health(base, redis_ok=False)
        assert health["status"] == "degraded"

        private_redis.start()  # same port
        deadline = time.monotonic() + 10
        while httpx.get(f"{base}/health/redis").status_code != 200:
            assert time.monotonic() < deadline, "API did not recover after Redis came back"
            time.sleep(0.2)
        assert _wait_for_health(base, redis_ok=True)["status"] == "ok"


def test_hung_redis_answers_503_quickly(private_redis: RedisServer, tmp_path: Path) -> None:
    env = base_env(
        REDIS_URL=private_redis.url, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    with running_api(env) as base:
        assert httpx.get(f"{base}/health/redis").status_code == 200
        private_redis.freeze()
        try:
            _assert_unavailable(*_timed_get(f"{base}/health/redis"))
        finally:
            private_redis.thaw()
        deadline = time.monotonic() + 10
        while httpx.get(f"{base}/health/redis").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)
