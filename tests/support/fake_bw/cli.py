"""A fake `bw` (Bitwarden CLI) for tests: the subset the console uses, over JSON vault files.

Accounts live in `$BITWARDENCLI_FAKE_VAULTS/<email>.json` ({email, master_password, client_id,
client_secret, two_step_code?, restricted_types?, items}). Like the real CLI, `list items` leaves
out items in the trash (`deletedDate`), archived items (`archivedDate`) and items of a type the
organization's policy restricts (`restricted_types`), while `get item` returns the first two and
refuses the third. Each login's state lives in `BITWARDENCLI_APPDATA_DIR`
like the real CLI's. Every invocation is appended to `$BITWARDENCLI_FAKE_VAULTS/invocations.jsonl`
(arguments with the two-step code masked; never a password, key or secret value).
`BITWARDENCLI_FAKE_DELAY` (seconds) makes every call that slow, to exercise timeouts;
`BITWARDENCLI_FAKE_OFFLINE` makes `login` fail as if the Bitwarden server were unreachable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

FLAGS = {
    "login": {"--apikey", "--passwordenv", "--raw", "--method", "--code", "--nointeraction"},
    "unlock": {"--passwordenv", "--raw", "--nointeraction"},
    "get": {"--nointeraction"},
    "list": {"--nointeraction"},
    "status": {"--nointeraction"},
    "sync": {"--nointeraction"},
    "lock": {"--nointeraction"},
    "logout": {"--nointeraction"},
    "--version": {"--nointeraction"},
}
VERSION = "2026.1.0-fake"
VALUE_FLAGS = {"--passwordenv", "--method", "--code"}


def vaults_dir() -> Path:
    default = Path(tempfile.gettempdir()) / f"mcp-console-fake-bw-{os.getuid()}"
    return Path(os.environ.get("BITWARDENCLI_FAKE_VAULTS") or default)


def appdata() -> Path:
    default = Path.home() / ".config" / "Bitwarden CLI"
    return Path(os.environ.get("BITWARDENCLI_APPDATA_DIR") or default)


def fail(message: str, code: int = 1) -> NoReturn:
    sys.stderr.write(message + "\n")
    sys.exit(code)


def parse(argv: list[str]) -> tuple[str, list[str], dict[str, str]]:
    if not argv or argv[0] not in FLAGS:
        fail(f"error: unknown command '{argv[0] if argv else ''}'")
    command = argv[0]
    positional: list[str] = []
    options: dict[str, str] = {}
    rest = iter(argv[1:])
    for arg in rest:
        if arg.startswith("--"):
            if arg not in FLAGS[command]:
                fail(f"error: unknown option '{arg}'")
            options[arg] = next(rest, "") if arg in VALUE_FLAGS else "1"
        else:
            positional.append(arg)
    return command, positional, options


def record(command: str, positional: list[str], options: dict[str, str]) -> None:
    shown = {k: ("***" if k == "--code" else v) for k, v in options.items()}
    entry = {
        "command": command,
        "args": positional,
        "options": shown,
        "appdata": str(appdata()),
        "has_session": bool(os.environ.get("BW_SESSION")),
        "pid": os.getpid(),
        "time": time.time(),
    }
    log = vaults_dir() / "invocations.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(entry) + "\n").encode())
    finally:
        os.close(fd)


def accounts() -> list[dict[str, Any]]:
    found = []
    for path in sorted(vaults_dir().glob("*.json")):
        found.append(json.loads(path.read_text()))
    return found


def state_path() -> Path:
    return appdata() / "data.json"


def load_state() -> dict[str, Any]:
    path = state_path()
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(state: dict[str, Any]) -> None:
    appdata().mkdir(parents=True, exist_ok=True)
    state_path().write_text(json.dumps(state))


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_session_key(state: dict[str, Any]) -> str:
    key = base64.b64encode(os.urandom(64)).decode()
    state["key_hash"] = digest(key)
    return key


def sync_local_copy(state: dict[str, Any], account: dict[str, Any]) -> None:
    state["items"] = account["items"]
    state["restricted_types"] = account.get("restricted_types", [])
    state["last_sync"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def secret_from(options: dict[str, str]) -> str:
    name = options.get("--passwordenv")
    if not name:
        fail("Master password is required.")
    return os.environ.get(name, "")


def login(positional: list[str], options: dict[str, str]) -> None:
    if os.environ.get("BITWARDENCLI_FAKE_OFFLINE"):
        fail("request to https://identity.bitwarden.com failed: fetch failed (ECONNREFUSED)")
    state = load_state()
    if state.get("email"):
        fail(f"You are already logged in as {state['email']}.")
    if "--apikey" in options:
        client_id = os.environ.get("BW_CLIENTID", "")
        secret = os.environ.get("BW_CLIENTSECRET", "")
        match = [a for a in accounts() if a.get("client_id") == client_id]
        if not match or match[0].get("client_secret") != secret:
            fail("client_id or client_secret is incorrect. Try again.")
        account = match[0]
        state.update(email=account["email"], account=account["email"])
        sync_local_copy(state, account)
        save_state(state)
        print("You are logged in!")
        return
    if len(positional) > 1:
        fail("fake bw: the password must not be passed on the command line", 3)
    if not positional:
        fail("Email address is required.")
    match = [a for a in accounts() if a["email"].lower() == positional[0].lower()]
    if not match or match[0]["master_password"] != secret_from(options):
        fail("Username or password is incorrect. Try again.")
    account = match[0]
    code = account.get("two_step_code")
    if code and options.get("--code") != code:
        fail("Login failed: a two-step login code is required (--method, --code).")
    state.update(email=account["email"], account=account["email"])
    sync_local_copy(state, account)
    key = new_session_key(state)
    save_state(state)
    print(key if "--raw" in options else f'export BW_SESSION="{key}"')


def account_of(state: dict[str, Any]) -> dict[str, Any]:
    for account in accounts():
        if account["email"] == state.get("account"):
            return account
    fail("Account not found on the server.")


def unlock(options: dict[str, str]) -> None:
    state = load_state()
    if not state.get("email"):
        fail("You are not logged in.")
    if account_of(state)["master_password"] != secret_from(options):
        fail("Invalid master password.")
    key = new_session_key(state)
    save_state(state)
    print(key if "--raw" in options else f'export BW_SESSION="{key}"')


def unlocked_state() -> dict[str, Any]:
    state = load_state()
    if not state.get("email"):
        fail("You are not logged in.")
    key = os.environ.get("BW_SESSION", "")
    if not key or state.get("key_hash") != digest(key):
        fail("Vault is locked.")
    return state


def status() -> None:
    state = load_state()
    key = os.environ.get("BW_SESSION", "")
    if not state.get("email"):
        current = "unauthenticated"
    elif key and state.get("key_hash") == digest(key):
        current = "unlocked"
    else:
        current = "locked"
    print(
        json.dumps(
            {
                "serverUrl": None,
                "lastSync": state.get("last_sync"),
                "userEmail": state.get("email"),
                "userId": hashlib.md5(str(state.get("email")).encode()).hexdigest()
                if state
                else None,
                "status": current,
            }
        )
    )


def sync() -> None:
    state = unlocked_state()
    sync_local_copy(state, account_of(state))
    save_state(state)
    print("Syncing complete.")


def restricted(state: dict[str, Any], item: dict[str, Any]) -> bool:
    return item.get("type") in state.get("restricted_types", [])


def get(positional: list[str]) -> None:
    if positional[:1] != ["item"] or len(positional) != 2:
        fail("fake bw: only `get item <id>` is implemented")
    state = unlocked_state()
    items = {i["id"]: i for i in state.get("items", [])}
    item = items.get(positional[1])
    if item is None:
        fail("Not found.")
    if restricted(state, item):
        fail("Access to this item type is restricted by organizational policy.")
    print(json.dumps(item))


def list_items(positional: list[str]) -> None:
    if positional != ["items"]:
        fail("fake bw: only `list items` is implemented")
    state = unlocked_state()
    listed = [
        item
        for item in state.get("items", [])
        if not item.get("deletedDate")
        and not item.get("archivedDate")
        and not restricted(state, item)
    ]
    print(json.dumps(listed))


def lock() -> None:
    state = load_state()
    state.pop("key_hash", None)
    if state:
        save_state(state)
    print("Your vault is locked.")


def logout() -> None:
    state_path().unlink(missing_ok=True)
    print("You have logged out.")


def main() -> None:
    command, positional, options = parse(sys.argv[1:])
    record(command, positional, options)
    delay = float(os.environ.get("BITWARDENCLI_FAKE_DELAY") or 0)
    if delay:
        time.sleep(delay)
    if "--nointeraction" not in options:
        fail("fake bw: --nointeraction is required (the real CLI would wait for a prompt)", 4)
    handlers: dict[str, Any] = {
        "login": lambda: login(positional, options),
        "unlock": lambda: unlock(options),
        "status": status,
        "sync": sync,
        "get": lambda: get(positional),
        "list": lambda: list_items(positional),
        "lock": lock,
        "logout": logout,
        "--version": lambda: print(VERSION),
    }
    handlers[command]()
