"""RedisService helpers against the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from mcp_console.core.errors import RedisUnavailableError
from mcp_console.core.redis import RedisService
from tests.conftest import TEST_REDIS_URL
from tests.support.processes import RedisServer


@pytest.fixture
async def service(redis_client: Redis) -> AsyncIterator[RedisService]:
    svc = RedisService(TEST_REDIS_URL)
    yield svc
    await svc.close()


async def test_json_hash_round_trip_with_ttl(service: RedisService, redis_client: Redis) -> None:
    await service.hash_set_json("h:1", {"a": {"n": 1}, "b": [1, "x"]}, ttl_seconds=60)
    assert await service.hash_get_json("h:1") == {"a": {"n": 1}, "b": [1, "x"]}
    assert 0 < await redis_client.ttl("h:1") <= 60


async def test_json_values_and_delete(service: RedisService, redis_client: Redis) -> None:
    await service.set_json("j:1", {"k": [1, 2]}, ttl_seconds=30)
    await service.set_json("j:2", "v")
    assert await service.get_json("j:1") == {"k": [1, 2]}
    assert 0 < await redis_client.ttl("j:1") <= 30
    assert await service.get_json("j:missing") is None
    assert await service.delete("j:2", "j:1") == 2
    assert await redis_client.exists("j:2", "j:1") == 0


async def test_scripts_run_atomically_with_keys_and_arguments(
    service: RedisService, redis_client: Redis
) -> None:
    script = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCRBY', KEYS[2], ARGV[2])"
    assert await service.run_script(script, ["s:text", "s:count"], ["hello", 5]) == 5
    assert await redis_client.get("s:text") == "hello"


async def test_prefix_delete_uses_scan_and_only_touches_the_prefix(
    service: RedisService, redis_client: Redis
) -> None:
    await redis_client.mset({f"cache:secret:s1:{i}": "x" for i in range(1200)})
    await redis_client.mset({"cache:secret:s2:keep": "x", "cache:secret:s1*literal": "x"})
    assert await service.delete_prefix("cache:secret:s1:") == 1200
    assert sorted(await redis_client.keys("*")) == [
        "cache:secret:s1*literal",
        "cache:secret:s2:keep",
    ]


async def test_unreachable_redis_raises_the_typed_error(private_redis: RedisServer) -> None:
    svc = RedisService(private_redis.url)
    await svc.ping()
    private_redis.stop()
    with pytest.raises(RedisUnavailableError):
        await svc.get_json("anything")
    private_redis.start()
    assert await svc.get_json("anything") is None
    await svc.close()
