"""The one adapter for the Bitwarden CLI (`bw`).

Why it looks like this: `bw` is a Node program that costs seconds per call, prints the session key
on stdout, and waits for a hidden prompt when it lacks something. So every call is awaited as an
asyncio subprocess (never a shell), always with `--nointeraction`, with a deadline that kills the
whole process group; secrets go in through environment variables only; each login has its own
data directory (`BITWARDENCLI_APPDATA_DIR`); and output is parsed here, never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp_console.core.errors import AppError

logger = logging.getLogger("mcp_console.vault.bitwarden")

# Environment handed to `bw`: what Node needs to run and reach the network, nothing else (the
# console's own keys and settings stay out). `BITWARDENCLI_*` passes so operators can set the
# CLI's own options; the data directory is always overridden per login.
_PASSTHROUGH = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TZ",
    "NODE_EXTRA_CA_CERTS",
    "NODE_OPTIONS",
)
_PROXY = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
_NETWORK_HINTS = (
    "econnrefused",
    "enotfound",
    "etimedout",
    "fetch failed",
    "getaddrinfo",
    "network",
)


@dataclass(frozen=True)
class BwOutput:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def mentions(self, *needles: str) -> bool:
        text = f"{self.stdout}\n{self.stderr}".lower()
        return any(needle in text for needle in needles)


@dataclass
class VaultItems:
    """Items by id as `get item` prints them, and the ids the organization's policy hides."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    restricted: set[str] = field(default_factory=set)


def unavailable(message: str) -> AppError:
    return AppError(
        "BITWARDEN_UNAVAILABLE",
        message,
        status=503,
        hint="Operators: install the pinned CLI (`npm ci`) and set BITWARDEN_CLI_PATH to it.",
        retryable=True,
    )


def auth_failed(two_step: bool = False) -> AppError:
    hint = (
        "This account needs a two-step login code: send two_step_login_method and "
        "two_step_login_code."
        if two_step
        else "Check the e-mail, master password and API key, then try again."
    )
    return AppError("AUTH_FAILED", "Bitwarden rejected the credentials.", status=401, hint=hint)


def cli_failed(step: str) -> AppError:
    return AppError(
        "BITWARDEN_ERROR",
        f"The Bitwarden CLI failed during `{step}`.",
        status=502,
        hint="Retry; if it persists log in again, operators can run `mcp-console doctor`.",
        retryable=True,
    )


def child_env(data_dir: Path, secrets: Mapping[str, str]) -> dict[str, str]:
    env = {name: os.environ[name] for name in (*_PASSTHROUGH, *_PROXY) if name in os.environ}
    env.update({k: v for k, v in os.environ.items() if k.startswith("BITWARDENCLI_")})
    env["BITWARDENCLI_APPDATA_DIR"] = str(data_dir)
    env.update(secrets)
    return env


class BitwardenCli:
    """Runs `bw` subcommands for one login's data directory; returns parsed results."""

    def __init__(self, executable: str, timeout_seconds: float) -> None:
        self._executable = executable
        self._timeout = timeout_seconds

    def installed(self) -> bool:
        return shutil.which(self._executable) is not None

    def _resolve(self) -> str:
        path = shutil.which(self._executable)
        if path is None:
            raise unavailable("The Bitwarden CLI is not installed on the server.")
        return path

    async def version(self) -> str:
        """`bw --version`, for `doctor`: it needs no login, so a throw-away data directory."""
        with tempfile.TemporaryDirectory() as data_dir:
            result = await self.run(Path(data_dir), "--version")
        if not result.ok:
            raise cli_failed("--version")
        return result.stdout.strip()

    async def run(
        self, data_dir: Path, *args: str, secrets: Mapping[str, str] | None = None
    ) -> BwOutput:
        """One `bw` call: argv only (no shell), secrets via env, a hard deadline."""
        command = [self._resolve(), *args, "--nointeraction"]
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=child_env(data_dir, secrets or {}),
                start_new_session=True,
            )
        except OSError:
            raise unavailable("The Bitwarden CLI could not be started.") from None
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), self._timeout)
        except TimeoutError:
            await _kill(process)
            logger.warning("bw %s timed out after %ss", args[0], self._timeout)
            raise AppError(
                "BITWARDEN_TIMEOUT",
                f"The Bitwarden CLI did not answer within {self._timeout:g}s.",
                status=504,
                hint="Retry; operators can raise BITWARDEN_CLI_TIMEOUT_SECONDS.",
                retryable=True,
            ) from None
        except asyncio.CancelledError:
            await _kill(process)
            raise
        code = process.returncode if process.returncode is not None else -1
        return BwOutput(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))

    async def login_api_key(self, data_dir: Path, client_id: str, client_secret: str) -> None:
        result = await self.run(
            data_dir,
            "login",
            "--apikey",
            secrets={"BW_CLIENTID": client_id, "BW_CLIENTSECRET": client_secret},
        )
        _check_login(result)

    async def login_password(
        self,
        data_dir: Path,
        email: str,
        password: str,
        two_step: tuple[int, str] | None = None,
    ) -> str:
        """`bw login <email>` also unlocks: with `--raw` it prints only the session key."""
        args = ["login", email, "--passwordenv", "BW_PASSWORD", "--raw"]
        if two_step is not None:
            args += ["--method", str(two_step[0]), "--code", two_step[1]]
        result = await self.run(data_dir, *args, secrets={"BW_PASSWORD": password})
        _check_login(result)
        return _session_key(result, "login")

    async def unlock(self, data_dir: Path, password: str) -> str:
        result = await self.run(
            data_dir,
            "unlock",
            "--passwordenv",
            "BW_PASSWORD",
            "--raw",
            secrets={"BW_PASSWORD": password},
        )
        _check_login(result)
        return _session_key(result, "unlock")

    async def sync(self, data_dir: Path, session_key: str) -> None:
        result = await self.run(data_dir, "sync", secrets={"BW_SESSION": session_key})
        if not result.ok:
            raise cli_failed("sync")

    async def status(self, data_dir: Path, session_key: str) -> dict[str, Any]:
        result = await self.run(data_dir, "status", secrets={"BW_SESSION": session_key})
        parsed = _json(result, "status")
        if not isinstance(parsed, dict):
            raise cli_failed("status")
        return parsed

    async def items(self, data_dir: Path, session_key: str, item_ids: Iterable[str]) -> VaultItems:
        """The requested items as `get item` prints them, in as few calls as possible.

        One id: `get item`. Several: one `list items`, then `get item` for each id it left out,
        since `list items` omits what `get item` still returns (items in the trash, archived
        items) and items of a type the organization's policy restricts. So an item reads the
        same alone or in a batch, and its state fields decide (`secrets.fields`).
        """
        wanted = set(item_ids)
        secrets = {"BW_SESSION": session_key}
        found = VaultItems()
        if len(wanted) > 1:
            listed = _json(await self.run(data_dir, "list", "items", secrets=secrets), "list items")
            if not isinstance(listed, list):
                raise cli_failed("list items")
            found.items.update(
                (item["id"], item)
                for item in listed
                if isinstance(item, dict) and item.get("id") in wanted
            )
        for item_id in sorted(wanted - set(found.items)):
            await self._get_item(data_dir, secrets, item_id, found)
        return found

    async def _get_item(
        self, data_dir: Path, secrets: Mapping[str, str], item_id: str, found: VaultItems
    ) -> None:
        result = await self.run(data_dir, "get", "item", item_id, secrets=secrets)
        if not result.ok and result.mentions("not found"):
            return
        if not result.ok and result.mentions("restricted by organizational policy"):
            found.restricted.add(item_id)
            return
        item = _json(result, "get item")
        if not isinstance(item, dict):
            raise cli_failed("get item")
        if str(item.get("id", "")).lower() == item_id.lower():  # the CLI lower-cases ids
            found.items[item_id] = item

    async def lock(self, data_dir: Path) -> bool:
        return (await self.run(data_dir, "lock")).ok


async def _kill(process: asyncio.subprocess.Process) -> None:
    """Kill the CLI and any Node children it spawned, then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()


def _check_login(result: BwOutput) -> None:
    if result.ok:
        return
    if result.mentions(*_NETWORK_HINTS):
        raise unavailable("The Bitwarden server could not be reached.")
    raise auth_failed(two_step=result.mentions("two-step", "two step"))


def _session_key(result: BwOutput, step: str) -> str:
    key = result.stdout.strip()
    if not key or any(char.isspace() for char in key):
        raise cli_failed(step)
    return key


def _json(result: BwOutput, step: str) -> Any:
    if not result.ok:
        raise cli_failed(step)
    try:
        return json.loads(result.stdout)
    except ValueError:
        raise cli_failed(step) from None
