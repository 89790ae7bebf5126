"""The secrets policy: what may be stored as configuration, and what is refused (both sides)."""

from __future__ import annotations

import json

import pytest

from mcp_console.core.errors import AppError
from mcp_console.secrets.policy import check_config, find_violations, looks_random

GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"

# Ordinary configuration that must pass, including values under secret-sounding names.
ORDINARY = {
    "MAX_TOKENS": "4096",
    "LOG_LEVEL": "debug",
    "KEY_ID": "abc",
    "TOKEN_ID": "550e8400-e29b-41d4-a716-446655440000",
    "AUTH_TYPE": "oauth_client_credentials",
    "AUTH_PROVIDER": "OAuthClientCredentialsProvider",
    "AUTH_URL": "https://auth.example.com/oauth/authorize?client_id=console&scope=read",
    "TOKEN_ENDPOINT": "https://auth.example.com/oauth/token",
    "PUBLIC_KEY_PATH": "/etc/ssl/certs/server-public-key.pem",
    "PASSWORD_MIN_LENGTH": "12",
    "SECRET_NAME": "github-token-prod",
    "API_VERSION": "v1.2.3-beta.4+build.567",
    "DATABASE_URL": "postgresql://app@db.example.com:5432/app",
    "HOME_URL": "https://example.com:8443/path/to/page",
    "STARTED_AT": "2024-01-01T00:00:00Z",
    "GREETING": "hello world, this is a long sentence with spaces in it",
    "API_TOKEN": "{{ bw:0f3a-item:password }}",
    "AUTHORIZATION": "Bearer {{ bw:0f3a-item:password }}",
    "DSN": "postgres://app:{{ bw:0f3a-item:password }}@db.example.com/app",
    "TASK": "task-runner-for-everything",
    "CACHE": "disk-cache-configuration-value",
}

# Each value is refused, with the rule that must be named.
REFUSED = {
    "GITHUB_TOKEN": (GITHUB_TOKEN, "github-token"),
    "GH_PAT": ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github-token"),
    "GITLAB": ("glpat-abcdefghijklmnopqrst", "gitlab-token"),
    "SLACK": ("xoxb-1234567890-abcdefghij", "slack-token"),
    "AWS_ID": ("AKIAIOSFODNN7EXAMPLE", "aws-access-key"),
    "GOOGLE": ("AIza" + "Sy0123456789abcdefghijklmnopqrstuvw", "google-api-key"),
    "OPENAI": ("sk-proj-abcdefghijklmnopqrstuvwx", "sk-api-key"),
    "ANTHROPIC": ("sk-ant-api03-abcdefghijklmnopqrstuvwx", "sk-api-key"),
    "JWT": (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9",
        "jwt",
    ),
    "HEADER": ("Bearer abcdefgh12345678", "bearer-token"),
    "PEM": (
        "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBg\n-----END PRIVATE KEY-----",
        "pem-private-key",
    ),
    "FERNET": ("gAAAAABl9n2Qw1Zq0b9sXYZabcdefghijklmnopqrstuvwxyz0123456789", "fernet-token"),
    "CONSOLE_GATEWAY": (
        "mcpgw_" + "Qm9vbGVhbi1zdGF0ZS1pcy1ub3QtYS1zZWNyZXQtMDEyMw",
        "gateway-token",
    ),
    "BW": ("A" * 40 + "b+/" * 15 + "x==", "bitwarden-session-key"),
    "UPSTREAM": ("https://user:hunter2@example.com/api", "url-credentials"),
    # glued to what stands before them: a word, a separator, a percent-escape
    "GLUED_DASH": ("x-" + GITHUB_TOKEN, "github-token"),
    "GLUED_WORD": ("MY_TOKEN_" + GITHUB_TOKEN, "github-token"),
    "GLUED_PAT": ("MY_github_pat_11ABCDEFG0123456789_abcdef", "github-token"),
    "GLUED_SK": ("x-sk-proj-abcdefghijklmnopqrstuvwx", "sk-api-key"),
    "GLUED_AWS": ("xAKIAIOSFODNN7EXAMPLE", "aws-access-key"),
    "GLUED_ESCAPE": (
        "Bearer%20eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        "jwt",
    ),
    "API_KEY": ("9f86d081884c7d659a2feaa0c55ad015", "random-value-in-secret-named-field"),
    "DB_PASSWORD": ("Xk29sLq0Pz7Mn4Rt", "random-value-in-secret-named-field"),
    "clientSecret": ("q8W3e7R2t6Y1u5I0o4P9", "random-value-in-secret-named-field"),
    "CALLBACK": (
        "https://api.example.com/v1?api_key=9f86d081884c7d659a2feaa0",
        "random-value-in-secret-named-field",
    ),
}


def test_ordinary_configuration_passes() -> None:
    assert find_violations(ORDINARY, "env") == []
    check_config({"env": ORDINARY, "command": ["serve", "--port", "8080"]}, "config")


@pytest.mark.parametrize("name", list(REFUSED))
def test_secret_shapes_are_refused_naming_path_and_rule_never_the_value(name: str) -> None:
    value, rule = REFUSED[name]
    with pytest.raises(AppError) as refused:
        check_config({"env": {**ORDINARY, name: value}}, "config")
    error = refused.value
    assert (error.status, error.code) == (422, "SECRET_IN_PLAIN_TEXT")
    assert error.details["fields"] == [
        {"field": f"config.env.{name}", "rule": rule, "message": f"looks like a secret ({rule})"}
    ]
    shown = json.dumps([error.message, error.hint, error.details])
    assert value not in shown and value[:12] not in shown


def test_a_declared_secret_must_be_a_reference() -> None:
    declared = {"config.env.NOTION_API_KEY"}
    with pytest.raises(AppError) as refused:
        check_config({"env": {"NOTION_API_KEY": "plain"}}, "config", declared)
    assert refused.value.details["fields"][0]["rule"] == "declared-secret"
    check_config({"env": {"NOTION_API_KEY": "{{ bw:item-1:password }}"}}, "config", declared)


def test_secret_shapes_inside_lists_and_keys_are_found_and_a_key_is_masked() -> None:
    found = find_violations(
        {"command": ["run", "--token", GITHUB_TOKEN], "env": {GITHUB_TOKEN: "x"}}, "config"
    )
    assert [(v.field, v.rule) for v in found] == [
        ("config.command.2", "github-token"),
        ("config.env.***", "github-token"),  # the path names the key, and the key is the secret
    ]


def test_a_malformed_reference_is_its_own_error() -> None:
    with pytest.raises(AppError) as refused:
        check_config({"API_TOKEN": "{{ bw:item-1 }}"}, "env")
    assert refused.value.code == "SECRET_REFERENCE_INVALID"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Xk29sLq0Pz7Mn4Rt", True),
        ("9f86d081884c7d659a2feaa0c55ad015", True),
        ("oauth_client_credentials", False),
        ("OAuthClientCredentialsProvider", False),
        ("short1A", False),
        ("aaaaaaaaaaaaaaaa1111", False),
        ("/var/lib/a1b2c3d4e5f6a7b8", False),
        ("two words Xk29sLq0Pz7Mn4Rt", False),
    ],
)
def test_random_looking_values(text: str, expected: bool) -> None:
    assert looks_random(text) is expected
