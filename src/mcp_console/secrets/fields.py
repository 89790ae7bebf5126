"""Picks one field out of a Bitwarden item (as printed by `bw get item` / `bw list items`).

The item's own state decides first, so an item answers the same whether `get item` fetched it
alone or `list items` in a batch (the adapter fetches what `list items` leaves out one by one):
a trashed item (`deletedDate`), an archived one (`archivedDate`) and one that asks for the master
password again (`reprompt` 1) are refused, each with its own reason.

Field types and linked ids are the Bitwarden clients' (`FieldType`, `LoginLinkedId`,
`CardLinkedId`): custom fields are text 0, hidden 1, boolean 2, linked 3; a linked field has no
value of its own and names a built-in field of the item by `linkedId`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

HIDDEN_FIELD = 1
LINKED_FIELD = 3
REPROMPT_PASSWORD = 1
# linkedId -> (section of the item, key in it, whether it is a secret slot)
LINKED_TARGETS: dict[int, tuple[str, str, bool]] = {
    100: ("login", "username", False),
    101: ("login", "password", True),
    300: ("card", "cardholderName", False),
    301: ("card", "expMonth", False),
    302: ("card", "expYear", False),
    303: ("card", "code", True),
    304: ("card", "brand", False),
    305: ("card", "number", True),
}
# Built-in fields of a login: (key in `login`, whether it is a secret slot).
_LOGIN_FIELDS = {"username": False, "password": True, "totp": True}


@dataclass(frozen=True)
class Resolved:
    """A field's value; `secret` when it came from a secret slot (password, TOTP, notes, hidden
    custom field), whose values the log redactor masks in the session's logs."""

    value: str
    secret: bool


class Problem(Enum):
    """Why a reference has no value; each answers its own 422 code."""

    ITEM_RESTRICTED = "SECRET_ITEM_RESTRICTED"
    ITEM_DELETED = "SECRET_ITEM_DELETED"
    ITEM_ARCHIVED = "SECRET_ITEM_ARCHIVED"
    ITEM_REPROMPT = "SECRET_ITEM_REPROMPT"
    NOT_FOUND = "SECRET_NOT_FOUND"
    EMPTY = "SECRET_EMPTY"


def item_problem(item: dict[str, Any]) -> Problem | None:
    """The item's own state, checked before any field."""
    if item.get("deletedDate"):
        return Problem.ITEM_DELETED
    if item.get("archivedDate"):
        return Problem.ITEM_ARCHIVED
    if item.get("reprompt") == REPROMPT_PASSWORD:
        return Problem.ITEM_REPROMPT
    return None


def _section(item: dict[str, Any], name: str) -> dict[str, Any] | None:
    section = item.get(name)
    return section if isinstance(section, dict) else None


def _value(raw: Any, secret: bool) -> Resolved | Problem:
    """A present field: its text, or EMPTY (null, "" or not text)."""
    if isinstance(raw, str) and raw != "":
        return Resolved(raw, secret)
    return Problem.EMPTY


def _uri(login: dict[str, Any]) -> Resolved | Problem:
    uris = [u.get("uri") for u in login.get("uris") or [] if isinstance(u, dict)]
    first = next((uri for uri in uris if isinstance(uri, str) and uri), None)
    return _value(first, secret=False)


def _linked(item: dict[str, Any], linked_id: Any) -> Resolved | Problem:
    target = LINKED_TARGETS.get(linked_id) if isinstance(linked_id, int) else None
    section = _section(item, target[0]) if target else None
    if target is None or section is None:
        return Problem.NOT_FOUND
    return _value(section.get(target[1]), target[2])


def _custom(item: dict[str, Any], name: str) -> Resolved | Problem:
    fields = [f for f in item.get("fields") or [] if isinstance(f, dict) and f.get("name") == name]
    if not fields:
        return Problem.NOT_FOUND
    found = fields[0]
    if found.get("type") == LINKED_FIELD:
        return _linked(item, found.get("linkedId"))
    return _value(found.get("value"), secret=found.get("type") == HIDDEN_FIELD)


def extract_field(item: dict[str, Any] | None, field: str) -> Resolved | Problem:
    """The field's value, or why there is none.

    `totp` is the stored TOTP secret (what a server configured with TOTP needs), not a code;
    a custom field named like a built-in one is shadowed by the built-in. Login fields exist only
    on login items; `notes` exists on every item.
    """
    if item is None:
        return Problem.NOT_FOUND
    if (problem := item_problem(item)) is not None:
        return problem
    if field == "notes":
        return _value(item.get("notes"), secret=True)
    login = _section(item, "login")
    if field in _LOGIN_FIELDS or field == "uri":
        if login is None:
            return Problem.NOT_FOUND
        return _uri(login) if field == "uri" else _value(login.get(field), _LOGIN_FIELDS[field])
    return _custom(item, field)
