"""`mcp-console` entry points: run, api, worker, web, keygen, migrate, openapi, db, doctor,
audit-secrets..."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mcp_console.core.keys import KeyConfigError, KeyManager, generate_key
from mcp_console.core.logging import configure_logging, secret_registry
from mcp_console.core.settings import Settings

EXIT_CONFIG_ERROR = 2
SHUTDOWN_GRACE_SECONDS = 10
# Idle keep-alive connections are held open longer than the web's client keeps them
# (`WEB_API_KEEPALIVE_SECONDS`): otherwise the server may close one just as the client reuses it,
# and that request fails although the server never saw it.
KEEP_ALIVE_SECONDS = 30


class ConfigExitError(Exception):
    """Configuration is unusable; the message is safe to print (never contains a key)."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]).upper() for err in exc.errors())
        raise ConfigExitError(f"invalid setting(s): {fields}; see docs/CONFIGURATION.md") from None


def load_keys(settings: Settings) -> KeyManager:
    try:
        return KeyManager.from_settings(settings, secret_registry)
    except KeyConfigError as exc:
        raise ConfigExitError(str(exc)) from None


def _configure(settings: Settings) -> None:
    configure_logging(settings.log_level, json_output=settings.is_production)


def _server_options(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Forwarded headers only from FORWARDED_ALLOW_IPS: from anyone else they are forgeable.

    Streams that never end by themselves (an MCP client's GET stream on `/mcp/...`, a followed
    log) would hold a stopping server forever: after `SHUTDOWN_GRACE_SECONDS` they are cut, and
    the lifespan's shutdown runs. Idle connections stay open `KEEP_ALIVE_SECONDS`, longer than the
    web's API client keeps one (a closing server racing a reusing client loses a request)."""
    return {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_SECONDS,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }


def cmd_api(args: argparse.Namespace) -> int:
    import uvicorn

    from mcp_console.app import create_app

    settings = load_settings()
    keys = load_keys(settings)
    _configure(settings)
    uvicorn.run(create_app(settings, keys), **_server_options(args, settings))
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from mcp_console.web.app import create_web_app

    settings = load_settings()
    _configure(settings)
    uvicorn.run(create_web_app(settings), **_server_options(args, settings))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from mcp_console.worker import build_worker

    settings = load_settings()
    if args.check:
        return _check_workers(settings)
    keys = load_keys(settings)
    _configure(settings)
    asyncio.set_event_loop(asyncio.new_event_loop())
    build_worker(settings, keys, burst=args.burst).run()
    return 0


def _check_workers(settings: Settings) -> int:
    """Exit 0 when at least one worker has a fresh heartbeat, 1 otherwise (for healthchecks)."""
    from mcp_console.core.errors import AppError
    from mcp_console.core.redis import RedisService
    from mcp_console.jobs.heartbeat import worker_summary

    async def check() -> dict[str, object]:
        redis = RedisService(settings.redis_url, settings.redis_timeout_seconds)
        try:
            return await worker_summary(redis)
        finally:
            await redis.close()

    try:
        summary = asyncio.run(check())
    except AppError as exc:
        print(f"workers: unknown ({exc.code})")
        return 1
    age = summary["last_heartbeat_age_seconds"]
    print(f"workers: {summary['live']} live, last heartbeat {age} s ago")
    return 0 if summary["live"] else 1


def cmd_keygen(_args: argparse.Namespace) -> int:
    print(generate_key())
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    from mcp_console.core.migrate import upgrade_to_head

    settings = load_settings()
    _configure(settings)
    upgrade_to_head(settings.database_url)
    print("database is at the latest migration")
    return 0


def cmd_rotate_keys(_args: argparse.Namespace) -> int:
    from mcp_console.core.db import Database
    from mcp_console.credentials.service import CredentialService

    settings = load_settings()
    keys = load_keys(settings)
    _configure(settings)

    async def rotate() -> int:
        database = Database(settings.database_url)
        try:
            return await CredentialService(database, keys).rotate_all()
        finally:
            await database.close()

    print(f"re-encrypted {asyncio.run(rotate())} stored value(s) with the first key")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from mcp_console.core.dbcopy import CopyError, copy_database
    from mcp_console.core.migrate import upgrade_to_head
    from mcp_console.tables import metadata

    settings = load_settings()
    _configure(settings)
    source = args.source or settings.database_url
    try:
        for url in (source, args.target):
            upgrade_to_head(url)
        counts = asyncio.run(copy_database(source, args.target, metadata))
    except CopyError as exc:
        print(f"mcp-console: db copy refused: {exc}", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as exc:
        print(
            f"mcp-console: db copy failed: cannot use a database ({type(exc).__name__})",
            file=sys.stderr,
        )
        return 1
    for table, rows in counts.items():
        print(f"{table}: {rows} row(s)")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    """Print (or write) the API's OpenAPI document, exactly as the running app serves it."""
    import json

    from mcp_console.app import create_app

    settings = load_settings()
    document = create_app(settings, load_keys(settings)).openapi()
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_doctor(_args: argparse.Namespace) -> int:
    from mcp_console.doctor import run_doctor

    return run_doctor(load_settings())


def cmd_audit_secrets(_args: argparse.Namespace) -> int:
    from mcp_console.scan.runner import run_audit

    settings = load_settings()
    # Warnings only: its output is the findings, not the drivers' debug lines.
    configure_logging("WARNING", json_output=settings.is_production)
    return run_audit(settings)


def cmd_run(args: argparse.Namespace) -> int:
    from mcp_console.supervisor import run_all

    settings = load_settings()
    load_keys(settings)
    _configure(settings)
    return run_all(settings, args.host, args.api_port, args.web_port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcp-console", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands: list[tuple[str, Callable[[argparse.Namespace], int], str]] = [
        ("run", cmd_run, "run api, worker and web together (local use)"),
        ("api", cmd_api, "serve the REST API"),
        ("worker", cmd_worker, "run the background job worker"),
        ("web", cmd_web, "serve the web UI"),
        ("keygen", cmd_keygen, "print a fresh encryption key"),
        ("migrate", cmd_migrate, "apply database migrations"),
        ("rotate-keys", cmd_rotate_keys, "re-encrypt stored values with the first key"),
        ("doctor", cmd_doctor, "check configuration and dependencies"),
        ("openapi", cmd_openapi, "export the OpenAPI document (docs/openapi.json)"),
        ("db", cmd_db_copy, "database tools: `db copy --to URL`"),
        ("audit-secrets", cmd_audit_secrets, "scan the database and Redis for stored secrets"),
    ]
    parsers = {}
    for name, handler, help_text in commands:
        parsers[name] = sub.add_parser(name, help=help_text)
        parsers[name].set_defaults(handler=handler)
    for name, port in (("api", 8000), ("web", 3000)):
        parsers[name].add_argument("--host", default="127.0.0.1")
        parsers[name].add_argument("--port", type=int, default=port)
    parsers["run"].add_argument("--host", default="127.0.0.1")
    parsers["run"].add_argument("--api-port", type=int, default=8000)
    parsers["run"].add_argument("--web-port", type=int, default=3000)
    parsers["openapi"].add_argument("--output", help="write to this file instead of stdout")
    db_commands = parsers["db"].add_subparsers(dest="db_command", required=True)
    copy = db_commands.add_parser("copy", help="copy every table into another (empty) database")
    copy.add_argument("--from", dest="source", help="source URL (default: DATABASE_URL)")
    copy.add_argument("--to", dest="target", required=True, help="target URL, e.g. PostgreSQL")
    parsers["worker"].add_argument("--burst", action="store_true", help="exit when queue is empty")
    parsers["worker"].add_argument(
        "--check", action="store_true", help="exit 0 if a live worker exists, 1 otherwise"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except ConfigExitError as exc:
        print(f"mcp-console: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    return result
