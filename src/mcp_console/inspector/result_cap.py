"""The size cap on what an MCP server returns (`MCP_MAX_RESULT_BYTES`).

Server output is untrusted: a tool can answer 20 MiB, and every byte of it would be parsed,
copied into the API response and, through the gateway, into an AI client's context. Results are
measured as the bytes of their compact JSON form. Over the limit:
- a tool result keeps the content blocks that fit (the first text block that does not fit is cut
  at the limit), drops `structuredContent`, and ends with a text block saying what happened;
- resource contents keep the parts that fit and end with a text part saying so;
- a prompt is refused (`MCP_RESULT_TOO_LARGE`): half a prompt is a different prompt.
A cut result carries `_meta["mcp-gateway-console/truncated"] = {bytes, limit}`.

The stdio bridge drops a message far over the limit while it streams (it is never parsed); it
then answers with `notice_only` for the request that message answered. Every result path of
`McpClient` (and the gateway's pass-through) goes through `cap_result`.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_console.core.errors import AppError

# A JSON-RPC message may exceed the result it carries by its envelope (jsonrpc, id, result):
# messages up to the limit plus this margin are parsed and capped, longer ones dropped unparsed.
ENVELOPE_MARGIN = 65_536
# The console's own JSON-RPC error code for "dropped, too large" (implementation-defined range).
RESULT_TOO_LARGE_CODE = -32070
# Set in the `_meta` of every result the console cut, so clients (and the gateway) can tell.
TRUNCATED_META = "mcp-gateway-console/truncated"
JsonObject = dict[str, Any]


def wire_limit(limit: int) -> int:
    """Longest JSON-RPC message (bytes) the stdio bridge accumulates and parses."""
    return limit + ENVELOPE_MARGIN


def notice(size: int, limit: int) -> str:
    return f"[truncated by MCP Gateway Console: result was {size} bytes, limit {limit}]"


def json_size(value: object) -> int:
    """Bytes of the compact UTF-8 JSON form: what the cap measures."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def result_too_large(size: int, limit: int) -> AppError:
    return AppError(
        "MCP_RESULT_TOO_LARGE",
        f"The MCP server's answer was {size} bytes, over the limit of {limit}.",
        status=502,
        hint="Ask for less (arguments, pagination), or raise MCP_MAX_RESULT_BYTES.",
        details={"bytes": size, "limit": limit},
    )


def cap_result(result: JsonObject, limit: int) -> tuple[JsonObject, bool]:
    """The result unchanged and `False`, or cut to the limit with a notice and `True`.

    The kind is told by the result's own list: `content` (tools/call), `contents`
    (resources/read); anything else over the limit (a prompt) raises `MCP_RESULT_TOO_LARGE`.
    """
    size = json_size(result)
    if size <= limit:
        meta = result.get("_meta")
        return result, isinstance(meta, dict) and TRUNCATED_META in meta
    if isinstance(result.get("content"), list):
        return _cut_tool_result(result, size, limit), True
    if isinstance(result.get("contents"), list):
        return _cut_resource(result, size, limit), True
    raise result_too_large(size, limit)


def notice_only(method: str, uri: str | None, size: int, limit: int) -> JsonObject | None:
    """The stand-in result for a message dropped unparsed; `None` for methods that refuse."""
    meta = _meta({}, size, limit)
    if method == "tools/call":
        return {"content": [_text_block(notice(size, limit))], "isError": True, **meta}
    if method == "resources/read":
        return {"contents": [_text_part(uri or "", notice(size, limit))], **meta}
    return None


def _cut_tool_result(result: JsonObject, size: int, limit: int) -> JsonObject:
    """`isError` becomes true when `structuredContent` is dropped: clients check a success
    result's structured part against the tool's `outputSchema`, and it is gone."""
    cut = {key: value for key, value in result.items() if key != "structuredContent"}
    cut.update(_meta(result, size, limit))
    cut["isError"] = bool(result.get("isError")) or "structuredContent" in result
    text = notice(size, limit)
    budget = limit - json_size({**cut, "content": [_text_block(text)]})
    cut["content"] = [*_fitting(result["content"], budget, "text"), _text_block(text)]
    return cut


def _cut_resource(result: JsonObject, size: int, limit: int) -> JsonObject:
    parts: list[Any] = result["contents"]
    uri = next((p.get("uri") for p in parts if isinstance(p, dict)), None) or ""
    last = _text_part(str(uri), notice(size, limit))
    cut = {**result, **_meta(result, size, limit)}
    budget = limit - json_size({**cut, "contents": [last]})
    return {**cut, "contents": [*_fitting(parts, budget, "text"), last]}


def _fitting(items: list[Any], budget: int, text_key: str) -> list[Any]:
    """Whole items while they fit, then the first text item that does not, cut to the rest."""
    kept: list[Any] = []
    for item in items:
        cost = json_size(item) + 1  # the comma
        if cost <= budget:
            kept.append(item)
            budget -= cost
            continue
        if isinstance(item, dict) and isinstance(item.get(text_key), str):
            room = budget - json_size({**item, text_key: ""}) - 1
            if room > 0:
                kept.append({**item, text_key: _prefix(item[text_key], room)})
        break
    return kept


def _prefix(text: str, budget: int) -> str:
    """The longest prefix whose JSON string body fits in `budget` bytes (escapes counted)."""
    low, high = 0, min(len(text), budget)
    while low < high:
        middle = (low + high + 1) // 2
        if json_size(text[:middle]) - 2 <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def _meta(result: JsonObject, size: int, limit: int) -> JsonObject:
    """The result's `_meta` (kept when it is an object) plus the console's truncation mark."""
    meta = result.get("_meta")
    kept = meta if isinstance(meta, dict) else {}
    return {"_meta": {**kept, TRUNCATED_META: {"bytes": size, "limit": limit}}}


def _text_block(text: str) -> JsonObject:
    return {"type": "text", "text": text}


def _text_part(uri: str, text: str) -> JsonObject:
    return {"uri": uri, "mimeType": "text/plain", "text": text}
