"""Resolves `{{ bw:... }}` references of an env mapping for one session.

Cost model: a `bw` call takes seconds, so one call per batch, whatever the number of references:
cache hits first (no call at all), then every missing item in a single `bw list items` (or
`bw get item` when only one item is missing). Only the requested fields leave the adapter.

Log redaction: only values from secret slots (and values that declared secrets use) are
registered, and only for the session that resolved them (`core.secret_registry`), so one user's
values never change another user's logs or answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from mcp_console.core.keys import KeyRing
from mcp_console.core.logging import SecretRegistry
from mcp_console.core.session_ids import SessionHash
from mcp_console.secrets.cache import SecretCache
from mcp_console.secrets.errors import first_problem
from mcp_console.secrets.fields import Problem, Resolved, extract_field
from mcp_console.secrets.refs import ParsedEnv, SecretRef, parse_env
from mcp_console.vault.bitwarden import BitwardenCli
from mcp_console.vault.datadirs import LoginDirectories
from mcp_console.vault.errors import session_invalid
from mcp_console.vault.sessions import SessionRecord, SessionStore


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

    async def resolve(
        self, session_hash: SessionHash, env: Mapping[str, str], secret_names: Collection[str] = ()
    ) -> dict[str, str]:
        """Plain values as-is, references replaced; 422 for malformed or unusable references.

        `secret_names` are env names the catalog declared secret: whatever field their
        references read is registered for log redaction, like a secret slot's value.
        """
        parsed = parse_env(env)
        refs = parsed.refs()
        if not refs:
            return dict(env)
        record = await self._store.touch(session_hash)
        if record is None:
            raise session_invalid()
        values = await self._cache.get_many(session_hash, refs)
        problems: dict[SecretRef, Problem] = {}
        missing = [ref for ref in refs if ref not in values]
        if missing:
            fetched, problems = await self._fetch(record, missing)
            await self._cache.put_many(session_hash, fetched, record.ttl_seconds)
            values.update(fetched)
        self._register(record, parsed, values, secret_names)
        if (error := first_problem(parsed, problems)) is not None:
            raise error
        return parsed.substitute({ref: found.value for ref, found in values.items()})

    async def _fetch(
        self, record: SessionRecord, refs: list[SecretRef]
    ) -> tuple[dict[SecretRef, Resolved], dict[SecretRef, Problem]]:
        """One `bw` call for all missing references; keeps only the requested fields."""
        bw_key = self._ring.decrypt(record.bw_key)
        vault = await self._cli.items(
            self._dirs.path(record.session_hash), bw_key, {ref.item_id for ref in refs}
        )
        fetched: dict[SecretRef, Resolved] = {}
        problems: dict[SecretRef, Problem] = {}
        for ref in refs:
            found = (
                Problem.ITEM_RESTRICTED
                if ref.item_id in vault.restricted
                else extract_field(vault.items.get(ref.item_id), ref.field)
            )
            if isinstance(found, Problem):
                problems[ref] = found
            else:
                fetched[ref] = found
        return fetched, problems

    def _register(
        self,
        record: SessionRecord,
        parsed: ParsedEnv,
        values: Mapping[SecretRef, Resolved],
        secret_names: Collection[str],
    ) -> None:
        """Secret slots' values, and any value a declared secret uses, for this session only."""
        declared = {span.ref for name in secret_names for span in parsed.spans.get(name, ())}
        secret = [v.value for ref, v in values.items() if v.secret or ref in declared]
        self._registry.register_session(record.session_hash, secret, record.lifetime_seconds)
