"""Ready-to-paste client configurations for a profile's endpoint (docs/GATEWAY.md, "Client
setup", lists the sources of each file shape).

The URL is `{PUBLIC_URL}/mcp/{profile}`; the token is always `TOKEN_PLACEHOLDER`, since the API
never accepts or returns a stored token again (the web page substitutes the one it just created,
in the browser). Claude Desktop reads only local (stdio) servers from its file, so its snippet
runs the `mcp-remote` bridge with the header taken from an environment variable.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

from mcp_console.gateway.schemas import TOKEN_PLACEHOLDER, ClientConfig, ClientKind, Profile

BEARER = f"Bearer {TOKEN_PLACEHOLDER}"
Builder = Callable[[str, str], tuple[dict[str, Any], str | None]]


def server_key(profile: str) -> str:
    """The name the client lists the gateway under."""
    return f"mcp-console-{profile}"


def _headers() -> dict[str, str]:
    return {"Authorization": BEARER}


def _claude_desktop(key: str, url: str) -> tuple[dict[str, Any], str | None]:
    entry = {
        "command": "npx",
        "args": ["-y", "mcp-remote", url, "--header", "Authorization:${MCPGW_AUTH_HEADER}"],
        "env": {"MCPGW_AUTH_HEADER": BEARER},
    }
    return {"mcpServers": {key: entry}}, "claude_desktop_config.json (Settings > Developer)"


def _cursor(key: str, url: str) -> tuple[dict[str, Any], str | None]:
    entry = {"url": url, "headers": _headers()}
    return {"mcpServers": {key: entry}}, "~/.cursor/mcp.json (or .cursor/mcp.json in a project)"


def _vscode(key: str, url: str) -> tuple[dict[str, Any], str | None]:
    entry = {"type": "http", "url": url, "headers": _headers()}
    return {"servers": {key: entry}}, ".vscode/mcp.json"


def _windsurf(key: str, url: str) -> tuple[dict[str, Any], str | None]:
    entry = {"serverUrl": url, "headers": _headers()}
    return {"mcpServers": {key: entry}}, "~/.codeium/windsurf/mcp_config.json"


def _generic(_key: str, url: str) -> tuple[dict[str, Any], str | None]:
    return {"transport": "streamable-http", "url": url, "headers": _headers()}, None


JSON_CLIENTS: dict[str, Builder] = {
    "claude-desktop": _claude_desktop,
    "cursor": _cursor,
    "vscode": _vscode,
    "windsurf": _windsurf,
    "generic": _generic,
}


def client_config(client: ClientKind, profile: Profile) -> ClientConfig:
    key, url = server_key(profile.name), profile.endpoint
    path_hint: str | None = None
    if client == "claude-code":
        command = ["claude", "mcp", "add", "--transport", "http", key, url]
        form, snippet = "shell", f'{shlex.join(command)} --header "Authorization: {BEARER}"'
    else:
        document, path_hint = JSON_CLIENTS[client](key, url)
        form, snippet = "json", json.dumps(document, indent=2)
    return ClientConfig.model_validate(
        {
            "client": client,
            "profile": profile.name,
            "url": url,
            "format": form,
            "path_hint": path_hint,
            "snippet": snippet,
            "token_placeholder": True,
        }
    )
