"""The Edit form of the container page's config tab, against a real API process, real containers
and the fake `bw`: save through a plain post and htmx, errors beside their fields, a declared
secret as a reference input, a refused value never written back, the 409 conflict alert."""

from __future__ import annotations

import re
from typing import Any

import docker
import httpx
import pytest

from tests.support.auth import bearer
from tests.support.containers import VaultSecret
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.web import INLINE_SCRIPT
from tests.support.web_containers import (  # noqa: F401
    Browser,
    api_fixture,
    browsers_fixture,
    sleeper,
)

pytestmark = pytest.mark.docker

SECRET = VaultSecret("web-edit-item", "edit-page-canary-Rt5-secret")
TOKEN = "ghp_" + "Zy9xWv8uTs7rQp6oNm5lKj4iHg3fEd2cBa1Z"


def _stored(user: Browser, container_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{user.api.base_url}/api/containers/{container_id}/config",
        headers=bearer(user.session_id),
        timeout=30,
    )
    response.raise_for_status()
    stored: dict[str, Any] = response.json()
    return stored


TEXT_INPUT = re.compile(r'<input type="(?:text|number)" id="[^"]+" name="([^"]+)" value="([^"]*)"')
CHECKED = re.compile(r'<input type="checkbox" id="[^"]+" name="([^"]+)" value="true" checked>')
SELECT = re.compile(r'<select id="[^"]+" name="([^"]+)"[^>]*>.*?value="([^"]+)" selected', re.S)
VERSION = re.compile(r'name="config_version" value="(\d+)"')


def _form(user: Browser, container_id: str) -> dict[str, str]:
    """What the Edit form would send as the page renders it (input name -> value)."""
    page = user.web.get(f"/containers/{container_id}?tab=config&edit=true")
    assert page.status_code == 200, page.text
    values = dict(TEXT_INPUT.findall(page.text)) | dict(SELECT.findall(page.text))
    values |= {name: "true" for name in CHECKED.findall(page.text)}
    version = VERSION.search(page.text)
    assert version
    return {**values, "config_version": version[1]}


def _field_error(html: str, input_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{input_id}-error">([^<]*)</p>', html)
    assert match, f"no error beside {input_id}"
    return match.group(1)


def _with_declared_secret(browsers: Any, image: BuiltImage, name: str) -> tuple[Any, str]:
    """A user whose container has the declared secret API_KEY (a reference) and `name`=info."""
    user = browsers([SECRET.item()])
    env = {"API_KEY": SECRET.reference, name: "info"}
    container_id = user.create({**sleeper(image), "env": env, "secret_env": ["API_KEY"]})
    return user, container_id


def test_the_edit_form_saves_env_and_a_port_as_the_next_version(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user, container_id = _with_declared_secret(browsers, busybox_image, "LOG_LEVEL")
    page = user.web.get(f"/containers/{container_id}?tab=config&edit=true")
    assert page.status_code == 200
    assert 'data-testid="config-form"' in page.text
    assert 'data-testid="secret-reference-input"' in page.text and "bw:&lt;item-id&gt;" in page.text
    assert not INLINE_SCRIPT.search(page.text) and " style=" not in page.text
    assert SECRET.value not in page.text

    form = _form(user, container_id)
    assert form["env.0.name"] == "API_KEY" and form["env.1.value"] == "info"
    form |= {"env.1.value": "debug", "config.ports.0.container_port": "8080"}
    form["config.restart_policy"] = "on-failure"
    added = user.post(f"/containers/{container_id}/config", action="add-ports", **form)
    assert added.status_code == 200 and 'name="config.ports.0.container_port"' in added.text
    assert _stored(user, container_id)["config_version"] == 1  # a row button saves nothing

    saved = user.post(f"/containers/{container_id}/config", action="save", **form)
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("?tab=config&saved=pending")
    shown = user.web.get(saved.headers["location"])
    assert 'data-testid="config-saved"' in shown.text and "next start or restart" in shown.text
    assert "8080/tcp" in shown.text and "debug" in shown.text
    stored = _stored(user, container_id)
    assert stored["config_version"] == 2
    assert stored["config"]["env"] == {"API_KEY": SECRET.reference, "LOG_LEVEL": "debug"}
    assert stored["config"]["ports"][0]["container_port"] == 8080
    assert stored["config"]["restart_policy"] == "on-failure"


def test_errors_appear_beside_their_fields_and_refused_values_are_not_shown(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user, container_id = _with_declared_secret(browsers, busybox_image, "MODE")
    form = _form(user, container_id)
    path = f"/containers/{container_id}/config"

    refused = user.post(path, htmx=True, action="save", **{**form, "env.1.value": TOKEN})
    assert refused.status_code == 422
    assert TOKEN not in refused.text and 'data-testid="config-field-errors"' in refused.text
    assert _field_error(refused.text, "env-1-value")
    assert 'id="env-1-value" name="env.1.value" value=""' in refused.text

    plain = "not-a-reference-Qw3"
    local = user.post(path, htmx=True, action="save", **{**form, "env.0.value": plain})
    assert local.status_code == 422 and plain not in local.text
    assert "Bitwarden reference" in _field_error(local.text, "env-0-value")
    # refused here, so the API never saw the other fields: a token in them is not shown either
    both = {**form, "env.0.value": plain, "env.1.value": TOKEN, "config.command": TOKEN}
    local_and_token = user.post(path, htmx=True, action="save", **both)
    assert local_and_token.status_code == 422 and TOKEN not in local_and_token.text
    assert "github-token" in _field_error(local_and_token.text, "env-1-value")

    outside = {"config.volumes.0.host_path": "/etc", "config.volumes.0.container_path": "/x"}
    mount = user.post(path, htmx=True, action="save", **form, **outside)
    assert mount.status_code == 422
    assert "ALLOWED_MOUNT_ROOTS" in _field_error(mount.text, "volume-0-host")

    port = {"config.ports.0.container_port": "70000"}
    bad_port = user.post(path, htmx=True, action="save", **form, **port)
    assert bad_port.status_code == 422 and _field_error(bad_port.text, "port-0-container")
    assert _stored(user, container_id)["config_version"] == 1


def test_a_stale_version_shows_the_conflict_with_a_reload_link(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user = browsers()
    container_id = user.create({**sleeper(busybox_image), "env": {"MODE": "a"}})
    form = _form(user, container_id)
    path = f"/containers/{container_id}/config"
    assert user.post(path, action="save", **{**form, "env.0.value": "b"}).status_code == 303

    stale = user.post(path, htmx=True, action="save", **{**form, "env.0.value": "c"})
    assert stale.status_code == 409
    assert 'data-testid="config-conflict"' in stale.text and "CONFIG_CONFLICT" in stale.text
    assert f'href="/containers/{container_id}?tab=config&amp;edit=true"' in stale.text
    assert _stored(user, container_id)["config"]["env"] == {"MODE": "b"}

    stranger = browsers()
    assert stranger.post(path, action="save", **form).status_code == 404
    assert _stored(user, container_id)["config_version"] == 2


def test_restart_now_applies_the_change_to_the_running_container(
    browsers: Any, busybox_image: BuiltImage, docker_client: docker.DockerClient
) -> None:
    user = browsers()
    container_id = user.create({**sleeper(busybox_image), "env": {"MODE": "a"}})
    form = _form(user, container_id)
    removed = user.post(f"/containers/{container_id}/config", action="remove-env-0", **form)
    assert 'name="env.0.name"' not in removed.text
    form |= {"env.0.value": "now", "restart": "true"}
    saved = user.post(f"/containers/{container_id}/config", htmx=True, action="save", **form)
    assert saved.status_code == 200 and "was restarted with it" in saved.text
    state = user.state(container_id)
    assert state is not None and state["status"] == "running"
    env = docker_client.containers.get(state["docker_id"]).attrs["Config"]["Env"]
    assert "MODE=now" in env
