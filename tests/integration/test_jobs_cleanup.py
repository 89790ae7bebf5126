"""The cleanup cron removes only leftovers of sessions that no longer exist."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.jobs.cleanup import cleanup_expired_sessions
from tests.conftest import TEST_REDIS_URL


async def test_cleanup_removes_expired_sessions_leftovers_only(
    settings: Settings, redis_client: Redis
) -> None:
    await redis_client.set("session:auth:alive", "{}")
    await redis_client.set("session:gateway:gw-alive", "{}")
    await redis_client.mset(
        {
            "cache:secret:alive:item:password": "x",
            "cache:secret:gone:item:password": "x",
            "cache:secret:gone:item2:username": "x",
        }
    )
    data = settings.data_dir
    for path in ("bitwarden/alive", "bitwarden/gone", "certs/gw-alive", "certs/gw-gone"):
        (data / path).mkdir(parents=True)
        (data / path / "file").write_text("x")

    redis = RedisService(TEST_REDIS_URL)
    counts = await cleanup_expired_sessions(redis, settings.data_dir)
    await redis.close()

    assert counts == {"secret_cache_keys": 2, "directories": 2}
    assert await redis_client.exists("cache:secret:alive:item:password") == 1
    assert await redis_client.exists("cache:secret:gone:item:password") == 0
    remaining = sorted(str(p.relative_to(data)) for p in data.glob("*/*"))
    assert remaining == ["bitwarden/alive", "certs/gw-alive"]


async def test_cleanup_with_nothing_to_do_is_quiet(settings: Settings, redis_client: Redis) -> None:
    redis = RedisService(TEST_REDIS_URL)
    assert await cleanup_expired_sessions(redis, settings.data_dir) == {
        "secret_cache_keys": 0,
        "directories": 0,
    }
    await redis.close()
    assert not Path(settings.data_dir / "bitwarden").exists()
