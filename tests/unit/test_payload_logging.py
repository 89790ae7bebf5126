"""Payloads never reach a log: the MCP SDK's own loggers, and request bodies of sensitive routes."""

from __future__ import annotations

import io
import json
import logging
import re

from cryptography.fernet import Fernet
from pydantic import SecretStr

from mcp_console.app import ROUTERS, create_app
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import SecretRegistry
from mcp_console.core.sensitive import SENSITIVE_MARK, is_sensitive_path, sensitive_route_patterns
from mcp_console.core.settings import Settings
from tests.support.log_capture import captured_fixture, json_lines  # noqa: F401

PAYLOAD = "payload-canary-3f9d1c"


def test_mcp_sdk_debug_messages_are_dropped_even_at_debug_level(captured: io.StringIO) -> None:
    logging.getLogger("mcp.client.streamable_http").debug("SSE message: %s", PAYLOAD)
    logging.getLogger("mcp.client.sse").info("Received server message: %s", PAYLOAD)
    logging.getLogger("mcp_console.inspector").debug("ours still pass")
    assert [line["message"] for line in json_lines(captured)] == ["ours still pass"]


def test_mcp_sdk_errors_keep_their_outcome_but_not_the_exception_text(
    captured: io.StringIO,
) -> None:
    try:
        raise ValueError(f"1 validation error: input_value='{PAYLOAD}'")
    except ValueError:
        logging.getLogger("mcp.client.streamable_http").exception("Error parsing SSE message")
    (line,) = json_lines(captured)
    assert line["message"] == "Error parsing SSE message (ValueError)"
    assert PAYLOAD not in json.dumps(line) and "exception" not in line


# Every route whose body was never logged when path prefixes decided it (/api/auth, /api/secrets,
# /api/github-token): each must keep the marker, so the set never shrinks.
NEVER_LOGGED = {
    ("post", "/api/auth/login"),
    ("post", "/api/auth/logout"),
    ("get", "/api/auth/session"),
    ("post", "/api/secrets/resolve"),
    ("put", "/api/github-token"),
    ("get", "/api/github-token/status"),
    ("delete", "/api/github-token"),
    ("post", "/api/inspector/{container_id}/tools/{name}/call"),
    ("post", "/api/inspector/{container_id}/prompts/{name}/get"),
}


def _operations_marked_sensitive() -> set[tuple[str, str]]:
    keys = SecretStr(Fernet.generate_key().decode())
    settings = Settings(
        _env_file=None, credential_encryption_key=keys, oauth_token_encryption_key=keys
    )
    document = create_app(settings, KeyManager.from_settings(settings, SecretRegistry())).openapi()
    return {
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get(SENSITIVE_MARK)
    }


def test_every_route_marked_sensitive_has_its_body_kept_out_of_the_request_log() -> None:
    marked = _operations_marked_sensitive()
    assert NEVER_LOGGED - marked == set()
    patterns = sensitive_route_patterns(ROUTERS)
    paths = [re.sub(r"\{[^}]+\}", "x", path) for _, path in marked]
    assert [path for path in paths if not is_sensitive_path(path, patterns)] == []
    assert not is_sensitive_path("/api/containers", patterns)
