"""The Official MCP Registry (`GET /v0/servers`, cursor pagination, latest version only).

Each server's OCI package maps to the run block, env and parameters the install path evaluates
(`official_packages.py`); its remotes to `RemoteSpec`s (`official_remotes.py`).

Both the current camelCase API and the earlier snake_case one are read, since registries that
mirror the API lag behind its schema changes.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from mcp_console.catalog.documents import DEFAULT_READER, DocumentReader
from mcp_console.catalog.errors import SourceInvalidError, SourceUnavailableError
from mcp_console.catalog.normalize import (
    SourceResult,
    as_dict,
    as_list,
    checked_name,
    collect,
    first_text,
    flag,
    item_id,
    text,
)
from mcp_console.catalog.schemas import CatalogItem
from mcp_console.catalog.sources.official_inputs import (
    Inputs,
    UnsupportedPackageError,
    parameter_name,
)
from mcp_console.catalog.sources.official_packages import (
    container_plan,
    package_spec,
    registry_type,
)
from mcp_console.catalog.sources.official_remotes import remote_specs
from mcp_console.catalog.versions import Precedence, rank
from mcp_console.core.ssrf import SafeFetcher

PAGE_LIMIT = 100
PAGE_MAX_BYTES = 10 * 1024 * 1024
OFFICIAL_META = "io.modelcontextprotocol.registry/official"
NOT_CONTAINER = (
    "Published as a {kind} package: only OCI (container image) packages install as containers."
)
REMOTE_ONLY = (
    "Remote endpoint {url}: remote servers are registered separately, not installed as containers."
)
NOTHING_PUBLISHED = "No package or remote endpoint is published."
CURSOR_LOOP = (
    "the registry repeated a cursor on page {page} (a paging loop); {count} entries read so far "
    "are shown"
)
PAGE_CAP = (
    "more pages remain after CATALOG_OFFICIAL_MAX_PAGES={pages}; {count} entries read so far are "
    "shown"
)


def _unwrap(raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """New API: `{server: {...}, _meta: {...}}`; old API: the server object itself."""
    entry = as_dict(raw)
    server = as_dict(entry.get("server")) or entry
    meta = as_dict(entry.get("_meta")) or as_dict(server.get("_meta"))
    return server, as_dict(meta.get(OFFICIAL_META))


def _version(server: dict[str, Any]) -> str | None:
    return text(server.get("version")) or text(as_dict(server.get("version_detail")).get("version"))


def latest_only(entries: list[Any]) -> list[tuple[str, Any]]:
    """One entry per name: the one flagged `isLatest`, else the highest release by SemVer
    precedence, else (only pre-releases published) the highest pre-release."""
    best: dict[str, tuple[tuple[bool, bool, Precedence], Any]] = {}
    for position, raw in enumerate(entries):
        server, official = _unwrap(raw)
        name = text(server.get("name")) or f"#malformed-{position}"
        key = rank(_version(server), flag(official, "isLatest", "is_latest"))
        if name not in best or key > best[name][0]:
            best[name] = (key, raw)
    return [(name, raw) for name, (_key, raw) in best.items()]


def _root(name: str) -> str:
    """The template root of an item's parameters: the name's last segment, path-safe."""
    return parameter_name(name.rsplit("/", 1)[-1])


def _packages(server: dict[str, Any], root: str) -> dict[str, Any]:
    """The item fields a server's packages give: the first OCI package that maps, else the
    reason none does (an OCI package's own reason wins over "not a container")."""
    packages = [as_dict(p) for p in as_list(server.get("packages")) if as_dict(p)]
    oci = [p for p in packages if registry_type(p) in ("oci", "docker")]
    reason: str | None = None
    for package in oci:
        inputs = Inputs(root)
        try:
            plan = container_plan(inputs, package)
        except UnsupportedPackageError as exc:
            reason = reason or str(exc)
            continue
        transport = plan.package.transport
        return {
            "image": plan.image,
            "transport": transport,
            "installable": True,
            "install_note": " ".join(plan.notes) or None,
            "run": plan.run,
            "env": plan.env,
            "secrets": inputs.secrets,
            "config_schema": inputs.schema(),
            "package": plan.package,
        }
    if not packages:
        return {"installable": False}
    shown = oci[0] if oci else packages[0]
    kind = registry_type(shown) or "non-container"
    return {
        "installable": False,
        "install_note": reason or NOT_CONTAINER.format(kind=kind),
        "package": package_spec(shown),
    }


def server_to_item(source: str, name: Any, raw: Any) -> CatalogItem:
    server, _official = _unwrap(raw)
    name = checked_name(name)
    remotes = remote_specs(server.get("remotes"))
    fields = _packages(server, _root(name))
    if remotes and not fields["installable"]:
        fields.update(transport=remotes[0].transport, remote_url=remotes[0].url)
    if not fields["installable"]:
        notes = [fields.get("install_note")]
        notes.append(REMOTE_ONLY.format(url=remotes[0].url) if remotes else None)
        fields["install_note"] = " ".join(n for n in notes if n) or NOTHING_PUBLISHED
    icons = [as_dict(i) for i in as_list(server.get("icons"))]
    repository = text(as_dict(server.get("repository")).get("url"))
    return CatalogItem(
        id=item_id(source, name),
        name=name,
        title=text(server.get("title")) or name.rsplit("/", 1)[-1],
        description=text(server.get("description")) or "",
        source=source,
        icon=text(icons[0].get("src")) if icons else None,
        version=_version(server),
        remotes=remotes,
        config_root=_root(name),
        docs_url=first_text(server, "websiteUrl", "website_url") or repository,
        **fields,
    )


class OfficialRegistrySource:
    key = "official"

    def __init__(
        self,
        base_url: str,
        max_pages: int,
        fetcher: SafeFetcher,
        reader: DocumentReader = DEFAULT_READER,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._max_pages = max_pages
        self._fetcher = fetcher
        self._reader = reader

    async def fetch(self) -> SourceResult:
        """Every page until there is no cursor; a repeated cursor (the registry loops) or the
        page cap stops the walk and marks the result partial, with the reason."""
        entries: list[Any] = []
        cursor: str | None = None
        seen: set[str] = set()
        cut_short: str | None = None
        pages = 0
        while True:
            page, cursor = await self._page(cursor)
            pages += 1
            entries.extend(page)
            if not cursor:
                break
            if cursor in seen:
                cut_short = CURSOR_LOOP.format(page=pages, count=len(entries))
                break
            if pages >= self._max_pages:
                cut_short = PAGE_CAP.format(pages=self._max_pages, count=len(entries))
                break
            seen.add(cursor)
        result = await self._reader.run(self._normalise, entries)  # CPU work: off the event loop
        result.upstream_requests = pages
        result.partial = cut_short
        return result

    def _normalise(self, entries: list[Any]) -> SourceResult:
        self._reader.check_entries(entries, "servers")
        for position, entry in enumerate(entries):
            self._reader.check_entry(f"#{position}", entry)
        latest = latest_only(entries)
        return collect(self.key, latest, lambda n, e: server_to_item(self.key, n, e))

    async def _page(self, cursor: str | None) -> tuple[list[Any], str | None]:
        query = {"limit": str(PAGE_LIMIT), **({"cursor": cursor} if cursor else {})}
        response = await self._fetcher.get(
            f"{self._base}/v0/servers?{urlencode(query)}",
            headers={"Accept": "application/json"},
            accept_types=("application/json",),
            max_bytes=PAGE_MAX_BYTES,
        )
        if response.status != 200:
            raise SourceUnavailableError(self.key, f"HTTP {response.status}")
        try:
            body = as_dict(
                await self._reader.run(partial(self._reader.load, json_only=True), response.body)
            )
        except ValueError:
            raise SourceInvalidError(self.key, "the page is not JSON") from None
        metadata = as_dict(body.get("metadata"))
        next_cursor = first_text(metadata, "nextCursor", "next_cursor")
        return as_list(body.get("servers")), next_cursor
