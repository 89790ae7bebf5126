"""Docker catalog `remote:` entries of the real registry snapshot become `RemoteSpec`s."""

from __future__ import annotations

from mcp_console.catalog.schemas import PackageArgument
from mcp_console.catalog.sources.docker import parse_catalog
from tests.support.registry_servers import docker_catalog, load_snapshot


def test_every_remote_entry_keeps_url_transport_and_headers() -> None:
    snapshot = load_snapshot()
    items = {item.name: item for item in parse_catalog("docker", docker_catalog(snapshot)).items}
    remotes = {s.server["name"]: s.server["remote"] for s in snapshot if s.server.get("remote")}
    assert len(remotes) > 50
    for name, remote in remotes.items():
        (spec,) = items[name].remotes
        assert (spec.url, spec.transport) == (remote["url"], remote["transport_type"])
        assert {h.name: h.value for h in spec.headers} == remote.get("headers", {})
    assert items["apify"].remotes[0].headers == [
        PackageArgument(
            kind="named", name="Authorization", value="Bearer ${APIFY_API_KEY}", secret=True
        )
    ]
    assert all(not item.remotes for name, item in items.items() if name not in remotes)
