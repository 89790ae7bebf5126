"""Docker's `mcp-registry` repository read through the GitHub API.

One archive download (`/tarball`) is preferred: the whole registry in a single request instead of
one per server. If the archive cannot be had, the tree API lists the files and each
`server.yaml`/`tools.json` is fetched with bounded concurrency and retries.
"""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from mcp_console.catalog.documents import DEFAULT_READER, DocumentReader
from mcp_console.catalog.errors import RateLimitedError, SourceUnavailableError
from mcp_console.catalog.normalize import (
    MalformedEntryError,
    SourceResult,
    as_dict,
    as_list,
    collect,
    text,
)
from mcp_console.catalog.schemas import CatalogItem
from mcp_console.catalog.sources.docker import entry_to_item, run_env
from mcp_console.core.logging import secret_registry
from mcp_console.core.ssrf import FetchResult, SafeFetcher
from mcp_console.github.client import API_HEADERS

ARCHIVE_MAX_BYTES = 100 * 1024 * 1024
FILE_MAX_BYTES = 2 * 1024 * 1024
WANTED_FILES = ("server.yaml", "tools.json")
CONCURRENCY = 8
ATTEMPTS = 3
RETRY_DELAY = 0.2
TokenProvider = Callable[[], Awaitable[str | None]]
ServerFiles = dict[str, dict[str, bytes]]


def server_yaml_to_entry(data: dict[str, Any], tools: Any) -> dict[str, Any]:
    """Map a registry `server.yaml` onto the Docker catalog entry shape (one parser for both):
    the `run:` block's keys go to the top level, its `env` map joins `config.env`."""
    about, meta, config, run = (as_dict(data.get(k)) for k in ("about", "meta", "config", "run"))
    entry: dict[str, Any] = {
        "title": about.get("title"),
        "description": about.get("description"),
        "icon": about.get("icon"),
        "type": data.get("type"),
        "image": data.get("image"),
        "metadata": {"category": meta.get("category"), "tags": meta.get("tags")},
        "secrets": config.get("secrets"),
        "env": [*as_list(config.get("env")), *run_env(run.get("env"))],
        **{key: run[key] for key in ("command", "volumes", "user", "disableNetwork") if key in run},
        "tools": tools if tools is not None else data.get("tools"),
        "source": as_dict(data.get("source")).get("project"),
    }
    if data.get("remote") is not None:
        entry["remote"] = data["remote"]
    parameters = as_dict(config.get("parameters"))
    if parameters:
        entry["config"] = [{"description": config.get("description"), **parameters}]
    return entry


def server_files_to_item(
    source: str, directory: str, files: dict[str, bytes], reader: DocumentReader = DEFAULT_READER
) -> CatalogItem:
    if "server.yaml" not in files:
        raise MalformedEntryError("no server.yaml")
    try:
        data = as_dict(reader.load(files["server.yaml"]))
        tools = reader.load(files["tools.json"], json_only=True) if "tools.json" in files else None
    except ValueError:
        raise MalformedEntryError("unparsable server.yaml or tools.json") from None
    reader.check_entry(directory, [data, tools])
    name = text(data.get("name")) or directory
    return entry_to_item(source, name, server_yaml_to_entry(data, tools))


def read_archive(body: bytes) -> ServerFiles:
    """`servers/<name>/{server.yaml,tools.json}` from a GitHub tarball, read in memory only."""
    files: ServerFiles = {}
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as archive:
        for member in archive:
            parts = member.name.split("/")
            if not member.isfile() or member.size > FILE_MAX_BYTES or len(parts) != 4:
                continue
            if parts[1] != "servers" or parts[3] not in WANTED_FILES:
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                files.setdefault(parts[2], {})[parts[3]] = handle.read()
    return files


class GitHubRegistrySource:
    key = "github"

    def __init__(
        self,
        api_url: str,
        repo: str,
        fetcher: SafeFetcher,
        token_provider: TokenProvider | None = None,
        reader: DocumentReader = DEFAULT_READER,
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/repos/{repo}"
        self._fetcher = fetcher
        self._reader = reader
        self._token_provider = token_provider
        self._requests = 0

    async def fetch(self) -> SourceResult:
        self._requests = 0
        headers = await self._headers()
        files = await self._from_archive(headers)
        if files is None:
            files = await self._from_contents(headers)
        result = await self._reader.run(self._parse, files)  # CPU work: off the event loop
        result.upstream_requests = self._requests
        return result

    def _parse(self, files: ServerFiles) -> SourceResult:
        self._reader.check_entries(files, "servers")
        return collect(
            self.key,
            sorted(files.items()),
            lambda d, f: server_files_to_item(self.key, d, f, self._reader),
        )

    async def _headers(self) -> dict[str, str]:
        headers = dict(API_HEADERS)
        token = await self._token_provider() if self._token_provider else None
        if token:
            secret_registry.register(token)
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _get(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        """One request with retries on transport errors and 5xx; rate limits are not retried."""
        for attempt in range(ATTEMPTS):
            self._requests += 1
            try:
                response = await self._fetcher.get(url, headers=headers, max_bytes=max_bytes)
            except httpx.TransportError:
                if attempt == ATTEMPTS - 1:
                    raise
            else:
                self._raise_if_rate_limited(response)
                if response.status < 500 or attempt == ATTEMPTS - 1:
                    return response
            await asyncio.sleep(RETRY_DELAY * (attempt + 1))
        raise AssertionError("unreachable")

    def _raise_if_rate_limited(self, response: FetchResult) -> None:
        remaining = response.headers.get("x-ratelimit-remaining")
        if response.status == 429 or (response.status == 403 and remaining == "0"):
            reset = response.headers.get("x-ratelimit-reset", "")
            status = 429 if response.status == 429 else 503
            raise RateLimitedError(self.key, int(reset) if reset.isdigit() else None, status)

    async def _from_archive(self, headers: dict[str, str]) -> ServerFiles | None:
        response = await self._get(f"{self._base}/tarball", headers, ARCHIVE_MAX_BYTES)
        if response.status != 200:
            return None
        try:
            return await self._reader.run(read_archive, response.body)
        except (tarfile.TarError, EOFError, OSError):
            return None

    async def _from_contents(self, headers: dict[str, str]) -> ServerFiles:
        tree = await self._get(f"{self._base}/git/trees/HEAD?recursive=1", headers, FILE_MAX_BYTES)
        if tree.status != 200:
            raise SourceUnavailableError(self.key, f"tree listing answered HTTP {tree.status}")
        paths = [
            str(node.get("path"))
            for node in as_dict(json.loads(tree.body)).get("tree", [])
            if as_dict(node).get("type") == "blob"
        ]
        wanted = [p for p in paths if _server_file(p) is not None]
        raw_headers = {**headers, "Accept": "application/vnd.github.raw+json"}
        limit = asyncio.Semaphore(CONCURRENCY)

        async def download(path: str) -> tuple[str, bytes | None]:
            async with limit:
                response = await self._get(
                    f"{self._base}/contents/{path}", raw_headers, FILE_MAX_BYTES
                )
            return path, response.body if response.status == 200 else None

        files: ServerFiles = {}
        for path, body in await asyncio.gather(*(download(p) for p in wanted)):
            parsed = _server_file(path)
            if parsed is not None and body is not None:
                files.setdefault(parsed[0], {})[parsed[1]] = body
        return files


def _server_file(path: str) -> tuple[str, str] | None:
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "servers" and parts[2] in WANTED_FILES:
        return parts[1], parts[2]
    return None
