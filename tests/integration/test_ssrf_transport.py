"""Connect-time SSRF checks against real loopback servers (httpx and the SDK's httpx2 stack).

A canary server listens on 127.0.0.1; with the allow-list off, no request of the bypass table may
reach it. Where a test needs to *reach* a local server (pinning, SNI, redirects), the policy
allow-lists exactly 127.0.0.1/32 and a stub resolver maps a test hostname onto it.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mcp_console.core.ssrf import (
    ResponseRejectedError,
    SafeFetcher,
    SsrfBlockedError,
    SsrfGuard,
    SsrfPolicy,
)
from tests.support.registry_servers import RegistryServers, registry_servers
from tests.support.ssrf_cases import BYPASS_CASES, StubResolver, bypass_urls

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(scope="module")
def canary() -> Iterator[RegistryServers]:
    with registry_servers() as servers:
        yield servers


def strict_guard(resolver: StubResolver | None = None) -> SsrfGuard:
    """Allow-list OFF: the production policy (plus http, so the scheme is not what blocks)."""
    return SsrfGuard(SsrfPolicy(allow_insecure=True), resolver or StubResolver())


def loopback_guard(resolver: StubResolver) -> SsrfGuard:
    return SsrfGuard(SsrfPolicy(allow_insecure=True, allow_cidrs=LOOPBACK_ONLY), resolver)


def _port(servers: RegistryServers) -> int:
    return int(servers.base_url.rsplit(":", 1)[1])


@pytest.mark.parametrize("case", range(len(BYPASS_CASES)))
async def test_bypass_url_is_blocked_at_connect_time(canary: RegistryServers, case: int) -> None:
    url, reason = bypass_urls(_port(canary))[case]
    before = sum(canary.state.hits.values())
    fetcher = SafeFetcher(strict_guard())
    try:
        with pytest.raises(SsrfBlockedError) as caught:
            await fetcher.get(url)
        assert caught.value.reason == reason
    finally:
        await fetcher.aclose()
    # The bare pinned transport, without the fetcher's URL checks, refuses at connect time too.
    async with httpx.AsyncClient(transport=strict_guard().transport(), trust_env=False) as raw:
        with pytest.raises((SsrfBlockedError, httpx.UnsupportedProtocol, httpx.InvalidURL)):
            await raw.get(url)
    assert sum(canary.state.hits.values()) == before


async def test_public_first_then_loopback_is_blocked(canary: RegistryServers) -> None:
    """DNS rebinding: the save-time lookup sees a public address, the connect-time one loopback."""
    resolver = StubResolver({"flip.test": [["8.8.8.8"], ["127.0.0.1"]]})
    guard = strict_guard(resolver)
    url = f"http://flip.test:{_port(canary)}/hello"
    hello_before = canary.state.hits["hello"]
    assert await guard.validate_url(url) == url
    fetcher = SafeFetcher(guard)
    try:
        with pytest.raises(SsrfBlockedError) as caught:
            await fetcher.get(url)
    finally:
        await fetcher.aclose()
    assert caught.value.reason == "loopback"
    assert resolver.lookups == ["flip.test", "flip.test"]
    assert canary.state.hits["hello"] == hello_before


async def test_httpx2_stack_blocks_rebinding_and_loopback(canary: RegistryServers) -> None:
    resolver = StubResolver({"flip.test": [["8.8.8.8"], ["127.0.0.1"]]})
    guard = strict_guard(resolver)
    url = f"http://flip.test:{_port(canary)}/hello"
    hello_before = canary.state.hits["hello"]
    await guard.validate_url(url)
    async with guard.httpx2_client() as client:
        with pytest.raises(SsrfBlockedError) as caught:
            await client.get(url)
        assert caught.value.reason == "loopback"
        with pytest.raises(SsrfBlockedError) as direct:
            await client.get(f"http://127.0.0.1:{_port(canary)}/hello")
        assert direct.value.reason == "loopback"
    assert canary.state.hits["hello"] == hello_before


async def test_httpx2_stack_connects_to_the_checked_address(canary: RegistryServers) -> None:
    resolver = StubResolver({"pinned.test": [["127.0.0.1"]]})
    async with loopback_guard(resolver).httpx2_client() as client:
        response = await client.get(f"http://pinned.test:{_port(canary)}/hello")
    assert response.status_code == 200
    assert response.json() == {"host": f"pinned.test:{_port(canary)}"}
    assert isinstance(response, httpx2.Response)


async def test_connection_goes_to_checked_address_with_host_header_kept(
    canary: RegistryServers,
) -> None:
    resolver = StubResolver({"pinned.test": [["127.0.0.1"]]})
    fetcher = SafeFetcher(loopback_guard(resolver))
    try:
        result = await fetcher.get(f"http://pinned.test:{_port(canary)}/hello")
    finally:
        await fetcher.aclose()
    assert result.status == 200
    assert result.body == f'{{"host": "pinned.test:{_port(canary)}"}}'.encode()
    assert resolver.lookups == ["pinned.test"]


async def test_redirect_to_metadata_is_blocked_at_the_hop(canary: RegistryServers) -> None:
    resolver = StubResolver({"public.test": [["127.0.0.1"]]})
    fetcher = SafeFetcher(loopback_guard(resolver))
    base = f"http://public.test:{_port(canary)}"
    hello_before = canary.state.hits["hello"]
    try:
        for target, reason in [
            ("http://169.254.169.254/latest/meta-data/", "metadata_endpoint"),
            ("http://metadata.google.internal/computeMetadata/v1/", "metadata_endpoint"),
            (f"http://127.0.0.2:{_port(canary)}/hello", "loopback"),
            ("file:///etc/passwd", "invalid_scheme"),
            ("http://xn--attack-lo-.test/", "invalid_redirect"),  # an invalid IDNA A-label
        ]:
            with pytest.raises(SsrfBlockedError) as caught:
                await fetcher.get(f"{base}/redirect?to={target}")
            assert caught.value.reason == reason
        loop = f"{base}/redirect"
        with pytest.raises(SsrfBlockedError) as looped:
            await fetcher.get(loop)
        assert looped.value.reason == "too_many_redirects"
        followed = await fetcher.get(f"{base}/redirect?to=/hello")
        assert followed.status == 200
    finally:
        await fetcher.aclose()
    assert canary.state.hits["hello"] == hello_before + 1


async def test_credentials_follow_a_redirect_only_within_the_same_origin(
    canary: RegistryServers,
) -> None:
    """A token sent to one host must not reach another host the first one redirects to."""
    resolver = StubResolver({"api.test": [["127.0.0.1"]], "elsewhere.test": [["127.0.0.1"]]})
    fetcher = SafeFetcher(loopback_guard(resolver))
    base = f"http://api.test:{_port(canary)}"
    headers = {"Authorization": "Bearer same-origin-only", "Accept": "application/json"}
    try:
        canary.reset_counts()
        await fetcher.get(f"{base}/redirect?to=/hello", headers=headers)
        assert canary.state.auth_headers == ["Bearer same-origin-only"] * 2
        canary.reset_counts()
        away = f"http://elsewhere.test:{_port(canary)}/hello"
        followed = await fetcher.get(f"{base}/redirect?to={away}", headers=headers)
    finally:
        await fetcher.aclose()
    assert followed.body == f'{{"host": "elsewhere.test:{_port(canary)}"}}'.encode()
    assert canary.state.auth_headers == ["Bearer same-origin-only", ""]


async def test_size_cap_and_content_type_are_enforced(canary: RegistryServers) -> None:
    resolver = StubResolver({"public.test": [["127.0.0.1"]]})
    fetcher = SafeFetcher(loopback_guard(resolver))
    base = f"http://public.test:{_port(canary)}"
    try:
        with pytest.raises(ResponseRejectedError) as big:
            await fetcher.get(f"{base}/big", max_bytes=1024 * 1024)
        assert big.value.details["reason"] == "response_too_large"
        with pytest.raises(ResponseRejectedError) as html:
            await fetcher.get(f"{base}/html", accept_types=("application/json",))
        assert html.value.details["reason"] == "unexpected_content_type"
    finally:
        await fetcher.aclose()


# --- TLS: connect to 127.0.0.1 while SNI and certificate checks use the hostname -------------


def _certificates(tmp: Path, hostname: str) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ssrf test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (tmp / "ca.pem", tmp / "leaf.pem", tmp / "leaf.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class _TlsHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        body = f'{{"host": "{self.headers.get("Host")}"}}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, list[str | None]]]:
    ca, leaf, key = _certificates(tmp_path, "pinned.test")
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(leaf, key)
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TlsHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], ca, server_names
    finally:
        server.shutdown()
        server.server_close()


async def test_tls_sni_and_certificate_use_the_hostname(
    tls_server: tuple[int, Path, list[str | None]],
) -> None:
    port, ca, server_names = tls_server
    resolver = StubResolver({"pinned.test": [["127.0.0.1"]]})
    guard = SsrfGuard(SsrfPolicy(allow_cidrs=LOOPBACK_ONLY), resolver)
    verify = ssl.create_default_context(cafile=str(ca))
    fetcher = SafeFetcher(guard, verify=verify)
    try:
        result = await fetcher.get(f"https://pinned.test:{port}/x")
    finally:
        await fetcher.aclose()
    assert result.body == f'{{"host": "pinned.test:{port}"}}'.encode()
    assert server_names == ["pinned.test"]
    async with httpx2.AsyncClient(
        transport=_httpx2_transport(guard, verify), trust_env=False
    ) as client:
        response = await client.get(f"https://pinned.test:{port}/x")
    assert response.json() == {"host": f"pinned.test:{port}"}
    assert server_names == ["pinned.test", "pinned.test"]


def _httpx2_transport(guard: SsrfGuard, verify: ssl.SSLContext) -> httpx2.AsyncBaseTransport:
    from mcp_console.core.ssrf import PinnedTransport2

    return PinnedTransport2(guard, verify=verify)


async def test_slow_upstream_times_out(canary: RegistryServers) -> None:
    resolver = StubResolver({"public.test": [["127.0.0.1"]]})
    fetcher = SafeFetcher(loopback_guard(resolver), timeout=httpx.Timeout(0.3))
    canary.state.delay_seconds = 1.0
    try:
        with pytest.raises(httpx.ReadTimeout):
            await fetcher.get(f"http://public.test:{_port(canary)}/hello")
    finally:
        canary.state.delay_seconds = 0.0
        await fetcher.aclose()
