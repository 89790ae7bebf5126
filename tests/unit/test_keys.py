"""Key validation is strict and rotation keeps old ciphertext readable."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from mcp_console.core.keys import (
    DecryptionError,
    KeyConfigError,
    KeyRing,
    key_id,
    parse_key_list,
)
from mcp_console.core.logging import SecretRegistry

VAR = "CREDENTIAL_ENCRYPTION_KEY"


def _key() -> str:
    return Fernet.generate_key().decode()


def _non_canonical_key() -> str:
    """44 valid characters whose last data character has non-zero padding bits.

    `base64.urlsafe_b64decode` (and so Fernet) silently accepts it, decoding to the same bytes as
    another key; the strict parser refuses it.
    """
    key = _key()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = alphabet.index(key[42])
    return key[:42] + alphabet[(index & ~0b11) | 0b01] + "="


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "is not set"),
        ("", "is empty"),
        ("   ", "is empty"),
        (_key()[:43], "43 characters, expected 44"),
        (_key()[:40] + "!@#$", "not url-safe base64"),
        (_key()[:43] + "A", "not url-safe base64"),
        (_non_canonical_key(), "exactly 32 bytes"),
        (f"{_key()},", "empty entry"),
    ],
)
def test_malformed_keys_are_refused_without_echoing_them(value: str | None, problem: str) -> None:
    with pytest.raises(KeyConfigError) as caught:
        parse_key_list(VAR, value)
    message = str(caught.value)
    assert VAR in message
    assert problem in message
    assert "mcp-console keygen" in message
    if value and value.strip():
        assert value.strip(",") not in message


def test_non_canonical_key_would_be_accepted_by_fernet_itself() -> None:
    key = _non_canonical_key()
    Fernet(key)  # the library parser accepts it: the strict check is what catches it
    assert len(base64.urlsafe_b64decode(key)) == 32
    with pytest.raises(KeyConfigError):
        parse_key_list(VAR, key)


def test_duplicate_keys_are_refused() -> None:
    key = _key()
    with pytest.raises(KeyConfigError, match="listed twice"):
        parse_key_list(VAR, f"{key},{_key()},{key}")


def test_several_keys_parse_in_order() -> None:
    first, second = _key(), _key()
    assert parse_key_list(VAR, f" {first} , {second} ") == [first.encode(), second.encode()]


def test_old_ciphertext_decrypts_after_new_key_is_put_first_and_rotates_to_it() -> None:
    registry = SecretRegistry()
    old, new = _key(), _key()
    old_ring = KeyRing(VAR, parse_key_list(VAR, old), registry)
    token = old_ring.encrypt("ghp_example_value")

    both = KeyRing(VAR, parse_key_list(VAR, f"{new},{old}"), registry)
    assert both.decrypt(token) == "ghp_example_value"
    rotated = both.rotate(token)

    only_new = KeyRing(VAR, parse_key_list(VAR, new), registry)
    assert only_new.decrypt(rotated) == "ghp_example_value"
    with pytest.raises(DecryptionError):
        only_new.decrypt(token)


def test_decrypted_values_are_registered_for_log_redaction() -> None:
    registry = SecretRegistry()
    ring = KeyRing(VAR, parse_key_list(VAR, _key()), registry)
    token = ring.encrypt("very-private-value")
    assert registry.scrub("x very-private-value y") == "x very-private-value y"
    ring.decrypt(token)
    assert registry.scrub("x very-private-value y") == "x *** y"


def test_key_id_names_the_first_key_and_reveals_nothing_of_it() -> None:
    first, second = _key(), _key()
    ring = KeyRing(VAR, parse_key_list(VAR, f"{first},{second}"), SecretRegistry())
    assert ring.key_id == key_id(first.encode()) != key_id(second.encode())
    assert ring.key_id == KeyRing(VAR, parse_key_list(VAR, first), SecretRegistry()).key_id
    assert len(ring.key_id) == 12 and ring.key_id not in first
