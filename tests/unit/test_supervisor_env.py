"""`run` hands its children the API's address: the web's API_URL and the gateway's PUBLIC_URL."""

from __future__ import annotations

import pytest

from mcp_console.core.settings import Settings
from mcp_console.supervisor import child_environment


def test_public_url_follows_the_api_port_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    env = child_environment(Settings(_env_file=None), "127.0.0.1", 18123)
    assert env["API_URL"] == "http://127.0.0.1:18123"
    assert env["PUBLIC_URL"] == "http://127.0.0.1:18123"


def test_a_public_url_set_on_purpose_is_kept() -> None:
    settings = Settings(_env_file=None, public_url="https://mcp.example.com")
    env = child_environment(settings, "127.0.0.1", 18123)
    assert env["PUBLIC_URL"] == "https://mcp.example.com"
