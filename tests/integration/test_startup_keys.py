"""`api`, `worker` and `run` refuse to start on a missing or malformed key, before listening."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.support.processes import base_env, console_command, free_port, fresh_key

GOOD = fresh_key()
BAD_VALUES = {
    "missing": None,
    "empty": "",
    "short": fresh_key()[:43],
    "bad-characters": fresh_key()[:41] + "*%=",
    "duplicate": f"{GOOD},{GOOD}",
}


def _port_is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("command", ["api", "worker", "run"])
@pytest.mark.parametrize("variable", ["CREDENTIAL_ENCRYPTION_KEY", "OAUTH_TOKEN_ENCRYPTION_KEY"])
@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_bad_key_stops_the_process_before_it_listens(
    command: str, variable: str, case: str, tmp_path: object
) -> None:
    env = base_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")
    bad = BAD_VALUES[case]
    if bad is None:
        env.pop(variable)
    else:
        env[variable] = bad
    port = free_port()
    args = {
        "api": ["api", "--port", str(port)],
        "worker": ["worker"],
        "run": ["run", "--api-port", str(port), "--web-port", str(free_port())],
    }[command]

    result = subprocess.run(
        console_command(*args), env=env, capture_output=True, text=True, timeout=60, check=False
    )

    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert variable in output
    assert "mcp-console keygen" in output
    assert len(output.strip().splitlines()) == 1
    if bad:
        for part in bad.split(","):
            assert part not in output
    assert not _port_is_listening(port)
