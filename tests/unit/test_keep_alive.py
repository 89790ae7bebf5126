"""The web's API client lets an idle connection go before the API server closes it: reusing one
the server is closing at that moment fails a request the server never saw."""

from __future__ import annotations

import argparse

from mcp_console.cli import KEEP_ALIVE_SECONDS, _server_options
from mcp_console.core.settings import Settings
from mcp_console.web.app import WEB_API_KEEPALIVE_SECONDS


def test_the_api_keeps_idle_connections_longer_than_the_web_client() -> None:
    args = argparse.Namespace(host="127.0.0.1", port=8000)
    options = _server_options(args, Settings.model_construct(forwarded_allow_ips="127.0.0.1"))
    assert options["timeout_keep_alive"] == KEEP_ALIVE_SECONDS
    # uvicorn's own default (5 s) equals httpx's default expiry: the race this rules out.
    assert WEB_API_KEEPALIVE_SECONDS < KEEP_ALIVE_SECONDS
    assert KEEP_ALIVE_SECONDS > 5
