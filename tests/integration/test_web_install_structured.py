"""The install form for structured parameters, against a real API process: arrays are rows the
server adds and removes, nested objects are groups, and what is submitted becomes the nested JSON
`parameters` whose dry run (the preview) shows the exact container config: each row a volume and
a command argument, each group's answer in its own variable, a secret only as its reference.

Entries mirror the real `filesystem` (array of paths into volumes and command, no network) and
`atlassian` (nested objects, alternative secrets) entries of Docker's catalog."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient

from mcp_console.core.settings import Settings
from tests.support.auth import bearer
from tests.support.catalog_entries import catalog_document, docker_entry
from tests.support.containers import VaultSecret
from tests.support.registry_servers import registry_servers
from tests.support.web import (
    HTMX,
    ApiProcess,
    api_process,
    local_catalog_env,
    login,
    page_token,
    web_client,
)

SECRET = VaultSecret("web-structured-item", "web-structured-canary-Jn3-value-604")
PATHS_FORM = "/catalog/items/docker:paths-server/install"
GROUPS_FORM = "/catalog/items/docker:groups-server/install"
DEFAULT_PATH = "/Users/local-test"


def paths_entry() -> dict[str, object]:
    """`filesystem`'s shape, plus an array of integers repeated as a named argument."""
    return docker_entry(
        "Paths server",
        "testing",
        ["files"],
        "mcp-console-test/never-pulled:1",
        command=[
            "{{paths-server.paths|volume-target|into}}",
            ["--port", "{{paths-server.ports|into}}"],
        ],
        volumes=["{{paths-server.paths|volume|into}}"],
        disableNetwork=True,
        secrets=[{"name": "paths-server.token", "env": "PATHS_TOKEN", "required": False}],
        config=[
            {
                "name": "paths-server",
                "description": "The server may access these paths",
                "type": "object",
                "properties": {
                    "paths": {
                        "type": "array",
                        "items": {"type": "string"},
                        "default": [DEFAULT_PATH],
                    },
                    "ports": {"type": "array", "items": {"type": "integer", "maximum": 65535}},
                },
                "required": ["paths"],
            }
        ],
    )


def groups_entry() -> dict[str, object]:
    """`atlassian`'s shape: two optional objects, each with a required url and two tokens of
    which one is enough."""
    service = {
        "type": "object",
        "properties": {"url": {"type": "string"}, "username": {"type": "string"}},
        "required": ["url"],
    }
    secrets = [
        {"name": f"groups-server.{group}.{kind}", "env": f"{group.upper()}_{kind.upper()}"}
        for group in ("confluence", "jira")
        for kind in ("api_token", "personal_token")
    ]
    return docker_entry(
        "Groups server",
        "testing",
        ["groups"],
        "mcp-console-test/never-pulled:1",
        secrets=secrets,
        env=[
            {"name": "CONFLUENCE_URL", "value": "{{groups-server.confluence.url}}"},
            {"name": "JIRA_URL", "value": "{{groups-server.jira.url}}"},
            {"name": "LOG_MODE", "value": "{{groups-server.mode}}"},
        ],
        config=[
            {
                "name": "groups-server",
                "type": "object",
                "properties": {
                    "confluence": service,
                    "jira": service,
                    "mode": {"type": "string", "enum": ["quiet", "loud"], "default": "quiet"},
                },
                "anyOf": [{"required": ["confluence"]}, {"required": ["jira"]}],
            }
        ],
    )


ENV_FORM = "/catalog/items/docker:env-server/install"


def env_entry() -> dict[str, object]:
    """`uberall`'s shape: the token declared under `env` in the secrets shape, a parameter that
    repeats it and no template reads, and (unlike uberall) a required variable with no value."""
    return docker_entry(
        "Env server",
        "testing",
        ["env"],
        "mcp-console-test/never-pulled:1",
        env=[
            {"name": "env-server.api_token", "env": "ENV_TOKEN", "required": True},
            {"name": "SERVER_MODE", "required": True, "description": "Mode of the server."},
        ],
        config=[
            {
                "name": "env-server",
                "type": "object",
                "properties": {"env_server_api_token": {"type": "string"}},
                "required": ["env_server_api_token"],
            }
        ],
    )


@pytest.fixture(scope="module")
def mount_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mount-root")
    for name in ("a", "b"):
        (root / name).mkdir()
    return root


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, mount_root: Path) -> Iterator[ApiProcess]:
    catalog = {
        "paths-server": paths_entry(),
        "groups-server": groups_entry(),
        "env-server": env_entry(),
    }
    with registry_servers() as servers:
        servers.state.docker_yaml = catalog_document(catalog)
        with api_process(
            tmp_path_factory.mktemp("web-structured"),
            local_catalog_env(servers),
            ALLOWED_MOUNT_ROOTS=str(mount_root),
        ) as running:
            yield running


class User:
    """The UI client of one signed-in user; every page it was answered is kept."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.pages: list[str] = []

    def get(self, url: str) -> httpx2.Response:
        response = self.client.get(url)
        self.pages.append(response.text)
        return response

    def post(self, url: str, data: dict[str, str], **headers: str) -> httpx2.Response:
        form = {"csrf_token": page_token(self.get(url).text), **data}
        response = self.client.post(url, data=form, headers=headers)
        self.pages.append(response.text)
        return response

    def jobs(self, api: ApiProcess) -> list[object]:
        session = bearer(self.client.cookies["mcp_session"])
        jobs: list[object] = httpx.get(f"{api.base_url}/api/jobs", headers=session).json()["jobs"]
        return jobs


@pytest.fixture
def user(settings: Settings, api: ApiProcess) -> Iterator[User]:
    account = api.account(items=[SECRET.item()])
    with web_client(settings, api.base_url) as client:
        assert login(client, account).status_code == 303
        yield User(client)


def block(page: str, testid: str, key: str, tag: str = "fieldset") -> str:
    """The HTML of the element with this test id and `data-field`/`data-group` up to its end
    tag (groups of this form do not nest the same tag more than one level)."""
    start = re.search(rf'<{tag} [^>]*data-testid="{testid}" data-(?:field|group)="{key}"', page)
    assert start, f"no {testid} {key}"
    rest = page[start.start() :]
    depth, position = 0, 0
    for match in re.finditer(rf"<(/?){tag}[\s>]", rest):
        depth += -1 if match.group(1) else 1
        position = match.end()
        if depth == 0:
            break
    return rest[:position]


def rows(page: str, key: str) -> list[tuple[str, str]]:
    """(input name, value) of each row of the array `key`, in order."""
    return re.findall(
        r'<input id="[^"]+" name="([^"]+)" value="([^"]*)"', block(page, "install-rows", key)
    )


def preview_env(page: str) -> dict[str, str]:
    found = re.findall(
        r'data-testid="preview-env-row" data-name="([^"]+)">'
        r"<td><code>[^<]*</code></td><td>(.*?)</td>",
        page,
    )
    return {name: re.sub(r"<[^>]+>", "", value).strip() for name, value in found}


def test_arrays_are_rows_and_objects_are_groups_with_the_catalogs_own_settings_shown(
    user: User,
) -> None:
    page = user.get(PATHS_FORM).text
    assert rows(page, "parameters.paths") == [("parameters.paths.0", DEFAULT_PATH)]
    paths = block(page, "install-rows", "parameters.paths")
    assert '<legend>paths <span class="required">(required)</span></legend>' in paths
    assert 'value="add:parameters.paths"' in paths and "formnovalidate" in paths
    assert "remove:parameters.paths" not in paths, "a required array keeps its one row"
    ports = block(page, "install-rows", "parameters.ports")
    assert "(optional)" in ports
    assert re.search(r'name="parameters.ports.0" value="" type="number"[^>]* step="1"', ports)
    assert 'data-testid="catalog-sets"' in page
    assert "<code>{{paths-server.paths|volume|into}}</code>" in page
    assert "<code>{{paths-server.paths|volume-target|into}}</code>" in page
    assert "none: the container gets no network" in page
    token = re.search(r'<label for="[^"]+">paths-server.token(.*?)</label>', page)
    assert token and "(optional)" in token.group(1) and "(required)" not in token.group(1)

    item = user.get(PATHS_FORM.removesuffix("/install")).text
    assert "array of string" in item and "<code>{{paths-server.paths|volume|into}}</code>" in item

    groups = user.get(GROUPS_FORM).text
    confluence = block(groups, "install-group", "parameters.confluence")
    assert '<legend>confluence <span class="muted optional">(optional)</span>' in confluence
    url = re.search(
        r'>url <span class="required">\(required\)</span></label>\s*<input [^>]*>', confluence
    )
    assert url and 'name="parameters.confluence.url"' in url.group(0)
    assert " required" not in url.group(0), "the browser lets the optional group stay empty"
    assert 'name="parameters.jira.url"' not in confluence
    assert '<option value="quiet" selected>' in groups, "an enum is a select, default chosen"
    tokens = block(groups, "secret-group", "confluence")
    assert "One of these is enough" in tokens
    assert 'name="secrets.groups-server.confluence.api_token"' in tokens
    assert 'name="secrets.groups-server.confluence.personal_token"' in tokens
    assert "(required)" not in tokens and " required" not in tokens
    assert "CONFLUENCE_URL" in groups and "<code>{{groups-server.jira.url}}</code>" in groups
    item = user.get(GROUPS_FORM.removesuffix("/install")).text
    assert "object: <code>url</code>, <code>username</code>" in item
    assert "one of the <code>confluence</code> secrets" in item


def test_rows_are_added_and_removed_by_the_server_and_checked_only_when_sent(
    api: ApiProcess, user: User
) -> None:
    added = user.post(PATHS_FORM, {"action": "add:parameters.paths", "parameters.paths.0": "/x"})
    assert added.status_code == 200 and 'data-testid="field-errors"' not in added.text
    assert rows(added.text, "parameters.paths") == [
        ("parameters.paths.0", "/x"),
        ("parameters.paths.1", ""),
    ]
    assert re.search(r'name="parameters.paths.1" value=""[^>]*autofocus', added.text)
    two = block(added.text, "install-rows", "parameters.paths")
    assert 'value="remove:parameters.paths.0"' in two and 'value="remove:parameters.paths.1"' in two

    removed = user.post(
        PATHS_FORM,
        {
            "action": "remove:parameters.paths.0",
            "parameters.paths.0": "/x",
            "parameters.paths.1": "",
            "parameters.paths.2": "/y",
        },
        **HTMX,
    )
    assert removed.status_code == 200 and "<html" not in removed.text
    assert rows(removed.text, "parameters.paths") == [("parameters.paths.0", "/y")]

    emptied = user.post(  # a forged remove of the last row still leaves one row
        PATHS_FORM, {"action": "remove:parameters.paths.0", "parameters.paths.0": "/x"}
    )
    assert rows(emptied.text, "parameters.paths") == [("parameters.paths.0", "")], "one empty row"
    assert "remove:parameters.paths" not in block(emptied.text, "install-rows", "parameters.paths")
    ports = block(emptied.text, "install-rows", "parameters.ports")
    assert 'value="remove:parameters.ports.0"' in ports, "an optional array's row can go"

    wrong = user.post(
        PATHS_FORM,
        {
            "action": "preview",
            "parameters.paths.0": "",
            "parameters.ports.0": "80",
            "parameters.ports.1": "x",
        },
    )
    assert wrong.status_code == 422
    assert "Required: enter a value." in block(wrong.text, "install-rows", "parameters.paths")
    port = block(wrong.text, "install-row", "parameters.ports.1", "li")
    assert "Enter a whole number" in port and 'aria-invalid="true"' in port
    assert 'value="80"' in wrong.text, "the other rows are kept"
    assert user.jobs(api) == [], "editing rows and refused answers never reach the queue"


def test_the_preview_shows_each_row_as_a_volume_and_a_command_argument(
    api: ApiProcess, user: User, mount_root: Path
) -> None:
    first, second = str(mount_root / "a"), str(mount_root / "b")
    answers = {
        "action": "preview",
        "parameters.paths.0": first,
        "parameters.paths.3": second,
        "parameters.ports.0": "8080",
    }
    page = user.post(PATHS_FORM, answers).text
    assert 'data-testid="install-preview"' in page, page
    volumes = re.findall(
        r'data-testid="preview-volume"><td><code>([^<]+)</code></td><td><code>([^<]+)</code>', page
    )
    assert volumes == [(first, first), (second, second)]
    arguments = re.findall(r'<code data-testid="preview-arg">([^<]*)</code>', page)
    assert arguments == [first, second, "--port", "8080"]
    assert "none: no network" in page and "mcp-console-test/never-pulled:1" in page
    assert "PATHS_TOKEN" not in preview_env(page), "an optional secret left empty is left out"
    preview = re.search(r'data-testid="preview-config".*?(?:<h3>Where|</section>)', page, re.S)
    assert preview and "{{" not in preview.group(0), "no template reaches the container"
    assert rows(page, "parameters.paths") == [
        ("parameters.paths.0", first),
        ("parameters.paths.1", second),
    ], "the answers stay in the form, renumbered as sent"
    assert user.jobs(api) == [], "a preview installs nothing"


def test_the_default_path_outside_the_mount_roots_is_refused_beside_its_row(user: User) -> None:
    page = user.post(PATHS_FORM, {"action": "preview", "parameters.paths.0": DEFAULT_PATH})
    assert page.status_code == 422
    row = block(page.text, "install-row", "parameters.paths.0", "li")
    assert "ALLOWED_MOUNT_ROOTS" in row and 'aria-invalid="true"' in row
    assert 'data-testid="install-preview"' not in page.text


def test_group_answers_land_in_their_own_variables_and_one_secret_is_enough(user: User) -> None:
    both = {
        "action": "preview",
        "parameters.confluence.url": "https://wiki.example.com",
        "parameters.jira.url": "https://issues.example.com",
        "parameters.mode": "loud",
        "secrets.groups-server.confluence.personal_token": SECRET.reference,
        "secrets.groups-server.jira.api_token": SECRET.reference,
    }
    page = user.post(GROUPS_FORM, both)
    assert page.status_code == 200, page.text
    env = preview_env(page.text)
    assert env["CONFLUENCE_URL"] == "https://wiki.example.com"
    assert env["JIRA_URL"] == "https://issues.example.com"
    assert env["LOG_MODE"] == "loud"
    assert env["CONFLUENCE_PERSONAL_TOKEN"] == f"secret {SECRET.reference}"
    assert "CONFLUENCE_API_TOKEN" not in env, "an unanswered alternative is left out"

    only_confluence = {
        "action": "preview",
        "parameters.confluence.url": "https://wiki.example.com",
        "secrets.groups-server.confluence.api_token": SECRET.reference,
    }
    page = user.post(GROUPS_FORM, only_confluence)
    assert page.status_code == 200, page.text
    env = preview_env(page.text)
    assert "JIRA_URL" not in env and env["CONFLUENCE_URL"] == "https://wiki.example.com"

    no_token = user.post(
        GROUPS_FORM, {**only_confluence, "secrets.groups-server.confluence.api_token": ""}
    )
    assert no_token.status_code == 422
    assert 'class="field-error"' in block(no_token.text, "secret-group", "confluence")

    started = user.post(GROUPS_FORM, {"action": "preview", "parameters.jira.username": "me"})
    assert started.status_code == 422
    assert "Required: enter a value." in block(started.text, "install-group", "parameters.jira")
    assert not any(SECRET.value in page for page in user.pages)


def test_a_secret_declared_under_env_and_a_valueless_variable_are_answerable_in_the_form(
    api: ApiProcess, user: User
) -> None:
    page = user.get(ENV_FORM).text
    assert 'name="secrets.env-server.api_token"' in page, "the secrets-shaped env is a secret"
    assert 'name="parameters.env_server_api_token"' not in page, "its twin parameter is not asked"
    mode = re.search(r'<label for="install-env-[0-9]+">SERVER_MODE(.*?)</label>', page, re.S)
    assert mode and "(required)" in mode.group(1) and 'name="env.SERVER_MODE"' in page
    catalog_env = re.findall(r'<li data-testid="catalog-env">(.*?)</li>', page)
    assert '<code>ENV_TOKEN</code> <span class="muted">(secret: from your vault reference)' in (
        " ".join(catalog_env)
    ), "the variable a secret sets is listed with what the entry sets"

    missing = user.post(ENV_FORM, {"action": "preview"})
    assert missing.status_code == 422 and missing.text.count("Required: enter a value.") == 2

    answered = {
        "action": "preview",
        "secrets.env-server.api_token": SECRET.reference,
        "env.SERVER_MODE": "quiet",
    }
    preview = user.post(ENV_FORM, answered)
    assert preview.status_code == 200, preview.text
    env = preview_env(preview.text)
    assert env["SERVER_MODE"] == "quiet" and env["ENV_TOKEN"] == f"secret {SECRET.reference}"
    assert user.jobs(api) == []
