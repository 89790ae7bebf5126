"""One user's secrets never shape another user's answers or logs, and a resolved username is no
secret: the API and the worker run in this one process (TestClient + a burst worker), so they
share one exact-value registry, the hardest case for keeping users apart."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx2
import pytest

from mcp_console.core.logging import MASK
from tests.support.containers import Console, User, VaultSecret, run_worker
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.installer import ITEM_ID, SECRET_NAME, installer_fixture  # noqa: F401
from tests.support.log_capture import captured_fixture  # noqa: F401

pytestmark = [
    pytest.mark.docker,
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),  # arq
]

ALICE_SECRET = VaultSecret("oracle-alice-item", "alice-pw-Hq7-guessable-5150")
BOB_KEY = VaultSecret("oracle-bob-item", "bob-api-key-Rt2-value-8080")
ORDINARY = "other-pw-Hq7-guessable-5150"  # same shape, not anyone's secret
SLEEP_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def _request_lines(captured: io.StringIO, response: httpx2.Response) -> list[str]:
    """Every log line (as written) of the request that got `response`."""
    request_id = response.headers["x-request-id"]
    lines = [line for line in captured.getvalue().splitlines() if line.strip()]
    return [line for line in lines if json.loads(line).get("request_id") == request_id]


def _body_logged(captured: io.StringIO, response: httpx2.Response) -> str:
    (line,) = [
        line
        for line in _request_lines(captured, response)
        if '"logger": "mcp_console.request"' in line
    ]
    return json.dumps(json.loads(line)["body"])


def _job(console: Console, user: User, response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    run_worker(console)
    job: dict[str, Any] = console.client.get(f"/api/jobs/{job_id}", headers=user.headers).json()
    return job


def _outcome(job: dict[str, Any]) -> tuple[Any, ...]:
    return job["status"], job["error"], sorted(job["result"] or {})


def _sync_create(console: Console, user: User, image: str, text: str) -> httpx2.Response:
    config = {"image": image, "command": SLEEP_COMMAND, "env": {"GREETING": text}}
    return console.client.post("/api/containers", json={"config": config}, headers=user.headers)


def _install_async(console: Console, user: User, api_key: str, **fields: Any) -> httpx2.Response:
    body = {
        "item_id": ITEM_ID,
        "parameters": {"region": "eu"},
        "secrets": {SECRET_NAME: api_key},
        "command": SLEEP_COMMAND,
        **fields,
    }
    return console.client.post(
        "/api/containers/install", params={"async": True}, json=body, headers=user.headers
    )


@pytest.mark.parametrize("installer", [{"log_request_body": True}], indirect=True)
def test_another_users_resolved_value_is_just_text(
    installer: Console, busybox_image: BuiltImage, captured: io.StringIO
) -> None:
    alice, bob = installer.login(ALICE_SECRET), installer.login(BOB_KEY)
    resolved = installer.client.post(
        "/api/secrets/resolve",
        json={"env": {"PASSWORD": ALICE_SECRET.reference}},
        headers=alice.headers,
    )
    assert _job(installer, alice, resolved)["status"] == "succeeded"
    own = _sync_create(installer, alice, busybox_image.tag, ALICE_SECRET.value)
    assert own.status_code == 201, own.text
    assert ALICE_SECRET.value not in "".join(_request_lines(captured, own))
    assert f'"GREETING": "{MASK}"' in _body_logged(captured, own), "Alice's logs mask her value"

    answers: dict[str, tuple[Any, ...]] = {}
    for text in (ALICE_SECRET.value, ORDINARY):
        created = _sync_create(installer, bob, busybox_image.tag, text)
        queued = _install_async(installer, bob, BOB_KEY.reference, env={"GREETING": text})
        job = _job(installer, bob, queued)
        answers[text] = (created.status_code, queued.status_code, _outcome(job))
        for response in (created, queued):
            logged = _body_logged(captured, response)
            assert f'"GREETING": "{text}"' in logged, "Bob's logs are not masked"
    assert answers[ALICE_SECRET.value] == answers[ORDINARY]
    assert answers[ORDINARY] == (201, 202, ("succeeded", None, ["container_id", "name", "status"]))


def test_a_resolved_username_is_no_secret_for_job_results_or_logs(
    installer: Console, captured: io.StringIO
) -> None:
    newcomer = VaultSecret("newcomer-item", "newcomer-pw-Xy5-value-1234")
    item = {**newcomer.item(), "login": {"username": "newcomer", "password": newcomer.value}}
    user = installer.login(items=[item])
    resolved = installer.client.post(
        "/api/secrets/resolve",
        json={"env": {"USER": "{{ bw:newcomer-item:username }}"}},
        headers=user.headers,
    )
    assert _job(installer, user, resolved)["status"] == "succeeded"

    queued = _install_async(installer, user, newcomer.reference, name="newcomer-echo-4")
    job = _job(installer, user, queued)
    assert job["status"] == "succeeded", job
    assert job["result"]["name"] == "newcomer-echo-4"
    assert job["result"]["container_id"]
    audit = [
        json.loads(line)
        for line in captured.getvalue().splitlines()
        if '"message": "audit"' in line and "container.create" in line
    ]
    assert [entry["detail"] for entry in audit] == ["name=newcomer-echo-4"]
