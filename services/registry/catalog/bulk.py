"""Writing many rows at once: PostgreSQL's COPY where available, multi-row INSERT elsewhere.

COPY streams rows without per-statement parsing or planning; for a catalogue of 100,000 rows it is the
difference between an import that keeps up with a raw INSERT and one that does not. Binary COPY by default;
the text format for a table with a tsvector, which asyncpg's binary COPY cannot encode but PostgreSQL's
text input reads. It runs on the session's own connection, inside its transaction: a failure writes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Table, insert
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Prepared", "copy_text", "write_prepared"]

_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(text: str) -> str:
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text) if _SPECIAL.search(text) else text


_encode_json = json.JSONEncoder(ensure_ascii=False).encode
_EMPTY_JSON = {list: "[]", dict: "{}"}


def _json(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)``, with one encoder for every row (``dumps`` with an option
    builds a new one per call) and none for the empty lists and objects that most imported rows hold."""
    if not value and type(value) in _EMPTY_JSON:
        return _EMPTY_JSON[type(value)]
    return _encode_json(value)


def _converter(column) -> Callable[[Any], str]:
    if isinstance(column.type, JSON):
        return lambda v: "\\N" if v is None else _escaped(_json(v))
    if isinstance(column.type, (Integer, DateTime, Date, Boolean, TSVECTOR)):
        # Numbers, times, tsvector literals of our tokens: their text never holds a tab, newline or backslash.
        return lambda v: "\\N" if v is None else str(v)
    return lambda v: "\\N" if v is None else _escaped(str(v))


def _line_encoder(table: Table, columns: list[str]) -> Callable[[dict[str, Any]], str]:
    """One row as a line of PostgreSQL's COPY text format (tab-separated, ``\\N`` for NULL, backslash escapes)."""
    converters = [_converter(table.c[name]) for name in columns]
    json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    cells_of = _cells_of(columns)
    tabs = len(columns) - 1

    def line(row: dict[str, Any]) -> str:
        cells = cells_of(row)
        if None not in cells:
            # Most rows need no escape and no NULL: one join, then a check (in C) that no cell held a
            # tab, newline or backslash, which only the converters below escape.
            texts = cells
            if json_at:
                texts = list(cells)
                for i in json_at:
                    texts[i] = _json(texts[i])
            text = "\t".join(map(str, texts))
            if text.count("\t") == tabs and "\\" not in text and "\n" not in text and "\r" not in text:
                return text
        # A short row ends early.
        return "\t".join([convert(cell) for convert, cell in zip(converters, cells, strict=False)])

    return line


def _record_encoder(table: Table, columns: list[str]) -> Callable[[dict[str, Any]], tuple]:
    """One row as a record for asyncpg's binary COPY, JSON columns as their text."""
    json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    cells_of = _cells_of(columns)

    def record(row: dict[str, Any]) -> tuple:
        cells = list(cells_of(row))
        for i in json_at:
            cells[i] = _json(cells[i])
        return tuple(cells)

    return record


def _cells_of(columns: list[str]) -> Callable[[dict[str, Any]], tuple]:
    # itemgetter of one name returns the value itself, not a 1-tuple.
    return itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)


def copy_text(table: Table, columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    """``rows`` in PostgreSQL's COPY text format (tab-separated, ``\\N`` for NULL, backslash escapes)."""
    return ("\n".join(map(_line_encoder(table, columns), rows)) + "\n").encode("utf-8")


class Prepared:
    """Rows of one table made ready to write, each encoded as it is added (in a worker thread, while the
    previous batch is written): the dict itself on SQLite (a multi-row INSERT), a record for binary COPY, or
    a line for text COPY (a table with a tsvector).

    Encoding row by row lets a caller drop each row's dicts at once. Kept alive until a whole batch was
    encoded, they outlived two young garbage collections and were promoted to the oldest generation, whose
    full passes over the heap then cost the importer more than the encoding did (profiled).
    """

    def __init__(self, table: Table, postgres: bool) -> None:
        self.table, self.postgres = table, postgres
        self.columns: list[str] = []
        self.format = "rows"  # rows | records | text
        self.items: list[Any] = []
        self.text = b""  # the lines of the text format, joined by finish()
        self._encode: Callable[[dict[str, Any]], Any] | None = None

    def __len__(self) -> int:
        return len(self.items)

    def add(self, row: dict[str, Any]) -> None:
        if self._encode is None:  # the first row names the columns
            self.columns = list(row)
            if not self.postgres:
                self._encode = lambda row: row
            elif any(isinstance(self.table.c[name].type, TSVECTOR) for name in self.columns):
                self.format, self._encode = "text", _line_encoder(self.table, self.columns)
            else:
                self.format, self._encode = "records", _record_encoder(self.table, self.columns)
        self.items.append(self._encode(row))

    def finish(self) -> None:
        """Join the text format's lines into the COPY payload, still in the worker thread."""
        if self.format == "text":
            self.text = ("\n".join(self.items) + "\n").encode("utf-8")


async def write_prepared(session: AsyncSession, prepared: Prepared) -> None:
    if not prepared.items:
        return
    if prepared.format == "rows":
        await session.execute(insert(prepared.table), prepared.items)
        return
    connection = await session.connection()
    # The session has already run a statement in this transaction (the importer's lock and lookup), so the
    # driver connection is inside it: COPY commits or rolls back with everything else.
    raw = (await connection.get_raw_connection()).driver_connection
    name, columns = prepared.table.name, prepared.columns
    if prepared.format == "text":
        # A memoryview, not bytes: asyncpg takes bytes for a file path.
        await raw.copy_to_table(name, source=memoryview(prepared.text), columns=columns, format="text")
    else:
        await raw.copy_records_to_table(name, records=prepared.items, columns=columns)
