"""CSV and XLSX writing that a spreadsheet opens safely.

A text cell that begins with ``= + - @``, a tab or a carriage return is prefixed with a single quote, so a
spreadsheet shows it as text instead of running it as a formula (OWASP, "CSV Injection"). Numbers and dates
stay typed. CSV is UTF-8 with a byte-order mark, the one way Excel recognizes UTF-8 (Chinese names), and
streams chunk by chunk; an XLSX is a zip, answered once openpyxl has written it whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from starlette.concurrency import run_in_threadpool

__all__ = ["BOM", "FORMULA_TRIGGERS", "csv_stream", "safe_text", "xlsx_bytes"]

BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_CHARS = 32_767
Cell = str | int | Decimal | date | datetime | bool | None


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (int, Decimal)):
        return str(value)
    return safe_text(value)


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; every stored time is UTC
    if isinstance(value, str):
        # Characters XML 1.0 cannot carry would make openpyxl refuse the whole sheet; a longer cell than Excel
        # holds makes Excel call the file damaged.
        return safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))[:EXCEL_CELL_CHARS]
    return value


async def csv_stream(headers: Sequence[str], chunks: AsyncIterable[list[Sequence[Cell]]]):
    """The CSV as UTF-8 bytes, the header with the byte-order mark first, then one piece per chunk of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in headers])
    yield (BOM + buffer.getvalue()).encode()
    async for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        yield buffer.getvalue().encode()


async def xlsx_bytes(title: str, headers: Sequence[str], chunks: AsyncIterable[list[Sequence[Cell]]]) -> bytes:
    """The workbook of every chunk. openpyxl's write-only sheet keeps its rows in a temporary file, so memory holds
    one chunk at a time; the CPU work runs in a worker thread, off the event loop."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([safe_text(h) for h in headers])

    def append(rows: list[Sequence[Cell]]) -> None:
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])

    def save() -> bytes:
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    async for rows in chunks:
        await run_in_threadpool(append, rows)
    return await run_in_threadpool(save)
