"""The install form for real catalog entries in headless Chromium, against real `api`, `worker`
and `web` processes, the Docker engine and the fake `bw`.

The entries are the real `filesystem`, `git`, `markdownify`, `desktop-commander`, `atlassian`
and `okta-mcp-server` of
`shared/data/docker-mcp-registry` (served by the local Docker-catalog stand-in with their `run:`
blocks), so the form is what a user of those entries gets: rows for the paths with add/remove,
groups for Atlassian's Confluence and Jira, one token enough per group, and a preview (the dry
run) listing the exact container config before anything is created. `filesystem` is then
installed for real, its image swapped for a local busybox one that prints its arguments.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from tests.e2e.conftest import sign_in
from tests.support.bitwarden import Account
from tests.support.catalog_entries import catalog_document
from tests.support.containers import OWNER_LABEL, remove_containers_of
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.registry_servers import (
    SnapshotServer,
    load_snapshot,
    registry_servers,
    snapshot_docker_entry,
)
from tests.support.web import ApiProcess, api_process, local_catalog_env, running_web

pytestmark = pytest.mark.docker

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ENTRIES = (
    "filesystem", "git", "markdownify", "desktop-commander", "atlassian", "okta-mcp-server",
)  # fmt: skip
DEFAULT_PATH = "/Users/local-test"
SECRET_VALUE = "e2e-install-form-canary-Vb6-9034"
VAULT_ITEM = "install-form-item"
REFERENCE = f"{{{{ bw:{VAULT_ITEM}:password }}}}"
REFUSED_LOAD = "Failed to load resource: the server responded with a status of 422"
ENTRYPOINT = '["/bin/sh", "-c", "echo serving \\"$@\\"; sleep 3600 & wait", "fs-server"]'


def _with_run(snap: SnapshotServer, image: str | None) -> dict[str, Any]:
    """The entry in Docker's catalog format, with its `run:` block at the top level as Docker's
    catalog file carries it."""
    run = snap.server.get("run") or {}
    entry = snapshot_docker_entry(snap) | {
        k: run[k] for k in ("command", "volumes", "user") if k in run
    }
    if run.get("disableNetwork"):
        entry["disableNetwork"] = True
    if image:
        entry["image"] = image
    return entry


def _argument_printer(client: docker.DockerClient, busybox: BuiltImage) -> str:
    """busybox with an entrypoint, so a catalog command arrives as its arguments."""
    tag = f"mcp-console-test/argument-printer:{busybox.tag.rsplit(':', 1)[-1]}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    container = client.containers.create(busybox.tag)
    try:
        repository, version = tag.split(":")
        container.commit(repository=repository, tag=version, changes=[f"ENTRYPOINT {ENTRYPOINT}"])
    finally:
        container.remove()
    return tag


@dataclass
class Console:
    api: ApiProcess
    web_url: str
    mount_root: Path


@pytest.fixture
def console(
    tmp_path: Path, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> Iterator[Console]:
    image = _argument_printer(docker_client, busybox_image)
    snapshot = {snap.server["name"]: snap for snap in load_snapshot()}
    registry = {
        name: _with_run(snapshot[name], image if name == "filesystem" else None) for name in ENTRIES
    }
    # A short root, so the paths read well in the screenshot.
    with tempfile.TemporaryDirectory(prefix="mcp-share-") as shared, registry_servers() as servers:
        mount_root = Path(shared)
        for name in ("docs", "photos", "logs"):
            (mount_root / name).mkdir()
        servers.state.docker_yaml = catalog_document(registry)
        with (
            api_process(
                tmp_path / "console",
                local_catalog_env(servers),
                with_worker=True,
                ALLOWED_MOUNT_ROOTS=str(mount_root),
            ) as api,
            running_web(api.env, api.base_url) as web_url,
        ):
            yield Console(api, web_url, mount_root)


@pytest.fixture
def account(console: Console, docker_client: docker.DockerClient) -> Iterator[Account]:
    item = {"id": VAULT_ITEM, "name": "Key", "type": 1, "login": {"password": SECRET_VALUE}}
    account = console.api.bitwarden.add_account(
        f"form-{uuid.uuid4().hex[:8]}@example.com", items=[item]
    )
    yield account
    remove_containers_of(docker_client, [account.email])


def _an_error(message: ConsoleMessage) -> bool:
    """A script error or CSP violation; a refused answer (422) is the form working."""
    return message.type == "error" and not message.text.startswith(REFUSED_LOAD)


@pytest.fixture
def page(console: Console, account: Account, browser: Browser) -> Iterator[Page]:
    """A signed-in page; every CSP violation or script error fails the test. (The console
    starts first: its database migration runs an event loop, Playwright keeps one running.)"""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if _an_error(m) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{console.web_url}/login")
    sign_in(page, account)
    yield page
    assert errors == [], errors
    assert SECRET_VALUE not in page.content()
    page.context.close()


def _open_form(page: Page, console: Console, name: str) -> None:
    page.goto(f"{console.web_url}/catalog/items/docker:{name}/install")
    expect(page.get_by_test_id("install-submit-form")).to_be_visible()


def _preview(page: Page) -> Locator:
    page.get_by_role("button", name="Preview the container").click()
    return page.get_by_test_id("install-preview")


def _volumes(preview: Locator) -> list[tuple[str, str]]:
    rows = preview.get_by_test_id("preview-volume").all()
    return [
        (row.locator("td code").nth(0).inner_text(), row.locator("td code").nth(1).inner_text())
        for row in rows
    ]


def _env(preview: Locator) -> dict[str, str]:
    rows = preview.get_by_test_id("preview-env-row").all()
    return {
        str(row.get_attribute("data-name")): row.locator("td").nth(1).inner_text() for row in rows
    }


def test_install_filesystem_with_two_path_rows(
    page: Page, console: Console, account: Account, docker_client: docker.DockerClient
) -> None:
    docs, photos, extra = (str(console.mount_root / n) for n in ("docs", "photos", "logs"))
    _open_form(page, console, "filesystem")
    catalog = page.get_by_test_id("catalog-sets")
    expect(catalog).to_contain_text("{{filesystem.paths|volume|into}}")
    expect(catalog).to_contain_text("{{filesystem.paths|volume-target|into}}")
    first = page.get_by_label("paths 1", exact=True)
    expect(first).to_have_value(DEFAULT_PATH)
    # a required array keeps at least one row: its only row has no Remove
    expect(page.get_by_role("button", name="Remove paths 1")).to_have_count(0)

    # The form's own default is not installable here: said beside its row, nothing created.
    _preview(page)
    row = page.get_by_test_id("install-row").first
    expect(row.locator(".field-error")).to_contain_text("ALLOWED_MOUNT_ROOTS")
    expect(page.get_by_label("paths 1", exact=True)).to_have_attribute("aria-invalid", "true")

    page.get_by_label("paths 1", exact=True).fill(docs)
    page.get_by_role("button", name="Add to paths").click()
    expect(page.get_by_label("paths 2", exact=True)).to_be_focused()
    page.get_by_label("paths 2", exact=True).fill(photos)
    page.get_by_role("button", name="Add to paths").click()
    page.get_by_label("paths 3", exact=True).fill(extra)
    page.get_by_role("button", name="Remove paths 3").click()
    expect(page.get_by_test_id("install-row")).to_have_count(2)
    expect(page.get_by_role("button", name="Remove paths 1")).to_have_count(1)
    expect(page.get_by_label("paths 2", exact=True)).to_have_value(photos)

    preview = _preview(page)
    expect(preview).to_be_visible()
    assert _volumes(preview) == [(docs, docs), (photos, photos)]
    expect(preview.get_by_test_id("preview-arg")).to_have_text([docs, photos])
    expect(preview.get_by_test_id("preview-network")).to_contain_text("none")
    expect(preview.get_by_test_id("preview-config")).not_to_contain_text("{{")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "install-preview.png"), full_page=True)

    page.get_by_role("button", name="Install").click()
    expect(page).to_have_url(re.compile(r"/containers/[^/?]+$"), timeout=60_000)
    [container] = docker_client.containers.list(filters={"label": f"{OWNER_LABEL}={account.email}"})
    mounts = {(m["Source"], m["Destination"]) for m in container.attrs["Mounts"]}
    assert mounts == {(docs, docs), (photos, photos)}
    assert container.attrs["Args"][-2:] == [docs, photos]
    assert container.attrs["HostConfig"]["NetworkMode"] == "none"


@pytest.mark.parametrize(
    ("entry", "label"),
    [
        ("git", "paths"),
        ("markdownify", "paths"),
        ("desktop-commander", "Allowed Filesystem Paths"),  # the schema's title; two defaults
    ],
)
def test_array_paths_become_volumes_in_the_preview_on_enter(
    page: Page, console: Console, entry: str, label: str
) -> None:
    """The other three array-parameter servers mount each path at the same place."""
    docs = str(console.mount_root / "docs")
    _open_form(page, console, entry)
    rows = page.get_by_test_id("install-row")
    for count in range(rows.count(), 1, -1):  # keep the first row only
        page.get_by_role("button", name=f"Remove {label} {count}").click()
        expect(rows).to_have_count(count - 1)
    page.get_by_label(f"{label} 1", exact=True).fill(docs)
    page.get_by_label(f"{label} 1", exact=True).press("Enter")  # previews, never removes it
    preview = page.get_by_test_id("install-preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("install-row")).to_have_count(1)
    assert _volumes(preview) == [(docs, docs)]
    expect(preview.get_by_test_id("preview-config")).not_to_contain_text("{{")


def test_atlassian_groups_fill_their_own_variables_with_one_token_each(
    page: Page, console: Console
) -> None:
    _open_form(page, console, "atlassian")
    confluence = page.get_by_role("group", name=re.compile("^confluence"))
    jira = page.get_by_role("group", name=re.compile("^jira"))
    confluence.get_by_label("url").fill("https://wiki.example.com")
    jira.get_by_label("url").fill("https://issues.example.com")
    groups = page.get_by_test_id("secret-group")
    expect(groups).to_have_count(2)
    expect(groups.first).to_contain_text("One of these is enough")
    page.get_by_label("atlassian.confluence.personal_token").fill(REFERENCE)
    page.get_by_label("atlassian.jira.api_token").fill(REFERENCE)

    preview = _preview(page)
    expect(preview).to_be_visible()
    env = _env(preview)
    assert env["CONFLUENCE_URL"] == "https://wiki.example.com"
    assert env["JIRA_URL"] == "https://issues.example.com"
    assert REFERENCE in env["CONFLUENCE_PERSONAL_TOKEN"] and REFERENCE in env["JIRA_API_TOKEN"]
    assert "CONFLUENCE_API_TOKEN" not in env and "JIRA_PERSONAL_TOKEN" not in env

    # Confluence alone: its one token is all the secrets the install needs.
    jira.get_by_label("url").fill("")
    page.get_by_label("atlassian.jira.api_token").fill("")
    preview = _preview(page)
    expect(preview.locator('[data-name="JIRA_URL"]')).to_have_count(0)  # the new preview
    env = _env(preview)
    assert env["CONFLUENCE_URL"] == "https://wiki.example.com" and "JIRA_URL" not in env
    assert [name for name in env if name.endswith("TOKEN")] == ["CONFLUENCE_PERSONAL_TOKEN"]


def test_okta_log_file_is_evaluated_in_the_preview(page: Page, console: Console) -> None:
    logs = str(console.mount_root / "logs")
    _open_form(page, console, "okta-mcp-server")
    expect(page.get_by_test_id("catalog-sets")).to_contain_text(
        "{{okta-mcp-server.log_path|volume-target}}/okta.log"
    )
    page.get_by_label("okta_org_url").fill("https://example.okta.com")
    page.get_by_label("log_path").fill(logs)
    page.get_by_label("okta-mcp-server.okta_private_key").fill(REFERENCE)
    preview = _preview(page)
    expect(preview).to_be_visible()
    assert _env(preview)["OKTA_LOG_FILE"] == f"{logs}/okta.log"
    assert (logs, logs) in _volumes(preview)
    keyring = preview.get_by_test_id("preview-volume").filter(has_text="named volume")
    expect(keyring).to_contain_text("/root/.local/share/python_keyring")
    config = preview.get_by_test_id("preview-config")
    expect(config).not_to_contain_text("{{ okta")
    expect(config).not_to_contain_text("{{okta")
