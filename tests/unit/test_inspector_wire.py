"""Wire pieces of the stdio bridge and the argument check: request-id namespacing, Docker's
multiplexed frames to JSON-RPC lines, and schema errors listed with their paths."""

from __future__ import annotations

import json
import struct
from typing import Any

import mcp_types as mt
import pytest

from mcp_console.core.errors import AppError
from mcp_console.inspector.client import IdNamespace, parse_message
from mcp_console.inspector.stdio_lines import StdoutDecoder
from mcp_console.inspector.validation import check_arguments


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload)) + payload


def line(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\n"


def test_our_ids_round_trip_and_foreign_answers_are_dropped() -> None:
    ours, theirs = IdNamespace(), IdNamespace()
    request = mt.JSONRPCRequest(jsonrpc="2.0", id=7, method="tools/list")
    wire = ours.outbound(request)
    assert isinstance(wire, mt.JSONRPCRequest) and isinstance(wire.id, str)
    assert wire.id.startswith(ours.prefix)

    answer = mt.JSONRPCResponse(jsonrpc="2.0", id=wire.id, result={})
    restored = ours.inbound(answer)
    assert isinstance(restored, mt.JSONRPCResponse) and restored.id == 7
    assert theirs.inbound(answer) is None, "another attached client never sees our answer"
    plain = mt.JSONRPCResponse(jsonrpc="2.0", id=7, result={})
    assert ours.inbound(plain) is None, "an un-namespaced answer belongs to someone else"


def test_string_ids_cancellations_and_server_requests_are_handled() -> None:
    ids = IdNamespace()
    wire = ids.outbound(mt.JSONRPCRequest(jsonrpc="2.0", id="abc", method="ping"))
    assert isinstance(wire, mt.JSONRPCRequest)
    back = ids.inbound(
        mt.JSONRPCError(jsonrpc="2.0", id=wire.id, error=mt.ErrorData(code=1, message="x"))
    )
    assert isinstance(back, mt.JSONRPCError) and back.id == "abc"

    cancel = mt.JSONRPCNotification(
        jsonrpc="2.0", method="notifications/cancelled", params={"requestId": 3}
    )
    sent = ids.outbound(cancel)
    assert isinstance(sent, mt.JSONRPCNotification) and sent.params is not None
    assert sent.params["requestId"] == f"{ids.prefix}i3"

    server_ping = mt.JSONRPCRequest(jsonrpc="2.0", id=1, method="ping")
    assert ids.inbound(server_ping) is server_ping
    reply = mt.JSONRPCResponse(jsonrpc="2.0", id=1, result={})
    assert ids.outbound(reply) is reply, "answers to the server keep the server's id"


def test_frames_split_anywhere_become_whole_messages() -> None:
    first = {"jsonrpc": "2.0", "id": 1, "result": {"a": 1}}
    second = {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info"}}
    stream = (
        frame(1, line(first)[:10])
        + frame(2, b"a log line on stderr\n")
        + frame(1, line(first)[10:] + line(second))
        + frame(1, b"not json at all\n")
    )
    decoder = StdoutDecoder(max_line_bytes=1024)
    messages: list[mt.JSONRPCMessage] = []
    for index in range(0, len(stream), 7):  # byte chunks that cut headers and payloads
        for item in decoder.feed(stream[index : index + 7]):
            assert isinstance(item, bytes)
            if (message := parse_message(item)) is not None:
                messages.append(message)
    assert [m.model_dump(by_alias=True, exclude_none=True) for m in messages] == [first, second]


def test_argument_errors_are_listed_with_paths() -> None:
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 1},
            "tags": {"type": "array", "items": {"type": "string"}},
            "name": {"type": "string"},
        },
        "required": ["count", "name"],
        "additionalProperties": False,
    }
    with pytest.raises(AppError) as caught:
        check_arguments("demo", schema, {"count": 0, "tags": ["ok", 5], "extra": True})
    error = caught.value
    assert (error.status, error.code) == (422, "INVALID_TOOL_ARGUMENTS")
    found = {(e["path"], e["validator"]) for e in error.details["errors"]}
    assert found == {
        ("", "required"),
        ("", "additionalProperties"),
        ("count", "minimum"),
        ("tags/1", "type"),
    }
    check_arguments("demo", schema, {"count": 2, "name": "x", "tags": []})


def test_argument_errors_never_echo_the_value_given() -> None:
    secret = "an-unregistered-credential-typed-in-a-form"
    with pytest.raises(AppError) as caught:
        check_arguments(
            "demo", {"type": "object", "properties": {"n": {"type": "integer"}}}, {"n": secret}
        )
    (entry,) = caught.value.details["errors"]
    assert secret not in json.dumps(caught.value.details)
    assert entry == {"path": "n", "message": 'must satisfy type "integer"', "validator": "type"}


def test_a_broken_schema_leaves_judgement_to_the_server() -> None:
    check_arguments("demo", {"type": "no-such-type"}, {"anything": 1})
