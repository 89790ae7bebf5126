"""Test images built locally, without any registry: `docker import` of a rootfs assembled here.

Three images:
- busybox: `FROM scratch` plus the host's static busybox (`/bin/busybox`, Debian `busybox-static`)
  and one symlink per applet; small programs for lifecycle and log tests.
- mcp-server: the host's own Python (`sys.base_prefix`, at the same absolute path so its rpath
  still works), the shared libraries `ldd` says it and its extension modules need, a
  site-packages with the `mcp` SDK and its dependency closure (taken from this venv), busybox for
  `sh`, and `tests/images/mcp_server/server.py` as the command: a real MCP server over stdio.
- everything: the host's Node binary and the shared libraries it needs, the pinned
  `@modelcontextprotocol/server-everything` with its npm dependency closure (from this checkout's
  `node_modules`, under `/app/node_modules`), busybox for `sh`; the command runs the third-party
  reference server over stdio (the gateway's conformance upstream).

Both are tagged by a content hash (sources, package versions, host file sizes), so a rerun finds
the image and skips the build; builds of the same kind older than an hour are pruned when a new
one is built. Containers the tests create are always removed; the images are kept as a cache
(see docs/CONTAINERS.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import docker
import pytest
from docker.errors import APIError, ImageNotFound
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
BUSYBOX = Path("/bin/busybox")
MCP_SERVER_SOURCE = REPO_ROOT / "tests" / "images" / "mcp_server" / "server.py"
NODE_MODULES = REPO_ROOT / "node_modules"
EVERYTHING_PACKAGE = "@modelcontextprotocol/server-everything"
TEST_IMAGE_LABEL = "mcp-console.test-image"
HASH_LABEL = "mcp-console.content-hash"
STDLIB_SKIP = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages"}
BUILDER_VERSION = "1"
STALE_AFTER = timedelta(hours=1)


@dataclass
class RootFs:
    """Files to put in an image: archive path -> host path, plus symlinks and the fingerprint."""

    files: dict[str, Path] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    fingerprint: hashlib._Hash = field(default_factory=hashlib.sha256)

    def add(self, archive_path: str, host_path: Path, *, hash_content: bool = False) -> None:
        """Sizes, not mtimes, go into the fingerprint (a reinstall or `touch` must not force a
        rebuild), and `__pycache__` files not at all: Python writes them whenever a module is
        first imported, and stale ones are harmless (checked against their source)."""
        self.files[archive_path.lstrip("/")] = host_path
        if "__pycache__" not in archive_path:
            self.fingerprint.update(f"{archive_path}:{host_path.stat().st_size}".encode())
        if hash_content:
            self.fingerprint.update(host_path.read_bytes())

    def link(self, archive_path: str, target: str) -> None:
        self.links[archive_path.lstrip("/")] = target
        self.fingerprint.update(f"{archive_path}->{target}".encode())

    def write(self, destination: Path) -> None:
        with tarfile.open(destination, "w") as archive:
            for name in ("tmp", "app", "etc"):
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                info.mode = 0o1777 if name == "tmp" else 0o755
                archive.addfile(info)
            for archive_path, host_path in sorted(self.files.items()):
                archive.add(str(host_path.resolve()), arcname=archive_path, recursive=False)
            for archive_path, target in sorted(self.links.items()):
                info = tarfile.TarInfo(archive_path)
                info.type = tarfile.SYMTYPE
                info.linkname = target
                archive.addfile(info)
            passwd = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n"
            info = tarfile.TarInfo("etc/passwd")
            info.size = len(passwd)
            archive.addfile(info, io.BytesIO(passwd))


def add_busybox(rootfs: RootFs) -> None:
    rootfs.add("/bin/busybox", BUSYBOX)
    listing = subprocess.run([str(BUSYBOX), "--list"], capture_output=True, text=True, check=True)
    for applet in listing.stdout.split():
        if applet != "busybox":
            rootfs.link(f"/bin/{applet}", "busybox")


def _walk(directory: Path, skip: set[str]) -> Iterator[Path]:
    for entry in sorted(directory.iterdir()):
        if entry.name in skip:
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry, set())
        elif entry.is_file():
            yield entry


def _dependency_closure(root: str) -> list[metadata.Distribution]:
    """The installed distributions `root` needs on this platform (markers and extras honoured)."""
    seen: dict[str, metadata.Distribution] = {}
    pending: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while pending:
        name, extras = pending.pop()
        dist = metadata.distribution(name)
        key = dist.metadata["Name"].lower()
        if key in seen and not extras:
            continue
        seen[key] = dist
        for spec in dist.requires or []:
            requirement = Requirement(spec)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            marker = requirement.marker
            if marker is None or any(marker.evaluate(env) for env in environments):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return list(seen.values())


def _shared_libraries(binaries: Iterable[Path]) -> set[Path]:
    libraries: set[Path] = set()
    for binary in binaries:
        result = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False)
        for line in result.stdout.splitlines():
            parts = line.split()
            candidates = [part for part in parts if part.startswith("/")]
            libraries.update(Path(candidate) for candidate in candidates[:1])
    return libraries


def mcp_server_rootfs() -> RootFs:
    rootfs = RootFs()
    prefix = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    interpreter = prefix / "bin" / version
    rootfs.add(str(interpreter), interpreter)
    for library in (prefix / "lib").glob("libpython*.so*"):
        rootfs.add(str(library), library)
    for path in _walk(
        prefix / "lib" / version,
        STDLIB_SKIP
        | {f"config-{sys.version_info.major}.{sys.version_info.minor}-x86_64-linux-gnu"},
    ):
        rootfs.add(str(path), path)
    site_packages = prefix / "lib" / version / "site-packages"
    for dist in _dependency_closure("mcp"):
        rootfs.fingerprint.update(f"{dist.metadata['Name']}=={dist.version}".encode())
        for relative in dist.files or []:
            source = Path(str(dist.locate_file(relative)))
            if not str(relative).startswith("..") and source.is_file():
                rootfs.add(str(site_packages / str(relative)), source)
    elf_files = [
        interpreter,
        *(
            Path(rootfs.files[name])
            for name in rootfs.files
            if name.endswith(".so") or ".so." in name
        ),
    ]
    for library in sorted(_shared_libraries(elf_files)):
        rootfs.add(str(library), library)
    add_busybox(rootfs)
    rootfs.add("/app/server.py", MCP_SERVER_SOURCE, hash_content=True)
    rootfs.fingerprint.update(Path(__file__).read_bytes())
    return rootfs


def _resolve_package(name: str, requester: Path) -> Path | None:
    """Node's lookup: `node_modules/<name>` in the requiring package's directory, then in each
    ancestor up to the checkout's top `node_modules` (npm hoists most packages there)."""
    for directory in (requester, *requester.parents):
        candidate = directory / "node_modules" / name
        if (candidate / "package.json").is_file():
            return candidate
        if directory == REPO_ROOT:
            break
    return None


def _npm_closure(root: str) -> list[Path]:
    """The installed package directories `root` needs at run time (dependencies and the optional
    ones that are installed), each once."""
    start = NODE_MODULES / root
    seen: dict[Path, None] = {start: None}
    pending = [start]
    while pending:
        package = pending.pop()
        manifest = json.loads((package / "package.json").read_text())
        names = {**manifest.get("dependencies", {}), **manifest.get("optionalDependencies", {})}
        for name in sorted(names):
            found = _resolve_package(name, package)
            if found is None and name in manifest.get("optionalDependencies", {}):
                continue
            if found is None:
                raise FileNotFoundError(f"{name} (needed by {package.name}): run `npm ci`")
            if found not in seen:
                seen[found] = None
                pending.append(found)
    return list(seen)


def host_node() -> Path:
    node = Path(shutil.which("node") or "node").resolve()
    if not node.is_file():
        pytest.fail("Node is missing: the everything image copies the host's `node`")
    return node


def everything_rootfs(node: Path) -> RootFs:
    rootfs = RootFs()
    rootfs.add(str(node), node)
    for library in sorted(_shared_libraries([node])):
        rootfs.add(str(library), library)
    for package in _npm_closure(EVERYTHING_PACKAGE):
        manifest = json.loads((package / "package.json").read_text())
        rootfs.fingerprint.update(f"{manifest['name']}@{manifest['version']}".encode())
        for path in _walk(package, {"node_modules"}):
            relative = path.relative_to(NODE_MODULES)
            rootfs.add(f"/app/node_modules/{relative}", path)
    add_busybox(rootfs)
    rootfs.fingerprint.update(Path(__file__).read_bytes())
    return rootfs


@dataclass(frozen=True)
class BuiltImage:
    """A built image: its tag and the command that runs its main program."""

    tag: str
    command: list[str]


def _import(client: docker.DockerClient, kind: str, rootfs: RootFs, command: list[str]) -> str:
    digest = rootfs.fingerprint.hexdigest()[:16]
    tag = f"mcp-console-test/{kind}:{digest}"
    try:
        client.images.get(tag)
        return tag
    except ImageNotFound:
        pass
    with tempfile.TemporaryDirectory(prefix="mcp-console-image-") as workdir:
        archive = Path(workdir) / "rootfs.tar"
        rootfs.write(archive)
        changes = [
            f"LABEL {TEST_IMAGE_LABEL}={kind} {HASH_LABEL}={digest}",
            "ENV PATH=/bin:/usr/bin:" + str(Path(command[0]).parent),
            "CMD " + _json_list(command),
        ]
        client.api.import_image_from_file(
            str(archive), repository=f"mcp-console-test/{kind}", tag=digest, changes=changes
        )
    _prune_stale(client, kind, tag)
    return tag


def _json_list(items: list[str]) -> str:
    return "[" + ",".join(f'"{item}"' for item in items) + "]"


def _prune_stale(client: docker.DockerClient, kind: str, keep: str) -> None:
    """Remove older builds of this kind; recent ones may belong to a concurrent test run."""
    cutoff = datetime.now(UTC) - STALE_AFTER
    for image in client.images.list(filters={"label": f"{TEST_IMAGE_LABEL}={kind}"}):
        created = datetime.fromisoformat(image.attrs["Created"][:19] + "+00:00")
        if keep not in image.tags and created < cutoff:
            with contextlib.suppress(APIError):  # still used by a container, or already gone
                client.images.remove(image.id, force=False)


def build_busybox_image(client: docker.DockerClient) -> BuiltImage:
    rootfs = RootFs()
    add_busybox(rootfs)
    rootfs.fingerprint.update((BUILDER_VERSION + Path(__file__).read_text()).encode())
    # `sleep & wait` so the TERM trap runs at once: `docker stop` takes milliseconds, not 10 s.
    command = ["/bin/sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 3600 & wait"]
    return BuiltImage(_import(client, "busybox", rootfs, command), command)


def build_mcp_server_image(client: docker.DockerClient) -> BuiltImage:
    python = f"{sys.base_prefix}/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    command = [python, "-u", "/app/server.py"]
    return BuiltImage(_import(client, "mcp-server", mcp_server_rootfs(), command), command)


def build_everything_image(client: docker.DockerClient) -> BuiltImage:
    node = host_node()
    entry = f"/app/node_modules/{EVERYTHING_PACKAGE}/dist/index.js"
    command = [str(node), entry, "stdio"]
    return BuiltImage(_import(client, "everything", everything_rootfs(node), command), command)


@pytest.fixture(scope="session", name="docker_client")
def docker_client_fixture() -> Iterator[docker.DockerClient]:
    client = docker.DockerClient(
        base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    )
    yield client
    client.close()


@pytest.fixture(scope="session", name="busybox_image")
def busybox_image_fixture(docker_client: docker.DockerClient) -> BuiltImage:
    """`FROM scratch` + static busybox; the default command prints `ready` and waits for TERM."""
    return build_busybox_image(docker_client)


@pytest.fixture(scope="session", name="mcp_server_image")
def mcp_server_image_fixture(docker_client: docker.DockerClient) -> BuiltImage:
    """Runs a real MCP server (official SDK) over stdio; start it with stdin open."""
    return build_mcp_server_image(docker_client)


@pytest.fixture(scope="session", name="everything_image")
def everything_image_fixture(docker_client: docker.DockerClient) -> BuiltImage:
    """Runs the pinned `@modelcontextprotocol/server-everything` over stdio; start it with stdin
    open."""
    return build_everything_image(docker_client)
