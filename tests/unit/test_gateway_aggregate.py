"""How a profile's servers become one list: allow-lists, prefixes, first-wins on duplicate names,
which server a stopped tool is blamed on, and the opaque cursors."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_console.gateway import schemas
from mcp_console.gateway.aggregate import (
    KINDS,
    GatewayError,
    Kind,
    Slot,
    View,
    _cursor,
    _merge,
    _offset,
    _template_route,
)


def _slot(server_id: str, **fields: Any) -> Slot:
    return Slot(schemas.ProfileServer(server_id=server_id, **fields), None)


def _lists(*tools: str, uri: str = "test://a", template: str = "test://x/{id}") -> dict[Kind, Any]:
    return {
        "tools": [
            {"name": name, "inputSchema": {"type": "object"}, "title": name.upper()}
            for name in tools
        ],
        "prompts": [{"name": "summarize"}],
        "resources": [{"uri": uri, "name": "a"}],
        "resource_templates": [{"uriTemplate": template, "name": "x"}],
    }


def test_allow_lists_prefixes_and_first_wins() -> None:
    first, second = _slot("one", tools=["echo", "add"]), _slot("two", prefix="p")
    third = _slot("three")
    view = View([first, second, third], {kind: [] for kind in KINDS})
    _merge(view, first, _lists("echo", "add", "fail"))
    _merge(view, second, _lists("echo", "add"))
    _merge(view, third, _lists("echo", "new", uri="other://b", template="other://{id}"))

    assert [tool["name"] for tool in view.items["tools"]] == [
        "echo",
        "add",
        "p_echo",
        "p_add",
        "new",
    ]
    assert view.tools["echo"].slot is first, "the later server's duplicate is skipped"
    assert (view.tools["p_add"].slot, view.tools["p_add"].original) == (second, "add")
    assert view.items["tools"][2]["title"] == "ECHO", "every other field is kept"
    assert [p["name"] for p in view.items["prompts"]] == ["summarize", "p_summarize"]
    assert [r["uri"] for r in view.items["resources"]] == ["test://a", "other://b"]
    assert view.resources["test://a"].slot is first
    assert [t["uriTemplate"] for t in view.items["resource_templates"]] == [
        "test://x/{id}",
        "other://{id}",
    ]
    route = _template_route(view, "other://42")
    assert route is not None and route.slot is third
    assert _template_route(view, "nobody://1") is None


def test_a_stopped_server_is_blamed_only_for_names_it_would_expose() -> None:
    assert _slot("a", prefix="gh").claims("gh_issues", set())
    assert not _slot("a", prefix="gh", tools=["issues"]).claims("gh_pulls", set())
    assert _slot("a", tools=["issues"]).claims("issues", set())
    assert not _slot("a").claims("issues", set()), "no allow-list, never seen running"
    assert _slot("a").claims("issues", {"issues"}), "listed while it ran"


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    assert _offset(None, "tools") == 0
    assert _offset(_cursor("tools", 40), "tools") == 40
    for cursor, kind in ((_cursor("tools", 2), "prompts"), ("!!", "tools"), ("e30", "tools")):
        with pytest.raises(GatewayError) as refused:
            _offset(cursor, kind)  # type: ignore[arg-type]
        assert refused.value.code == "INVALID_CURSOR"
