"""Save-time SSRF validation: the bypass table, public addresses, settings and logging.

No test here opens a connection: hostnames go through a stub resolver that never reaches DNS,
and numeric forms are decoded by the guard itself.
"""

from __future__ import annotations

import ipaddress
import logging

import pytest
from pydantic import SecretStr

from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import (
    REASON_HINTS,
    SsrfBlockedError,
    SsrfGuard,
    SsrfPolicy,
    address_block_reason,
    literal_address,
)
from tests.support.processes import fresh_key
from tests.support.ssrf_cases import BYPASS_CASES, PUBLIC_URLS, StubResolver, bypass_urls

CANARY_PORT = 45678


def guard(*, insecure: bool = True, resolver: StubResolver | None = None) -> SsrfGuard:
    return SsrfGuard(SsrfPolicy(allow_insecure=insecure), resolver or StubResolver())


def test_the_table_has_at_least_forty_cases() -> None:
    assert len(BYPASS_CASES) >= 40


@pytest.mark.parametrize(("url", "reason"), bypass_urls(CANARY_PORT))
async def test_bypass_url_is_blocked_at_save_time(url: str, reason: str) -> None:
    with pytest.raises(SsrfBlockedError) as caught:
        await guard().validate_url(url)
    assert caught.value.reason == reason
    assert caught.value.status == 400
    assert caught.value.code == "SSRF_BLOCKED"
    assert caught.value.hint == REASON_HINTS[reason]


@pytest.mark.parametrize("url", PUBLIC_URLS)
async def test_public_addresses_pass_validation(url: str) -> None:
    assert (await guard(insecure=False).validate_url(url)).startswith("https://")


@pytest.mark.parametrize(
    "url", ["https://xn--attack-lo-.test/x", "https://a..b/x", "https://xn--/x", "https://[::1/x"]
)
async def test_malformed_host_names_are_invalid_not_a_crash(url: str) -> None:
    """The IDNA codec raises on invalid A-labels when the host is decoded (a 500 before)."""
    with pytest.raises(SsrfBlockedError) as caught:
        await guard().validate_url(url)
    assert (caught.value.reason, caught.value.status) == ("invalid_url", 400)


async def test_http_needs_allow_insecure_endpoint() -> None:
    with pytest.raises(SsrfBlockedError) as caught:
        await guard(insecure=False).validate_url("http://8.8.8.8/catalog.yaml")
    assert caught.value.reason == "insecure_scheme"
    assert "ALLOW_INSECURE_ENDPOINT" in (caught.value.hint or "")


async def test_every_answer_is_checked_not_just_the_first() -> None:
    resolver = StubResolver({"mixed.test": [["2606:4700:4700::1111", "10.0.0.7"]]})
    with pytest.raises(SsrfBlockedError) as caught:
        await guard(resolver=resolver).validate_url("https://mixed.test/")
    assert caught.value.reason == "private_ip"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("example.com", None),
        ("cafe.be", None),
    ],
)
def test_numeric_host_forms_are_decoded_like_the_c_resolver(
    text: str, expected: str | None
) -> None:
    found = literal_address(text)
    assert (str(found) if found else None) == expected


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("64:ff9b::808:808", "ipv6_transition"),
        ("2002:808:808::1", "ipv6_transition"),
        ("::ffff:8.8.8.8", "ipv6_transition"),
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "ipv6_transition"),
        ("64:ff9b::a9fe:a9fe", "metadata_endpoint"),
        ("2001:db8::1", "reserved"),
        ("100::1", "reserved"),
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_classification(address: str, reason: str | None) -> None:
    assert address_block_reason(ipaddress.ip_address(address)) == reason


def test_allow_list_never_opens_metadata_addresses() -> None:
    policy = SsrfPolicy(allow_cidrs=(ipaddress.ip_network("169.254.0.0/16"),))
    policy.check_address(ipaddress.ip_address("169.254.10.10"))
    with pytest.raises(SsrfBlockedError) as caught:
        policy.check_address(ipaddress.ip_address("169.254.169.254"))
    assert caught.value.reason == "metadata_endpoint"


def _settings(**values: object) -> Settings:
    return Settings(
        _env_file=None,
        credential_encryption_key=SecretStr(fresh_key()),
        oauth_token_encryption_key=SecretStr(fresh_key()),
        **values,  # type: ignore[arg-type]
    )


def test_allow_list_is_off_by_default_and_loud_when_set(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mcp_console.ssrf"):
        default = SsrfPolicy.from_settings(_settings())
    assert default.allow_cidrs == ()
    assert default.allow_insecure is False
    assert not caplog.records
    with caplog.at_level(logging.WARNING, logger="mcp_console.ssrf"):
        policy = SsrfPolicy.from_settings(
            _settings(ssrf_allow_cidrs="127.0.0.1/32", allow_insecure_endpoint=True)
        )
    assert policy.allow_cidrs == (ipaddress.ip_network("127.0.0.1/32"),)
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning
    assert "SSRF_ALLOW_CIDRS" in warning[0].getMessage()
