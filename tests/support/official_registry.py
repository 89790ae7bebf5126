"""Hand-written Official MCP Registry list entries (`GET /v0/servers` shape) that exercise every
field the console maps: versions with pre-releases and `isLatest`, OCI runtime and package
arguments, env inputs, secrets, non-OCI packages and remotes. Served page by page by
`registry_servers` after `state.official = official_entries()`."""

from __future__ import annotations

from typing import Any

DIGEST = "sha256:" + "ab" * 32
DB = "io.example/db-manager"
RELEASES = "io.example/releases"
PRERELEASES = "io.example/prereleases"
NPM = "io.example/npm-tool"
PRIVILEGED = "io.example/privileged"
HOST_NETWORK = "io.example/host-network"
REMOTE_ONLY = "io.example/remote-only"
DIGESTED = "io.example/digested"
GHCR = "io.example/ghcr"
SECRET_ARG = "io.example/secret-arg"


def _entry(server: dict[str, Any], latest: bool | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"server": server}
    if latest is not None:
        official = {"status": "active", "isLatest": latest}
        entry["_meta"] = {"io.modelcontextprotocol.registry/official": official}
    return entry


def _oci(identifier: str, **fields: Any) -> dict[str, Any]:
    return {
        "registryType": "oci",
        "identifier": identifier,
        "transport": {"type": "stdio"},
        **fields,
    }


def _server(name: str, version: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": f"{name} at {version}", "version": version, **fields}


DB_PACKAGE = _oci(
    "example/db-manager",
    version="1.2.0",
    registryBaseUrl="https://docker.io",
    runtimeArguments=[
        {"type": "named", "name": "--rm"},
        {"type": "positional", "value": "-i"},
        {"type": "named", "name": "-e", "value": "LOG_FORMAT=json"},
        {
            "type": "named",
            "name": "--env",
            "value": "DB_TYPE={db_type}",
            "variables": {
                "db_type": {"choices": ["postgres", "mysql"], "isRequired": True},
            },
        },
        {
            "type": "named",
            "name": "-e",
            "value": "API_TOKEN={api_token}",
            "variables": {"api_token": {"isSecret": True, "isRequired": True}},
        },
        {
            "type": "named",
            "name": "--mount",
            "value": "type=bind,src={data_dir},dst=/data,readonly",
            "variables": {"data_dir": {"format": "filepath", "isRequired": True}},
        },
        {"type": "named", "name": "-p", "value": "8080:8080"},
    ],
    packageArguments=[
        {"type": "positional", "value": "serve"},
        {"type": "positional", "valueHint": "database_name", "isRequired": True},
        {"type": "named", "name": "--host", "default": "localhost", "isRequired": True},
        {"type": "named", "name": "--port", "format": "number"},
        {"type": "named", "name": "--mode", "choices": ["local", "cached"], "default": "local"},
        {"type": "named", "name": "--tag", "isRepeated": True},
        {"type": "positional", "valueHint": "extra_path", "isRepeated": True},
        {"type": "named", "name": "--verbose", "format": "boolean"},
    ],
    environmentVariables=[
        {"name": "DB_USERNAME", "description": "Database user", "isRequired": True},
        {"name": "SSL_MODE", "default": "prefer", "choices": ["disable", "prefer", "require"]},
        {"name": "LOG_LEVEL", "description": "Optional, no default"},
        {"name": "DB_PASSWORD", "isRequired": True, "isSecret": True},
        {"name": "SENTRY_DSN", "isSecret": True},
    ],
)
DB_REMOTE = {
    "type": "streamable-http",
    "url": "https://{tenant}.db.example.com/mcp",
    "variables": {"tenant": {"description": "Your tenant", "isRequired": True}},
    "headers": [
        {"name": "Authorization", "isSecret": True, "isRequired": True},
        {"name": "X-Region", "default": "eu", "choices": ["eu", "us"]},
    ],
}


def official_entries() -> list[dict[str, Any]]:
    """Pages of 3 split these so that one server's versions land on different pages."""
    db = {"packages": [DB_PACKAGE], "remotes": [DB_REMOTE]}
    return [
        _entry(_server(DB, "1.0.0", packages=[_oci("example/db-manager", version="1.0.0")]), False),
        _entry(_server(RELEASES, "1.0.0-rc.1", packages=[_oci("example/rel", version="rc1")])),
        _entry(_server(PRERELEASES, "2.0.0-rc.9", packages=[_oci("example/pre")])),
        _entry(_server(DB, "9.9.9", packages=[_oci("example/db-manager", version="9.9.9")]), False),
        _entry(_server(RELEASES, "1.0.0", packages=[_oci("example/rel", version="1.0.0")])),
        _entry(_server(PRERELEASES, "2.0.0-rc.10", packages=[_oci("example/pre")])),
        _entry(_server(DB, "1.2.0", **db), True),
        _entry(_server(RELEASES, "1.1.0-beta.2", packages=[_oci("example/rel")])),
        _entry(_server(RELEASES, "0.9.0+build.7", packages=[_oci("example/rel")])),
        _entry(_server(PRERELEASES, "2.0.0-rc.2", packages=[_oci("example/pre")])),
        _entry(
            _server(
                NPM,
                "0.3.0",
                packages=[
                    {
                        "registryType": "npm",
                        "identifier": "@example/npm-tool",
                        "version": "0.3.0",
                        "packageArguments": [{"type": "positional", "valueHint": "root"}],
                    }
                ],
            ),
            True,
        ),
        _entry(
            _server(
                PRIVILEGED,
                "1.0.0",
                packages=[
                    _oci(
                        "example/priv", runtimeArguments=[{"type": "named", "name": "--privileged"}]
                    )
                ],
                remotes=[{"type": "sse", "url": "https://priv.example.com/sse"}],
            ),
            True,
        ),
        _entry(
            _server(
                HOST_NETWORK,
                "1.0.0",
                packages=[
                    _oci(
                        "example/net",
                        runtimeArguments=[{"type": "named", "name": "--network", "value": "host"}],
                    )
                ],
            ),
            True,
        ),
        _entry(
            _server(
                REMOTE_ONLY,
                "1.0.0",
                remotes=[
                    {
                        "type": "sse",
                        "url": "https://api.example.com/{workspace}/sse",
                        "headers": [{"name": "X-Api-Key", "isSecret": True, "isRequired": True}],
                    }
                ],
            ),
            True,
        ),
        _entry(
            _server(DIGESTED, "1.0.0", packages=[_oci(f"example/dig@{DIGEST}", version="1.0.0")]),
            True,
        ),
        _entry(
            _server(
                GHCR,
                "1.0.0",
                packages=[
                    _oci("example/gh", version="1.0.0", registryBaseUrl="https://ghcr.io"),
                ],
            ),
            True,
        ),
        _entry(
            _server(
                SECRET_ARG,
                "1.0.0",
                packages=[
                    _oci(
                        "example/sec",
                        packageArguments=[
                            {"type": "named", "name": "--api-key", "isSecret": True},
                        ],
                    )
                ],
            ),
            True,
        ),
    ]
