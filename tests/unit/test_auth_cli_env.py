"""What the `bw` child process gets in its environment, and the login request shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from mcp_console.auth.schemas import ApiKeyLogin, LoginRequest
from mcp_console.vault.bitwarden import child_env


def test_child_env_passes_only_what_bw_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDENTIAL_ENCRYPTION_KEY", "console-key-must-not-leak")
    monkeypatch.setenv("REDIS_URL", "redis://secret@host/0")
    monkeypatch.setenv("BITWARDENCLI_DEBUG", "false")
    monkeypatch.setenv("BITWARDENCLI_APPDATA_DIR", "/shared/dir")
    env = child_env(Path("/per/login"), {"BW_PASSWORD": "pw"})
    assert env["BITWARDENCLI_APPDATA_DIR"] == "/per/login"
    assert env["BW_PASSWORD"] == "pw"
    assert env["BITWARDENCLI_DEBUG"] == "false"
    assert "CREDENTIAL_ENCRYPTION_KEY" not in env and "REDIS_URL" not in env
    assert "PATH" in env


def test_login_request_picks_the_shape_by_method() -> None:
    adapter: TypeAdapter[LoginRequest] = TypeAdapter(LoginRequest)
    parsed = adapter.validate_python(
        {
            "method": "api_key",
            "email": "a@example.test",
            "client_id": "user.x",
            "client_secret": "client-secret-value-1",
            "master_password": "master-password-value-2",
        }
    )
    assert isinstance(parsed, ApiKeyLogin)
    assert "secret-value" not in repr(parsed) and "password-value" not in repr(parsed)
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python({"method": "api_key", "email": "a@example.test"})
    missing = {error["loc"][-1] for error in caught.value.errors()}
    assert missing == {"client_id", "client_secret", "master_password"}


@pytest.mark.parametrize("email", ["--passwordfile=/etc/shadow@x", "-x@y", "no-at-sign", "a b@c"])
def test_an_email_can_never_become_a_bw_flag(email: str) -> None:
    payload = {"method": "master_password", "email": email, "master_password": "pw"}
    with pytest.raises(ValidationError):
        TypeAdapter(LoginRequest).validate_python(payload)
