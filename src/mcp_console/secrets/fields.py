"""Picks one field out of a Bitwarden item (as printed by `bw get item` / `bw list items`)."""

from __future__ import annotations

from typing import Any


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _login(item: dict[str, Any]) -> dict[str, Any]:
    login = item.get("login")
    return login if isinstance(login, dict) else {}


def _first_uri(item: dict[str, Any]) -> str | None:
    uris = _login(item).get("uris") or []
    return next(
        (_text(u.get("uri")) for u in uris if isinstance(u, dict) and _text(u.get("uri"))), None
    )


def _custom(item: dict[str, Any], name: str) -> str | None:
    fields = item.get("fields") or []
    return next(
        (_text(f.get("value")) for f in fields if isinstance(f, dict) and f.get("name") == name),
        None,
    )


def extract_field(item: dict[str, Any] | None, field: str) -> str | None:
    """The field's value, or None when the item or field is missing or empty.

    `totp` is the stored TOTP secret (what a server configured with TOTP needs), not a code;
    a custom field named like a built-in one is shadowed by the built-in.
    """
    if item is None:
        return None
    if field in ("password", "username", "totp"):
        return _text(_login(item).get(field))
    if field == "notes":
        return _text(item.get("notes"))
    if field == "uri":
        return _first_uri(item)
    return _custom(item, field)
