"""GitHub's `GET /user`: the one call that tells whether GitHub accepts a token, and for whom.

It goes through the SSRF-safe fetcher like every other outbound request; `GITHUB_API_URL` points
it at GitHub Enterprise or, in tests, at a local stand-in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from mcp_console.core.errors import AppError
from mcp_console.core.ssrf import FetchResult, ResponseRejectedError, SafeFetcher, SsrfBlockedError

USER_MAX_BYTES = 256 * 1024
# What every request to the GitHub REST API sends (the catalog source too).
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
FINE_GRAINED_HINT = (
    "Create a fine-grained personal access token at "
    "https://github.com/settings/personal-access-tokens/new; it needs no permissions "
    "(public repositories only), just an expiry date. Paste the whole token."
)


@dataclass(frozen=True)
class GitHubIdentity:
    login: str
    scopes: list[str]


def token_invalid() -> AppError:
    return AppError(
        "GITHUB_TOKEN_INVALID",
        "GitHub refused this token (it is wrong, expired or revoked).",
        status=422,
        hint=FINE_GRAINED_HINT,
    )


def github_unreachable(detail: str) -> AppError:
    return AppError(
        "GITHUB_UNREACHABLE",
        f"GitHub could not be asked about the token: {detail}.",
        status=502,
        hint="Nothing was saved. Retry shortly; operators: check that GITHUB_API_URL is "
        "reachable from the API.",
        retryable=True,
    )


def github_rate_limited() -> AppError:
    return AppError(
        "GITHUB_RATE_LIMITED",
        "GitHub's rate limit is exhausted, so the token could not be checked.",
        status=503,
        hint="Nothing was saved. Retry after a few minutes.",
        headers={"Retry-After": "60"},
        retryable=True,
    )


class GitHubUserClient:
    def __init__(self, api_url: str, fetcher: SafeFetcher) -> None:
        self._url = f"{api_url.rstrip('/')}/user"
        self._fetcher = fetcher

    async def aclose(self) -> None:
        await self._fetcher.aclose()

    async def identify(self, token: str) -> GitHubIdentity:
        """The account and classic scopes of `token`; 422 if GitHub refuses it, 502/503 if
        GitHub cannot say. Error texts name the failure's type only, never the request."""
        headers = {**API_HEADERS, "Authorization": f"Bearer {token}"}
        try:
            response = await self._fetcher.get(self._url, headers=headers, max_bytes=USER_MAX_BYTES)
        except (httpx.HTTPError, SsrfBlockedError, ResponseRejectedError) as exc:
            raise github_unreachable(type(exc).__name__) from None
        if response.status == 401:
            raise token_invalid()
        remaining = response.headers.get("x-ratelimit-remaining")
        if response.status == 429 or (response.status == 403 and remaining == "0"):
            raise github_rate_limited()
        if response.status != 200:
            raise github_unreachable(f"it answered HTTP {response.status}")
        return GitHubIdentity(_login(response), _scopes(response))


def _login(response: FetchResult) -> str:
    try:
        body = json.loads(response.body)
    except ValueError:
        body = None
    login = body.get("login") if isinstance(body, dict) else None
    if not isinstance(login, str) or not login:
        raise github_unreachable("its answer names no account")
    return login[:100]


def _scopes(response: FetchResult) -> list[str]:
    header = response.headers.get("x-oauth-scopes", "")
    return [scope.strip() for scope in header.split(",") if scope.strip()]
