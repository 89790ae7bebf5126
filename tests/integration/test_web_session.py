"""The web UI's session handling against a real API process and the fake `bw`.

The UI runs in-process (TestClient) and reaches the API only over HTTP at `API_URL`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient

from mcp_console.core.settings import Settings
from mcp_console.web.assets import NPM_ASSETS, node_modules_dirs
from mcp_console.web.navigation import DEFAULT_LANDING
from tests.support.auth import bearer
from tests.support.web import (
    INLINE_SCRIPT,
    ApiProcess,
    api_process,
    csrf_token,
    login,
    page_token,
    web_client,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiProcess]:
    with api_process(tmp_path_factory.mktemp("web-api")) as running:
        yield running


@pytest.fixture
def web(settings: Settings, api: ApiProcess) -> Iterator[TestClient]:
    with web_client(settings, api.base_url) as client:
        yield client


def set_cookie_headers(response: httpx2.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def test_login_sets_an_httponly_samesite_session_cookie_and_lands_on_next(
    web: TestClient, api: ApiProcess
) -> None:
    account = api.account()
    response = login(web, account, next_page="/jobs")
    assert response.status_code == 303
    assert response.headers["location"] == "/jobs"
    [cookie] = set_cookie_headers(response, "mcp_session")
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert "secure" not in attributes  # plain http here; see the https test
    session_id = web.cookies["mcp_session"]
    assert httpx.get(f"{api.base_url}/api/auth/session", headers=bearer(session_id)).is_success

    page = web.get("/jobs")
    assert page.status_code == 200
    assert account.email in page.text and 'data-testid="jobs-empty"' in page.text
    assert session_id not in page.text


def test_api_key_login_over_https_sets_secure_cookies(settings: Settings, api: ApiProcess) -> None:
    account = api.account()
    with web_client(settings, api.base_url, "https://testserver") as client:
        response = client.post(
            "/login",
            data={
                "csrf_token": csrf_token(client),
                "method": "api_key",
                "email": account.email,
                "client_id": account.client_id,
                "client_secret": account.client_secret,
                "master_password": account.master_password,
            },
        )
        assert response.status_code == 303, response.text
        for name in ("mcp_session", "mcp_csrf"):
            [cookie] = set_cookie_headers(response, name)
            assert "secure" in cookie.lower() and "httponly" in cookie.lower()
        assert client.get("/jobs").status_code == 200


def test_wrong_master_password_is_shown_inline_without_echoing_it(
    web: TestClient, api: ApiProcess
) -> None:
    account = api.account()
    wrong = "not-the-master-password-7731"
    response = web.post(
        "/login",
        data={
            "csrf_token": csrf_token(web),
            "method": "master_password",
            "email": account.email,
            "master_password": wrong,
        },
    )
    assert response.status_code == 401
    assert 'role="alert"' in response.text and "AUTH_FAILED" in response.text
    assert f'value="{account.email}"' in response.text  # the form keeps the e-mail
    assert wrong not in response.text
    assert not set_cookie_headers(response, "mcp_session")
    assert "mcp_session" not in web.cookies


def test_a_post_without_the_csrf_token_is_refused(web: TestClient, api: ApiProcess) -> None:
    account = api.account()
    csrf_token(web)  # the browser holds the cookie, but the forged form lacks the field
    forged = web.post(
        "/login",
        data={"email": account.email, "master_password": account.master_password},
    )
    assert forged.status_code == 403
    assert "mcp_session" not in web.cookies

    assert login(web, account).status_code == 303
    for path in ("/logout", "/jobs/some-job/cancel"):
        assert web.post(path, data={}).status_code == 403
        assert web.post(path, data={"csrf_token": "guessed"}).status_code == 403
    assert web.get("/jobs").status_code == 200, "the refused logout must not end the session"


def test_every_page_sends_the_csp_and_has_no_inline_script(
    web: TestClient, api: ApiProcess
) -> None:
    anonymous = [web.get("/"), web.get("/login"), web.get("/jobs"), web.post("/logout")]
    login(web, api.account())
    responses = [*anonymous, web.get("/jobs"), web.get("/assets/nope.js")]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"]
        assert not INLINE_SCRIPT.search(response.text), response.text


def test_an_invalid_session_redirects_to_login_keeping_the_page(web: TestClient) -> None:
    web.cookies.set("mcp_session", "not-a-real-session")
    response = web.get("/jobs?page=2")
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": ["/jobs?page=2"], "reason": ["expired"]}
    assert set_cookie_headers(response, "mcp_session"), "the dead session cookie is cleared"

    page = web.get(response.headers["location"])
    assert 'data-testid="notice"' in page.text and "expired" in page.text
    assert 'name="next" value="/jobs?page=2"' in page.text


def test_a_session_ended_at_the_api_sends_the_user_back_to_login(
    web: TestClient, api: ApiProcess
) -> None:
    account = api.account()
    assert login(web, account).status_code == 303
    session_id = web.cookies["mcp_session"]
    httpx.post(f"{api.base_url}/api/auth/logout", headers=bearer(session_id)).raise_for_status()

    response = web.get("/jobs")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fjobs&reason=expired"

    web.cookies.set("mcp_session", session_id)
    htmx = web.get(
        "/jobs", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/jobs"}
    )
    assert htmx.headers["hx-redirect"] == "/login?next=%2Fjobs&reason=expired"


def test_without_a_session_login_is_required_and_next_stays_local(
    web: TestClient, api: ApiProcess
) -> None:
    response = web.get("/jobs")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fjobs"

    assert (
        login(web, api.account(), next_page="//evil.example/x").headers["location"]
        == DEFAULT_LANDING
    )


def test_logout_ends_the_api_session_and_clears_the_cookie(
    web: TestClient, api: ApiProcess
) -> None:
    login(web, api.account())
    session_id = web.cookies["mcp_session"]
    response = web.post("/logout", data={"csrf_token": csrf_token(web, "/jobs")})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?reason=signed_out"
    assert "mcp_session" not in web.cookies
    answer = httpx.get(f"{api.base_url}/api/auth/session", headers=bearer(session_id))
    assert answer.status_code == 401


def test_jobs_page_lists_a_job_and_cancels_it_through_htmx(
    web: TestClient, api: ApiProcess
) -> None:
    login(web, api.account())
    session_id = web.cookies["mcp_session"]
    started = httpx.post(
        f"{api.base_url}/api/secrets/resolve",
        json={"env": {"TOKEN": "{{ bw:no-worker-item:password }}"}},
        headers=bearer(session_id),
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]

    page = web.get("/jobs")
    assert f'data-job-id="{job_id}"' in page.text
    assert f'hx-post="/jobs/{job_id}/cancel"' in page.text

    token = page_token(page.text)
    cancelled = web.post(
        f"/jobs/{job_id}/cancel",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert cancelled.status_code == 200
    assert "<html" not in cancelled.text, "htmx gets the fragment, not the whole document"
    assert re.search(r'data-testid="job-status">cancelled<', cancelled.text)

    again = web.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert again.status_code == 200 and "JOB_ALREADY_FINISHED" in again.text


def test_assets_are_served_under_content_hashed_urls(web: TestClient) -> None:
    page = web.get("/login").text
    match = re.search(r'src="(/assets/htmx\.[0-9a-f]{12}\.js)"', page)
    assert match, page
    asset = web.get(match.group(1))
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    source = next(
        d / NPM_ASSETS["htmx.js"]
        for d in node_modules_dirs()
        if (d / NPM_ASSETS["htmx.js"]).is_file()
    )
    assert asset.content == Path(source).read_bytes()
    assert re.search(r'href="/assets/app\.[0-9a-f]{12}\.css"', page)
    assert web.get("/assets/htmx.000000000000.js").status_code == 404


def test_the_overview_stays_public_and_shows_the_api_status(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    assert 'data-testid="api-status">ok<' in page.text
    assert 'href="/login"' in page.text and 'href="/jobs"' not in page.text
