"""The Gateway pages against a real API process, real containers running the test MCP server (the
locally built image) and the fake `bw`: profiles listed and created, servers offered with their
live tool lists and saved with the version the page was rendered from, name collisions and stale
versions explained, versions restored, tokens shown once (with the snippets holding them) and
revoked.

Forms are posted as a browser would send them: the inputs the page rendered (checked boxes only),
changed where the user would change them.
"""

from __future__ import annotations

import html
import io
import logging
import re
import tarfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcp_console.core.settings import Settings
from tests.support.auth import bearer
from tests.support.containers import wait_for
from tests.support.images import (  # noqa: F401
    BuiltImage,
    docker_client_fixture,
    mcp_server_image_fixture,
)
from tests.support.web import HTMX, INLINE_SCRIPT, api_process, login, web_client
from tests.support.web_containers import (  # noqa: F401
    Browser,
    api_fixture,
    browsers_fixture,
)

pytestmark = pytest.mark.docker

TOOLS = ["add", "echo", "env_value", "fail"]
FormData = dict[str, list[str]]


class _FormReader(HTMLParser):
    """What a browser submits for the form with `data-testid=<test_id>`: hidden and text inputs,
    checked boxes; not the submit buttons (the test names the action)."""

    def __init__(self, test_id: str) -> None:
        super().__init__()
        self.test_id = test_id
        self.inside = False
        self.fields: FormData = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.inside = values.get("data-testid") == self.test_id
        if not self.inside or tag != "input" or not values.get("name"):
            return
        kind = values.get("type", "text")
        if kind == "checkbox" and "checked" not in values:
            return
        self.fields.setdefault(str(values["name"]), []).append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def read_form(page: str, test_id: str = "profile-form") -> FormData:
    reader = _FormReader(test_id)
    reader.feed(page)
    assert reader.fields, f"no form {test_id} in the page"
    return reader.fields


def row_number(form: FormData, server_id: str) -> int:
    """The index `n` of the row whose `servers.<n>.server_id` is `server_id`."""
    for name, values in form.items():
        if name.endswith(".server_id") and values == [server_id]:
            return int(name.split(".")[1])
    raise AssertionError(f"no row for {server_id}")


def pick(form: FormData, server_id: str, *, tools: list[str] | None, prefix: str = "") -> None:
    """Turn a server on with these tools (None: "All tools") and this prefix."""
    n = row_number(form, server_id)
    form[f"servers.{n}.enabled"] = ["true"]
    form[f"servers.{n}.prefix"] = [prefix]
    form.pop(f"servers.{n}.all_tools", None)
    form.pop(f"servers.{n}.tools", None)
    if tools is None:
        form[f"servers.{n}.all_tools"] = ["true"]
    else:
        form[f"servers.{n}.tools"] = tools


def submit(user: Browser, path: str, form: FormData, action: str, htmx: bool = False) -> Any:
    data = {**form, "action": [action]}
    return user.web.post(path, data=data, headers=HTMX if htmx else {})


def api_get(user: Browser, path: str) -> Any:
    response = httpx.get(f"{user.api.base_url}{path}", headers=bearer(user.session_id), timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def mcp_server(user: Browser, image: BuiltImage, start: bool = True) -> str:
    """A container of the test MCP server; a started one is ready once the inspector lists its
    tools (the MCP handshake is done), so the Gateway page can offer them."""
    server_id = user.create({"image": image.tag, "stdin_open": True}, start=start)
    if start:
        url = f"{user.api.base_url}/api/inspector/{server_id}/tools"
        headers = bearer(user.session_id)
        wait_for(lambda: httpx.get(url, headers=headers, timeout=60).status_code == 200, 120, 0.5)
    return server_id


def server_names(user: Browser, profile: str) -> dict[str, str]:
    status = api_get(user, f"/api/gateway/profiles/{profile}/status")
    return {server["server_id"]: server["server_name"] for server in status["servers"]}


def create_profile(user: Browser, name: str) -> None:
    response = user.post("/gateway", name=name, description="for the tests")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/gateway/{name}"


def texts_of(page: str, test_id: str) -> list[str]:
    return re.findall(rf'data-testid="{test_id}"[^>]*>([^<]*)<', page)


def test_profiles_are_listed_and_created_and_a_bad_name_is_refused_beside_its_field(
    browsers: Any,
) -> None:
    user = browsers()
    page = user.web.get("/gateway")
    assert page.status_code == 200
    assert re.search(r'href="/gateway" aria-current="page">Gateway<', page.text)
    assert re.findall(r'data-profile="([^"]+)"', page.text) == ["default"]
    assert not INLINE_SCRIPT.search(page.text)
    assert "script-src 'self'" in page.headers["content-security-policy"]

    refused = user.post("/gateway", name="Not A Name", description="kept")
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text and 'id="profile-name-error"' in refused.text
    assert 'value="Not A Name"' in refused.text and 'value="kept"' in refused.text

    forged = user.web.post("/gateway", data={"name": "forged"})
    assert forged.status_code == 403

    create_profile(user, "work")
    listed = user.web.get("/gateway").text
    assert re.findall(r'data-profile="([^"]+)"', listed) == ["default", "work"]
    profile = user.web.get("/gateway/work")
    assert profile.status_code == 200
    endpoint = api_get(user, "/api/gateway/profiles/work")["endpoint"]
    assert texts_of(profile.text, "endpoint-url") == [endpoint]
    assert (
        'data-testid="calls-empty"' in profile.text and 'data-testid="tokens-empty"' in profile.text
    )
    assert not INLINE_SCRIPT.search(profile.text)
    assert re.search(r'<script src="/assets/copy\.[0-9a-f]{12}\.js" defer>', profile.text)

    other = browsers()
    assert other.web.get("/gateway/work").status_code == 404, "another user's profile is unknown"


def test_servers_are_offered_with_live_tools_collisions_named_and_picks_saved(
    browsers: Any, mcp_server_image: BuiltImage
) -> None:
    user = browsers()
    first, second = mcp_server(user, mcp_server_image), mcp_server(user, mcp_server_image)
    stopped = mcp_server(user, mcp_server_image, start=False)
    names = server_names(user, "default")
    page = user.web.get("/gateway/default").text
    assert set(re.findall(r'data-server-id="([^"]+)"', page)) == {first, second, stopped}
    for tool in TOOLS:
        assert page.count(f'data-testid="tool-{tool}"') == 2, "each running server lists it"
    stopped_row = re.search(rf'data-server-id="{stopped}".*?</fieldset>', page, re.DOTALL)
    assert stopped_row and 'data-testid="server-stopped"' in stopped_row.group(0)

    form = read_form(page)
    assert form["version"] == ["1"]
    pick(form, first, tools=["echo"])
    pick(form, second, tools=None)
    clash = submit(user, "/gateway/default", form, "save")
    assert clash.status_code == 422
    message = html.unescape(clash.text)
    assert "PROFILE_NAME_COLLISION" in message
    assert names[first] in message and names[second] in message
    problems = re.findall(r'data-testid="server-problems"><li>([^<]*)<', clash.text)
    assert len(problems) == 2 and all("echo" in problem for problem in problems)
    kept = read_form(clash.text)
    assert kept[f"servers.{row_number(kept, first)}.tools"] == ["echo"], "the picks are kept"
    assert f"servers.{row_number(kept, second)}.all_tools" in kept
    assert api_get(user, "/api/gateway/profiles/default")["version"] == 1, "nothing saved"

    checked = submit(user, "/gateway/default", form, "validate", htmx=True)
    assert checked.status_code == 200 and "<html" not in checked.text
    assert 'data-testid="profile-problems"' in checked.text
    assert api_get(user, "/api/gateway/profiles/default")["version"] == 1

    pick(form, second, tools=None, prefix="b")
    saved = submit(user, "/gateway/default", form, "save")
    assert saved.status_code == 303
    assert saved.headers["location"] == "/gateway/default?done=saved"
    profile = api_get(user, "/api/gateway/profiles/default")
    assert profile["version"] == 2
    chosen = {server["server_id"]: server for server in profile["servers"] if server["enabled"]}
    assert chosen[first]["tools"] == ["echo"] and chosen[first]["prefix"] is None
    assert chosen[second]["tools"] is None and chosen[second]["prefix"] == "b"

    after = user.web.get(saved.headers["location"]).text
    assert 'data-testid="notice"' in after
    assert read_form(after)["version"] == ["2"]
    exposed = re.findall(r"<li><code>([^<]+)</code> <span class=\"muted\">from", after)
    assert sorted(exposed) == sorted(["echo", *(f"b_{tool}" for tool in TOOLS)])


def test_a_stale_version_is_refused_with_a_reload_link_and_versions_are_restored(
    browsers: Any, mcp_server_image: BuiltImage
) -> None:
    user = browsers()
    server = mcp_server(user, mcp_server_image)
    form = read_form(user.web.get("/gateway/default").text)
    pick(form, server, tools=["add"])
    assert submit(user, "/gateway/default", form, "save").status_code == 303

    stale = read_form(user.web.get("/gateway/default").text)  # version 2
    elsewhere = read_form(user.web.get("/gateway/default").text)
    pick(elsewhere, server, tools=["echo"])
    assert submit(user, "/gateway/default", elsewhere, "save").status_code == 303  # version 3
    pick(stale, server, tools=["fail"])
    conflict = submit(user, "/gateway/default", stale, "save", htmx=True)
    assert conflict.status_code == 409
    assert 'data-testid="profile-conflict"' in conflict.text and "CONFIG_CONFLICT" in conflict.text
    assert 'href="/gateway/default" data-testid="profile-reload"' in conflict.text
    assert api_get(user, "/api/gateway/profiles/default")["version"] == 3

    page = user.web.get("/gateway/default").text
    assert re.findall(r'data-testid="version-row" data-version="(\d+)"', page) == ["2", "1"]
    restored = user.post("/gateway/default/versions/2/restore", htmx=True)
    assert restored.status_code == 200 and 'data-testid="notice"' in restored.text
    profile = api_get(user, "/api/gateway/profiles/default")
    assert profile["version"] == 4
    assert [s["tools"] for s in profile["servers"] if s["server_id"] == server] == [["add"]]

    # A version listing a container deleted since is restored without it, and the page says so.
    gone = mcp_server(user, mcp_server_image, start=False)
    headers = bearer(user.session_id)
    url = f"{user.api.base_url}/api/gateway/profiles/default"
    for version, servers in ((4, [server, gone]), (5, [server])):
        body = {"version": version, "servers": [{"server_id": key} for key in servers]}
        assert httpx.put(url, json=body, headers=headers, timeout=60).status_code == 200
    deleted = httpx.delete(f"{user.api.base_url}/api/containers/{gone}", headers=headers)
    assert deleted.status_code == 204, deleted.text
    restored = user.post("/gateway/default/versions/5/restore", htmx=True)
    assert restored.status_code == 200, restored.text
    assert "without its servers that were deleted since" in restored.text
    profile = api_get(user, "/api/gateway/profiles/default")
    assert [s["server_id"] for s in profile["servers"]] == [server]


def test_a_section_action_failing_in_the_api_keeps_the_section_and_shows_the_error(
    settings: Settings, tmp_path: Path
) -> None:
    """The token form swaps only its section (`hx-select`); an answer that is an error page holds
    no such section, so htmx is retargeted to the page's error region and the section stays."""
    with (
        api_process(tmp_path, DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock") as broken,
        web_client(settings, broken.base_url) as web,
    ):
        login(web, broken.account(), "/gateway")
        token = web.cookies["mcp_csrf"]
        # Docker is unreachable: the profile cannot be created, nor its page rendered.
        form = {"csrf_token": token, "name": "broken"}
        assert web.post("/gateway", data=form).status_code == 503
        assert 'id="request-error"' in web.get("/settings").text, "every page has the region"
        form = {"csrf_token": token, "token_name": "laptop"}
        answer = web.post("/gateway/broken/tokens", data=form, headers=HTMX)
        assert answer.status_code >= 400, answer.text
        assert answer.headers["HX-Retarget"] == "#request-error"
        assert answer.headers["HX-Reselect"] == "#request-error"
        assert answer.headers["HX-Reswap"].startswith("outerHTML")
        assert 'id="request-error"' in answer.text and 'role="alert"' in answer.text
        assert "<main" not in answer.text
        plain = web.post("/gateway/broken/tokens", data=form)
        assert plain.status_code == answer.status_code and "HX-Retarget" not in plain.headers


def test_a_token_is_shown_once_with_the_snippets_holding_it_and_then_revoked(
    browsers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = browsers()
    create_profile(user, "laptop")
    page = user.web.get("/gateway/laptop").text
    snippets = re.findall(r'data-testid="snippet-([a-z-]+)" data-placeholder="true"', page)
    assert sorted(snippets) == sorted(
        ["claude-code", "claude-desktop", "cursor", "vscode", "windsurf", "generic"]
    )

    past = user.post("/gateway/laptop/tokens", token_name="old", expires_at="2001-01-01T00:00")
    assert past.status_code == 422 and 'id="token-expiry-error"' in past.text

    created = user.post("/gateway/laptop/tokens", token_name="claude on my laptop")
    assert created.status_code == 200, "answered with the page itself, never a redirect"
    assert created.headers["cache-control"] == "no-store"
    token = texts_of(created.text, "new-token-value")[0]
    assert token.startswith("mcpgw_")
    new_snippets = re.findall(
        r'data-testid="new-snippet-([a-z-]+)" data-placeholder="false"', created.text
    )
    assert len(new_snippets) == 6
    for client in new_snippets:
        assert token in texts_of(created.text, f"new-snippet-{client}-text")[0]
    for client in snippets:
        assert token not in texts_of(created.text, f"snippet-{client}-text")[0]

    later = user.web.get("/gateway/laptop")
    assert token not in later.text and "cache-control" not in later.headers
    row = re.search(
        r'data-testid="token-row" data-token-id="([^"]+)"[^>]*>(.*?)</tr>', later.text, re.S
    )
    assert row and "claude on my laptop" in row.group(2) and "never" in row.group(2)
    assert token not in caplog.text, "the web process never logs the token"

    revoked = user.post(f"/gateway/laptop/tokens/{row.group(1)}/revoke", htmx=True)
    assert revoked.status_code == 200 and 'data-testid="notice"' in revoked.text
    assert 'data-testid="tokens-empty"' in revoked.text
    assert api_get(user, "/api/gateway/tokens")["tokens"] == []


def test_a_profile_is_exported_for_docker_and_deleted_with_its_tokens(
    browsers: Any, mcp_server_image: BuiltImage
) -> None:
    user = browsers()
    server = mcp_server(user, mcp_server_image)
    create_profile(user, "share")
    form = read_form(user.web.get("/gateway/share").text)
    pick(form, server, tools=["echo"])
    assert submit(user, "/gateway/share", form, "save").status_code == 303
    assert user.post("/gateway/share/tokens", token_name="ci").status_code == 200

    export = user.web.get("/gateway/share/export")
    assert export.status_code == 200
    assert export.headers["content-type"] == "application/gzip"
    assert 'filename="mcp-console-share-docker-mcp.tar.gz"' in export.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(export.content), mode="r:gz") as archive:
        names = {Path(member.name).name: member for member in archive.getmembers()}
        assert {"catalog.yaml", "registry.yaml", "tools.yaml", "README.md"} <= set(names)
        tools = archive.extractfile(names["tools.yaml"])
        assert tools is not None and b"echo" in tools.read()

    assert 'data-testid="profile-export"' in user.web.get("/gateway/default").text
    assert "profile-delete" not in user.web.get("/gateway/default").text, "default stays"
    deleted = user.post("/gateway/share/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/gateway?done=deleted"
    listing = user.web.get(deleted.headers["location"]).text
    assert re.findall(r'data-profile="([^"]+)"', listing) == ["default"]
    assert 'data-testid="notice"' in listing
    assert api_get(user, "/api/gateway/tokens")["tokens"] == []
