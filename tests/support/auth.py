"""Logged-in sessions for tests, through the real login endpoint and the fake `bw`.

In-process apps: build them from `fake_bw_settings(settings)`. Subprocess APIs: pass
`fake_bw_env(...)` into `processes.base_env(**...)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from mcp_console.core.keys import parse_key_list
from mcp_console.core.session_ids import SessionHash, SessionHasher
from mcp_console.core.settings import Settings
from tests.support.bitwarden import DEFAULT_MASTER_PASSWORD, FAKE_BW, FakeBitwarden


def fake_bw_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"bitwarden_cli_path": str(FAKE_BW)})


def fake_bw_env(vaults_dir: Path | None = None) -> dict[str, str]:
    return FakeBitwarden(vaults_dir).env()


def session_hash(credential_keys: str, session_id: str) -> SessionHash:
    """The at-rest name (Redis keys, CLI directory) a console whose CREDENTIAL_ENCRYPTION_KEY is
    `credential_keys` derives for a bearer token."""
    keys = parse_key_list("CREDENTIAL_ENCRYPTION_KEY", credential_keys)
    return SessionHasher.from_key_list(keys).digest(session_id)


def settings_session_hash(settings: Settings, session_id: str) -> SessionHash:
    key = settings.credential_encryption_key
    assert key is not None
    return session_hash(key.get_secret_value(), session_id)


def bearer(session_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_id}"}


def login_payload(
    email: str, method: str = "master_password", password: str = DEFAULT_MASTER_PASSWORD
) -> dict[str, str]:
    return {"method": method, "email": email, "master_password": password}


def login_user(
    client: httpx.Client | TestClient,
    email: str,
    *,
    items: list[dict[str, Any]] | None = None,
    method: str = "master_password",
    vaults_dir: Path | None = None,
) -> str:
    """Create the account in the fake vault, log in, and return the bearer token (session_id)."""
    fake = FakeBitwarden(vaults_dir)
    account = fake.add_account(email, items=items)
    payload = login_payload(email, method, account.master_password)
    if method == "api_key":
        payload.update(client_id=account.client_id, client_secret=account.client_secret)
    response = client.post("/api/auth/login", json=payload)
    assert response.status_code == 200, response.text
    session_id: str = response.json()["session_id"]
    return session_id
