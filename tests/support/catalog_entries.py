"""Small Docker-catalog documents for UI tests: entries in `server.yaml` shape, served by the
local catalog stand-in (`registry_servers`)."""

from __future__ import annotations

from typing import Any

import yaml

DOCS_URL = "https://docs.example.com/echo-server"


def docker_entry(
    title: str,
    category: str,
    tags: list[str],
    image: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One entry of Docker's catalog format (`registry:` map value)."""
    entry: dict[str, Any] = {
        "title": title,
        "description": f"{title}: a server for tests",
        "type": "server",
        "metadata": {"category": category, "tags": tags},
        **extra,
    }
    if image:
        entry["image"] = image
    return entry


def echo_entry(image: str) -> dict[str, Any]:
    """A server with tools, a required secret, typed parameters and an env template for each."""
    return docker_entry(
        "Echo server",
        "testing",
        ["echo", "test"],
        image,
        readme=DOCS_URL,
        tools=[
            {"name": "echo", "description": "Returns its input unchanged"},
            {"name": "reverse", "description": "Returns its input backwards"},
        ],
        secrets=[
            {"name": "echo-server.api_key", "env": "ECHO_API_KEY", "description": "Echo API key"}
        ],
        env=[
            {"name": "ECHO_REGION", "value": "{{echo-server.region}}"},
            {"name": "ECHO_RETRIES", "value": "{{echo-server.retries}}"},
            {"name": "ECHO_VERBOSE", "value": "{{echo-server.verbose}}"},
        ],
        config=[
            {
                "name": "echo-server",
                "description": "Configure the echo server",
                "type": "object",
                "properties": {
                    "region": {
                        "type": "string",
                        "enum": ["eu", "us"],
                        "description": "Where the echo runs",
                    },
                    "retries": {"type": "integer", "default": 3, "description": "Attempts"},
                    "verbose": {"type": "boolean", "default": False},
                },
                "required": ["region"],
            }
        ],
    )


class _NoAliases(yaml.SafeDumper):
    """Writes a value used twice out twice: the console refuses YAML aliases in catalogs."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def catalog_document(registry: dict[str, dict[str, Any]]) -> bytes:
    document = {"version": 2, "name": "docker-mcp", "registry": registry}
    return yaml.dump(document, Dumper=_NoAliases).encode()
