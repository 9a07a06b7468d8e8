"""Writing many rows at once: PostgreSQL's COPY where available, multi-row INSERT elsewhere.

COPY streams rows without per-statement parsing or planning; for a catalogue of 100,000 rows it is the
difference between an import that keeps up with a raw INSERT and one that does not. Binary COPY by default;
the text format for a table with a tsvector, which asyncpg's binary COPY cannot encode but PostgreSQL's
text input reads. It runs on the session's own connection, inside its transaction: a failure writes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Table, insert
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Prepared", "copy_text", "prepare_rows", "write_prepared"]

_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(text: str) -> str:
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text) if _SPECIAL.search(text) else text


def _converter(column) -> Callable[[Any], str]:
    if isinstance(column.type, JSON):
        return lambda v: "\\N" if v is None else _escaped(json.dumps(v, ensure_ascii=False))
    if isinstance(column.type, (Integer, DateTime, Date, Boolean, TSVECTOR)):
        # Numbers, times, tsvector literals of our tokens: their text never holds a tab, newline or backslash.
        return lambda v: "\\N" if v is None else str(v)
    return lambda v: "\\N" if v is None else _escaped(str(v))


def copy_text(table: Table, columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    """``rows`` in PostgreSQL's COPY text format (tab-separated, ``\\N`` for NULL, backslash escapes)."""
    converters = [(name, _converter(table.c[name])) for name in columns]
    lines = ["\t".join([convert(row[name]) for name, convert in converters]) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass
class Prepared:
    """Rows of one table, encoded ahead of writing (in a worker thread, while the previous batch is written)."""

    table: Table
    columns: list[str]
    rows: list[dict[str, Any]] | None = None  # SQLite: a multi-row INSERT
    records: list[tuple] | None = None  # PostgreSQL, binary COPY
    text: bytes | None = None  # PostgreSQL, text COPY (tables with a tsvector)
    count: int = 0

    def __len__(self) -> int:
        return self.count


def prepare_rows(table: Table, rows: list[dict[str, Any]], postgres: bool) -> Prepared:
    columns = list(rows[0]) if rows else []
    if not rows or not postgres:
        return Prepared(table, columns, rows=rows, count=len(rows))
    if any(isinstance(table.c[name].type, TSVECTOR) for name in columns):
        return Prepared(table, columns, text=copy_text(table, columns, rows), count=len(rows))
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    records = [tuple(json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c] for c in columns)
               for row in rows]
    return Prepared(table, columns, records=records, count=len(rows))


async def write_prepared(session: AsyncSession, prepared: Prepared) -> None:
    if not prepared.count:
        return
    if prepared.rows is not None:
        await session.execute(insert(prepared.table), prepared.rows)
        return
    connection = await session.connection()
    # The session has already run a statement in this transaction (the importer's lock and lookup), so the
    # driver connection is inside it: COPY commits or rolls back with everything else.
    raw = (await connection.get_raw_connection()).driver_connection
    name, columns = prepared.table.name, prepared.columns
    if prepared.text is not None:
        # A memoryview, not bytes: asyncpg takes bytes for a file path.
        await raw.copy_to_table(name, source=memoryview(prepared.text), columns=columns, format="text")
    else:
        await raw.copy_records_to_table(name, records=prepared.records, columns=columns)
