"""Encryption keys: strict validation at start-up, rotation through MultiFernet.

The product never generates or stores a key by itself; `mcp-console keygen` only prints one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from mcp_console.core.keyed_hash import KeyedHasher
from mcp_console.core.logging import SecretRegistry
from mcp_console.core.session_ids import SessionHasher
from mcp_console.core.settings import Settings

KEYGEN_HINT = "generate one with `mcp-console keygen`"
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}=")
_SELF_TEST_PLAINTEXT = b"mcp-console key self-test"
_KEY_ID_CONTEXT = b"mcp-console key id:"
_GATEWAY_TOKEN_PURPOSE = b"mcp-console gateway-token hashes v1"


class KeyConfigError(Exception):
    """A missing or malformed key. The message names the variable, never the value."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}; {KEYGEN_HINT}")
        self.variable = variable


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def _check_one_key(variable: str, position: int, key: str) -> bytes:
    label = f"key #{position}"
    if len(key) != 44:
        raise KeyConfigError(variable, f"is invalid: {label} is {len(key)} characters, expected 44")
    if not _KEY_SHAPE.fullmatch(key):
        raise KeyConfigError(
            variable, f"is invalid: {label} is not url-safe base64 (A-Z a-z 0-9 - _ and a final =)"
        )
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, ValueError):
        raise KeyConfigError(variable, f"is invalid: {label} does not decode") from None
    if len(raw) != 32 or base64.urlsafe_b64encode(raw).decode("ascii") != key:
        raise KeyConfigError(variable, f"is invalid: {label} does not decode to exactly 32 bytes")
    return key.encode("ascii")


def parse_key_list(variable: str, value: str | None) -> list[bytes]:
    """Parse a comma-separated key list: first key encrypts, every key decrypts."""
    if value is None:
        raise KeyConfigError(variable, "is not set")
    parts = [part.strip() for part in value.split(",")]
    if not any(parts):
        raise KeyConfigError(variable, "is empty")
    if any(not part for part in parts):
        raise KeyConfigError(variable, "is invalid: it contains an empty entry between commas")
    keys = [_check_one_key(variable, index, part) for index, part in enumerate(parts, start=1)]
    if len(set(keys)) != len(keys):
        raise KeyConfigError(variable, "is invalid: the same key is listed twice")
    return keys


def key_id(key: bytes) -> str:
    """A short, stable fingerprint naming a key at rest (one-way: it reveals nothing of the key)."""
    return hashlib.sha256(_KEY_ID_CONTEXT + key).hexdigest()[:12]


class KeyRing:
    """The keys of one purpose; encrypts with the first key, decrypts with any."""

    def __init__(self, variable: str, keys: list[bytes], registry: SecretRegistry) -> None:
        self.variable = variable
        self.key_id = key_id(keys[0])  # the key every new or rotated value is encrypted with
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self._registry = registry
        self._self_test()

    def _self_test(self) -> None:
        token = self._fernet.encrypt(_SELF_TEST_PLAINTEXT)
        if self._fernet.decrypt(token) != _SELF_TEST_PLAINTEXT:  # pragma: no cover - defensive
            raise KeyConfigError(self.variable, "failed the encrypt/decrypt self-test")

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, *, key_material: bool = True) -> str:
        """Decrypt; key material (keys, tokens) is registered with the process-wide log redactor
        since it is now in memory. A vault value (`key_material=False`) is not: its caller
        registers it for the one session it belongs to (see `core.secret_registry`)."""
        try:
            value = self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise DecryptionError(f"value cannot be decrypted with {self.variable}") from None
        if key_material:
            self._registry.register(value)
        return value

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored token under the first (newest) key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError):
            raise DecryptionError(f"value cannot be decrypted with {self.variable}") from None


@dataclass(frozen=True)
class KeyManager:
    """Both key rings the console needs, the session-id hasher derived from the first
    credential key, and the gateway token hasher derived from every credential key (rotation
    keeps tokens valid); built once at start-up and handed to services."""

    credential: KeyRing
    oauth: KeyRing
    session_hasher: SessionHasher
    gateway_tokens: KeyedHasher

    @classmethod
    def from_settings(cls, settings: Settings, registry: SecretRegistry) -> KeyManager:
        credential = settings.credential_encryption_key
        oauth = settings.oauth_token_encryption_key
        credential_keys = parse_key_list(
            "CREDENTIAL_ENCRYPTION_KEY", credential.get_secret_value() if credential else None
        )
        return cls(
            credential=KeyRing("CREDENTIAL_ENCRYPTION_KEY", credential_keys, registry),
            oauth=KeyRing(
                "OAUTH_TOKEN_ENCRYPTION_KEY",
                parse_key_list(
                    "OAUTH_TOKEN_ENCRYPTION_KEY", oauth.get_secret_value() if oauth else None
                ),
                registry,
            ),
            session_hasher=SessionHasher.from_key_list(credential_keys),
            gateway_tokens=KeyedHasher.derive(
                _GATEWAY_TOKEN_PURPOSE, credential_keys, [key_id(key) for key in credential_keys]
            ),
        )

    def ring(self, purpose: str) -> KeyRing:
        return self.oauth if purpose == "oauth" else self.credential


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
