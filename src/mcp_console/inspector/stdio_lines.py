"""Docker's multiplexed attach stream to stdout lines, with a bound on how long a line may grow.

A stdio MCP server writes one JSON-RPC message per line. The server is untrusted, so a line is
never accumulated past `max_line_bytes`: once it grows over the bound, its bytes are counted and
dropped as they stream, and when its newline comes the decoder reports an `Oversize` with the
request id read from the line's first bytes (so the waiting request can be answered at once
instead of timing out). A UTF-8 byte-order mark at the start of a line is ignored. stderr lines
are bounded the same way and only counted.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from mcp_console.containers.docker import demux_frames

logger = logging.getLogger("mcp_console.inspector")
STDOUT, STDERR = 1, 2
BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 4096  # kept of an oversize line, to find its id
RequestId = str | int


@dataclass(frozen=True)
class Oversize:
    """A stdout line dropped for its length; `request_id` is `None` when it could not be read
    from the line's first `HEAD_BYTES` (an `id` key after a long `result`, or not JSON)."""

    request_id: RequestId | None
    size: int


@dataclass
class _Line:
    data: bytearray = field(default_factory=bytearray)
    dropping: bool = False
    head: bytes = b""
    dropped: int = 0


class StdoutDecoder:
    """Feed it socket chunks; get complete stdout lines (bytes, within the bound) and `Oversize`
    reports, in order."""

    def __init__(self, max_line_bytes: int) -> None:
        self._max = max_line_bytes
        self._buffer = b""
        self._lines = {STDOUT: _Line(), STDERR: _Line()}

    def feed(self, chunk: bytes) -> list[bytes | Oversize]:
        frames, self._buffer = demux_frames(self._buffer + chunk)
        out: list[bytes | Oversize] = []
        for stream_id, payload in frames:
            line = self._lines.setdefault(stream_id, _Line())
            for item in self._split(line, payload):
                if stream_id == STDOUT:
                    out.append(item)
                else:  # sizes only: a server's stderr may echo arguments or results
                    size = item.size if isinstance(item, Oversize) else len(item)
                    logger.debug("mcp server stderr line", extra={"bytes": size})
        return out

    def _split(self, line: _Line, payload: bytes) -> list[bytes | Oversize]:
        complete: list[bytes | Oversize] = []
        position = 0
        while position < len(payload):
            newline = payload.find(b"\n", position)
            end = len(payload) if newline < 0 else newline
            self._grow(line, payload[position:end])
            if newline < 0:
                break
            if line.dropping:
                complete.append(Oversize(top_level_id(line.head), line.dropped))
            elif text := _without_bom(bytes(line.data)):
                complete.append(text)
            line.data.clear()
            line.dropping, line.head, line.dropped = False, b"", 0
            position = newline + 1
        return complete

    def _grow(self, line: _Line, piece: bytes) -> None:
        if line.dropping:
            line.dropped += len(piece)
            return
        line.data += piece
        if len(line.data) > self._max:
            line.dropping = True
            line.head = bytes(line.data[:HEAD_BYTES])
            line.dropped = len(line.data)
            line.data.clear()


def _without_bom(line: bytes) -> bytes:
    """Some servers (Windows-built, or .NET with a default encoding) start output with a BOM."""
    return line.strip().removeprefix(BOM).strip()


def top_level_id(head: bytes) -> RequestId | None:
    """The `id` member of the JSON object that `head` begins, in whatever key order, as long as
    it comes before a value that `head` cuts off."""
    text = _without_bom(head).decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if not text.startswith("{", position):
        return None
    position += 1
    try:
        while True:
            key, position = decoder.raw_decode(text, _skip(text, position))
            position = _skip(text, position)
            if not isinstance(key, str) or not text.startswith(":", position):
                return None
            value, position = decoder.raw_decode(text, _skip(text, position + 1))
            if position >= len(text):  # a number at the very end may be cut short
                return None
            if key == "id":
                valid = isinstance(value, str | int) and not isinstance(value, bool)
                return value if valid else None
            position = _skip(text, position)
            if not text.startswith(",", position):
                return None
            position += 1
    except ValueError:  # the value the head cuts off (or not JSON at all)
        return None


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
