"""The exact-value registry: key material everywhere, a session's values in its own records only,
dropped at logout and once the session cannot be alive, compiled once per change."""

from __future__ import annotations

import re

import pytest

from mcp_console.core import secret_registry as module
from mcp_console.core.secret_registry import SecretRegistry, log_session

KEY = "process-key-material-0123456789"
ALICE, BOB = "alice-session-id", "bob-session-id"
ALICE_PASSWORD = "correct-horse-battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scrub(registry: SecretRegistry, session_id: str | None, text: str) -> str:
    with log_session(session_id):
        return registry.scrub(text)


def test_key_material_is_masked_for_everyone_a_sessions_values_for_it_only() -> None:
    registry = SecretRegistry()
    registry.register(KEY)
    registry.register_session(ALICE, [ALICE_PASSWORD], 60)
    line = f"{KEY} {ALICE_PASSWORD}"
    assert scrub(registry, ALICE, line) == "*** ***"
    assert scrub(registry, BOB, line) == f"*** {ALICE_PASSWORD}"
    assert scrub(registry, None, line) == f"*** {ALICE_PASSWORD}"


def test_values_shorter_than_the_minimum_are_not_kept() -> None:
    registry = SecretRegistry()
    registry.register_session(ALICE, ["short", "1234567"], 60)
    registry.register("tiny")
    assert scrub(registry, ALICE, "short 1234567 tiny") == "short 1234567 tiny"
    assert registry.session_count() == 1


def test_the_longest_value_wins_across_both_scopes() -> None:
    registry = SecretRegistry()
    registry.register("abcdefgh")
    registry.register_session(ALICE, ["abcdefgh-and-more"], 60)
    assert scrub(registry, ALICE, "[abcdefgh-and-more]") == "[***]"


def test_a_sessions_values_are_dropped_at_logout_and_expire_with_it() -> None:
    clock = Clock()
    registry = SecretRegistry(clock)
    registry.register_session(ALICE, [ALICE_PASSWORD], 60)
    registry.register_session(BOB, ["bob-password-value"], 30)
    registry.drop_session(ALICE)
    assert scrub(registry, ALICE, ALICE_PASSWORD) == ALICE_PASSWORD

    registry.register_session(ALICE, [ALICE_PASSWORD], 60)
    clock.now += 45
    assert scrub(registry, ALICE, ALICE_PASSWORD) == "***"
    assert registry.session_count() == 1, "Bob's set expired and was pruned"
    registry.register_session(ALICE, (), 60)  # the session lives on: its set too
    clock.now += 45
    assert scrub(registry, ALICE, ALICE_PASSWORD) == "***"
    clock.now += 16
    assert scrub(registry, ALICE, ALICE_PASSWORD) == ALICE_PASSWORD
    assert registry.session_count() == 0


def test_patterns_are_compiled_once_per_change(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[int] = []

    def counting(values: set[str]) -> re.Pattern[str] | None:
        compiled.append(len(values))
        return original(values)

    original = module._compile
    monkeypatch.setattr(module, "_compile", counting)
    registry = SecretRegistry()
    registry.register(KEY)
    registry.register_session(ALICE, [ALICE_PASSWORD], 60)
    for _ in range(100):
        scrub(registry, ALICE, "a line")
        scrub(registry, BOB, "a line")
    assert compiled == [1, 2], "process-wide once, Alice's once"
    registry.register_session(ALICE, [ALICE_PASSWORD], 60)  # nothing new
    scrub(registry, ALICE, "a line")
    registry.register("another-key-material-value")
    scrub(registry, ALICE, "a line")
    assert compiled == [1, 2, 2, 3]
