"""Canary secrets for the "nothing at rest" test: known values, an HTTP client that records every
response body, console processes whose whole output goes to files, and a byte scan that looks for
each value (raw, URL-encoded and base64 at every alignment) in every place it could be left."""

from __future__ import annotations

import base64
import secrets
import string
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
from sqlalchemy.engine import make_url

from tests.support.processes import spawn_console, stop_process
from tests.support.redis_dump import dump_bytes

FINAL_JOB_STATES = {"succeeded", "failed", "cancelled"}


def random_text(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _base64_cores(raw: bytes) -> dict[str, bytes]:
    """The part of base64(…value…) that depends only on the value, for each of the 3 offsets at
    which the value can start inside a longer encoded text (standard and URL-safe alphabets)."""
    cores: dict[str, bytes] = {}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        first, last = -(-offset // 3), (offset + len(raw)) // 3  # whole 3-byte groups of `raw`
        core = encoded[4 * first : 4 * last]
        cores[f"base64@{offset}"] = core
        cores[f"base64url@{offset}"] = core.translate(bytes.maketrans(b"+/", b"-_"))
    return cores


def encoded_forms(value: str) -> dict[str, bytes]:
    raw = value.encode()
    forms = {"raw": raw, "url": quote(value, safe="").encode(), "url+": quote_plus(value).encode()}
    return {**forms, **_base64_cores(raw)}


def leaks(places: Mapping[str, bytes], canaries: Mapping[str, str]) -> list[str]:
    """`<canary> as <form> in <place>` for every canary found anywhere (empty when clean)."""
    found = []
    for label, value in canaries.items():
        for form, needle in encoded_forms(value).items():
            found += [
                f"{label} as {form} in {place}" for place, data in places.items() if needle in data
            ]
    return found


@dataclass
class Recorded:
    """One HTTP answer; `excluded` says why its body may (by design) carry a canary."""

    request: str
    status: int
    body: bytes
    excluded: str | None = None


@dataclass
class RecordingClient:
    """Calls the API and keeps every response body for the final scan."""

    base_url: str
    records: list[Recorded] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url, timeout=60)

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, headers=self.headers, **kwargs)
        self.records.append(Recorded(f"{method} {path}", response.status_code, response.content))
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response

    def exclude_last(self, reason: str) -> None:
        self.records[-1].excluded = reason

    def wait_for_job(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        """Poll the job until it is final (each answer is recorded like any other)."""
        deadline = time.monotonic() + timeout
        while True:
            job: dict[str, Any] = self.call("GET", f"/api/jobs/{job_id}", 200).json()
            if job["status"] in FINAL_JOB_STATES:
                return job
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
            time.sleep(0.1)

    def bodies(self) -> dict[str, bytes]:
        return {
            f"response #{index} {record.request} ({record.status})": record.body
            for index, record in enumerate(self.records)
            if record.excluded is None
        }


@contextmanager
def logged_console(
    args: list[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[str]]:
    """A console process whose stdout and stderr both go to `log`, read after it stops."""
    with log.open("w") as output:
        process = spawn_console(args, env, output=output)
        try:
            yield process
        finally:
            stop_process(process)


def sqlite_files(database_url: str) -> dict[str, bytes]:
    """The database file and its `-wal` and `-shm` companions, byte for byte."""
    path = Path(make_url(database_url).database or "")
    return {f"file {p.name}": p.read_bytes() for p in sorted(path.parent.glob(path.name + "*"))}


def stored_bytes(database_url: str, redis_url: str) -> dict[str, bytes]:
    """Everything at rest: the SQLite files and every Redis key and value."""
    redis = {f"redis {key}": value for key, value in dump_bytes(redis_url).items()}
    return {**sqlite_files(database_url), **redis}
