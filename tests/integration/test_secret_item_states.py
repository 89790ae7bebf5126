"""Resolver correctness against the fake `bw`: linked fields, empty fields, and every item state
the CLI can return, each answering the same whether the item was fetched alone (`get item`) or
in a batch (`list items`, which leaves trashed, archived and policy-restricted items out)."""

from __future__ import annotations

from typing import Any

import pytest

from mcp_console.core.errors import AppError
from tests.support.bitwarden import (
    FakeBitwarden,
    fake_bw_fixture,  # noqa: F401
    fixture_items,
    fixture_secret_values,
)
from tests.support.secrets import Parts, parts_fixture  # noqa: F401

GH = fixture_items()[0]["id"]
TARGET = "7d1e0c44-5555-4c8e-9d1a-bbbbbbbbbbb5"
TARGET_PASSWORD = "target-pass-Vq81-zz7Lm"
DATE = "2026-03-01T10:00:00.000Z"
CARD = 3


def _target(**state: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": TARGET,
        "name": "target",
        "type": 1,
        "reprompt": 0,
        "organizationId": None,
        "notes": None,
        "login": {"username": "target-user", "password": TARGET_PASSWORD, "totp": None},
        "fields": [],
        "deletedDate": None,
        "archivedDate": None,
    }
    item.update(state)
    return item


def _env(batch: bool, field: str = "password") -> dict[str, str]:
    env = {"TARGET": f"{{{{ bw:{TARGET}:{field} }}}}"}
    if batch:  # a second item makes it a `list items` batch
        env["OTHER"] = f"{{{{ bw:{GH}:password }}}}"
    return env


async def _resolve(
    parts: Parts,
    fake_bw: FakeBitwarden,
    target: dict[str, Any],
    batch: bool,
    field: str = "password",
    **account: Any,
) -> dict[str, str]:
    items = [*fixture_items(), target]
    session = await parts.login(fake_bw, "states@example.test", items, **account)
    return await parts.resolver.resolve(session.session_hash, _env(batch, field))


@pytest.mark.parametrize("batch", [False, True], ids=["alone", "batch"])
@pytest.mark.parametrize(
    ("state", "account", "code", "hint_word"),
    [
        ({"deletedDate": DATE}, {}, "SECRET_ITEM_DELETED", "trash"),
        ({"archivedDate": DATE}, {}, "SECRET_ITEM_ARCHIVED", "Unarchive"),
        ({"reprompt": 1}, {}, "SECRET_ITEM_REPROMPT", "re-prompt"),
        (
            {"type": CARD, "login": None, "card": {"number": "4242424242424242"}},
            {"restricted_types": [CARD]},
            "SECRET_ITEM_RESTRICTED",
            "policy",
        ),
    ],
    ids=["trashed", "archived", "reprompt", "restricted"],
)
async def test_item_state_answers_its_own_422_alone_or_in_a_batch(
    parts: Parts,
    fake_bw: FakeBitwarden,
    state: dict[str, Any],
    account: dict[str, Any],
    code: str,
    hint_word: str,
    batch: bool,
) -> None:
    with pytest.raises(AppError) as caught:
        await _resolve(parts, fake_bw, _target(**state), batch, **account)
    error = caught.value
    assert (error.code, error.status) == (code, 422)
    assert hint_word in (error.hint or "")
    assert error.details == {"references": [f"{{{{ bw:{TARGET}:password }}}}"], "keys": ["TARGET"]}
    for value in [*fixture_secret_values(), TARGET_PASSWORD]:
        assert value not in f"{error.message} {error.hint} {error.details}"


@pytest.mark.parametrize("batch", [False, True], ids=["alone", "batch"])
async def test_organization_and_active_items_resolve_the_same_alone_or_in_a_batch(
    parts: Parts, fake_bw: FakeBitwarden, batch: bool
) -> None:
    target = _target(organizationId="0rg-1d", collectionIds=["c0ll-1d"])
    resolved = await _resolve(parts, fake_bw, target, batch)
    assert resolved["TARGET"] == TARGET_PASSWORD


async def test_a_batch_fetches_what_list_items_leaves_out_one_by_one(
    parts: Parts, fake_bw: FakeBitwarden
) -> None:
    with pytest.raises(AppError):
        await _resolve(parts, fake_bw, _target(deletedDate=DATE), batch=True)
    reads = [e for e in fake_bw.invocations() if e["command"] in ("get", "list")]
    assert [(e["command"], e["args"]) for e in reads] == [
        ("list", ["items"]),
        ("get", ["item", TARGET]),
    ]


@pytest.mark.parametrize("batch", [False, True], ids=["alone", "batch"])
@pytest.mark.parametrize(("linked_id", "expected"), [(100, "target-user"), (101, TARGET_PASSWORD)])
async def test_linked_custom_field_resolves_to_the_login_field(
    parts: Parts, fake_bw: FakeBitwarden, linked_id: int, expected: str, batch: bool
) -> None:
    linked = {"name": "linked one", "value": None, "type": 3, "linkedId": linked_id}
    resolved = await _resolve(parts, fake_bw, _target(fields=[linked]), batch, "linked one")
    assert resolved["TARGET"] == expected


@pytest.mark.parametrize(
    ("field", "target"),
    [
        ("password", _target(login={"username": "u-name", "password": "", "totp": None})),
        ("totp", _target()),
        ("notes", _target()),
        ("blank", _target(fields=[{"name": "blank", "value": None, "type": 1}])),
    ],
)
async def test_an_existing_field_without_a_value_is_secret_empty(
    parts: Parts, fake_bw: FakeBitwarden, field: str, target: dict[str, Any]
) -> None:
    with pytest.raises(AppError) as caught:
        await _resolve(parts, fake_bw, target, False, field)
    error = caught.value
    assert (error.code, error.status) == ("SECRET_EMPTY", 422)
    assert f"bw:{TARGET}:{field}" in error.message and "TARGET" in error.message
