"""Secret references resolved for a session: one `bw` call per batch, an encrypted cache in
Redis that is the session's alone, and nothing readable left behind."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid

import pytest
from redis.asyncio import Redis

from mcp_console.auth.ratelimit import LoginRateLimiter
from mcp_console.auth.schemas import AuthSession
from mcp_console.auth.service import AuthService
from mcp_console.core.errors import AppError
from mcp_console.core.logging import secret_registry
from mcp_console.core.redis import RedisService
from mcp_console.core.secret_registry import log_session
from mcp_console.core.session_ids import SessionHash
from mcp_console.jobs.cleanup import cleanup_expired_sessions
from mcp_console.secrets.cache import SecretCache
from mcp_console.vault.datadirs import LoginDirectories
from mcp_console.wiring import build_cli, build_session_store
from tests.support.bitwarden import (
    DEFAULT_MASTER_PASSWORD,
    FakeBitwarden,
    fake_bw_fixture,  # noqa: F401
    fixture_items,
    fixture_secret_values,
)
from tests.support.redis_dump import dump_all
from tests.support.secrets import Parts, parts_fixture  # noqa: F401

GH, PG, SLACK = (item["id"] for item in fixture_items())
TEN_REFS = {
    "GH_USER": f"{{{{ bw:{GH}:username }}}}",
    "GH_PASS": f"{{{{bw:{GH}:password}}}}",
    "GH_TOKEN": f"{{{{  bw : {GH} : api_token  }}}}",
    "GH_TOTP": f"{{{{ bw:{GH}:totp }}}}",
    "PG_URL": f"postgres://{{{{ bw:{PG}:username }}}}:{{{{ bw:{PG}:password }}}}@db/app",
    "PG_NOTES": f"{{{{ bw:{PG}:notes }}}}",
    "PG_URI": f"{{{{ bw:{PG}:uri }}}}",
    "SLACK_SIGNING": f"{{{{ bw:{SLACK}:signing secret }}}}",
    "SLACK_PASS": f"{{{{ bw:{SLACK}:password }}}}",
    "PLAIN": "just-a-value",
}
EXPECTED = {
    "GH_USER": "fixture-user-octocat",
    "GH_PASS": "fixture-pass-gh-7Hq2Lx9Vw3",
    "GH_TOKEN": "fixture-token-ghp-Z8x7C6v5B4",
    "GH_TOTP": "JBSWY3DPEHPK3PXPFIXTURE",
    "PG_URL": "postgres://fixture-user-dbadmin:fixture-pass-pg-Kd82Jd72Hs@db/app",
    "PG_NOTES": "fixture-notes-postgres-UHJvZA",
    "PG_URI": "postgresql://db.example.test:5432/app",
    "SLACK_SIGNING": "fixture-signing-Yy6Tt5Rr4",
    "SLACK_PASS": "fixture-pass-slack-Pp9Oo8Ii7",
    "PLAIN": "just-a-value",
}


def _reads(fake: FakeBitwarden, parts: Parts, session: AuthSession) -> int:
    return fake.count("get", "list", appdata=parts.cli_dir(session))


async def test_ten_references_over_three_items_cost_one_call_then_none(
    parts: Parts, fake_bw: FakeBitwarden, redis_client: Redis
) -> None:
    session = await parts.login(fake_bw, "res@example.test")
    assert _reads(fake_bw, parts, session) == 0

    assert await parts.resolver.resolve(session.session_hash, TEN_REFS) == EXPECTED
    assert _reads(fake_bw, parts, session) == 1
    assert fake_bw.count("list", appdata=parts.cli_dir(session)) == 1

    assert await parts.resolver.resolve(session.session_hash, TEN_REFS) == EXPECTED
    assert _reads(fake_bw, parts, session) == 1, "a warm cache makes no bw call"

    prefix = f"cache:secret:{session.session_hash}:"
    cache_keys = [key async for key in redis_client.scan_iter(match=prefix + "*")]
    assert len(cache_keys) == 10, "only the requested fields are kept"
    session_ttl = await redis_client.ttl(f"session:auth:{session.session_hash}")
    for key in cache_keys:
        assert 0 < await redis_client.ttl(key) <= session_ttl


async def test_single_item_uses_get_item(parts: Parts, fake_bw: FakeBitwarden) -> None:
    session = await parts.login(fake_bw, "single@example.test")
    env = {"A": f"{{{{ bw:{GH}:password }}}}", "B": f"{{{{ bw:{GH}:org }}}}"}
    resolved = await parts.resolver.resolve(session.session_hash, env)
    assert resolved == {"A": "fixture-pass-gh-7Hq2Lx9Vw3", "B": "fixture-org-acme"}
    assert fake_bw.count("get", appdata=parts.cli_dir(session)) == 1
    assert fake_bw.count("list", appdata=parts.cli_dir(session)) == 0


async def test_plain_values_need_no_session_or_call(parts: Parts, fake_bw: FakeBitwarden) -> None:
    env = {"A": "plain", "B": "{{ not-a-bw-ref }}"}
    assert await parts.resolver.resolve(SessionHash("no-such-session"), env) == env
    assert fake_bw.count() == 0


async def test_logout_deletes_cache_and_next_login_starts_cold(
    parts: Parts, fake_bw: FakeBitwarden, redis_client: Redis
) -> None:
    first = await parts.login(fake_bw, "cold@example.test")
    await parts.resolver.resolve(first.session_hash, TEN_REFS)
    await parts.auth.logout(first.session_hash)
    assert [key async for key in redis_client.scan_iter(match="cache:secret:*")] == []
    assert not parts.cli_dir(first).exists()
    with pytest.raises(AppError) as invalid:
        await parts.resolver.resolve(first.session_hash, TEN_REFS)
    assert invalid.value.code == "SESSION_INVALID"

    second = await parts.login(fake_bw, "cold@example.test")
    await parts.resolver.resolve(second.session_hash, TEN_REFS)
    assert _reads(fake_bw, parts, second) == 1, "a new login never reuses the old cache"


async def test_raw_redis_holds_no_secret_value_nor_bitwarden_key(
    parts: Parts, fake_bw: FakeBitwarden, redis_client: Redis
) -> None:
    session = await parts.login(fake_bw, "scan@example.test")
    await parts.resolver.resolve(session.session_hash, TEN_REFS)
    record = await redis_client.hgetall(f"session:auth:{session.session_hash}")  # type: ignore[misc]
    bw_key = parts.keys.credential.decrypt(record["bw_key"])
    cli_state = json.loads((parts.cli_dir(session) / "data.json").read_text())
    assert hashlib.sha256(bw_key.encode()).hexdigest() == cli_state["key_hash"]
    assert set(record) == {"email", "bw_key", "created_at", "last_activity", "max_expires_at"}

    dump = await dump_all(redis_client)
    assert sum(key.startswith("cache:secret:") for key in dump) == 10
    text = "\n".join(f"{key} {value}" for key, value in dump.items())
    for secret in [*fixture_secret_values(), bw_key, DEFAULT_MASTER_PASSWORD, session.session_id]:
        assert secret not in text


async def test_unknown_item_or_field_is_422_naming_the_reference_only(
    parts: Parts, fake_bw: FakeBitwarden
) -> None:
    session = await parts.login(fake_bw, "nf@example.test")
    env = {
        "OK": f"{{{{ bw:{GH}:password }}}}",
        "BAD_FIELD": f"{{{{ bw:{GH}:no_such_field }}}}",
        "BAD_ITEM": "{{ bw:00000000-dead-beef-0000-000000000000:password }}",
    }
    with pytest.raises(AppError) as caught:
        await parts.resolver.resolve(session.session_hash, env)
    error = caught.value
    assert (error.code, error.status) == ("SECRET_NOT_FOUND", 422)
    assert f"bw:{GH}:no_such_field" in error.message
    assert "00000000-dead-beef-0000-000000000000" in error.message
    assert "BAD_FIELD" in error.message and "BAD_ITEM" in error.message
    for secret in fixture_secret_values():
        assert secret not in f"{error.message} {error.hint} {error.details}"


async def test_malformed_reference_is_422_with_key_and_position(parts: Parts) -> None:
    env = {"GOOD": "x", "BROKEN": "prefix {{ bw:only-an-item }} suffix"}
    with pytest.raises(AppError) as caught:
        await parts.resolver.resolve(SessionHash("whatever"), env)
    assert caught.value.status == 422
    assert caught.value.details == {"key": "BROKEN", "position": 7}


async def test_secret_slot_values_are_masked_in_their_own_sessions_logs_only(
    parts: Parts, fake_bw: FakeBitwarden
) -> None:
    unique = f"never-seen-before-{uuid.uuid4().hex}"
    items = fixture_items()
    items[2]["fields"][0]["value"] = unique  # a hidden custom field: a secret slot
    owner = await parts.login(fake_bw, "redact@example.test", items)
    other = await parts.login(fake_bw, "other@example.test")
    resolved = await parts.resolver.resolve(owner.session_hash, TEN_REFS)
    assert resolved["SLACK_SIGNING"] == unique

    def scrubbed(session: AuthSession | None, text: str) -> str:
        with log_session(session.session_hash if session else None):
            return secret_registry.scrub(text)

    assert scrubbed(owner, f"leaked {unique}") == "leaked ***"
    assert scrubbed(owner, f"x {EXPECTED['GH_PASS']} {EXPECTED['GH_TOTP']}") == "x *** ***"
    assert scrubbed(other, f"leaked {unique}") == f"leaked {unique}", "not another user's logs"
    assert scrubbed(None, f"leaked {unique}") == f"leaked {unique}", "nor unscoped records"
    # usernames, URIs and text custom fields are not secrets: never masked
    for plain in (EXPECTED["GH_USER"], EXPECTED["PG_URI"]):
        assert scrubbed(owner, plain) == plain

    await parts.auth.logout(owner.session_hash)
    assert scrubbed(owner, f"leaked {unique}") == f"leaked {unique}", "dropped at logout"


async def test_a_declared_secret_env_masks_whatever_field_it_reads(
    parts: Parts, fake_bw: FakeBitwarden
) -> None:
    session = await parts.login(fake_bw, "declared@example.test")
    env = {"API_USER": f"{{{{ bw:{GH}:username }}}}", "ORG": f"{{{{ bw:{GH}:org }}}}"}
    await parts.resolver.resolve(session.session_hash, env, secret_names=["API_USER"])
    with log_session(session.session_hash):
        assert secret_registry.scrub(EXPECTED["GH_USER"]) == "***"
        assert secret_registry.scrub("fixture-org-acme") == "fixture-org-acme"


async def test_expired_session_leftovers_are_removed_by_the_cleanup_job(
    parts: Parts, fake_bw: FakeBitwarden, redis_client: Redis
) -> None:
    session = await parts.login(fake_bw, "expiry@example.test")
    await parts.resolver.resolve(session.session_hash, TEN_REFS)
    data_dir = parts.settings.data_dir
    assert await cleanup_expired_sessions(parts.redis, data_dir) == {
        "secret_cache_keys": 0,
        "directories": 0,
    }
    assert parts.cli_dir(session).is_dir(), "a live session's hashed names match its record"
    await redis_client.delete(f"session:auth:{session.session_hash}")  # what a TTL expiry does
    counts = await cleanup_expired_sessions(parts.redis, data_dir)
    assert counts == {"secret_cache_keys": 10, "directories": 1}
    assert not parts.cli_dir(session).exists()


async def test_failed_logout_cleanup_is_logged_and_retried_by_the_cleanup_job(
    parts: Parts, fake_bw: FakeBitwarden, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    session = await parts.login(fake_bw, "retry@example.test")
    await parts.resolver.resolve(session.session_hash, TEN_REFS)
    unreachable = RedisService("redis://127.0.0.1:1/0", 0.2)
    auth = AuthService(
        cli=build_cli(parts.settings),
        store=build_session_store(parts.settings, parts.redis),
        limiter=LoginRateLimiter(parts.redis, 5, 5, 60),
        cache=SecretCache(unreachable, parts.keys.credential),  # the purge step fails
        dirs=LoginDirectories(parts.settings.data_dir),
        ring=parts.keys.credential,
        hasher=parts.keys.session_hasher,
        registry=secret_registry,
        cli_timeout_seconds=5,
    )
    with caplog.at_level(logging.WARNING, logger="mcp_console.auth"):
        await auth.logout(session.session_hash)
    warning = next(r for r in caplog.records if "cleanup job" in r.getMessage())
    assert "REDIS_UNAVAILABLE" in warning.getMessage()
    assert session.session_id not in warning.getMessage()
    assert await redis_client.exists(f"session:auth:{session.session_hash}") == 0
    assert len([k async for k in redis_client.scan_iter(match="cache:secret:*")]) == 10

    counts = await cleanup_expired_sessions(parts.redis, parts.settings.data_dir)
    assert counts["secret_cache_keys"] == 10
    assert [k async for k in redis_client.scan_iter(match="cache:secret:*")] == []
    await unreachable.close()
