"""`mcp-console db copy`: move every table from one database to another (SQLite → PostgreSQL).

Both sides must be at the same migration heads; the target must be empty, so a half-finished or
repeated copy never mixes data. Rows go over in batches inside one transaction on the target.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from mcp_console.core.db import Database
from mcp_console.core.migrate import current_revisions

BATCH_ROWS = 500


class CopyError(Exception):
    """The copy cannot start; the message says what to do."""


async def _revisions(connection: AsyncConnection) -> set[str]:
    return await connection.run_sync(current_revisions)


async def _row_count(connection: AsyncConnection, table: Table) -> int:
    return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def _copy_table(source: AsyncConnection, target: AsyncConnection, table: Table) -> int:
    copied = 0
    result = await source.stream(select(table))
    async for batch in result.partitions(BATCH_ROWS):
        await target.execute(insert(table), [dict(row._mapping) for row in batch])
        copied += len(batch)
    return copied


async def _reset_sequences(target: AsyncConnection, table: Table) -> None:
    """PostgreSQL identity sequences do not see explicitly inserted ids; move them past the max."""
    for column in table.primary_key.columns:
        if column.type.python_type is not int:
            continue
        highest = (await target.execute(select(func.max(column)))).scalar_one() or 0
        await target.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :next, false)"),
            {"table": table.name, "column": column.name, "next": highest + 1},
        )


async def copy_database(source_url: str, target_url: str, metadata: MetaData) -> dict[str, int]:
    """Rows copied per table of `metadata` (the console's table registry, `mcp_console.tables`)."""
    source_db, target_db = Database(source_url), Database(target_url)
    try:
        async with source_db.engine.connect() as source, target_db.engine.begin() as target:
            if await _revisions(source) != await _revisions(target):
                raise CopyError("source and target are at different migrations; migrate both first")
            for table in metadata.sorted_tables:
                if await _row_count(target, table):
                    raise CopyError(
                        f"target table {table.name} is not empty; use an empty database"
                    )
            counts = {}
            for table in metadata.sorted_tables:
                counts[table.name] = await _copy_table(source, target, table)
                if target.dialect.name == "postgresql":
                    await _reset_sequences(target, table)
            return counts
    finally:
        await source_db.close()
        await target_db.close()
