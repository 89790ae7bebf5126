"""Login rate limits through the UI count each browser, not the one web process in front of the
API: real `api` and `web` processes, each browser's address arriving in `X-Forwarded-For`."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.bitwarden import Account
from tests.support.web import api_process, page_token, running_web


def _browser(web_url: str, address: str) -> httpx.Client:
    """A client that a proxy in front of the web process (trusted: loopback) says is `address`."""
    return httpx.Client(base_url=web_url, headers={"X-Forwarded-For": address}, timeout=30)


def _sign_in(browser: httpx.Client, email: str, password: str) -> httpx.Response:
    token = page_token(browser.get("/login").text)
    form = {"csrf_token": token, "method": "master_password", "email": email}
    return browser.post("/login", data={**form, "master_password": password, "next": "/jobs"})


def test_one_browser_hitting_the_limit_does_not_lock_out_another(tmp_path: Path) -> None:
    limits = {"LOGIN_RATE_LIMIT_PER_ADDRESS": "2", "LOGIN_RATE_LIMIT_PER_EMAIL": "100"}
    with (
        api_process(tmp_path, limits) as api,
        running_web(api.env, api.base_url) as web_url,
        _browser(web_url, "203.0.113.5") as guesser,
        _browser(web_url, "198.51.100.7") as colleague,
    ):
        target: Account = api.account()
        answers = [_sign_in(guesser, target.email, "wrong-guess").status_code for _ in range(3)]
        assert answers == [401, 401, 429]
        refused = _sign_in(guesser, target.email, target.master_password)
        assert refused.status_code == 429 and "RATE_LIMITED" in refused.text

        signed_in = _sign_in(colleague, target.email, target.master_password)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/jobs"
        assert colleague.cookies.get("mcp_session")
