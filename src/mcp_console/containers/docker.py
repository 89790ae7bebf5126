"""The one Docker adapter: the rest of the console never imports the Docker SDK.

Control calls go through the Docker SDK in worker threads (it is synchronous); log streams use an
async HTTP client on the same socket, so a client that leaves or a container that stops ends the
stream without a blocked thread. Every failure becomes an `AppError` with a stable code.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import docker
import httpx
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from mcp_console.core.errors import AppError

T = TypeVar("T")
API_VERSION = (
    "1.41"  # dockerd 20.10; newer engines still serve it. Fixed, so nothing connects early.
)
MANAGED_LABEL = "mcp-console.managed"
VERSION_LABEL = "mcp-console.config-version"  # the stored config version Docker runs
STREAM_NAMES = {0: "stdin", 1: "stdout", 2: "stderr"}
FRAME_HEADER = struct.Struct(">BxxxI")


class DockerUnavailableError(AppError):
    def __init__(self) -> None:
        super().__init__(
            "DOCKER_UNAVAILABLE",
            "The Docker engine is not reachable.",
            status=503,
            hint="Operators: check that Docker runs and that DOCKER_HOST points to its socket.",
            retryable=True,
        )


def container_not_found() -> AppError:
    return AppError(
        "CONTAINER_NOT_FOUND",
        "No such container.",
        status=404,
        hint="List your containers with GET /api/containers.",
    )


def container_exists(name: str) -> AppError:
    return AppError(
        "CONTAINER_EXISTS",
        f"A container named {name} already exists.",
        status=409,
        hint="Choose another name or delete the existing container.",
    )


def image_not_available(image: str, status: int = 404) -> AppError:
    return AppError(
        "IMAGE_NOT_AVAILABLE",
        f"The image {image} is not available.",
        status=status,
        hint="Load or build it on the Docker host, or install with ?async=true to pull it.",
    )


@dataclass(frozen=True)
class ContainerSpec:
    """Everything Docker needs to create one managed container (env already resolved)."""

    name: str
    image: str
    labels: dict[str, str]
    env: dict[str, str] = field(repr=False)
    command: list[str] | None = None
    ports: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    binds: dict[str, dict[str, str]] = field(default_factory=dict)
    restart_policy: str = "no"
    mem_limit: str | None = None
    nano_cpus: int | None = None
    network_mode: str = "bridge"
    stdin_open: bool = False
    user: str | None = None


@dataclass(frozen=True)
class LogLine:
    stream: str
    timestamp: str
    text: str


def _host_kwargs(spec: ContainerSpec) -> dict[str, Any]:
    """Safe defaults that no config can change: no privilege, no new privileges, no host PID."""
    kwargs: dict[str, Any] = {
        "privileged": False,
        "security_opt": ["no-new-privileges:true"],
        "network_mode": spec.network_mode,
        "mem_limit": spec.mem_limit,
        "nano_cpus": spec.nano_cpus,
        "ports": spec.ports or None,
        "volumes": spec.binds or None,
    }
    if spec.user:
        kwargs["user"] = spec.user
    if spec.restart_policy != "no":
        kwargs["restart_policy"] = {"Name": spec.restart_policy}
    return kwargs


class DockerAdapter:
    """Async facade over one Docker engine (`DOCKER_HOST`)."""

    def __init__(self, docker_host: str, timeout_seconds: float = 60.0) -> None:
        self.docker_host = docker_host
        self._timeout = timeout_seconds
        self._client = docker.DockerClient(
            base_url=docker_host, version=API_VERSION, timeout=int(timeout_seconds)
        )
        self._http = _log_http_client(docker_host)
        parsed = urlparse(docker_host)
        self._socket_path = parsed.path if parsed.scheme == "unix" else None

    async def close(self) -> None:
        await self._http.aclose()
        await asyncio.to_thread(self._client.close)

    async def _run(self, call: Callable[[], T]) -> T:
        def guarded() -> T:
            if self._socket_path is not None and not Path(self._socket_path).exists():
                # Checked first: the SDK leaks its socket object when the path is missing.
                raise DockerUnavailableError()
            return call()

        try:
            return await asyncio.to_thread(guarded)
        except (APIError, AppError):
            raise
        except (OSError, DockerException):
            # requests' connection errors are OSErrors; a missing socket path lands here too.
            raise DockerUnavailableError() from None

    async def ping(self) -> bool:
        return bool(await self._run(self._client.ping))

    async def engine_version(self) -> str:
        """The engine's release (`doctor` shows it)."""
        version: dict[str, Any] = await self._run(self._client.version)
        return str(version.get("Version", "?"))

    async def image_present(self, image: str) -> bool:
        def check() -> bool:
            try:
                self._client.images.get(image)
            except ImageNotFound:
                return False
            return True

        return await self._run(check)

    async def pull(self, image: str, on_progress: Callable[[str], None] | None = None) -> None:
        """Pull an image, reporting each status line; a failure is 502 IMAGE_NOT_AVAILABLE."""

        def pull() -> None:
            try:
                for event in self._client.api.pull(image, stream=True, decode=True):
                    if "error" in event:
                        raise image_not_available(image, status=502)
                    if on_progress is not None and event.get("status"):
                        on_progress(str(event["status"]))
            except (NotFound, APIError):
                raise image_not_available(image, status=502) from None

        await self._run(pull)

    async def create(self, spec: ContainerSpec) -> str:
        def create() -> str:
            try:
                container = self._client.containers.create(
                    spec.image,
                    command=spec.command,
                    name=spec.name,
                    environment=spec.env,
                    labels=spec.labels,
                    stdin_open=spec.stdin_open,
                    tty=False,
                    detach=True,
                    **_host_kwargs(spec),
                )
            except ImageNotFound:
                raise image_not_available(spec.image) from None
            except APIError as exc:
                if exc.status_code == 409:
                    raise container_exists(spec.name) from None
                raise _docker_refused(exc) from None
            return str(container.id)

        return await self._run(create)

    async def _container_call(self, docker_id: str, action: Callable[[Any], T]) -> T:
        def call() -> T:
            try:
                return action(self._client.containers.get(docker_id))
            except NotFound:
                raise container_not_found() from None
            except APIError as exc:
                raise _docker_refused(exc) from None

        return await self._run(call)

    async def start(self, docker_id: str) -> None:
        await self._container_call(docker_id, lambda c: c.start())

    async def stop(self, docker_id: str, timeout_seconds: int = 10) -> None:
        await self._container_call(docker_id, lambda c: c.stop(timeout=timeout_seconds))

    async def remove(self, docker_id: str, force: bool = False) -> None:
        await self._container_call(docker_id, lambda c: c.remove(force=force, v=True))

    async def inspect(self, docker_id: str) -> dict[str, Any] | None:
        """Docker's inspect document, or None when the container is gone."""
        try:
            attrs: dict[str, Any] = await self._container_call(docker_id, lambda c: c.attrs)
        except AppError as exc:
            if exc.code == "CONTAINER_NOT_FOUND":
                return None
            raise
        return attrs

    async def list_managed(self, owner: str) -> list[dict[str, Any]]:
        """Inspect documents of every container with our label owned by `owner`."""
        filters = {"label": [f"{MANAGED_LABEL}=true", f"mcp-console.owner={owner}"]}

        def listing() -> list[dict[str, Any]]:
            return [c.attrs for c in self._client.containers.list(all=True, filters=filters)]

        return await self._run(listing)

    async def stats(self, docker_id: str) -> dict[str, Any]:
        """One stats sample (with the previous CPU sample, so a CPU percentage can be computed)."""
        stats: dict[str, Any] = await self._container_call(
            docker_id, lambda c: c.stats(stream=False)
        )
        return stats

    async def attach_stdio(self, docker_id: str) -> socket.socket:
        """A raw socket on the container's stdin/stdout (multiplexed frames for stdout/stderr).

        For stdio MCP servers started with `stdin_open`; the caller owns and closes the socket.
        """
        params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}

        def attach() -> socket.socket:
            raw = self._client.api.attach_socket(docker_id, params=params)
            sock: socket.socket = getattr(raw, "_sock", raw)
            # docker-py's response keeps a file wrapper on the socket, so closing the socket
            # alone would leave the descriptor open: hand out a duplicate, release the original.
            owned = sock.dup()
            raw.close()
            sock.close()
            return owned

        return await self._container_call(docker_id, lambda _c: attach())

    async def logs(
        self, docker_id: str, *, tail: str, since: float | None, follow: bool
    ) -> AsyncIterator[list[LogLine]]:
        """Batches of log lines, stdout/stderr tagged and timestamped; ends when the container
        stops (Docker closes a follow stream then) or the caller stops iterating."""
        params: dict[str, str] = {
            "stdout": "1",
            "stderr": "1",
            "timestamps": "1",
            "follow": "1" if follow else "0",
            "tail": tail,
        }
        if since is not None:
            params["since"] = f"{since:.9f}"
        url = f"/v{API_VERSION}/containers/{docker_id}/logs"
        try:
            async with self._http.stream("GET", url, params=params, timeout=None) as response:
                if response.status_code == 404:
                    raise container_not_found()
                if response.status_code >= 400:
                    raise AppError("DOCKER_ERROR", "Docker refused the log request.", status=502)
                async for batch in _coalesced(frames_to_batches(response.aiter_bytes())):
                    yield batch
        except httpx.TransportError:
            raise DockerUnavailableError() from None


def _docker_refused(exc: APIError) -> AppError:
    """Docker's own explanation is safe to show (it never contains env values)."""
    explanation = str(getattr(exc, "explanation", "") or "Docker refused the request.")
    return AppError("DOCKER_ERROR", explanation[:500], status=502)


def _log_http_client(docker_host: str) -> httpx.AsyncClient:
    parsed = urlparse(docker_host)
    if parsed.scheme == "unix":
        transport = httpx.AsyncHTTPTransport(uds=parsed.path)
        return httpx.AsyncClient(transport=transport, base_url="http://docker")
    return httpx.AsyncClient(base_url=f"http://{parsed.netloc}")


async def frames_to_batches(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[LogLine]]:
    """Docker's multiplexed stream to lines, one batch per network chunk (cheap to forward)."""
    buffer = b""
    partial: dict[int, bytes] = {}
    async for chunk in chunks:
        frames, buffer = demux_frames(buffer + chunk)
        batch: list[LogLine] = []
        for stream_id, payload in frames:
            *complete, partial[stream_id] = (partial.get(stream_id, b"") + payload).split(b"\n")
            batch.extend(_parse_line(stream_id, raw) for raw in complete)
        if batch:
            yield batch
    rest = [_parse_line(stream_id, data) for stream_id, data in partial.items() if data]
    if rest:
        yield rest


async def _coalesced(
    source: AsyncIterator[list[LogLine]], limit: int = 2000
) -> AsyncIterator[list[LogLine]]:
    """Merge batches that are already waiting: Docker sends one frame per line, so a fast log
    would otherwise cost one downstream message per line. Never delays a lone line."""
    queue: asyncio.Queue[list[LogLine] | BaseException | None] = asyncio.Queue(maxsize=64)

    async def produce() -> None:
        try:
            async for batch in source:
                await queue.put(batch)
        except Exception as exc:  # handed to the consumer, which re-raises it
            await queue.put(exc)
            return
        await queue.put(None)

    producer = asyncio.create_task(produce())
    try:
        while isinstance(item := await queue.get(), list):
            merged = list(item)
            while len(merged) < limit and not queue.empty():
                item = queue.get_nowait()
                if not isinstance(item, list):
                    break
                merged.extend(item)
            yield merged
            if not isinstance(item, list):
                break
        if isinstance(item, BaseException):
            raise item
    finally:
        # Not awaited: the consumer (a client that left) must not wait for Docker's stream.
        producer.cancel()


def demux_frames(buffer: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Complete frames `(stream id, payload)` in `buffer`, and the incomplete remainder."""
    frames: list[tuple[int, bytes]] = []
    offset = 0
    view = memoryview(buffer)
    while len(buffer) - offset >= FRAME_HEADER.size:
        stream_id, size = FRAME_HEADER.unpack_from(buffer, offset)
        end = offset + FRAME_HEADER.size + size
        if len(buffer) < end:
            break
        frames.append((stream_id, bytes(view[offset + FRAME_HEADER.size : end])))
        offset = end
    return frames, buffer[offset:]


def _parse_line(stream_id: int, raw: bytes) -> LogLine:
    text = raw.decode(errors="replace").rstrip("\r")
    timestamp, _, message = text.partition(" ")
    return LogLine(STREAM_NAMES.get(stream_id, "stdout"), timestamp, message)
