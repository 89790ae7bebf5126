"""The Gateway page's recent-calls table, rendered from the API's `GatewayCall` models: names,
durations and outcomes (a failure with its code), and the designed empty state."""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import Environment, FileSystemLoader

from mcp_console.gateway.schemas import GatewayCall
from mcp_console.web.app import TEMPLATES_DIR
from mcp_console.web.render import wire_time


def _render(calls: list[GatewayCall]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True)
    template = env.get_template("_gateway_calls.html")
    return template.render(calls=calls, base="/gateway/work", wire_time=wire_time)


def test_each_call_shows_its_token_server_tool_duration_and_outcome() -> None:
    at = datetime(2026, 12, 1, 2, 30, 5, 123000, tzinfo=UTC)
    calls = [
        GatewayCall(
            at=at,
            token_name="laptop <b>",
            profile="work",
            server="alpha",
            method="tools/call",
            name="echo",
            duration_ms=12.6,
            outcome="success",
        ),
        GatewayCall(
            at=at,
            token_name="ci",
            profile="work",
            server=None,
            method="tools/list",
            duration_ms=3.0,
            outcome="failure",
            error_code="RATE_LIMITED",
        ),
    ]
    page = _render(calls)
    assert page.count('data-testid="call-row"') == 2
    assert "laptop &lt;b&gt;" in page, "names are escaped"
    assert "<code>echo</code>" in page and "13 ms" in page
    assert '<time datetime="2026-12-01T02:30:05.123000Z">2026-12-01 02:30:05</time>' in page
    assert "audit-outcome-failure" in page and "<code>RATE_LIMITED</code>" in page
    assert 'data-testid="calls-empty"' not in page


def test_no_calls_is_the_designed_empty_state() -> None:
    assert 'data-testid="calls-empty"' in _render([])
