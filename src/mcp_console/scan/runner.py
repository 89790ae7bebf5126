"""Run the whole scan: database first, then Redis; exit 0 clean, 1 findings, 2 cannot scan.

Connection trouble is reported by kind only: a URL may carry a password, so it is never printed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from mcp_console.core.db import Database
from mcp_console.core.errors import RedisUnavailableError
from mcp_console.core.redis import RedisService
from mcp_console.core.settings import Settings
from mcp_console.scan.database import scan_database
from mcp_console.scan.redis_values import RedisScanner
from mcp_console.scan.report import Report

EXIT_CLEAN, EXIT_FOUND, EXIT_UNREACHABLE = 0, 1, 2
# An offline tool reading whole pages: more patient than the request path's Redis deadline.
REDIS_TIMEOUT_SECONDS = 5.0


class CannotScanError(Exception):
    """A store could not be reached or read; the message names the setting to check."""


def _missing_sqlite_file(url: str) -> bool:
    """The SQLite driver would create an empty file and call it clean: a wrong path is an error."""
    parsed = make_url(url)
    name = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and name != ":memory:" and not Path(name).exists()


async def _scan_database(url: str, report: Report) -> None:
    if _missing_sqlite_file(url):
        raise CannotScanError("the SQLite file of DATABASE_URL does not exist")
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await scan_database(connection, report)
    except (SQLAlchemyError, OSError) as exc:
        raise CannotScanError(
            f"cannot read the database ({type(exc).__name__}); check DATABASE_URL"
        ) from None
    finally:
        await database.close()


async def _scan_redis(url: str, report: Report) -> None:
    redis = RedisService(url, REDIS_TIMEOUT_SECONDS, decode_responses=False)
    try:
        await redis.ping()
        await RedisScanner(redis, report).run()
    except RedisUnavailableError:
        raise CannotScanError("cannot reach Redis; check REDIS_URL") from None
    finally:
        await redis.close()


async def audit(settings: Settings, report: Report) -> None:
    await _scan_database(settings.database_url, report)
    await _scan_redis(settings.redis_url, report)


def run_audit(settings: Settings, out: TextIO = sys.stdout) -> int:
    report = Report(out)
    try:
        asyncio.run(audit(settings, report))
    except CannotScanError as exc:
        print(f"mcp-console: audit-secrets: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    print(report.summary(), file=out)
    return EXIT_FOUND if report.findings else EXIT_CLEAN
