"""Names for what a login leaves at rest: Redis keys, job records, CLI data directories.

A bearer session id is a credential (whoever holds it acts as the user), so nothing at rest is
named by it. Everything is named by `HMAC-SHA256(session id)` under a key derived (HKDF) from the
first CREDENTIAL_ENCRYPTION_KEY: a Redis dump or a directory listing gives no usable token, and
without the key the names cannot be linked back to a token either. The API computes the name from
the token the client presents; the worker only ever sees the name (in the job record).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import NewType

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SessionHash = NewType("SessionHash", str)
"""The at-rest name of a session: 64 hex characters, never the bearer token itself."""

_HKDF_INFO = b"mcp-console session id names v1"


class SessionHasher:
    """Keyed hash of session ids; built once (with the key ring) at the composition root."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_key_list(cls, fernet_keys: list[bytes]) -> SessionHasher:
        """Derived (HKDF) from the first key of the credential ring, so the HMAC key is never
        the key that encrypts credentials. Changing the first key renames every session."""
        master = base64.urlsafe_b64decode(fernet_keys[0])
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
        return cls(hkdf.derive(master))

    def digest(self, session_id: str) -> SessionHash:
        mac = hmac.new(self._key, session_id.encode("utf-8"), hashlib.sha256)
        return SessionHash(mac.hexdigest())
