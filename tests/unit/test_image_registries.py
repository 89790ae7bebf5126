"""An image reference's registry host: Docker's parsing rule, the SSRF rules, the allow-list."""

from __future__ import annotations

import pytest

from mcp_console.core.registries import RegistryPolicy, registry_of
from mcp_console.core.settings import Settings
from mcp_console.core.ssrf import SsrfPolicy

DEFAULT = RegistryPolicy.from_settings(Settings())


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("busybox", "docker.io"),
        ("mcp/grafana:1.0", "docker.io"),
        ("index.docker.io/mcp/grafana", "docker.io"),
        ("ghcr.io/org/server@sha256:" + "a" * 64, "ghcr.io"),
        ("localhost/x", "localhost"),
        ("localhost:5000/x", "localhost:5000"),
        ("127.0.0.2:5000/x", "127.0.0.2:5000"),
        ("[::1]:5000/x", "[::1]:5000"),
        ("Registry.Example.COM/x", "registry.example.com"),
    ],
)
def test_registry_of_follows_dockers_rule(image: str, registry: str) -> None:
    assert registry_of(image) == registry


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("127.0.0.2:5000/x", "loopback"),
        ("localhost:5000/x", "loopback"),
        ("10.0.0.1/x", "private_ip"),
        ("[::1]:5000/x", "loopback"),
        ("169.254.169.254/x", "metadata_endpoint"),
        ("metadata.google.internal/x", "metadata_endpoint"),
        ("0x7f.1:5000/x", "loopback"),
        ("registry.example.com:6379/x", "port_not_allowed"),
        ("registry.example.com/x", "registry_not_allowed"),
    ],
)
def test_internal_and_unlisted_registries_are_refused(image: str, reason: str) -> None:
    with pytest.raises(Exception) as caught:
        DEFAULT.check(image)
    error = caught.value
    assert getattr(error, "code", None) == "IMAGE_REGISTRY_BLOCKED"
    assert getattr(error, "status", None) == 422
    assert getattr(error, "reason", None) == reason


@pytest.mark.parametrize(
    "image", ["busybox", "mcp/grafana", "docker.io/mcp/x", "ghcr.io/o/x:1", "quay.io/o/x"]
)
def test_default_registries_pass(image: str) -> None:
    DEFAULT.check(image)


def test_operator_entries_wildcards_and_any_public() -> None:
    policy = RegistryPolicy.from_settings(
        Settings(image_registry_allowlist="registry.internal:5000,*.corp.example")
    )
    policy.check("registry.internal:5000/team/x")  # named: a private registry is deliberate
    policy.check("eu.corp.example/x")
    with pytest.raises(Exception, match="not in IMAGE_REGISTRY_ALLOWLIST"):
        policy.check("busybox")  # docker.io is not implied once the operator sets a list
    open_policy = RegistryPolicy(ssrf=SsrfPolicy(), allowed=frozenset(), any_public=True)
    open_policy.check("registry.example.com/x")
    with pytest.raises(Exception, match="loopback"):
        open_policy.check("127.0.0.1:5000/x")
