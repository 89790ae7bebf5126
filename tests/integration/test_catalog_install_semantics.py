"""Hand-checked entries of the real registry: the dry run's env, command, volumes, user and
network equal values worked out by hand from each `server.yaml` (not from the product's code).
`R` is the console's allowed mount root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.containers import Console
from tests.support.images import docker_client_fixture  # noqa: F401
from tests.support.installer import registry_console_fixture  # noqa: F401

pytestmark = pytest.mark.docker

REF_A = "{{ bw:item-a:password }}"
REF_B = "{{ bw:item-b:password }}"


def rw(host: str, target: str, kind: str = "bind") -> dict[str, Any]:
    return {"type": kind, "host_path": host, "container_path": target, "read_only": False}


def cases(r: str) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """name -> (request fields, expected config fields)."""
    return {
        "filesystem": (
            {"parameters": {"paths": [f"{r}/a", f"{r}/b"]}},
            {
                "command": [f"{r}/a", f"{r}/b"],
                "volumes": [rw(f"{r}/a", f"{r}/a"), rw(f"{r}/b", f"{r}/b")],
                "env": {},
                "network_mode": "none",
            },
        ),
        "git": (
            {"parameters": {"paths": [f"{r}/repo"]}},
            {"command": None, "volumes": [rw(f"{r}/repo", f"{r}/repo")], "env": {}},
        ),
        "markdownify": (
            {"parameters": {"paths": [f"{r}/md"]}},
            {"command": None, "volumes": [rw(f"{r}/md", f"{r}/md")], "network_mode": "bridge"},
        ),
        "desktop-commander": (
            {"parameters": {"paths": [f"{r}/d1", f"{r}/d2"]}},
            {"volumes": [rw(f"{r}/d1", f"{r}/d1"), rw(f"{r}/d2", f"{r}/d2")]},
        ),
        "atlassian": (
            {
                "parameters": {
                    "confluence": {"url": "https://c.example/wiki", "username": "me@c.example"},
                    "jira": {"url": "https://j.example"},
                },
                "secrets": {
                    "atlassian.confluence.api_token": REF_A,
                    "atlassian.jira.personal_token": REF_B,
                },
            },
            {
                "env": {
                    "CONFLUENCE_URL": "https://c.example/wiki",
                    "CONFLUENCE_USERNAME": "me@c.example",
                    "JIRA_URL": "https://j.example",
                    "CONFLUENCE_API_TOKEN": REF_A,
                    "JIRA_PERSONAL_TOKEN": REF_B,
                },
            },
        ),
        "okta-mcp-server": (
            {
                "parameters": {
                    "okta_org_url": "https://org.okta.example",
                    "okta_client_id": "client-1",
                    "log_path": f"{r}/okta-logs",
                },
                "secrets": {"OKTA_PRIVATE_KEY": REF_A},
            },
            {
                "env": {
                    "OKTA_ORG_URL": "https://org.okta.example",
                    "OKTA_CLIENT_ID": "client-1",
                    "OKTA_LOG_FILE": f"{r}/okta-logs/okta.log",
                    "OKTA_PRIVATE_KEY": REF_A,
                },
                "volumes": [
                    rw("okta-mcp-server-keyring", "/root/.local/share/python_keyring", "volume"),
                    rw(f"{r}/okta-logs", f"{r}/okta-logs"),
                ],
            },
        ),
        "smartbear": ({}, {"env": {}, "command": None, "volumes": []}),
        "victorialogs": (
            {"parameters": {"vl_instance_entrypoint": "https://vl.example"}},
            {
                "env": {
                    "VL_INSTANCE_ENTRYPOINT": "https://vl.example",
                    "MCP_SERVER_MODE": "stdio",
                    "MCP_LISTEN_ADDR": ":8081",
                    "MCP_HEARTBEAT_INTERVAL": "30s",
                },
            },
        ),
        "stackgen": (
            {"secrets": {"stackgen.api_key": REF_A}},
            {
                "command": ["mcp"],
                "env": {"STACKGEN_URL": "https://cloud.stackgen.com", "STACKGEN_TOKEN": REF_A},
            },
        ),
        "notion": (
            {"secrets": {"notion.internal_integration_token": REF_A}},
            {
                "env": {
                    "INTERNAL_INTEGRATION_TOKEN": REF_A,
                    "OPENAPI_MCP_HEADERS": '{"Authorization": "Bearer '
                    + REF_A
                    + '", "Notion-Version": "2022-06-28"}',
                },
                "secret_env": ["INTERNAL_INTEGRATION_TOKEN", "OPENAPI_MCP_HEADERS"],
            },
        ),
        "sentry": (
            {"secrets": {"sentry.auth_token": REF_A}},
            {
                "command": ["--auth-token", "$SENTRY_AUTH_TOKEN"],
                "command_env": ["SENTRY_AUTH_TOKEN"],
                "env": {"SENTRY_AUTH_TOKEN": REF_A},
            },
        ),
        "SQLite": (
            {},
            {
                "command": ["--db-path", "/mcp/db.sqlite"],
                "volumes": [rw("mcp-sqlite", "/mcp", "volume")],
                "env": {},
            },
        ),
        # `config.env` declares the token in the secrets shape, and a parameter
        # `uberall_access_token` that no template reads repeats it: a secret, one answer
        "uberall": (
            {"secrets": {"uberall.access_token": REF_A}},
            {
                "env": {
                    "UBERALL_URL": "https://sandbox.uberall.com",
                    "UBERALL_ACCESS_TOKEN": REF_A,
                },
                "secret_env": ["UBERALL_ACCESS_TOKEN"],
            },
        ),
        "aks": (
            {
                "parameters": {
                    "azure_dir": f"{r}/azure",
                    "kubeconfig": f"{r}/kube/config",
                    "container_user": "1000",
                }
            },
            {
                "command": [
                    "--transport=stdio",
                    "--access-level=readonly",
                    "--allow-namespaces=",
                    "--additional-tools=",
                ],
                "volumes": [
                    rw(f"{r}/azure", "/home/mcp/.azure"),
                    rw(f"{r}/kube/config", "/home/mcp/.kube/config"),
                ],
                "user": "1000",
            },
        ),
    }


def test_hand_checked_entries_derive_exactly(registry_console: Console) -> None:
    user = registry_console.login()
    root = str(registry_console.settings.allowed_mount_root_list[0])
    mismatches: dict[str, Any] = {}
    for name, (request, expected) in cases(root).items():
        response = registry_console.client.post(
            "/api/containers/install",
            params={"dry_run": "true"},
            json={"item_id": f"github:{name}", **request},
            headers=user.headers,
        )
        assert response.status_code == 200, (name, response.text)
        config = response.json()["config"]
        got = {key: config[key] for key in expected}
        if got != expected:
            mismatches[name] = {"got": got, "expected": expected}
    assert mismatches == {}
    assert Path(root).is_dir()
