"""Keyed hashes of bearer credentials the console hands out (gateway client tokens).

Such a token is stored only as `HMAC-SHA256(token)` under a purpose key derived (HKDF, with the
purpose in `info`) from each CREDENTIAL_ENCRYPTION_KEY: the HMAC key is never a key that encrypts
anything, and a database dump gives no usable token. New hashes use the first key; verification
tries every key of the ring, so rotating the ring (new key first, old one kept) keeps the
tokens valid, and each stored hash names its key by `key_id` (the ring key's fingerprint).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@dataclass(frozen=True)
class KeyedDigest:
    key_id: str
    digest: str  # 64 hex characters


class KeyedHasher:
    """HMAC-SHA256 under purpose keys; built once (with the key ring) at the composition root."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("a keyed hasher needs at least one key")
        self._keys = keys

    @classmethod
    def derive(cls, purpose: bytes, fernet_keys: list[bytes], key_ids: list[str]) -> KeyedHasher:
        """One HMAC key per ring key (same order: the first one hashes new values)."""
        derived = []
        for key, key_id in zip(fernet_keys, key_ids, strict=True):
            master = base64.urlsafe_b64decode(key)
            hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
            derived.append((key_id, hkdf.derive(master)))
        return cls(derived)

    def digest(self, value: str) -> KeyedDigest:
        """The hash to store for a new value (first key)."""
        key_id, key = self._keys[0]
        return KeyedDigest(key_id, _mac(key, value))

    def candidates(self, value: str) -> list[KeyedDigest]:
        """The hash of `value` under every key of the ring, to look a presented value up."""
        return [KeyedDigest(key_id, _mac(key, value)) for key_id, key in self._keys]

    @property
    def current_key_id(self) -> str:
        return self._keys[0][0]


def _mac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
