"""The gateway is transparent to the official MCP conformance suite: its server scenarios run
against `@modelcontextprotocol/server-everything` directly (streamable HTTP), then through
`/mcp/{profile}` of a real API process whose profile exposes the same server in a managed
container (stdio). Every scenario that passes directly passes through the gateway, except the
ones docs/GATEWAY.md's "Conformance exceptions" table lists (read from the doc, so the two
cannot drift)."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from tests.support.conformance import documented_exceptions, run_server_suite
from tests.support.containers import Console, console_fixture  # noqa: F401
from tests.support.everything_server import everything_server
from tests.support.gateway_processes import running_gateway
from tests.support.http_proxy import streaming_proxy
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    everything_image_fixture,
)

pytestmark = pytest.mark.docker

# What the pinned suite and server pass directly (the rest need the suite's own test tools,
# which server-everything does not have): the comparison is never made over an empty set.
PASSING_DIRECTLY = {
    "server-initialize",
    "logging-set-level",
    "ping",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-error",
    "server-sse-multiple-streams",
    "resources-list",
    "resources-subscribe",
    "resources-unsubscribe",
    "prompts-list",
}


def test_everything_image_answers_the_console_inspector(
    console: Console, everything_image: BuiltImage
) -> None:
    """The conformance upstream is a managed container the console's inspector can talk to."""
    user = console.login()
    created = console.create(user, {"image": everything_image.tag, "stdin_open": True})
    server = created["container_id"]

    tools = console.client.get(f"/api/inspector/{server}/tools", headers=user.headers)
    assert tools.status_code == 200, tools.text
    assert {"echo", "get-sum"} <= {tool["name"] for tool in tools.json()["tools"]}
    called = console.client.post(
        f"/api/inspector/{server}/tools/echo/call",
        json={"arguments": {"message": "through the inspector"}},
        headers=user.headers,
    )
    assert called.status_code == 200, called.text
    assert called.json()["content"] == [{"type": "text", "text": "Echo: through the inspector"}]


def test_every_scenario_passing_directly_passes_through_the_gateway(
    tmp_path: Path, docker_client: docker.DockerClient, everything_image: BuiltImage
) -> None:
    exceptions = documented_exceptions()
    assert all(exceptions.values()), "every documented exception gives its reason"

    with everything_server("streamableHttp", tmp_path) as upstream:
        direct = run_server_suite(upstream.url, tmp_path / "direct")
    assert direct.passed >= PASSING_DIRECTLY, direct.output
    assert set(exceptions) <= direct.passed, "a listed exception fails directly"

    with (
        running_gateway(tmp_path / "gateway", docker_client, everything_image) as gateway,
        streaming_proxy(gateway.api_urls, gateway.headers) as proxy,
    ):
        through = run_server_suite(proxy.url + gateway.path, tmp_path / "through")

    missing = direct.passed - set(exceptions) - through.passed
    assert not missing, (
        f"pass directly, fail through the gateway: {sorted(missing)}\n{through.output}"
    )
