"""Untrusted stdio output: byte-order marks, lines bounded while they stream (the id of a dropped
answer read from its first bytes, in any key order), and results cut to the size cap with a
visible notice."""

from __future__ import annotations

import json
import struct
from typing import Any

import mcp_types as mt
import pytest

from mcp_console.core.errors import AppError
from mcp_console.inspector.client import IdNamespace, parse_message
from mcp_console.inspector.result_cap import (
    RESULT_TOO_LARGE_CODE,
    TRUNCATED_META,
    cap_result,
    json_size,
    notice,
)
from mcp_console.inspector.stdio_lines import BOM, Oversize, StdoutDecoder, top_level_id

LIMIT = 200


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload)) + payload


def feed_all(decoder: StdoutDecoder, *frames: bytes, step: int = 5) -> list[bytes | Oversize]:
    stream = b"".join(frames)
    out: list[bytes | Oversize] = []
    for index in range(0, len(stream), step):
        out.extend(decoder.feed(stream[index : index + step]))
    return out


def test_a_byte_order_mark_before_a_message_is_ignored() -> None:
    message = b'{"jsonrpc":"2.0","id":1,"result":{}}'
    (line,) = feed_all(StdoutDecoder(LIMIT), frame(1, BOM + message + b"\r\n"))
    assert line == message
    parsed = parse_message(message)
    assert isinstance(parsed, mt.JSONRPCResponse) and parsed.id == 1


def test_an_oversize_line_split_across_frames_is_dropped_and_reported_with_its_id() -> None:
    big = b'{"jsonrpc":"2.0","id":"mcp-console-ab:i7","result":{"t":"' + b"x" * 1000 + b'"}}'
    after = b'{"jsonrpc":"2.0","id":2,"result":{}}'
    frames = [frame(1, big[i : i + 64]) for i in range(0, len(big), 64)]
    out = feed_all(StdoutDecoder(LIMIT), *frames, frame(1, b"\n" + after + b"\n"))
    assert out == [Oversize("mcp-console-ab:i7", len(big)), after]


def test_a_line_exactly_at_the_limit_passes_one_byte_more_does_not() -> None:
    head = b'{"jsonrpc":"2.0","id":3,"result":{"t":"'
    exact = head + b"y" * (LIMIT - len(head) - 3) + b'"}}'
    assert len(exact) == LIMIT
    longer = exact[:-3] + b'y"}}'
    out = feed_all(StdoutDecoder(LIMIT), frame(1, exact + b"\n" + longer + b"\n"))
    assert out == [exact, Oversize(3, LIMIT + 1)]


def test_stderr_lines_are_bounded_and_never_returned() -> None:
    out = feed_all(StdoutDecoder(LIMIT), frame(2, b"e" * 5000 + b"\n"), frame(1, b"{}\n"))
    assert out == [b"{}"]


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b'{"jsonrpc":"2.0","id":"abc","result":{"content":[{"text":"xx', "abc"),
        (b'{ "result" : {"a": [1, {"id": 9}]}, "id": 12, "jsonrpc": "2.0", "x": "yy', 12),
        (BOM + b' {"id": 4', None),  # the value itself is cut off
        (b'{"result":{"content":[{"text":"xxxxxx', None),  # id after the cut
        (b"not json at all", None),
        (b'{"id": true, "result": 1', None),
    ],
)
def test_the_id_is_read_from_the_top_level_object_in_any_key_order(
    head: bytes, found: str | int | None
) -> None:
    assert top_level_id(head) == found


def test_a_dropped_answer_answers_our_request_with_a_notice_or_an_error() -> None:
    ids = IdNamespace()
    call = ids.outbound(mt.JSONRPCRequest(jsonrpc="2.0", id=1, method="tools/call", params={}))
    read = ids.outbound(
        mt.JSONRPCRequest(jsonrpc="2.0", id=2, method="resources/read", params={"uri": "a://b"})
    )
    prompt = ids.outbound(mt.JSONRPCRequest(jsonrpc="2.0", id=3, method="prompts/get"))
    assert isinstance(call, mt.JSONRPCRequest) and isinstance(read, mt.JSONRPCRequest)
    assert isinstance(prompt, mt.JSONRPCRequest)

    tool_answer = ids.oversize(Oversize(call.id, 5000), 100)
    assert isinstance(tool_answer, mt.JSONRPCResponse) and tool_answer.id == 1
    assert tool_answer.result == {
        "content": [{"type": "text", "text": notice(5000, 100)}],
        "isError": True,
        "_meta": {TRUNCATED_META: {"bytes": 5000, "limit": 100}},
    }
    assert cap_result(tool_answer.result, 1024) == (tool_answer.result, True)
    resource_answer = ids.oversize(Oversize(read.id, 5000), 100)
    assert isinstance(resource_answer, mt.JSONRPCResponse)
    assert resource_answer.result["contents"][0]["uri"] == "a://b"
    prompt_answer = ids.oversize(Oversize(prompt.id, 5000), 100)
    assert isinstance(prompt_answer, mt.JSONRPCError) and prompt_answer.id == 3
    assert prompt_answer.error.code == RESULT_TOO_LARGE_CODE

    assert ids.oversize(Oversize(call.id, 5000), 100) is None, "answered once only"
    assert ids.oversize(Oversize("mcp-console-other:i1", 5000), 100) is None
    assert ids.oversize(Oversize(None, 5000), 100) is None


def _tool_result(*texts: str, **extra: Any) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": t} for t in texts], "isError": False, **extra}


def test_results_within_the_limit_are_unchanged() -> None:
    result = _tool_result("small")
    assert cap_result(result, 1024) == (result, False)


def test_a_tool_result_keeps_what_fits_and_ends_with_the_notice() -> None:
    result = _tool_result("a" * 300, "b" * 3000, "c" * 10, structuredContent={"r": "x"})
    size = json_size(result)
    capped, truncated = cap_result(result, 1024)
    assert truncated and json_size(capped) <= 1024
    texts = [block["text"] for block in capped["content"]]
    assert texts[0] == "a" * 300
    assert set(texts[1]) == {"b"} and 0 < len(texts[1]) < 3000, "the first misfit is cut"
    assert texts[-1] == notice(size, 1024) and len(texts) == 3
    assert "structuredContent" not in capped
    assert capped["_meta"] == {TRUNCATED_META: {"bytes": size, "limit": 1024}}
    assert capped["isError"] is True, "a success without its structured part would not validate"


def test_escaped_text_is_cut_by_its_encoded_size() -> None:
    result = _tool_result('"\\' * 2000 + "é" * 2000)
    capped, truncated = cap_result(result, 1024)
    assert truncated and json_size(capped) <= 1024
    assert capped["isError"] is False


def test_resource_contents_keep_parts_that_fit_and_a_notice_part() -> None:
    parts = [{"uri": "a://b", "blob": "Zg==" * 100}, {"uri": "a://b", "blob": "Zg==" * 1000}]
    capped, truncated = cap_result({"contents": parts}, 1024)
    assert truncated and json_size(capped) <= 1024
    assert capped["contents"][0] == parts[0]
    assert capped["contents"][-1]["text"].startswith("[truncated by MCP Gateway Console")
    assert len(capped["contents"]) == 2, "a blob is never cut"


def test_a_prompt_over_the_limit_is_refused() -> None:
    prompt = {"messages": [{"role": "user", "content": {"type": "text", "text": "p" * 2000}}]}
    with pytest.raises(AppError) as caught:
        cap_result(prompt, 1024)
    assert caught.value.code == "MCP_RESULT_TOO_LARGE"
    assert caught.value.details == {"bytes": json_size(prompt), "limit": 1024}
    assert json.dumps(caught.value.details).count("p" * 10) == 0
