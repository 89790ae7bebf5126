"""The GitHub token against a real API process, SQLite file and Redis; GitHub is a local stand-in
(`registry_servers`) that knows some tokens and records every Authorization header it receives.

Tokens here match none of the redactor's secret shapes on purpose: finding one in a log, a
response or the database file then means it was written there, not that redaction missed it."""

from __future__ import annotations

import ipaddress
import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from mcp_console.core.db import Database
from mcp_console.core.errors import AppError
from mcp_console.core.keys import KeyManager, key_id
from mcp_console.core.logging import SecretRegistry
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SafeFetcher, SsrfGuard, SsrfPolicy
from mcp_console.credentials.service import CredentialService
from mcp_console.github.client import GitHubUserClient
from tests.support.auth import login_payload
from tests.support.processes import console_command, free_port, fresh_key
from tests.support.registry_servers import RegistryServers, registry_servers
from tests.support.web import ApiProcess, api_process, forget_cached_catalogs, local_catalog_env

ROUTES = [
    ("PUT", "/api/github-token"),
    ("GET", "/api/github-token/status"),
    ("DELETE", "/api/github-token"),
]


def new_token() -> str:
    return f"tok{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


@dataclass
class User:
    email: str
    http: httpx.Client

    def put(self, token: str) -> httpx.Response:
        return self.http.put("/api/github-token", json={"token": token})

    def status(self) -> dict[str, object]:
        response = self.http.get("/api/github-token/status")
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body


@dataclass
class Stack:
    api: ApiProcess
    registry: RegistryServers
    database: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def user(self) -> User:
        """A new user, logged in through the API; the client sends their session."""
        account = self.api.account()
        client = httpx.Client(base_url=self.api.base_url, timeout=60)
        self.clients.append(client)
        payload = login_payload(account.email, password=account.master_password)
        response = client.post("/api/auth/login", json=payload)
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['session_id']}"
        return User(account.email, client)

    def close_clients(self) -> None:
        while self.clients:
            self.clients.pop().close()

    def known(self, login: str, scopes: str = "") -> str:
        """A token the GitHub stand-in accepts for `login`."""
        token = new_token()
        self.registry.state.github_users[token] = (login, scopes)
        return token

    def row(self, owner: str) -> tuple[str | None, str, str | None] | None:
        """The raw `key_id`, `ciphertext` and `details` columns of the owner's token."""
        with sqlite3.connect(self.database) as connection:
            row = connection.execute(
                "SELECT key_id, ciphertext, details FROM stored_credentials "
                "WHERE owner = ? AND kind = 'github'",
                (owner,),
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def file_bytes(self) -> bytes:
        """The database file with its WAL and shared-memory files, as they are on disk."""
        parts = [self.database, *self.database.parent.glob(f"{self.database.name}-*")]
        return b"".join(part.read_bytes() for part in parts if part.exists())

    def github_auth_headers(self, kinds: tuple[str, ...]) -> set[str]:
        """Every Authorization header the stand-in got on these routes since the last reset."""
        state = self.registry.state
        with state.lock:
            return {auth for kind, auth in state.requests if kind in kinds}


@contextmanager
def token_stack(
    root: Path, registry: RegistryServers, logs: list[str] | None = None, **env: str
) -> Iterator[Stack]:
    with api_process(root, local_catalog_env(registry), env, logs=logs) as api:
        stack = Stack(api, registry, root / "db.sqlite")
        try:
            yield stack
        finally:
            stack.close_clients()


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        yield servers


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, registry: RegistryServers) -> Iterator[Stack]:
    with token_stack(tmp_path_factory.mktemp("github-token"), registry) as running:
        yield running


@pytest.fixture
def stack(shared: Stack) -> Iterator[Stack]:
    """The shared API with a well-behaved GitHub stand-in; every test makes its own users."""
    shared.registry.reset_counts()
    shared.registry.state.failing = set()
    shared.registry.state.rate_limited = False
    yield shared
    shared.close_clients()


def error_of(response: httpx.Response) -> dict[str, str]:
    error: dict[str, str] = response.json()["error"]
    return error


def test_every_route_needs_a_session(stack: Stack) -> None:
    for method, path in ROUTES:
        response = httpx.request(method, f"{stack.api.base_url}{path}", json={"token": "x"})
        assert response.status_code == 401, (method, path)
        assert error_of(response)["code"] == "SESSION_INVALID"
    assert stack.registry.state.hits["user"] == 0


def test_a_token_github_accepts_is_stored_encrypted_and_only_its_status_is_shown(
    stack: Stack,
) -> None:
    user = stack.user()
    token = stack.known("octo-reader", "repo, read:org")
    saved = user.put(token)
    assert saved.status_code == 200, saved.text
    assert stack.github_auth_headers(("user",)) == {f"Bearer {token}"}
    status = user.status()
    assert set(status) == {"configured", "login", "scopes", "last_checked"}
    assert (status["configured"], status["login"]) == (True, "octo-reader")
    assert status["scopes"] == ["repo", "read:org"]
    assert status["last_checked"] == saved.json()["last_checked"]
    for response_text in (saved.text, json.dumps(status)):
        assert token not in response_text

    row = stack.row(user.email)
    assert row is not None
    stored_key_id, ciphertext, details = row
    first_key = stack.api.env["CREDENTIAL_ENCRYPTION_KEY"].split(",")[0]
    assert stored_key_id == key_id(first_key.encode())
    assert ciphertext != token and token not in ciphertext
    assert details is not None and token not in details
    assert json.loads(details)["login"] == "octo-reader"
    assert token.encode() not in stack.file_bytes()


def test_a_token_github_refuses_answers_422_with_a_hint_and_changes_nothing(
    stack: Stack,
) -> None:
    newcomer = stack.user()
    wrong = new_token()
    refused = newcomer.put(wrong)
    assert refused.status_code == 422
    error = error_of(refused)
    assert error["code"] == "GITHUB_TOKEN_INVALID"
    assert "fine-grained" in error["hint"] and "no permissions" in error["hint"]
    assert wrong not in refused.text
    assert newcomer.status() == {
        "configured": False, "login": None, "scopes": [], "last_checked": None
    }  # fmt: skip
    assert stack.row(newcomer.email) is None

    holder = stack.user()
    assert holder.put(stack.known("keeps-old")).status_code == 200
    before = stack.row(holder.email)
    assert holder.put(new_token()).status_code == 422
    assert holder.status()["login"] == "keeps-old"
    assert stack.row(holder.email) == before


def test_github_unavailable_answers_502_or_503_never_422(stack: Stack) -> None:
    user = stack.user()
    token = stack.known("someone")
    stack.registry.state.failing = {"user"}
    broken = user.put(token)
    assert broken.status_code == 502
    assert error_of(broken)["code"] == "GITHUB_UNREACHABLE"
    stack.registry.state.failing = set()
    stack.registry.state.rate_limited = True
    limited = user.put(token)
    assert limited.status_code == 503
    assert error_of(limited)["code"] == "GITHUB_RATE_LIMITED"
    assert limited.headers["retry-after"] == "60"
    for response in (broken, limited):
        assert token not in response.text
    assert user.status()["configured"] is False


async def test_github_not_answering_at_all_is_502() -> None:
    """Nothing listens on the port: a transport failure, reported as GitHub being unreachable."""
    loopback = (ipaddress.ip_network("127.0.0.1/32"),)
    fetcher = SafeFetcher(SsrfGuard(SsrfPolicy(allow_insecure=True, allow_cidrs=loopback)))
    client = GitHubUserClient(f"http://127.0.0.1:{free_port()}", fetcher)
    try:
        with pytest.raises(AppError) as caught:
            await client.identify(new_token())
    finally:
        await client.aclose()
    assert (caught.value.code, caught.value.status) == ("GITHUB_UNREACHABLE", 502)


@pytest.mark.parametrize(
    "token", ["", "   ", "two words", "x" * 256, "tok\r\nX-Injected: 1", "caf\u00e9"]
)
def test_malformed_tokens_are_refused_before_github_is_asked(stack: Stack, token: str) -> None:
    user = stack.user()
    response = user.put(token)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert token.strip() == "" or token not in response.text
    assert stack.registry.state.hits["user"] == 0


def test_a_body_with_more_than_the_token_is_refused(stack: Stack) -> None:
    user = stack.user()
    token = stack.known("extra-field")
    response = user.http.put("/api/github-token", json={"token": token, "login": "someone"})
    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    assert token not in response.text
    assert user.status()["configured"] is False


def test_delete_then_status_says_not_configured_and_delete_is_idempotent(stack: Stack) -> None:
    user = stack.user()
    token, wrong = stack.known("leaving"), new_token()
    assert user.put(wrong).status_code == 422
    assert user.put(token).status_code == 200
    assert user.http.delete("/api/github-token").status_code == 204
    assert user.status()["configured"] is False
    assert stack.row(user.email) is None
    again = user.http.delete("/api/github-token")
    assert (again.status_code, again.content) == (204, b"")

    audit = user.http.get("/api/audit")
    entries = [
        (e["action"], e["target"], e["outcome"], e["detail"]) for e in audit.json()["entries"]
    ]
    assert entries == [
        ("github_token.delete", "github", "success", None),  # the second delete removed nothing
        ("github_token.set", "github:leaving", "success", None),
        ("github_token.set", "github", "failure", "GITHUB_TOKEN_INVALID"),
    ]
    assert token not in audit.text and wrong not in audit.text


def test_each_user_has_their_own_token(stack: Stack) -> None:
    first, second = stack.user(), stack.user()
    assert first.put(stack.known("first-login")).status_code == 200
    assert second.status()["configured"] is False
    assert second.put(stack.known("second-login")).status_code == 200
    assert first.http.delete("/api/github-token").status_code == 204
    assert second.status()["login"] == "second-login"


def test_the_github_catalog_source_sends_the_token_of_the_requesting_user(stack: Stack) -> None:
    holder, without = stack.user(), stack.user()
    token = stack.known("catalog-reader")
    assert holder.put(token).status_code == 200
    github_routes = ("tarball", "codeload", "tree", "contents")
    for user, expected in ((holder, {f"Bearer {token}"}), (without, {""})):
        forget_cached_catalogs(stack.api.env["REDIS_URL"])  # clearing via the API is operators'
        stack.registry.reset_counts()
        found = user.http.get("/api/catalog", params={"source": "github", "page_size": 1})
        assert found.status_code == 200, found.text
        assert found.json()["total"] > 0
        assert stack.registry.state.hits["tarball"] == 1
        assert stack.github_auth_headers(github_routes) == expected


def _credentials(database: Path, credential_key: str) -> CredentialService:
    settings = Settings(
        _env_file=None,
        credential_encryption_key=SecretStr(credential_key),
        oauth_token_encryption_key=SecretStr(fresh_key()),
    )
    keys = KeyManager.from_settings(settings, SecretRegistry())
    return CredentialService(Database(f"sqlite+aiosqlite:///{database}"), keys)


def _rotate(stack: Stack, keys: str) -> subprocess.CompletedProcess[str]:
    env = {**stack.api.env, "CREDENTIAL_ENCRYPTION_KEY": keys}
    return subprocess.run(
        console_command("rotate-keys"), env=env, capture_output=True, text=True, check=False
    )


async def test_rotate_keys_moves_the_token_to_the_new_key_and_it_still_decrypts(
    stack: Stack,
) -> None:
    user = stack.user()
    token = stack.known("rotating")
    assert user.put(token).status_code == 200
    before = stack.row(user.email)
    old, new = stack.api.env["CREDENTIAL_ENCRYPTION_KEY"], fresh_key()

    rotated = _rotate(stack, f"{new},{old}")
    assert rotated.returncode == 0, rotated.stderr
    after = stack.row(user.email)
    assert before is not None and after is not None
    assert after[0] == key_id(new.encode()) != before[0]
    assert after[1] != before[1] and token not in after[1]
    assert after[2] == before[2]  # the status facts are untouched
    only_new = _credentials(stack.database, new)
    try:
        assert await only_new.load(user.email, "github", "token") == token
    finally:
        await only_new.database.close()
    assert "re-encrypted 0 stored value" in _rotate(stack, f"{new},{old}").stdout


def test_the_token_is_in_no_log_line_response_or_database_byte(
    tmp_path: Path, registry: RegistryServers
) -> None:
    """A whole session of token use with request-body logging on: set (refused, then accepted),
    status, a GitHub catalog refresh that sends it, delete. Only the stand-in ever sees it."""
    registry.reset_counts()
    logs: list[str] = []
    bodies: list[str] = []
    refused, accepted = new_token(), new_token()
    registry.state.github_users[accepted] = ("canary-login", "")
    with token_stack(tmp_path, registry, logs, LOG_REQUEST_BODY="true") as stack:
        user = stack.user()
        control = user.http.post("/api/catalog/sources", json={"name": "body-is-logged"})
        responses = [
            control,
            user.put(refused),
            user.put(accepted),
            user.http.get("/api/github-token/status"),
            user.http.get("/api/catalog", params={"source": "github", "page_size": 1}),
        ]
        assert [r.status_code for r in responses] == [422, 422, 200, 200, 200]
        assert stack.github_auth_headers(("tarball",)) == {f"Bearer {accepted}"}
        database = stack.file_bytes()
        responses.append(user.http.delete("/api/github-token"))
        bodies = [r.text for r in responses]
    [output] = logs
    token_lines = [line for line in output.splitlines() if "path=/api/github-token" in line]
    assert len(token_lines) == 4
    assert not [line for line in token_lines if "body=" in line]
    assert "body-is-logged" in output  # body logging is on: other routes' bodies are there
    for secret in (refused, accepted):
        assert secret not in output
        assert secret.encode() not in database
        assert not [body for body in bodies if secret in body]
