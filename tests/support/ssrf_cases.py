"""The SSRF bypass table and a stub resolver, shared by the save-time and connect-time tests."""

from __future__ import annotations

from collections.abc import Sequence

# `{port}` is the port of a loopback canary server in connect-time tests (it must see no request).
BYPASS_CASES: list[tuple[str, str]] = [
    ("http://127.0.0.1:{port}/", "loopback"),
    ("https://127.0.0.1:{port}/", "loopback"),
    ("http://127.1:{port}/", "loopback"),
    ("http://2130706433:{port}/", "loopback"),
    ("http://0x7f.1:{port}/", "loopback"),
    ("http://0x7f000001:{port}/", "loopback"),
    ("http://017700000001:{port}/", "loopback"),
    ("http://0177.0.0.1:{port}/", "invalid_url"),  # httpx refuses it outright
    ("http://0:{port}/", "unspecified"),
    ("http://0.0.0.0:{port}/", "unspecified"),
    ("http://[::1]:{port}/", "loopback"),
    ("http://[::]:{port}/", "unspecified"),
    ("http://[::ffff:127.0.0.1]:{port}/", "loopback"),
    ("http://[::ffff:7f00:1]:{port}/", "loopback"),
    ("http://[::127.0.0.1]:{port}/", "loopback"),
    ("http://[64:ff9b::127.0.0.1]:{port}/", "loopback"),
    ("http://[64:ff9b::a9fe:a9fe]/", "metadata_endpoint"),
    ("http://[64:ff9b:1::a00:1]/", "reserved"),
    ("http://[2002:7f00:1::]:{port}/", "loopback"),
    ("http://[2002:a9fe:a9fe::]/", "metadata_endpoint"),
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{port}/", "loopback"),
    ("http://[::ffff:a9fe:a9fe]/", "metadata_endpoint"),
    ("http://[fe80::1]/", "link_local"),
    ("http://[fc00::1]/", "private_ip"),
    ("http://[fd00:ec2::254]/", "metadata_endpoint"),
    ("http://[fec0::1]/", "reserved"),
    ("http://[ff02::1]/", "multicast"),
    ("http://10.0.0.1/", "private_ip"),
    ("http://172.16.5.4/", "private_ip"),
    ("http://192.168.1.1/", "private_ip"),
    ("http://100.64.0.1/", "private_ip"),
    ("http://169.254.169.254/latest/meta-data/", "metadata_endpoint"),
    ("http://169.254.170.2/v2/credentials", "metadata_endpoint"),
    ("http://100.100.100.200/latest/meta-data/", "metadata_endpoint"),
    ("http://192.0.0.192/", "metadata_endpoint"),
    ("http://169.254.1.1/", "link_local"),
    ("http://198.18.0.1/", "reserved"),
    ("http://192.0.2.1/", "reserved"),
    ("http://198.51.100.7/", "reserved"),
    ("http://203.0.113.9/", "reserved"),
    ("http://224.0.0.1/", "multicast"),
    ("http://255.255.255.255/", "reserved"),
    ("http://240.0.0.1/", "reserved"),
    ("http://192.88.99.1/", "reserved"),
    ("http://192.0.0.8/", "reserved"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata_endpoint"),
    ("http://metadata.google.internal./computeMetadata/v1/", "metadata_endpoint"),
    ("http://instance-data/latest/", "metadata_endpoint"),
    ("http://localhost:{port}/", "loopback"),
    ("http://localhost.:{port}/", "loopback"),
    ("http://127.0.0.1.:{port}/", "loopback"),
    ("http://api.localhost:{port}/", "loopback"),
    ("http://127。0。0。1:{port}/", "loopback"),
    ("http://8.8.8.8@127.0.0.1:{port}/", "userinfo"),
    ("http://user:pass@example.com/", "userinfo"),
    ("http://127.0.0.1:{port}#@8.8.8.8/", "loopback"),
    ("http://127.0.0.1:{port}/#@8.8.8.8", "loopback"),
    ("http://127.0.0.1:{port}\x00.example.com/", "invalid_url"),
    ("http://127.0.0.1%00.example.com/", "invalid_url"),
    ("http://example.com\\@127.0.0.1/", "invalid_url"),
    ("http:///no-host", "invalid_url"),
    ("http://127.0.0.1:6379/", "port_not_allowed"),
    ("http://8.8.8.8:22/", "port_not_allowed"),
    ("file:///etc/passwd", "invalid_scheme"),
    ("gopher://127.0.0.1:6379/_INFO", "invalid_scheme"),
    ("ftp://127.0.0.1/", "invalid_scheme"),
    ("dict://127.0.0.1:11211/stat", "invalid_scheme"),
    ("javascript:alert(1)", "invalid_scheme"),
    ("http://rebind.test:{port}/", "loopback"),
    ("http://internal.test/", "private_ip"),
    ("http://v6only.test:{port}/", "loopback"),
    ("http://nxdomain.test/", "dns_resolution_failed"),
]

PUBLIC_URLS = [
    "https://8.8.8.8/catalog.yaml",
    "https://[2606:4700:4700::1111]/catalog.yaml",
    "https://dns.public.test/catalog.yaml",
    "https://1.1.1.1:8443/v0/servers",
]

# Hostname answers; a list of lists gives a different answer per lookup (rebinding).
STUB_ANSWERS: dict[str, list[list[str]]] = {
    "rebind.test": [["8.8.8.8", "127.0.0.1"]],
    "internal.test": [["10.1.2.3"]],
    "v6only.test": [["::1"]],
    "dns.public.test": [["8.8.8.8", "2001:4860:4860::8888"]],
}


def bypass_urls(port: int) -> list[tuple[str, str]]:
    return [(url.replace("{port}", str(port)), reason) for url, reason in BYPASS_CASES]


class StubResolver:
    """Answers from a table and never touches DNS; unknown names fail like NXDOMAIN."""

    def __init__(self, answers: dict[str, list[list[str]]] | None = None) -> None:
        self.answers = {**STUB_ANSWERS, **(answers or {})}
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        sequence: Sequence[list[str]] = self.answers.get(host, [])
        if not sequence:
            raise OSError(f"stub resolver: {host} does not exist")
        count = self.lookups.count(host)
        return list(sequence[min(count, len(sequence)) - 1])
