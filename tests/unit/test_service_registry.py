"""The composition root's typed registry: one object per type, clear errors for wiring bugs."""

from __future__ import annotations

import pytest

from mcp_console.core.deps import ServiceRegistry


class Clock:
    pass


class Other:
    pass


def test_an_object_is_found_by_the_type_it_was_provided_as() -> None:
    registry = ServiceRegistry()
    clock = Clock()
    registry.provide(Clock, clock)
    assert registry.get(Clock) is clock


def test_providing_a_type_twice_is_refused() -> None:
    registry = ServiceRegistry()
    registry.provide(Clock, Clock())
    with pytest.raises(ValueError, match="Clock is already provided"):
        registry.provide(Clock, Clock())


def test_a_type_nobody_provided_names_itself() -> None:
    registry = ServiceRegistry()
    registry.provide(Clock, Clock())
    with pytest.raises(KeyError, match="nothing provides Other"):
        registry.get(Other)
