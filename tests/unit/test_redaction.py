"""The redacting formatter masks sensitive keys, token patterns and registered exact values."""

from __future__ import annotations

import io
import json
import logging

import pytest

from mcp_console.core.logging import (
    SENSITIVE_KEY_WORDS,
    RedactingFormatter,
    Redactor,
    SecretRegistry,
    configure_logging,
    secret_registry,
)
from tests.support.log_capture import captured_fixture, json_lines  # noqa: F401

TOKENS = {
    "bearer": "Bearer abc.def-ghi_jkl",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9",
    "github_classic": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "github_fine_grained": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "aws_access_key": "AKIAIOSFODNN7EXAMPLE",
    "fernet": "gAAAAABl9n2Qw1Zq0b9sXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "bitwarden_session": "A" * 40 + "b+/" * 15 + "x==",
    "console_gateway_token": "mcpgw_" + "Qm9vbGVhbi1zdGF0ZS1pcy1ub3QtYS1zZWNyZXQtMDEyMw",
}


@pytest.mark.parametrize("word", SENSITIVE_KEY_WORDS)
def test_values_under_sensitive_keys_are_masked(word: str, captured: io.StringIO) -> None:
    value = f"value-of-{word}-x9"
    logging.getLogger("mcp_console.test").info(
        "text %s=%s and json %s", word, value, json.dumps({word: value}), extra={word: value}
    )
    output = captured.getvalue()
    assert value not in output
    assert output.count("***") >= 3


@pytest.mark.parametrize("name", list(TOKENS))
@pytest.mark.parametrize("logger_name", ["mcp_console.test", "uvicorn.error", "arq.worker"])
def test_token_patterns_are_masked_in_every_managed_logger(
    name: str, logger_name: str, captured: io.StringIO
) -> None:
    token = TOKENS[name]
    logging.getLogger(logger_name).warning("calling upstream with %s now", token)
    (line,) = json_lines(captured)
    assert token not in json.dumps(line)
    assert "***" in str(line["message"])
    assert line["logger"] == logger_name


def test_registered_exact_values_are_masked_anywhere(captured: io.StringIO) -> None:
    secret_registry.register("plain-looking-resolved-value-42")
    logger = logging.getLogger("arq.jobs")
    try:
        raise ValueError("failed with plain-looking-resolved-value-42 inside")
    except ValueError:
        logger.exception("job failed for %s", "plain-looking-resolved-value-42")
    output = captured.getvalue()
    assert "plain-looking-resolved-value-42" not in output
    assert "ValueError" in output


def test_ordinary_text_is_left_readable(captured: io.StringIO) -> None:
    logging.getLogger("mcp_console.test").info("container started", extra={"image": "busybox:1"})
    (line,) = json_lines(captured)
    assert line["message"] == "container started"
    assert line["image"] == "busybox:1"


class ExplodingRedactor(Redactor):
    def text(self, value: str) -> str:
        raise RuntimeError("redactor broke")


def test_a_failing_redactor_leaves_only_metadata() -> None:
    formatter = RedactingFormatter(json_output=True, redact=ExplodingRedactor(SecretRegistry()))
    record = logging.LogRecord(
        "mcp_console.request", logging.INFO, __file__, 1, "body %s", ("master_password=x",), None
    )
    record.method, record.path, record.status = "POST", "/api/things", 201
    record.body = {"master_password": "hunter2-hunter2"}
    line = json.loads(formatter.format(record))
    assert line == {
        "level": "INFO",
        "logger": "mcp_console.request",
        "message": "log record dropped: redaction failed",
        "method": "POST",
        "path": "/api/things",
        "status": 201,
    }


def test_readable_format_is_redacted_too() -> None:
    stream = io.StringIO()
    configure_logging("INFO", json_output=False, stream=stream)
    logging.getLogger("uvicorn.access").info(
        '"GET /cb?code=1&access_token=tok-123456 HTTP/1.1" 200'
    )
    assert "tok-123456" not in stream.getvalue()
    assert "access_token=***" in stream.getvalue()


def test_secret_shapes_in_structured_keys_are_masked(captured: io.StringIO) -> None:
    """A request body logged as an extra: a token used as a map key is masked like a value."""
    token = TOKENS["github_classic"]
    logging.getLogger("mcp_console.request").info(
        "request", extra={"body": {"config": {"env": {token: "x", "LOG_LEVEL": "debug"}}}}
    )
    (line,) = json_lines(captured)
    assert token not in json.dumps(line)
    assert line["body"] == {"config": {"env": {"***": "x", "LOG_LEVEL": "debug"}}}
