"""The Containers dashboard and its actions, against a real API process and the real Docker engine.

The UI runs in-process (TestClient) and reaches the API only over HTTP; the containers are real
(the locally built busybox image) and every one a test creates is removed at the end.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import docker
import pytest

from mcp_console.core.settings import Settings
from tests.support.containers import OWNER_LABEL
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.web import (
    HTMX,
    INLINE_SCRIPT,
    api_process,
    login,
    page_token,
    web_client,
)
from tests.support.web_containers import (  # noqa: F401
    DOCKER_HOST,
    Browser,
    api_fixture,
    browsers_fixture,
    sleeper,
)

pytestmark = pytest.mark.docker


def docker_status(client: docker.DockerClient, owner: str) -> list[str]:
    containers = client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={owner}"})
    return [container.status for container in containers]


def row_status(html: str, container_id: str) -> str | None:
    row = re.search(rf'data-container-id="{container_id}".*?</tr>', html, re.DOTALL)
    if row is None:
        return None
    status = re.search(r'data-testid="container-status">([a-z]+)<', row.group(0))
    return status.group(1) if status else None


def test_dashboard_lists_only_the_users_containers_with_status_image_and_links(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    alice, bob = browsers(), browsers()
    alice_id = alice.create({**sleeper(busybox_image), "ports": [{"container_port": 8080}]})
    bob_id = bob.create(sleeper(busybox_image), start=False)

    page = alice.web.get("/containers")
    assert page.status_code == 200
    assert row_status(page.text, alice_id) == "running"
    assert busybox_image.tag in page.text
    assert f'href="/containers/{alice_id}"' in page.text
    assert re.search(r"<time datetime=\"[^\"]+\">\d+ s</time>", page.text), "uptime while running"
    assert "8080/tcp" in page.text
    assert bob_id not in page.text
    assert 'hx-trigger="every 5s"' in page.text and 'hx-select="#containers-table"' in page.text
    assert page_token(page.text) == alice.web.cookies["mcp_csrf"]
    assert not INLINE_SCRIPT.search(page.text) and " style=" not in page.text

    theirs = bob.web.get("/containers")
    assert row_status(theirs.text, bob_id) == "created" and alice_id not in theirs.text

    poll = alice.web.get("/containers", headers=HTMX)
    assert poll.status_code == 200
    assert "<html" not in poll.text, "the poll gets the fragment, not the whole document"
    assert 'id="containers-table"' in poll.text and row_status(poll.text, alice_id) == "running"


def test_a_new_user_sees_the_designed_empty_state_pointing_at_the_catalog(
    browsers: Any,
) -> None:
    page = browsers().web.get("/containers")
    assert page.status_code == 200
    assert 'data-testid="containers-empty"' in page.text
    assert 'href="/catalog"' in page.text
    assert 'data-testid="container-row"' not in page.text


def test_stop_start_and_restart_through_htmx_and_plain_posts_change_the_docker_state(
    browsers: Any, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = browsers()
    container_id = user.create(sleeper(busybox_image))
    owner = user.account.email

    stopped = user.post(f"/containers/{container_id}/stop", htmx=True, return_to="/containers")
    assert stopped.status_code == 200
    assert "<html" not in stopped.text and row_status(stopped.text, container_id) == "exited"
    assert docker_status(docker_client, owner) == ["exited"]

    started = user.post(f"/containers/{container_id}/start", return_to="/containers")
    assert started.status_code == 303 and started.headers["location"] == "/containers"
    assert docker_status(docker_client, owner) == ["running"]
    first_start = (user.state(container_id) or {})["started_at"]

    page = f"/containers/{container_id}?tab=logs"
    restarted = user.post(f"/containers/{container_id}/restart", return_to=page)
    assert restarted.status_code == 303 and restarted.headers["location"] == page
    assert docker_status(docker_client, owner) == ["running"]
    assert (user.state(container_id) or {})["started_at"] != first_start

    offsite = user.post(f"/containers/{container_id}/stop", return_to="//evil.example/x")
    assert offsite.status_code == 303 and offsite.headers["location"] == "/containers"
    assert docker_status(docker_client, owner) == ["exited"]


def test_delete_needs_the_csrf_token_and_a_running_container_needs_the_confirmed_force(
    browsers: Any, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = browsers()
    container_id = user.create(sleeper(busybox_image))
    owner = user.account.email

    page = user.web.get("/containers").text
    dialog = re.search(rf'<dialog id="delete-{container_id}".*?</dialog>', page, re.DOTALL)
    assert dialog, "delete sits behind a confirmation dialog"
    assert "force" in dialog.group(0) and 'name="force" value="true"' in dialog.group(0)

    assert user.web.post(f"/containers/{container_id}/delete", data={}).status_code == 403
    forged = user.web.post(f"/containers/{container_id}/delete", data={"csrf_token": "guess"})
    assert forged.status_code == 403
    assert docker_status(docker_client, owner) == ["running"]

    unforced = user.post(f"/containers/{container_id}/delete", return_to="/containers")
    assert unforced.status_code == 409
    assert 'role="alert"' in unforced.text and "CONTAINER_RUNNING" in unforced.text
    assert docker_status(docker_client, owner) == ["running"]

    deleted = user.post(
        f"/containers/{container_id}/delete", htmx=True, return_to="/containers", force="true"
    )
    assert deleted.status_code == 200 and "<html" not in deleted.text
    assert container_id not in deleted.text and 'data-testid="containers-empty"' in deleted.text
    assert docker_status(docker_client, owner) == []
    assert user.state(container_id) is None


def test_delete_from_the_container_page_lands_on_the_dashboard(
    browsers: Any, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = browsers()
    plain_id = user.create(sleeper(busybox_image), start=False)
    htmx_id = user.create(sleeper(busybox_image), start=False)

    plain = user.post(f"/containers/{plain_id}/delete", return_to=f"/containers/{plain_id}")
    assert plain.status_code == 303 and plain.headers["location"] == "/containers"
    landing = user.web.get(plain.headers["location"])
    assert plain_id not in landing.text and htmx_id[:12] in landing.text

    page = f"/containers/{htmx_id}?tab=config"
    swapped = user.post(f"/containers/{htmx_id}/delete", htmx=True, return_to=page)
    assert swapped.status_code == 200 and swapped.headers["hx-redirect"] == "/containers"
    assert docker_status(docker_client, user.account.email) == []


def test_action_errors_are_shown_above_the_table_not_as_a_server_error(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user = browsers()
    container_id = user.create(sleeper(busybox_image))

    unknown = user.post("/containers/no-such-container/stop", htmx=True, return_to="/containers")
    assert unknown.status_code == 404
    assert "CONTAINER_NOT_FOUND" in unknown.text and 'id="containers-table"' in unknown.text
    assert row_status(unknown.text, container_id) == "running", "the table is still shown"
    alert = unknown.text.index('role="alert"')
    assert alert < unknown.text.index("<table"), "the error sits above the table"

    on_page = user.post(
        "/containers/no-such-container/start", return_to="/containers/no-such-container"
    )
    assert on_page.status_code == 404 and 'data-testid="container-not-found"' in on_page.text

    bogus = user.post(f"/containers/{container_id}/explode", return_to="/containers")
    assert bogus.status_code == 404
    assert (user.state(container_id) or {})["status"] == "running"


def test_docker_being_unreachable_is_a_designed_error_state(
    settings: Settings, tmp_path: Path
) -> None:
    with (
        api_process(tmp_path, DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock") as broken,
        web_client(settings, broken.base_url) as web,
    ):
        login(web, broken.account(), "/containers")
        page = web.get("/containers")
        assert page.status_code == 503
        assert "DOCKER_UNAVAILABLE" in page.text and 'role="alert"' in page.text
        assert 'data-testid="containers-unavailable"' in page.text
        assert 'hx-trigger="every 5s"' in page.text, "it keeps trying"
