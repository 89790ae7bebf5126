"""The gateway's stored configuration on SQLite and PostgreSQL: profiles (default on first access,
optimistic versions, backups and restore), client tokens (keyed hash, revoke, expiry, key
rotation, throttled last use) and the call log (names only, newest first, pruned)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from mcp_console.audit.service import AuditService
from mcp_console.containers.docker import DockerAdapter
from mcp_console.containers.locks import ContainerLocks
from mcp_console.containers.service import Actor, ContainerService
from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import SecretRegistry
from mcp_console.core.migrate import upgrade_to_head
from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.gateway import schemas
from mcp_console.gateway.calls import PRUNE_EVERY, CallLog
from mcp_console.gateway.events import GatewayEvents
from mcp_console.gateway.models import GatewayCallRow, GatewayTokenRow
from mcp_console.gateway.profiles import ProfileService
from mcp_console.gateway.redis_state import EventHub
from mcp_console.gateway.tokens import TokenPrincipal, TokenService
from mcp_console.inspector.client import McpClient
from mcp_console.inspector.schemas import RemoteServer
from mcp_console.inspector.service import InspectorService
from mcp_console.wiring import Gateway, build_gateway, limits_of, stdio_pool
from tests.support.databases import scratch_postgres_database
from tests.support.gateway import until
from tests.support.processes import fresh_key

pytestmark = pytest.mark.docker
ALICE = Actor("alice@example.test", SessionHash("alice-session"))
BOB = Actor("bob@example.test", SessionHash("bob-session"))


@dataclass
class Store:
    settings: Settings
    database: Database
    gateway: Gateway


class PlainEnv:
    """These tests create no container, so nothing is ever resolved."""

    async def resolve(self, session_hash: SessionHash, env: object, *_: object) -> dict[str, str]:
        raise AssertionError("no container is created here")


@contextlib.asynccontextmanager
async def _unused_remote(_server: RemoteServer) -> AsyncIterator[McpClient]:
    raise AssertionError("no remote server here")
    yield  # pragma: no cover


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Store]:
    async with contextlib.AsyncExitStack() as stack:
        url = settings.database_url
        if request.param == "postgres":
            base = request.getfixturevalue("postgres_url")
            url = await stack.enter_async_context(scratch_postgres_database(base))
        prepared = settings.model_copy(update={"database_url": url, "gateway_profile_backups": 2})
        await asyncio.to_thread(upgrade_to_head, url)
        database = Database(url)
        stack.push_async_callback(database.close)
        redis = RedisService(prepared.redis_url, 1.0)
        stack.push_async_callback(redis.close)
        docker = DockerAdapter(prepared.docker_host)
        stack.push_async_callback(docker.close)
        containers = ContainerService(
            docker, database, PlainEnv(), AuditService(database), ContainerLocks(redis), prepared
        )
        pool = stdio_pool(docker, limits_of(prepared))
        stack.push_async_callback(pool.close)
        inspector = InspectorService(containers, docker, pool, _unused_remote)
        keys = KeyManager.from_settings(prepared, SecretRegistry())
        gateway = build_gateway(prepared, database, keys, containers, inspector)
        yield Store(prepared, database, gateway)


def _body(description: str) -> schemas.ProfileUpdate:
    return schemas.ProfileUpdate(version=1, description=description)


async def test_default_exists_on_first_access_and_unknown_names_are_404(store: Store) -> None:
    profiles = store.gateway.profiles
    default = await profiles.get(ALICE.owner, "default")
    assert (default.version, default.servers, default.description) == (1, [], "")
    assert default.endpoint == f"{store.settings.public_url}/mcp/default"
    listed = await profiles.list(BOB.owner)
    assert [p.name for p in listed.profiles] == ["default"]
    with pytest.raises(AppError) as unknown:
        await profiles.get(ALICE.owner, "work")
    assert (unknown.value.status, unknown.value.code) == (404, "PROFILE_NOT_FOUND")
    with pytest.raises(AppError) as taken:
        await profiles.create(ALICE, schemas.ProfileCreate(name="default"))
    assert (taken.value.status, taken.value.code) == (409, "PROFILE_EXISTS")


async def test_a_stale_version_is_refused_and_changes_nothing(store: Store) -> None:
    profiles = store.gateway.profiles
    await profiles.create(ALICE, schemas.ProfileCreate(name="work", description="first"))
    saved = await profiles.update(ALICE, "work", _body("second"))
    assert (saved.version, saved.description) == (2, "second")
    with pytest.raises(AppError) as stale:
        await profiles.update(ALICE, "work", _body("lost edit"))
    assert (stale.value.status, stale.value.code) == (409, "CONFIG_CONFLICT")
    assert stale.value.details == {"version": 2}
    current = await profiles.get(ALICE.owner, "work")
    assert (current.version, current.description) == (2, "second")
    assert [v.version for v in (await profiles.versions(ALICE.owner, "work")).versions] == [1]


async def test_two_concurrent_edits_of_one_version_store_exactly_one(store: Store) -> None:
    profiles = store.gateway.profiles
    await profiles.create(ALICE, schemas.ProfileCreate(name="race"))
    results = await asyncio.gather(
        *(profiles.update(ALICE, "race", _body(f"edit {n}")) for n in range(4)),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, schemas.Profile)]
    lost = [r for r in results if isinstance(r, AppError)]
    assert len(won) == 1 and len(lost) == 3
    assert {e.code for e in lost} == {"CONFIG_CONFLICT"}
    assert (await profiles.get(ALICE.owner, "race")).description == won[0].description


async def test_backups_keep_the_newest_n_and_restore_makes_a_new_version(store: Store) -> None:
    profiles = store.gateway.profiles
    await profiles.create(ALICE, schemas.ProfileCreate(name="work", description="v1"))
    for version in range(1, 4):
        update = schemas.ProfileUpdate(version=version, description=f"v{version + 1}")
        await profiles.update(ALICE, "work", update)
    history = await profiles.versions(ALICE.owner, "work")
    assert history.current_version == 4
    assert [v.version for v in history.versions] == [3, 2]  # GATEWAY_PROFILE_BACKUPS=2

    restored = await profiles.restore(ALICE, "work", 2)
    assert (restored.version, restored.description) == (5, "v2")
    history = await profiles.versions(ALICE.owner, "work")
    assert [v.version for v in history.versions] == [4, 3]
    with pytest.raises(AppError) as pruned:
        await profiles.restore(ALICE, "work", 1)
    assert (pruned.value.status, pruned.value.code) == (404, "VERSION_NOT_FOUND")
    with pytest.raises(AppError) as others:
        await profiles.versions(BOB.owner, "work")
    assert others.value.code == "PROFILE_NOT_FOUND"


async def test_tokens_verify_until_revoked_or_expired(store: Store) -> None:
    tokens = store.gateway.tokens
    expires_at = datetime.now(UTC) + timedelta(seconds=3)
    created = await tokens.create(
        ALICE.owner, schemas.TokenCreate(name="laptop", profile="default", expires_at=expires_at)
    )
    assert created.token.startswith("mcpgw_") and len(created.token) == 6 + 43
    assert created.prefix == created.token[:12] and not created.expired
    assert await tokens.verify(created.token) == TokenPrincipal(
        created.id, ALICE.owner, "laptop", "default"
    )
    for wrong in (created.token[:-1] + "A", "mcpgw_short", "Bearer " + created.token, ""):
        assert await tokens.verify(wrong) is None

    listed = (await tokens.list(ALICE.owner)).tokens
    assert [(t.id, t.name, t.profile) for t in listed] == [(created.id, "laptop", "default")]
    assert "token" not in listed[0].model_dump()
    assert (await tokens.list(BOB.owner)).tokens == []

    await until(lambda: datetime.now(UTC) > expires_at)
    assert await tokens.verify(created.token) is None  # the remembered expiry is checked
    assert (await tokens.list(ALICE.owner)).tokens[0].expired

    with pytest.raises(AppError) as foreign:
        await tokens.revoke(BOB.owner, created.id)
    assert (foreign.value.status, foreign.value.code) == (404, "TOKEN_NOT_FOUND")
    await tokens.revoke(ALICE.owner, created.id)
    assert (await tokens.list(ALICE.owner)).tokens == []


async def test_token_creation_checks_the_profile_and_the_expiry(store: Store) -> None:
    tokens = store.gateway.tokens
    with pytest.raises(AppError) as unknown:
        await tokens.create(ALICE.owner, schemas.TokenCreate(name="x", profile="nope"))
    assert (unknown.value.status, unknown.value.code) == (404, "PROFILE_NOT_FOUND")
    past = datetime.now(UTC) - timedelta(minutes=1)
    with pytest.raises(AppError) as expired:
        await tokens.create(
            ALICE.owner, schemas.TokenCreate(name="x", profile="default", expires_at=past)
        )
    assert (expired.value.status, expired.value.code) == (422, "TOKEN_EXPIRY_IN_PAST")


async def test_only_a_keyed_hash_is_stored_and_rotation_keeps_tokens_valid(store: Store) -> None:
    created = await store.gateway.tokens.create(
        ALICE.owner, schemas.TokenCreate(name="ci", profile="default")
    )
    old_key = store.settings.credential_encryption_key
    assert old_key is not None
    async with store.database.sessions() as session:
        row = (await session.execute(select(GatewayTokenRow))).scalar_one()
    assert created.token not in str(row.__dict__) and len(row.token_hash) == 64
    old_key_id = row.key_id

    rotated = store.settings.model_copy(
        update={
            "credential_encryption_key": SecretStr(f"{fresh_key()},{old_key.get_secret_value()}")
        }
    )
    keys = KeyManager.from_settings(rotated, SecretRegistry())
    service = TokenService(store.database, keys.gateway_tokens, store.gateway.profiles)
    assert (await service.verify(created.token)) is not None
    async with store.database.sessions() as session:
        moved = (await session.execute(select(GatewayTokenRow))).scalar_one()
    assert moved.key_id == keys.gateway_tokens.current_key_id != old_key_id
    assert moved.token_hash != row.token_hash
    assert (await service.verify(created.token)) is not None
    other = KeyManager.from_settings(
        store.settings.model_copy(update={"credential_encryption_key": SecretStr(fresh_key())}),
        SecretRegistry(),
    )
    stranger = TokenService(store.database, other.gateway_tokens, store.gateway.profiles)
    assert await stranger.verify(created.token) is None


async def test_a_revoke_or_profile_deletion_reaches_every_replicas_cache(store: Store) -> None:
    """Verifications are remembered per process; the event a revoke or a profile deletion
    publishes over Redis makes every replica look those tokens up again at once."""
    heard: list[dict[str, Any]] = []

    async def record(event: dict[str, Any]) -> None:
        heard.append(event)

    async with contextlib.AsyncExitStack() as stack:
        redis = RedisService(store.settings.redis_url, 1.0)
        stack.push_async_callback(redis.close)
        keys = KeyManager.from_settings(store.settings, SecretRegistry())
        replicas: list[tuple[TokenService, ProfileService]] = []
        for _ in range(2):
            events = GatewayEvents(EventHub(redis))
            profiles = ProfileService(
                store.database, events, store.gateway.guard, public_url="http://x", backups=2
            )
            tokens = TokenService(store.database, keys.gateway_tokens, profiles, events)
            events.hub.on_owner_event(tokens.on_event)
            await events.hub.start()
            stack.push_async_callback(events.hub.stop)
            replicas.append((tokens, profiles))
        events.hub.on_owner_event(record)  # the second replica's, after its token cache
        (here, here_profiles), (there, _there_profiles) = replicas
        await here_profiles.create(ALICE, schemas.ProfileCreate(name="work"))
        revoked, kept, deleted = [
            await here.create(ALICE.owner, schemas.TokenCreate(name=name, profile=profile))
            for name, profile in (("a", "default"), ("b", "default"), ("c", "work"))
        ]
        for token in (revoked, kept, deleted):
            assert await there.verify(token.token) is not None  # now remembered there

        await here.revoke(ALICE.owner, revoked.id)
        assert await here.verify(revoked.token) is None
        await until(lambda: any(event.get("reason") == "token" for event in heard))
        assert await there.verify(revoked.token) is None
        assert await there.verify(kept.token) is not None

        await here_profiles.delete(ALICE.owner, "work")
        await until(lambda: any(event.get("reason") == "profile" for event in heard))
        assert await there.verify(deleted.token) is None
        assert await there.verify(kept.token) is not None


async def test_last_use_is_written_at_most_once_a_minute(store: Store) -> None:
    tokens = store.gateway.tokens
    created = await tokens.create(ALICE.owner, schemas.TokenCreate(name="t", profile="default"))
    assert created.last_used_at is None
    await tokens.verify(created.token)
    first = (await tokens.list(ALICE.owner)).tokens[0].last_used_at
    assert first is not None
    marker = datetime(2020, 1, 1, tzinfo=UTC)
    async with store.database.sessions.begin() as session:
        await session.execute(update(GatewayTokenRow).values(last_used_at=marker))
    for _ in range(5):
        assert await tokens.verify(created.token) is not None
    assert (await tokens.list(ALICE.owner)).tokens[0].last_used_at == marker


async def test_deleting_a_profile_revokes_its_tokens_and_default_stays(store: Store) -> None:
    profiles, tokens = store.gateway.profiles, store.gateway.tokens
    await profiles.create(ALICE, schemas.ProfileCreate(name="temp"))
    doomed = await tokens.create(ALICE.owner, schemas.TokenCreate(name="a", profile="temp"))
    kept = await tokens.create(ALICE.owner, schemas.TokenCreate(name="b", profile="default"))
    await profiles.delete(ALICE.owner, "temp")
    assert await tokens.verify(doomed.token) is None
    assert await tokens.verify(kept.token) is not None
    with pytest.raises(AppError) as default:
        await profiles.delete(ALICE.owner, "default")
    assert (default.value.status, default.value.code) == (409, "PROFILE_DEFAULT_KEPT")
    with pytest.raises(AppError) as gone:
        await profiles.delete(ALICE.owner, "temp")
    assert gone.value.code == "PROFILE_NOT_FOUND"


async def test_the_call_log_lists_newest_first_per_profile_and_prunes(store: Store) -> None:
    log = CallLog(store.database, keep=5)
    alice = TokenPrincipal("t1", ALICE.owner, "laptop", "default")
    for n in range(PRUNE_EVERY):
        await log.record(
            alice,
            server="mcp-a",
            method="tools/call",
            name=f"tool{n}",
            duration_ms=1.5,
            outcome="success" if n % 2 else "failure",
            error_code=None if n % 2 else "MCP_ERROR",
        )
    await log.record(
        TokenPrincipal("t2", BOB.owner, "bob", "default"),
        server=None,
        method="tools/list",
        name=None,
        duration_ms=0.5,
        outcome="success",
        error_code=None,
    )
    recent = (await log.recent(ALICE.owner, "default", limit=3)).calls
    assert [c.name for c in recent] == [f"tool{PRUNE_EVERY - n}" for n in range(1, 4)]
    assert (recent[0].token_name, recent[0].server, recent[0].outcome) == (
        "laptop",
        "mcp-a",
        "success",
    )
    assert (await log.recent(ALICE.owner, "other")).calls == []
    async with store.database.sessions() as session:
        owners = (await session.execute(select(GatewayCallRow.owner))).scalars().all()
    assert owners.count(ALICE.owner) == 5  # pruned to `keep` at the PRUNE_EVERY-th row
    assert owners.count(BOB.owner) == 1
