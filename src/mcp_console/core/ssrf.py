"""The one SSRF guard for every outbound request to a user-influenced URL (DESIGN invariant 4).

Two layers, because each catches what the other cannot:
- `SsrfGuard.validate_url` runs when a URL is saved: scheme, userinfo, port and hostname rules,
  then every A/AAAA answer is checked, so the user gets a reason code and a fix-it hint at once.
- The pinned transports (httpx and the `mcp` SDK's httpx2) resolve the host themselves at connect
  time, refuse if any answer is blocked, and connect to the checked address while TLS SNI and the
  `Host` header keep the hostname. A DNS answer that changes after the save (rebinding) is
  therefore checked again, and nothing can change between that check and the connect.

Addresses are classified against explicit tables rather than `ipaddress.is_global`/`is_private`,
whose answers differ between Python versions and miss several transition and metadata ranges.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpcore
import httpcore2
import httpx
import httpx2

from mcp_console.core.errors import AppError
from mcp_console.core.settings import Settings

logger = logging.getLogger("mcp_console.ssrf")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048
MAX_REDIRECTS = 3
DNS_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Well-known internal service ports that a catalog or MCP endpoint never legitimately uses.
BLOCKED_PORTS = frozenset({2375, 2376, 2379, 2380, 3306, 5432, 6379, 9200, 10250, 11211, 27017})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192", "fd00:ec2::254")
)
METADATA_HOSTNAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
     "instance-data.ec2.internal"}
)  # fmt: skip
_HOST_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62}\.?)*$")
_LEGACY_IPV4_RE = re.compile(r"^[0-9a-fx.]+$")


def _nets(reason: str, *cidrs: str) -> list[tuple[IPNetwork, str]]:
    return [(ipaddress.ip_network(cidr), reason) for cidr in cidrs]


# Order matters only for the reason reported; every listed range is blocked.
BLOCKED_V4: list[tuple[IPNetwork, str]] = [
    *_nets("unspecified", "0.0.0.0/8"),
    *_nets("loopback", "127.0.0.0/8"),
    *_nets("private_ip", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"),
    *_nets("link_local", "169.254.0.0/16"),
    *_nets("multicast", "224.0.0.0/4"),
    *_nets(
        "reserved",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # TEST-NET-1/2/3
        "192.88.99.0/24",  # 6to4 relay anycast
        "198.18.0.0/15",  # benchmarking
        "240.0.0.0/4",  # reserved, includes broadcast 255.255.255.255
    ),
]  # fmt: skip
BLOCKED_V6: list[tuple[IPNetwork, str]] = [
    *_nets("unspecified", "::/128"),
    *_nets("loopback", "::1/128"),
    *_nets("private_ip", "fc00::/7"),
    *_nets("link_local", "fe80::/10"),
    *_nets("reserved", "fec0::/10", "2001:db8::/32", "100::/64", "64:ff9b:1::/48"),
    *_nets("multicast", "ff00::/8"),
]
GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

REASON_HINTS: dict[str, str] = {
    "invalid_url": "Enter a complete URL such as https://example.com/catalog.yaml.",
    "invalid_scheme": "Use an https:// URL (http:// only if the operator allows it).",
    "insecure_scheme": "Use https://, or ask the operator to set ALLOW_INSECURE_ENDPOINT=true.",
    "userinfo": "Remove the user:password@ part; credentials never go in the URL.",
    "port_not_allowed": "Use the default port (443/80) or a port of 1024+ that is not an "
    "internal service port.",
    "metadata_endpoint": "Cloud metadata endpoints are never reachable; use a public URL.",
    "loopback": "This points at the console's own host; use the server's public address.",
    "private_ip": "Private network addresses are blocked; publish the catalog on a public URL.",
    "link_local": "Link-local addresses are blocked; use a public URL.",
    "multicast": "Multicast addresses cannot serve HTTP; use a public URL.",
    "unspecified": "0.0.0.0 and :: are not destinations; use a public URL.",
    "reserved": "This address range is reserved or for documentation; use a public URL.",
    "ipv6_transition": "IPv6 transition forms (NAT64, 6to4, Teredo, IPv4-mapped) are blocked; "
    "use the plain public address or hostname.",
    "dns_resolution_failed": "The hostname did not resolve; check its spelling and DNS.",
    "invalid_redirect": "The server answered a redirect whose Location is not a valid URL; "
    "use the final URL of the document.",
    "registry_not_allowed": "Use an image from an allowed registry, or ask the operator to add "
    "this registry to IMAGE_REGISTRY_ALLOWLIST.",
    "too_many_redirects": f"The URL redirects more than {MAX_REDIRECTS} times; use the final URL.",
    "response_too_large": "The response is larger than allowed; point at a smaller document.",
    "unexpected_content_type": "The URL did not return the expected document type.",
}


class ReasonError(AppError):
    """An error with a stable `reason` code for clients and the matching fix-it hint."""

    CODE = ""
    STATUS = 400
    DEFAULT_MESSAGE = ""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(
            self.CODE,
            message or self.DEFAULT_MESSAGE.format(reason=reason.replace("_", " ")),
            status=self.STATUS,
            hint=REASON_HINTS.get(reason),
            details={"reason": reason},
        )
        self.reason = reason


class SsrfBlockedError(ReasonError):
    """A URL or address refused by the policy."""

    CODE = "SSRF_BLOCKED"
    DEFAULT_MESSAGE = "The URL is not allowed ({reason})."


class ResponseRejectedError(ReasonError):
    """The destination was allowed but its answer is not acceptable (too large, wrong type)."""

    CODE = "UPSTREAM_RESPONSE_REJECTED"
    STATUS = 502
    DEFAULT_MESSAGE = "The response was rejected ({reason})."


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver (A and AAAA answers)."""

    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _check_table(ip: IPAddress, table: Sequence[tuple[IPNetwork, str]]) -> str | None:
    for network, reason in table:
        if ip in network:
            return reason
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by a mapped, compatible, NAT64, 6to4 or Teredo form."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64 or ip in IPV4_TRANSLATED or ip in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_block_reason(ip: IPAddress) -> str | None:
    """Why an address is blocked, or None for a public unicast address."""
    if ip in METADATA_ADDRESSES:
        return "metadata_endpoint"
    if isinstance(ip, ipaddress.IPv4Address):
        return _check_table(ip, BLOCKED_V4)
    reason = _check_table(ip, BLOCKED_V6)
    if reason:
        return reason
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return address_block_reason(embedded) or "ipv6_transition"
    return None if ip in GLOBAL_UNICAST_V6 else "reserved"


def literal_address(host: str) -> IPAddress | None:
    """An IP literal in any form the C resolver accepts (`127.1`, `0x7f.1`, `2130706433`...)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4_RE.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class Target:
    """A URL that passed the static checks, with the host normalised."""

    url: httpx.URL
    host: str
    port: int


@dataclass(frozen=True)
class SsrfPolicy:
    """Scheme/port rules and the test-only allow-list; built from settings once per process."""

    allow_insecure: bool = False
    allow_cidrs: tuple[IPNetwork, ...] = ()
    blocked_ports: frozenset[int] = field(default=BLOCKED_PORTS)

    @classmethod
    def from_settings(cls, settings: Settings) -> SsrfPolicy:
        cidrs = tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in settings.ssrf_allow_cidrs.split(",")
            if part.strip()
        )
        if cidrs:
            logger.warning(
                "SSRF_ALLOW_CIDRS is set: outbound requests may reach %s. This is for tests "
                "only; never set it in production.",
                ", ".join(str(c) for c in cidrs),
            )
        return cls(allow_insecure=settings.allow_insecure_endpoint, allow_cidrs=cidrs)

    def check_address(self, ip: IPAddress) -> None:
        reason = address_block_reason(ip)
        if reason is None:
            return
        if reason != "metadata_endpoint" and any(ip in net for net in self.allow_cidrs):
            return
        raise SsrfBlockedError(reason)

    def check_url(self, raw: str | httpx.URL) -> Target:
        """Static checks (no DNS): syntax, scheme, userinfo, port, hostname."""
        text = str(raw)
        if len(text) > MAX_URL_LENGTH or any(ord(c) < 33 or c in "\\\x7f" for c in text):
            raise SsrfBlockedError("invalid_url")
        try:
            url = httpx.URL(text)
            # `.host` decodes IDNA: an invalid A-label (`xn--attack-lo-.test`) raises here.
            host = url.host.lower().rstrip(".")
            port = url.port or (443 if url.scheme == "https" else 80)
        except (httpx.InvalidURL, ValueError):  # IDNAError is a UnicodeError, a ValueError
            raise SsrfBlockedError("invalid_url", "The URL or its host is malformed.") from None
        if url.scheme not in ("http", "https"):
            raise SsrfBlockedError("invalid_scheme")
        if url.scheme == "http" and not self.allow_insecure:
            raise SsrfBlockedError("insecure_scheme")
        if url.userinfo:
            raise SsrfBlockedError("userinfo")
        self.check_port(port)
        self.check_hostname(host)
        return Target(url=url.copy_with(fragment=None), host=host, port=port)

    def check_port(self, port: int) -> None:
        if port in (80, 443):
            return
        if port < 1024 or port > 65535 or port in self.blocked_ports:
            raise SsrfBlockedError("port_not_allowed")

    @staticmethod
    def check_hostname(host: str) -> None:
        if not host:
            raise SsrfBlockedError("invalid_url")
        if host in METADATA_HOSTNAMES:
            raise SsrfBlockedError("metadata_endpoint")
        if host == "localhost" or host.endswith(".localhost"):
            raise SsrfBlockedError("loopback")
        if literal_address(host) is None and (not _HOST_RE.match(host) or ".." in host):
            raise SsrfBlockedError("invalid_url")


class SsrfGuard:
    """Policy plus resolver: validates URLs and resolves hosts to checked addresses."""

    def __init__(self, policy: SsrfPolicy, resolver: Resolver | None = None) -> None:
        self.policy = policy
        self.resolver: Resolver = resolver or SystemResolver()

    async def checked_addresses(self, host: str, port: int) -> list[str]:
        """Resolve once and check every answer; any blocked answer blocks the whole host."""
        host = host.lower().rstrip(".")
        self.policy.check_port(port)
        self.policy.check_hostname(host)
        literal = literal_address(host)
        if literal is not None:
            answers = [str(literal)]
        else:
            try:
                answers = await asyncio.wait_for(self.resolver.resolve(host, port), DNS_TIMEOUT)
            except (OSError, UnicodeError, TimeoutError):
                raise SsrfBlockedError("dns_resolution_failed") from None
        if not answers:
            raise SsrfBlockedError("dns_resolution_failed")
        for answer in answers:
            self.policy.check_address(ipaddress.ip_address(answer.split("%", 1)[0]))
        return answers

    async def validate_url(self, raw: str) -> str:
        """Save-time check: static rules and every DNS answer; returns the normalised URL."""
        target = self.policy.check_url(raw)
        await self.checked_addresses(target.host, target.port)
        return str(target.url)

    def transport(self, verify: ssl.SSLContext | bool = True) -> PinnedTransport:
        return PinnedTransport(self, verify=verify)

    def httpx2_client(
        self,
        headers: dict[str, str] | None = None,
        timeout: httpx2.Timeout | None = None,
        auth: httpx2.Auth | None = None,
    ) -> httpx2.AsyncClient:
        """Matches the `mcp` SDK's client-factory signature, so the SDK only ever gets this."""
        return httpx2.AsyncClient(
            transport=PinnedTransport2(self),
            headers=headers,
            timeout=timeout or httpx2.Timeout(30.0, read=300.0),
            auth=auth,
            follow_redirects=False,
            trust_env=False,
        )


class _PinnedConnector:
    """Library-neutral connect step: resolve, check, then connect to a checked address.

    The inner backend gets the IP, never the hostname; the connection pool still passes the
    hostname to `start_tls`, so SNI and certificate checks use the name the user gave.
    """

    def __init__(self, guard: SsrfGuard, inner: Any) -> None:
        self._guard = guard
        self._inner = inner

    async def connect_tcp(  # the signature is httpcore's network-backend interface
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> Any:
        addresses = await self._guard.checked_addresses(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore2.ConnectError) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path: str, *args: Any, **kwargs: Any) -> Any:
        raise SsrfBlockedError("invalid_url", "Unix sockets are not outbound destinations.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedBackend(_PinnedConnector, httpcore.AsyncNetworkBackend):
    def __init__(self, guard: SsrfGuard) -> None:
        super().__init__(guard, httpcore.AnyIOBackend())


class PinnedBackend2(_PinnedConnector, httpcore2.AsyncNetworkBackend):
    def __init__(self, guard: SsrfGuard) -> None:
        super().__init__(guard, httpcore2.AnyIOBackend())


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx transport whose every connection goes through `PinnedBackend` (no env proxies)."""

    def __init__(self, guard: SsrfGuard, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        # The parent's pool (still without connections) is swapped for one on the pinned backend;
        # request/response mapping stays httpx's own.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            network_backend=PinnedBackend(guard),
        )


class PinnedTransport2(httpx2.AsyncHTTPTransport):
    """The same pinning for the httpx2 stack used by the `mcp` SDK."""

    def __init__(self, guard: SsrfGuard, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(verify=verify, trust_env=False),
            network_backend=PinnedBackend2(guard),
        )


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes


class SafeFetcher:
    """GET with manual redirects (each hop re-checked), a size cap and a content-type check."""

    def __init__(
        self,
        guard: SsrfGuard,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.guard = guard
        self._client = httpx.AsyncClient(
            transport=guard.transport(verify),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        accept_types: Sequence[str] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> FetchResult:
        """Fetch `url`; non-2xx answers are returned (callers map them), never raised.

        Credentials (`Authorization`, `Cookie`) follow a redirect only within the same origin, so
        a token sent to one host is never handed to another that the first redirects to."""
        target = self.guard.policy.check_url(url)
        for _hop in range(MAX_REDIRECTS + 1):
            result = await self._get_once(target.url, headers, max_bytes)
            location = result.headers.get("location")
            if result.status not in (301, 302, 303, 307, 308) or not location:
                _check_content_type(result, accept_types)
                return result
            following = self.guard.policy.check_url(_redirect_target(target.url, location))
            if (following.url.scheme, following.host, following.port) != (
                target.url.scheme,
                target.host,
                target.port,
            ):
                headers = _without_credentials(headers)
            target = following
        raise SsrfBlockedError("too_many_redirects")

    async def _get_once(
        self, url: httpx.URL, headers: dict[str, str] | None, max_bytes: int
    ) -> FetchResult:
        try:
            return await self._read(url, headers, max_bytes)
        except httpx.RemoteProtocolError as exc:
            # httpx parses a redirect's Location even when it does not follow it
            if "location header" in str(exc).lower():
                raise _invalid_redirect() from None
            raise
        except UnicodeError:  # the same parse decodes the Location's host: an invalid IDNA label
            raise _invalid_redirect() from None

    async def _read(
        self, url: httpx.URL, headers: dict[str, str] | None, max_bytes: int
    ) -> FetchResult:
        async with self._client.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise ResponseRejectedError("response_too_large")
            chunks: list[bytes] = []
            size = 0
            # Decoded bytes are counted, so a small compressed bomb cannot exceed the cap either.
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ResponseRejectedError("response_too_large")
                chunks.append(chunk)
        return FetchResult(str(url), response.status_code, response.headers, b"".join(chunks))


def _redirect_target(base: httpx.URL, location: str) -> str:
    """The absolute URL a `Location` header points to; a malformed one is refused, not a 500."""
    try:
        return str(base.join(location))
    except (httpx.InvalidURL, ValueError):
        raise _invalid_redirect() from None


def _invalid_redirect() -> SsrfBlockedError:
    return SsrfBlockedError("invalid_redirect", "The server redirected to a malformed Location.")


def _without_credentials(headers: dict[str, str] | None) -> dict[str, str] | None:
    if headers is None:
        return None
    return {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}


def _check_content_type(result: FetchResult, accept_types: Sequence[str]) -> None:
    if not accept_types or not 200 <= result.status < 300:
        return
    content_type = result.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in accept_types:
        raise ResponseRejectedError(
            "unexpected_content_type", f"The URL returned {content_type or 'no content type'}."
        )
