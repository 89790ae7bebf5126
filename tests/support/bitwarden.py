"""The fake Bitwarden CLI for tests: accounts (vault files), its invocation log, and its env."""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FAKE_BW = Path(__file__).resolve().parent / "fake_bw" / "bw"
VAULT_FIXTURE = Path(__file__).resolve().parent / "fake_bw" / "vault.json"
DEFAULT_MASTER_PASSWORD = "fixture-master-Pw-4f9c2e81"
_SECRET_PATHS = ("notes",)
_LOGIN_SECRETS = ("username", "password", "totp")


def default_vaults_dir() -> Path:
    """Where the fake looks when BITWARDENCLI_FAKE_VAULTS is unset (same rule as the fake)."""
    configured = os.environ.get("BITWARDENCLI_FAKE_VAULTS")
    return Path(configured or Path(tempfile.gettempdir()) / f"mcp-console-fake-bw-{os.getuid()}")


def fixture_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(VAULT_FIXTURE.read_text())["items"]
    return copy.deepcopy(items)


def fixture_secret_values(items: Iterable[dict[str, Any]] | None = None) -> list[str]:
    """Every value of the fixture that must never be stored or logged in plain text."""
    values: list[str] = []
    for item in fixture_items() if items is None else items:
        values += [item[key] for key in _SECRET_PATHS if item.get(key)]
        login = item.get("login") or {}
        values += [login[key] for key in _LOGIN_SECRETS if login.get(key)]
        values += [field["value"] for field in item.get("fields") or [] if field.get("value")]
    return values


@dataclass(frozen=True)
class Account:
    email: str
    master_password: str
    client_id: str
    client_secret: str


class FakeBitwarden:
    """Accounts the fake `bw` knows, and what it was asked to do."""

    def __init__(self, vaults_dir: Path | None = None) -> None:
        self.vaults_dir = vaults_dir or default_vaults_dir()
        self.vaults_dir.mkdir(parents=True, exist_ok=True)

    @property
    def log_path(self) -> Path:
        return self.vaults_dir / "invocations.jsonl"

    def env(self) -> dict[str, str]:
        """Settings overrides for a console process (`processes.base_env(**...)`)."""
        return {
            "BITWARDEN_CLI_PATH": str(FAKE_BW),
            "BITWARDENCLI_FAKE_VAULTS": str(self.vaults_dir),
        }

    def add_account(
        self,
        email: str,
        *,
        master_password: str = DEFAULT_MASTER_PASSWORD,
        items: list[dict[str, Any]] | None = None,
        two_step_code: str | None = None,
        restricted_types: list[int] | None = None,
    ) -> Account:
        slug = email.replace("@", "-at-")
        account = Account(email, master_password, f"user.{slug}", f"client-secret-{slug}-x9")
        record: dict[str, Any] = {
            "email": email,
            "master_password": master_password,
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "items": fixture_items() if items is None else items,
        }
        if two_step_code:
            record["two_step_code"] = two_step_code
        if restricted_types:
            record["restricted_types"] = restricted_types
        path = self.vaults_dir / f"{email}.json"
        path.write_text(json.dumps(record))
        path.chmod(0o600)
        return account

    def set_items(self, email: str, items: list[dict[str, Any]]) -> None:
        path = self.vaults_dir / f"{email}.json"
        record = json.loads(path.read_text())
        record["items"] = items
        path.write_text(json.dumps(record))

    def invocations(self, appdata: Path | str | None = None) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        entries = [json.loads(line) for line in self.log_path.read_text().splitlines() if line]
        if appdata is None:
            return entries
        return [entry for entry in entries if entry["appdata"] == str(appdata)]

    def count(self, *commands: str, appdata: Path | str | None = None) -> int:
        return sum(
            1 for entry in self.invocations(appdata) if not commands or entry["command"] in commands
        )


@pytest.fixture(name="fake_bw")
def fake_bw_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBitwarden:
    """A private vault directory for this test; in-process apps find it through the env."""
    vaults = tmp_path / "vaults"
    monkeypatch.setenv("BITWARDENCLI_FAKE_VAULTS", str(vaults))
    return FakeBitwarden(vaults)
