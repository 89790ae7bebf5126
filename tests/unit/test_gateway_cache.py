"""The gateway's in-process cache: entries live for the TTL, a drop removes what it selects, and
a value built across a drop is not stored (it may predate the change)."""

from __future__ import annotations

from mcp_console.gateway.cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(5.0, clock=clock)
    cache.put("a", 1, cache.generation)
    clock.now += 4.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    assert cache.get("never") is None


def test_a_drop_removes_what_it_selects_and_voids_builds_in_progress() -> None:
    cache: TtlCache[tuple[str, str], str] = TtlCache(5.0, clock=Clock())
    before = cache.generation
    cache.put(("alice", "default"), "view", before)
    cache.put(("alice", "work"), "view", before)
    cache.put(("bob", "default"), "view", before)
    cache.drop(lambda key, _value: key == ("alice", "work"))
    assert cache.get(("alice", "default")) == "view"
    assert cache.get(("alice", "work")) is None
    cache.drop(lambda key, _value: key[0] == "alice")
    assert cache.get(("alice", "default")) is None
    assert cache.get(("bob", "default")) == "view"

    cache.put(("alice", "default"), "built before the drop", before)
    assert cache.get(("alice", "default")) is None
    cache.put(("alice", "default"), "built after", cache.generation)
    assert cache.get(("alice", "default")) == "built after"


def test_memory_is_bounded_and_a_zero_ttl_caches_nothing() -> None:
    cache: TtlCache[int, int] = TtlCache(5.0, max_entries=3, clock=Clock())
    for key in range(4):
        cache.put(key, key, cache.generation)
    assert [cache.get(key) for key in range(4)] == [None, None, None, 3]
    off: TtlCache[int, int] = TtlCache(0.0, clock=Clock())
    off.put(1, 1, off.generation)
    assert off.get(1) is None
