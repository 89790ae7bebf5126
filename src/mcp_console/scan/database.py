"""Scan every text-like column of every table, found by reflecting the live schema (so a table
added later is covered without a change here), reading rows in batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    MetaData,
    Numeric,
    Table,
    Time,
    Uuid,
    select,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from mcp_console.credentials.models import StoredCredential
from mcp_console.scan.matching import decode, rules_in, safe_name
from mcp_console.scan.report import Report

BATCH_ROWS = 200
# Types that cannot hold text; every other column (strings, JSON, binary, unknown) is scanned.
NOT_TEXT = (Boolean, Date, DateTime, Float, Integer, Interval, Numeric, Time, Uuid)
# Columns that exist to hold Fernet ciphertext (written by `credentials.service`).
FERNET_COLUMNS = frozenset({(StoredCredential.__tablename__, StoredCredential.ciphertext.key)})


def text_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if not isinstance(column.type, NOT_TEXT)]


def strings_of(value: Any) -> Iterator[str]:
    """Every string in a cell: the text itself, or each key and value of a JSON document."""
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)
    elif isinstance(value, str | bytes | bytearray | memoryview):
        yield decode(bytes(value) if isinstance(value, bytearray | memoryview) else value)
    else:
        yield str(value)


def row_id(row: Row[Any], keys: Sequence[Column[Any]], number: int) -> str:
    if not keys:
        return f"row {number}"
    return safe_name(",".join(f"{key.name}={row._mapping[key]}" for key in keys))


async def scan_table(connection: AsyncConnection, table: Table, report: Report) -> None:
    columns = text_columns(table)
    report.count("tables")
    report.count("columns", len(columns))
    if not columns:
        return
    keys = list(table.primary_key.columns)
    query = select(*keys, *[c for c in columns if c not in keys]).order_by(*keys)
    result = await connection.stream(query)
    number = 0
    async for batch in result.partitions(BATCH_ROWS):
        for row in batch:
            number += 1
            for column in columns:
                rules = _cell_rules(table, column, row._mapping[column])
                report.count("cells")
                report.record(f"{table.name}/{column.name}/{row_id(row, keys, number)}", rules)


def _cell_rules(table: Table, column: Column[Any], value: Any) -> list[str]:
    allowed = (table.name, column.name) in FERNET_COLUMNS
    found: set[str] = set()
    for text in strings_of(value):
        found.update(rules_in(text, fernet_allowed=allowed))
    return sorted(found)


async def scan_database(connection: AsyncConnection, report: Report) -> None:
    metadata = MetaData()
    await connection.run_sync(metadata.reflect)
    for table in metadata.sorted_tables:
        await scan_table(connection, table, report)
