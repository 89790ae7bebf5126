"""Payloads never reach a log: the MCP SDK's own loggers, and request bodies of sensitive routes."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from mcp_console.app import ROUTERS, SENSITIVE_MARK, create_app, sensitive_route_patterns
from mcp_console.core.keys import KeyManager
from mcp_console.core.logging import SecretRegistry, configure_logging
from mcp_console.core.middleware import is_sensitive_path
from mcp_console.core.settings import Settings

PAYLOAD = "payload-canary-3f9d1c"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", json_output=True, stream=stream)
    yield stream
    configure_logging("INFO", json_output=False)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_mcp_sdk_debug_messages_are_dropped_even_at_debug_level(captured: io.StringIO) -> None:
    logging.getLogger("mcp.client.streamable_http").debug("SSE message: %s", PAYLOAD)
    logging.getLogger("mcp.client.sse").info("Received server message: %s", PAYLOAD)
    logging.getLogger("mcp_console.inspector").debug("ours still pass")
    assert [line["message"] for line in _lines(captured)] == ["ours still pass"]


def test_mcp_sdk_errors_keep_their_outcome_but_not_the_exception_text(
    captured: io.StringIO,
) -> None:
    try:
        raise ValueError(f"1 validation error: input_value='{PAYLOAD}'")
    except ValueError:
        logging.getLogger("mcp.client.streamable_http").exception("Error parsing SSE message")
    (line,) = _lines(captured)
    assert line["message"] == "Error parsing SSE message (ValueError)"
    assert PAYLOAD not in json.dumps(line) and "exception" not in line


def _app_paths_marked_sensitive() -> list[str]:
    keys = SecretStr(Fernet.generate_key().decode())
    settings = Settings(
        _env_file=None, credential_encryption_key=keys, oauth_token_encryption_key=keys
    )
    document = create_app(settings, KeyManager.from_settings(settings, SecretRegistry())).openapi()
    return [
        re.sub(r"\{[^}]+\}", "x", path)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if operation.get(SENSITIVE_MARK)
    ]


def test_every_route_marked_sensitive_has_its_body_kept_out_of_the_request_log() -> None:
    paths = _app_paths_marked_sensitive()
    assert "/api/inspector/x/tools/x/call" in paths and "/api/inspector/x/prompts/x/get" in paths
    patterns = sensitive_route_patterns(ROUTERS)
    assert [path for path in paths if not is_sensitive_path(path, patterns)] == []
    assert not is_sensitive_path("/api/containers", patterns)
