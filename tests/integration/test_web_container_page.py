"""The container page: header, config (references, never values), live logs through the UI's SSE
proxy and the inspector tabs, against a real API process, real containers and a real MCP server
(the locally built test image) reached through the API."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mcp_console.core.settings import Settings
from tests.support.auth import bearer
from tests.support.containers import VaultSecret
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.processes import free_port
from tests.support.web import HTMX, INLINE_SCRIPT, web_client
from tests.support.web_containers import (  # noqa: F401
    Browser,
    api_fixture,
    browsers_fixture,
    sleeper,
)

pytestmark = pytest.mark.docker

SECRET = VaultSecret("web-page-item", "page-canary-Zq8-secret-value-777")
COUNTER = (
    "trap 'exit 0' TERM; echo token=$API_TOKEN; i=0; "
    "while true; do echo line $i; i=$((i+1)); sleep 0.2; done"
)


def mcp_server(user: Browser, image: BuiltImage, start: bool = True) -> str:
    return user.create({"image": image.tag, "stdin_open": True}, start=start)


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, data) per server-sent event; `message` when the event is unnamed."""
    name = "message"
    for line in lines:
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            yield name, json.loads(line[5:])
            name = "message"


def read_until(user: Browser, path: str, wanted: str) -> tuple[list[str], list[str]]:
    """Reads the UI's stream until the event or log line `wanted`; returns lines and events."""
    seen: list[str] = []
    events: list[str] = []
    with user.web.stream("GET", path) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for name, data in sse_events(response.iter_lines()):
            events.append(name)
            seen.append(str(data.get("line", "")))
            if wanted in (name, data.get("line")):
                break
    return seen, events


def test_config_shows_the_secret_reference_and_never_its_value(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user = browsers([SECRET.item()])
    container_id = user.create(
        {
            "image": busybox_image.tag,
            "command": ["sh", "-c", COUNTER],
            "env": {"API_TOKEN": SECRET.reference, "GREETING": "hello-plain"},
            "restart_policy": "on-failure",
        }
    )
    page = user.web.get(f"/containers/{container_id}")
    assert page.status_code == 200
    assert 'data-testid="container-status">running<' in page.text
    assert busybox_image.tag in page.text
    assert 'aria-current="page"' in page.text and 'id="tab-config"' in page.text
    assert SECRET.reference in page.text
    assert 'data-testid="secret-reference">secret reference<' in page.text
    assert "hello-plain" in page.text and "on-failure" in page.text
    assert "echo token=$API_TOKEN" in page.text
    assert not INLINE_SCRIPT.search(page.text) and " style=" not in page.text

    lines, _events = read_until(user, f"/containers/{container_id}/logs/stream", "line 1")
    assert "token=" in "".join(lines)
    download = user.web.get(f"/containers/{container_id}/logs/download")
    responses = [
        page,
        download,
        user.web.get("/containers"),
        user.web.get(f"/containers/{container_id}/header", headers=HTMX),
        *(user.web.get(f"/containers/{container_id}?tab={tab}") for tab in ("logs", "tools")),
    ]
    for response in responses:
        assert SECRET.value not in response.text
    assert SECRET.value not in "".join(lines)


def test_the_logs_proxy_streams_live_lines_until_the_end_and_downloads_them(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user = browsers()
    config = {"image": busybox_image.tag, "command": ["sh", "-c", COUNTER]}
    container_id = user.create(config)

    tab = user.web.get(f"/containers/{container_id}?tab=logs")
    stream_url = f"/containers/{container_id}/logs/stream?tail=200"
    assert f'data-stream-url="{stream_url}"' in tab.text
    assert re.search(r'<script src="/assets/logs\.[0-9a-f]{12}\.js" defer>', tab.text)
    assert f'href="/containers/{container_id}/logs/download"' in tab.text

    lines, events = read_until(user, stream_url, "line 3")
    assert lines[-4:] == ["line 0", "line 1", "line 2", "line 3"]
    assert set(events) == {"message"}

    download = user.web.get(f"/containers/{container_id}/logs/download")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/plain")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and container_id in disposition
    text_lines = download.text.splitlines()
    assert any(line.endswith("stdout line 3") for line in text_lines), download.text[:500]

    with user.web.stream("GET", stream_url) as response:
        names = sse_events(response.iter_lines())
        assert next(names)[0] == "message"
        stopped = httpx.post(
            f"{user.api.base_url}/api/containers/{container_id}/stop",
            headers=bearer(user.session_id),
            timeout=60,
        )
        assert stopped.status_code == 200
        assert "end" in {name for name, _data in names}, "the end of the stream is relayed"


def test_a_stream_that_cannot_start_is_one_error_event(browsers: Any) -> None:
    user = browsers()
    _lines, events = read_until(user, "/containers/no-such-id/logs/stream", "stream-error")
    assert events == ["stream-error"]
    with user.web.stream("GET", "/containers/no-such-id/logs/stream") as response:
        body = response.read().decode()
    assert "CONTAINER_NOT_FOUND" in body and '"retryable": false' in body
    assert user.web.get("/containers/no-such-id/logs/download").status_code == 404


def test_an_unknown_or_foreign_container_gets_the_designed_not_found_page(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    owner, other = browsers(), browsers()
    container_id = owner.create(sleeper(busybox_image), start=False)
    for path in ("/containers/no-such-id", f"/containers/{container_id}?tab=tools"):
        page = other.web.get(path)
        assert page.status_code == 404
        assert (
            'data-testid="container-not-found"' in page.text and 'href="/containers"' in page.text
        )
    assert owner.web.get(f"/containers/{container_id}").status_code == 200


def test_header_polls_itself_and_tabs_swap_with_htmx(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user = browsers()
    container_id = user.create(sleeper(busybox_image))
    page = user.web.get(f"/containers/{container_id}").text
    assert f'hx-get="/containers/{container_id}/header" hx-trigger="every 5s"' in page

    header = user.web.get(f"/containers/{container_id}/header", headers=HTMX)
    assert header.status_code == 200 and "<html" not in header.text
    assert 'id="container-header"' in header.text and "running" in header.text
    plain = user.web.get(f"/containers/{container_id}/header")
    assert plain.status_code == 303 and plain.headers["location"].startswith(
        f"/containers/{container_id}"
    )

    stopped = user.post(
        f"/containers/{container_id}/stop", htmx=True, return_to=f"/containers/{container_id}"
    )
    assert stopped.status_code == 200 and "<html" not in stopped.text
    assert 'id="container-header"' in stopped.text
    assert 'data-testid="container-status">exited<' in stopped.text
    assert 'id="containers-table"' not in stopped.text

    tab = user.web.get(f"/containers/{container_id}?tab=logs", headers=HTMX)
    assert "<html" not in tab.text and 'id="container-tabs"' in tab.text
    assert re.search(r'aria-current="page"[^>]*>Logs<|id="tab-logs"[^>]*aria-current', tab.text)


def test_server_info_and_tools_tab_show_the_server_and_a_form_per_tool(
    browsers: Any, mcp_server_image: BuiltImage
) -> None:
    user = browsers()
    container_id = mcp_server(user, mcp_server_image)

    info = user.web.get(f"/containers/{container_id}?tab=info")
    assert info.status_code == 200
    assert 'data-testid="server-name">console-test-server<' in info.text
    assert "Test server for the MCP Gateway Console" in info.text

    tools = user.web.get(f"/containers/{container_id}?tab=tools").text
    names = re.findall(r'data-testid="tool-([a-z_]+)"', tools)
    assert sorted(names) == ["add", "echo", "env_value", "fail"]
    assert "Return the given text unchanged." in tools
    assert f'hx-post="/containers/{container_id}/tools/add"' in tools
    add_inputs = re.findall(r'<input id="tool-\d+-[ab]" name="arg\.[ab]"[^>]*>', tools)
    assert len(add_inputs) == 2
    assert all('type="number"' in tag and "required" in tag for tag in add_inputs)
    assert re.search(r'name="arg\.reason" value="requested failure"', tools), "defaults are filled"


def test_tools_are_called_with_typed_arguments_and_their_results_shown(
    browsers: Any, mcp_server_image: BuiltImage
) -> None:
    user = browsers()
    container_id = mcp_server(user, mcp_server_image)
    base = f"/containers/{container_id}/tools"

    echoed = user.post(f"{base}/echo", htmx=True, **{"arg.text": "hello <web> console"})
    assert echoed.status_code == 200 and "<html" not in echoed.text
    assert 'data-testid="tool-result" data-is-error="false"' in echoed.text
    assert "hello &lt;web&gt; console</pre>" in echoed.text

    added = user.post(f"{base}/add", htmx=True, **{"arg.a": "2", "arg.b": "3"})
    result = re.search(r'data-testid="result-json">(.*?)</pre>', added.text, re.DOTALL)
    assert result and json.loads(html.unescape(result.group(1))) == {"result": 5}  # not "23"
    assert re.search(r'data-testid="result-text">5(\.0)?</pre>', added.text)

    failed = user.post(f"{base}/fail", htmx=True, **{"arg.reason": "on purpose"})
    assert 'data-testid="tool-result" data-is-error="true"' in failed.text
    assert "Error result" in failed.text and "tool failed: on purpose" in failed.text

    missing = user.post(f"{base}/echo", **{"arg.text": ""})
    assert missing.status_code == 200 and "<html" in missing.text, "no JavaScript: the page"
    field = re.search(r'<input id="(tool-\d+-text)"[^>]*>', missing.text)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert f'id="{field.group(1)}-error">Required' in missing.text
    assert 'data-testid="tool-result"' not in missing.text

    letters = user.post(f"{base}/add", htmx=True, **{"arg.a": "two", "arg.b": "3"})
    assert "Enter a number" in letters.text and 'name="arg.a" value="two"' in letters.text


def test_resources_are_read_and_prompts_got_through_the_ui(
    browsers: Any, mcp_server_image: BuiltImage
) -> None:
    user = browsers()
    container_id = mcp_server(user, mcp_server_image)
    page = f"/containers/{container_id}"

    resources = user.web.get(f"{page}?tab=resources").text
    assert (
        'data-uri="test://greeting"' in resources and 'data-uri="test://environment"' in resources
    )
    assert f'hx-get="{page}/resources/read"' in resources
    read = user.web.get(f"{page}/resources/read", params={"uri": "test://greeting"}, headers=HTMX)
    assert read.status_code == 200 and "<html" not in read.text
    shown = re.search(r'data-uri="test://greeting".*?</article>', read.text, re.DOTALL)
    assert shown and "hello from the console test server</pre>" in shown.group(0)
    unknown = user.web.get(f"{page}/resources/read", params={"uri": "test://nope"})
    assert unknown.status_code == 200 and 'data-testid="resource-unlisted"' in unknown.text
    assert 'role="alert"' in unknown.text, "the server's refusal is shown, not a 500"

    prompts = user.web.get(f"{page}?tab=prompts").text
    assert 'data-testid="prompt-summarize"' in prompts
    assert re.search(r'name="arg\.topic"[^>]*required', prompts)
    got = user.post(f"{page}/prompts/summarize", htmx=True, **{"arg.topic": "MCP"})
    assert 'data-testid="prompt-result"' in got.text
    assert "Please summarize MCP in three sentences." in got.text
    empty = user.post(f"{page}/prompts/summarize", htmx=True, **{"arg.topic": ""})
    assert "Required" in empty.text and 'data-testid="prompt-result"' not in empty.text


def test_a_stopped_containers_inspector_tabs_say_to_start_it(
    browsers: Any, mcp_server_image: BuiltImage
) -> None:
    user = browsers()
    container_id = mcp_server(user, mcp_server_image, start=False)
    for tab in ("info", "tools", "resources", "prompts"):
        page = user.web.get(f"/containers/{container_id}?tab={tab}")
        assert page.status_code == 200
        assert 'data-testid="inspector-not-running"' in page.text, tab
        assert "Start the container to inspect it" in page.text
        assert 'data-testid="action-start"' in page.text


def test_an_unreachable_api_is_shown_in_place_and_the_live_parts_keep_polling(
    settings: Settings,
) -> None:
    with web_client(settings, f"http://127.0.0.1:{free_port()}") as web:
        web.cookies.set("mcp_session", "a-session-the-api-would-check")
        header = web.get("/containers/abc/header", headers=HTMX)
        assert header.status_code == 503 and "API_UNREACHABLE" in header.text
        assert 'hx-get="/containers/abc/header" hx-trigger="every 5s"' in header.text
        page = web.get("/containers/abc?tab=tools")
        assert page.status_code == 503
        assert 'data-testid="container-unavailable"' in page.text
        assert (
            'id="container-tabs"' in page.text and 'href="/containers/abc?tab=config"' in page.text
        )
        with web.stream("GET", "/containers/abc/logs/stream") as stream:
            body = stream.read().decode()
        assert stream.status_code == 200 and "API_UNREACHABLE" in body
        assert body.startswith("retry: 5000\n"), "the browser tries the stream again, later"
        dashboard = web.get("/containers", headers=HTMX)
        assert dashboard.status_code == 503 and "API_UNREACHABLE" in dashboard.text
        assert 'hx-trigger="every 5s"' in dashboard.text
