"""The Install form and the job progress page against a real API process and a real worker, the
Docker engine and the fake `bw`: the form comes from the catalog item's schema, refused answers
are shown beside their fields (a plain secret never echoed), and a valid install runs as a job
whose page polls until it lands on the new container."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import docker
import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient

from mcp_console.core.settings import Settings
from tests.support.auth import bearer
from tests.support.catalog_entries import (
    catalog_document,
    docker_entry,
    echo_entry,
)
from tests.support.containers import VaultSecret, remove_containers_of
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
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

pytestmark = pytest.mark.docker

SECRET = VaultSecret("web-install-item", "web-install-canary-Qx7-value-828")
PLAIN = "plain-secret-typed-Zr4-5531"
FORM = "/catalog/items/docker:echo-server/install"
JOB_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, busybox_image: BuiltImage
) -> Iterator[ApiProcess]:
    catalog = {
        "echo-server": echo_entry(busybox_image.tag),
        "notes": docker_entry("Notes", "productivity", ["notes"]),
    }
    with registry_servers() as servers:
        servers.state.docker_yaml = catalog_document(catalog)
        with api_process(
            tmp_path_factory.mktemp("web-install"),
            local_catalog_env(servers),
            with_worker=True,
        ) as running:
            yield running


class Browser:
    """The UI client of one signed-in user; keeps every HTML page it was answered."""

    def __init__(self, client: TestClient, email: str) -> None:
        self.client = client
        self.email = email
        self.pages: list[str] = []

    def get(self, url: str, **headers: str) -> httpx2.Response:
        return self._seen(self.client.get(url, headers=headers))

    def post(self, url: str, data: dict[str, str], **headers: str) -> httpx2.Response:
        form = {"csrf_token": page_token(self.get(FORM).text), **data}
        return self._seen(self.client.post(url, data=form, headers=headers))

    def _seen(self, response: httpx2.Response) -> httpx2.Response:
        self.pages.append(response.text)
        return response

    @property
    def session(self) -> dict[str, str]:
        return bearer(self.client.cookies["mcp_session"])


@pytest.fixture
def browser(
    settings: Settings, api: ApiProcess, docker_client: docker.DockerClient
) -> Iterator[Browser]:
    account = api.account(items=[SECRET.item()])
    with web_client(settings, api.base_url) as client:
        assert login(client, account).status_code == 303
        user = Browser(client, account.email)
        try:
            yield user
        finally:
            remove_containers_of(docker_client, [account.email])


def field(page: str, key: str) -> str:
    """The HTML of the form field whose input is named `key`."""
    match = re.search(
        rf'<div class="field[^"]*" data-testid="install-field" data-field="{re.escape(key)}">'
        r"(.*?)</div>",
        page,
        re.DOTALL,
    )
    assert match, f"no field {key}"
    return match.group(1)


def jobs_of(api: ApiProcess, browser: Browser) -> list[dict[str, object]]:
    response = httpx.get(f"{api.base_url}/api/jobs", headers=browser.session)
    jobs: list[dict[str, object]] = response.raise_for_status().json()["jobs"]
    return jobs


def valid_answers(**changes: str) -> dict[str, str]:
    return {
        "parameters.region": "eu",
        "parameters.retries": "2",
        "parameters.verbose": "true",
        "secrets.echo-server.api_key": SECRET.reference,
        **changes,
    }


def test_the_form_is_generated_from_the_items_schema(browser: Browser) -> None:
    form = browser.get(FORM)
    assert form.status_code == 200
    text = form.text
    assert f'action="{FORM}"' in text and f'hx-post="{FORM}"' in text
    assert 'name="csrf_token"' in text

    region = field(text, "parameters.region")
    assert re.search(r'<select id="[^"]+" name="parameters.region" required', region)
    assert '<option value="eu"' in region and '<option value="us"' in region
    assert "(required)" in region and "Where the echo runs" in region
    retries = field(text, "parameters.retries")
    retries_input = re.search(r"<input [^>]*>", retries)
    assert retries_input, "one input, whatever the order of its attributes"
    assert all(a in retries_input.group(0) for a in ('type="number"', 'value="3"', 'step="1"'))
    assert "(required)" not in retries
    verbose = field(text, "parameters.verbose")
    assert 'type="checkbox"' in verbose and "checked" not in verbose

    secret = field(text, "secrets.echo-server.api_key")
    assert 'autocomplete="off"' in secret and 'spellcheck="false"' in secret
    assert "(required)" in secret and "ECHO_API_KEY" in secret
    assert "{{ bw:&lt;item-id&gt;:&lt;field&gt; }}" in secret, "the hint explains the syntax"
    assert 'pattern="' in secret and 'value=""' in secret
    for key in ("parameters.region", "parameters.retries", "secrets.echo-server.api_key", "name"):
        assert re.search(rf'<label for="([^"]+)">.*?id="\1" name="{re.escape(key)}"', text, re.S)

    notes = browser.get("/catalog/items/docker:notes/install")
    assert 'data-testid="install-note"' in notes.text and "install-submit-form" not in notes.text
    assert browser.get("/catalog/items/docker:nope/install").status_code == 404


def test_a_missing_or_plain_secret_is_refused_beside_its_field(
    api: ApiProcess, browser: Browser
) -> None:
    missing = browser.post(FORM, valid_answers(**{"secrets.echo-server.api_key": ""}))
    assert missing.status_code == 422
    secret = field(missing.text, "secrets.echo-server.api_key")
    assert 'aria-invalid="true"' in secret and 'class="field-error"' in secret
    assert re.search(r'aria-describedby="[^"]*-error"', secret)
    assert re.search(r'<option value="eu" selected>', field(missing.text, "parameters.region"))
    assert 'value="2"' in field(missing.text, "parameters.retries"), "other answers are kept"
    assert "checked" in field(missing.text, "parameters.verbose")

    plain = browser.post(
        FORM, valid_answers(**{"secrets.echo-server.api_key": PLAIN, "parameters.region": ""})
    )
    assert plain.status_code == 422
    secret = field(plain.text, "secrets.echo-server.api_key")
    assert "Bitwarden reference" in secret and 'value=""' in secret
    assert 'aria-invalid="true"' in field(plain.text, "parameters.region"), "all errors at once"
    assert 'data-testid="install-unplaced"' not in plain.text, "no second report of the region"

    through_htmx = browser.post(
        FORM, valid_answers(**{"secrets.echo-server.api_key": PLAIN}), **HTMX
    )
    assert through_htmx.status_code == 422 and "<html" not in through_htmx.text
    assert 'id="install-form"' in through_htmx.text

    bad_name = browser.post(FORM, valid_answers(name="not a valid name!"))
    assert bad_name.status_code == 422, "the API's own field error, beside the name"
    assert 'aria-invalid="true"' in field(bad_name.text, "name")
    assert 'data-testid="field-errors"' in bad_name.text
    assert SECRET.reference in field(bad_name.text, "secrets.echo-server.api_key")

    token = "ghp_" + "Kq2wE4rT6yU8iO0pA1sD3fG5hJ7kL9zX2cV4"
    for typed in ({"parameters.region": token}, {"name": token}):  # a select, a text input
        refused_here = browser.post(
            FORM, valid_answers(**{"secrets.echo-server.api_key": PLAIN, **typed})
        )
        assert refused_here.status_code == 422 and token not in refused_here.text

    not_installable = browser.post("/catalog/items/docker:notes/install", {})
    assert not_installable.status_code == 422 and "ITEM_NOT_INSTALLABLE" in not_installable.text

    assert jobs_of(api, browser) == [], "nothing refused reached the job queue"
    assert not any(PLAIN in page for page in browser.pages)


def wait_for_redirect(browser: Browser, poll_url: str) -> str:
    """Poll the job page like htmx does until it answers with HX-Redirect."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        poll = browser.get(poll_url, **HTMX)
        assert poll.status_code == 200, poll.text
        if "hx-redirect" in poll.headers:
            return str(poll.headers["hx-redirect"])
        assert 'data-testid="job-error"' not in poll.text, poll.text
        assert 'hx-trigger="every 1s"' in poll.text, "an active job keeps polling"
        time.sleep(0.3)
    raise TimeoutError("the install job did not finish")


def test_a_valid_install_runs_as_a_job_and_lands_on_the_container(
    api: ApiProcess, browser: Browser, docker_client: docker.DockerClient
) -> None:
    submitted = browser.post(FORM, valid_answers(name="web-echo"))
    assert submitted.status_code == 303, submitted.text
    target = urlsplit(submitted.headers["location"])
    assert target.path.startswith("/jobs/")
    assert parse_qs(target.query) == {"item": ["docker:echo-server"]}

    progress = browser.get(submitted.headers["location"])
    assert progress.status_code == 200
    assert "<progress" in progress.text and 'data-testid="job-status"' in progress.text

    redirect = wait_for_redirect(browser, submitted.headers["location"])
    container_id = redirect.removeprefix("/containers/")
    assert redirect.startswith("/containers/") and container_id

    finished = browser.get(submitted.headers["location"])
    assert re.search(r'data-testid="job-status">succeeded<', finished.text)
    assert f'href="/containers/{container_id}"' in finished.text
    assert "hx-trigger" not in finished.text.split('id="job-progress"')[1], "polling stopped"

    listing = httpx.get(f"{api.base_url}/api/containers", headers=browser.session).json()
    [container] = [c for c in listing["containers"] if c["container_id"] == container_id]
    assert container["name"] == "web-echo" and container["status"] == "running"
    _, output = docker_client.containers.get(container["docker_id"]).exec_run(
        ["sh", "-c", "echo $ECHO_API_KEY/$ECHO_REGION/$ECHO_RETRIES/$ECHO_VERBOSE"]
    )
    assert output.decode().strip() == f"{SECRET.value}/eu/2/true"

    jobs = browser.get("/jobs")
    job_id = target.path.removeprefix("/jobs/")
    assert f'href="/jobs/{job_id}"' in jobs.text
    assert not any(SECRET.value in page for page in browser.pages)


def test_a_failed_install_shows_its_error_and_links_back_to_the_form(browser: Browser) -> None:
    unknown = "{{ bw:no-such-vault-item:password }}"
    answers = valid_answers(**{"secrets.echo-server.api_key": unknown})
    submitted = browser.post(FORM, answers, **HTMX)
    assert submitted.status_code == 200, submitted.text
    job_url = submitted.headers["hx-redirect"]
    assert job_url.startswith("/jobs/") and not submitted.text, "htmx follows HX-Redirect"
    deadline = time.monotonic() + JOB_TIMEOUT
    page = browser.get(job_url).text
    while 'data-status="failed"' not in page and time.monotonic() < deadline:
        assert "hx-redirect" not in browser.get(job_url, **HTMX).headers
        time.sleep(0.3)
        page = browser.get(job_url).text
    assert 'data-testid="job-error"' in page and "SECRET_NOT_FOUND" in page
    assert f'href="{FORM}"' in page and 'data-testid="retry-install"' in page

    missing = browser.get("/jobs/no-such-job")
    assert missing.status_code == 404 and 'data-testid="job-missing"' in missing.text
