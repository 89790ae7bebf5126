"""`/health` summarises dependencies without waiting on them; `/health/redis` pings live."""

from __future__ import annotations

from pathlib import Path

import httpx

from mcp_console import __version__
from tests.support.processes import base_env, running_api


def test_health_reports_version_and_dependency_summary(tmp_path: Path) -> None:
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")
    with running_api(env) as base:
        body = httpx.get(f"{base}/health").json()
        redis = httpx.get(f"{base}/health/redis")
    assert body["version"] == __version__
    assert body["status"] == "ok"
    assert body["dependencies"]["redis"]["ok"] is True
    assert body["dependencies"]["database"]["ok"] is True
    assert body["dependencies"]["redis"]["latency_ms"] >= 0
    assert redis.status_code == 200 and redis.json()["latency_ms"] >= 0


def test_health_says_degraded_when_the_database_is_unusable(tmp_path: Path) -> None:
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/ro/db.sqlite")
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "db.sqlite").mkdir()  # a directory where the file should be
    with running_api(env) as base:
        body = httpx.get(f"{base}/health").json()
    assert body["status"] == "degraded"
    assert body["dependencies"]["database"]["ok"] is False
    assert body["dependencies"]["redis"]["ok"] is True
