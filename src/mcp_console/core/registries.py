"""Image references name a registry host, and the Docker engine connects to it on a pull.

So an image is an outbound URL in disguise (`127.0.0.2:5000/x` makes the engine call a local
service). The registry host goes through the SSRF policy's static rules (loopback, private,
metadata and reserved addresses, internal ports) and then an operator allow-list. The engine
resolves names itself, so the console cannot pin addresses as it does for its own requests: the
allow-list of known registries is the real guard, and `*` (any public host) is an opt-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import ReasonError, SsrfBlockedError, SsrfPolicy, literal_address

DOCKER_HUB = "docker.io"
HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
REGISTRY_HINT = (
    "Use an image from an allowed registry, or ask the operator to add this registry to "
    "IMAGE_REGISTRY_ALLOWLIST (a private registry is allowed only by naming it there)."
)


class ImageRegistryBlockedError(ReasonError):
    """The registry an image would be pulled from is not allowed."""

    CODE = "IMAGE_REGISTRY_BLOCKED"
    STATUS = 422
    DEFAULT_MESSAGE = "The image's registry host is not allowed ({reason})."

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(reason, message)
        # the SSRF hints speak of catalog URLs; an image is fixed by another image or registry
        self.hint = REGISTRY_HINT


def registry_of(image: str) -> str:
    """Docker's rule: the first path component is a registry host when it contains `.` or `:`,
    is `localhost`, or is a bracketed IPv6 literal; otherwise the image is on Docker Hub."""
    first, slash, _rest = image.partition("/")
    if slash and (first == "localhost" or first.startswith("[") or "." in first or ":" in first):
        host = first.lower()
        return DOCKER_HUB if host in HUB_ALIASES else host
    return DOCKER_HUB


def split_host_port(registry: str) -> tuple[str, int]:
    """`host[:port]` or `[v6]:port`; a registry without a port is reached on 443."""
    if registry.startswith("["):
        host, _, tail = registry[1:].partition("]")
        port_text = tail.removeprefix(":")
    else:
        host, _, port_text = registry.partition(":")
    return host, int(port_text) if port_text.isdigit() else 443


@dataclass(frozen=True)
class RegistryPolicy:
    """`allowed`: exact `host[:port]` entries; `suffixes`: `*.example.com` entries; `any_public`:
    `*`, any host that passes the SSRF rules."""

    ssrf: SsrfPolicy
    allowed: frozenset[str]
    suffixes: tuple[str, ...] = ()
    any_public: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> RegistryPolicy:
        entries = [e.strip().lower() for e in settings.image_registry_allowlist.split(",")]
        entries = [e for e in entries if e]
        return cls(
            # the static address rules only: SSRF_ALLOW_CIDRS (tests) does not open registries,
            # a private registry is named in the allow-list instead
            ssrf=SsrfPolicy(),
            allowed=frozenset(DOCKER_HUB if e in HUB_ALIASES else e for e in entries),
            suffixes=tuple(e[1:] for e in entries if e.startswith("*.")),
            any_public="*" in entries,
        )

    def check(self, image: str) -> None:
        """Raises 422 `IMAGE_REGISTRY_BLOCKED` with the SSRF reason, or `registry_not_allowed`."""
        registry = registry_of(image)
        host, port = split_host_port(registry)
        if registry in self.allowed or host in self.allowed or host.endswith(self.suffixes):
            return  # named by the operator: a private registry is a deliberate choice
        try:
            self.ssrf.check_port(port)
            self.ssrf.check_hostname(host)
            literal = literal_address(host)
            if literal is not None:
                self.ssrf.check_address(literal)
        except SsrfBlockedError as exc:
            raise ImageRegistryBlockedError(
                exc.reason, f"The image registry {registry} is not allowed ({exc.reason})."
            ) from None
        if not self.any_public:
            raise ImageRegistryBlockedError(
                "registry_not_allowed",
                f"The image registry {registry} is not in IMAGE_REGISTRY_ALLOWLIST.",
            )
