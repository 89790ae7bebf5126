"""The product's own logging set-up (`configure_logging`), writing JSON lines to a buffer."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from mcp_console.core.logging import configure_logging


@pytest.fixture(name="captured")
def captured_fixture() -> Iterator[io.StringIO]:
    """Every record at DEBUG, through the redacting handler, into a buffer; reset afterwards."""
    stream = io.StringIO()
    configure_logging("DEBUG", json_output=True, stream=stream)
    yield stream
    configure_logging("INFO", json_output=False)


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
