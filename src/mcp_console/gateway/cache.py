"""A small in-process cache for the gateway's request path, dropped by events, bounded by a TTL.

The gateway keeps two things per process that every request would otherwise fetch again: a
profile's resolved view and a token's successful verification. Both are invalidated by the
list-change events every replica receives over Redis pub/sub; the TTL is the safety net, so a
missed event (a Redis outage, a change made outside the console) heals within seconds.

`generation` guards against a lost invalidation while a value is being built: a caller reads it
before fetching, and `put` stores nothing if any entry was dropped in between (the next request
builds the value again instead of caching one that may predate the change).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MAX_ENTRIES = 10_000


class TtlCache(Generic[K, V]):
    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock() - stored_at >= self._ttl:
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key: K, value: V, generation: int) -> None:
        """Stores unless something was dropped since `generation` was read (or the TTL is 0)."""
        if generation != self._generation or self._ttl <= 0:
            return
        if len(self._entries) >= self._max:
            self._entries.clear()  # bounded memory: everything is rebuilt on demand anyway
        self._entries[key] = (self._clock(), value)

    def drop(self, where: Callable[[K, V], bool]) -> None:
        """Drops the entries `where` selects, and makes builds in progress uncacheable."""
        self._generation += 1
        for key in [key for key, (_at, value) in self._entries.items() if where(key, value)]:
            self._entries.pop(key, None)
