"""Resolves `{{ bw:... }}` references of an env mapping for one session.

Cost model: a `bw` call takes seconds, so one call per batch, whatever the number of references:
cache hits first (no call at all), then every missing item in a single `bw list items` (or
`bw get item` when only one item is missing). Only the requested fields leave the adapter.
"""

from __future__ import annotations

from collections.abc import Mapping

from mcp_console.auth.bitwarden import BitwardenCli
from mcp_console.auth.datadirs import LoginDirectories
from mcp_console.auth.errors import session_invalid
from mcp_console.auth.setup import build_cli, build_session_store
from mcp_console.auth.store import SessionRecord, SessionStore
from mcp_console.core.errors import AppError
from mcp_console.core.keys import KeyManager, KeyRing
from mcp_console.core.logging import SecretRegistry, secret_registry
from mcp_console.core.redis import RedisService
from mcp_console.core.session_ids import SessionHash
from mcp_console.core.settings import Settings
from mcp_console.secrets.cache import SecretCache
from mcp_console.secrets.fields import extract_field
from mcp_console.secrets.refs import ParsedEnv, SecretRef, parse_env


def not_found(parsed: ParsedEnv, refs: list[SecretRef]) -> AppError:
    names = [str(ref) for ref in refs]
    keys = sorted({key for ref in refs for key in parsed.keys_using(ref)})
    return AppError(
        "SECRET_NOT_FOUND",
        f"No such Bitwarden item or field: {', '.join(names)} (used by {', '.join(keys)}).",
        status=422,
        hint="Check the item id (`bw list items`) and the field name; sync runs at login, so "
        "log in again if the item was created since.",
        details={"references": names, "keys": keys},
    )


class SecretResolver:
    """Collaborators come in through the constructor so the API and the worker share it."""

    def __init__(
        self,
        store: SessionStore,
        cache: SecretCache,
        cli: BitwardenCli,
        ring: KeyRing,
        dirs: LoginDirectories,
        registry: SecretRegistry,
    ) -> None:
        self._store = store
        self._cache = cache
        self._cli = cli
        self._ring = ring
        self._dirs = dirs
        self._registry = registry

    async def resolve(self, session_hash: SessionHash, env: Mapping[str, str]) -> dict[str, str]:
        """Plain values as-is, references replaced; 422 for malformed or unknown references."""
        parsed = parse_env(env)
        refs = parsed.refs()
        if not refs:
            return dict(env)
        record = await self._store.touch(session_hash)
        if record is None:
            raise session_invalid()
        values = await self._cache.get_many(session_hash, refs)
        missing = [ref for ref in refs if ref not in values]
        if missing:
            fetched, unknown = await self._fetch(record, missing)
            await self._cache.put_many(session_hash, fetched, record.ttl_seconds)
            if unknown:
                raise not_found(parsed, unknown)
            values.update(fetched)
        return parsed.substitute(values)

    async def _fetch(
        self, record: SessionRecord, refs: list[SecretRef]
    ) -> tuple[dict[SecretRef, str], list[SecretRef]]:
        """One `bw` call for all missing references; keeps only the requested fields."""
        bw_key = self._ring.decrypt(record.bw_key)
        items = await self._cli.items(
            self._dirs.path(record.session_hash), bw_key, {ref.item_id for ref in refs}
        )
        fetched: dict[SecretRef, str] = {}
        unknown: list[SecretRef] = []
        for ref in refs:
            value = extract_field(items.get(ref.item_id), ref.field)
            if value is None:
                unknown.append(ref)
            else:
                self._registry.register(value)
                fetched[ref] = value
        return fetched, unknown


def build_secret_resolver(
    settings: Settings, keys: KeyManager, redis: RedisService
) -> SecretResolver:
    """The factory the API dependencies and the ARQ worker both use."""
    return SecretResolver(
        store=build_session_store(settings, redis),
        cache=SecretCache(redis, keys.credential),
        cli=build_cli(settings),
        ring=keys.credential,
        dirs=LoginDirectories(settings.data_dir),
        registry=secret_registry,
    )
