"""Reading an agency's resource catalogue from CSV or XLSX: header mapping and raw rows, nothing validated yet.

Headers may be our English field names or the Chinese column titles an agency's catalogue uses; both map to
one canonical field. Row numbers are those a person sees in a spreadsheet: the header is row 1.

Rows stream from the parser and every limit of ``ImportLimits`` is checked as each one arrives (limits.py):
a file is refused at the first row, column or cell past a limit. An XLSX is a zip of XML parts: their
uncompressed sizes are checked before anything is parsed, its XML is read by openpyxl through defusedxml (no
entity declarations), and the sheet's declared dimension is ignored, so a 1.5 KB sheet that declares
``A1:XFD8000`` is not padded out to 131 million cells.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from defusedxml import DefusedXmlException

from services.kernel.problems import ContentTooLarge, Unprocessable

from .limits import ImportLimits

__all__ = ["HEADERS", "REQUIRED", "Sheet", "read_sheet"]

# Canonical field → accepted headers (the first is what error reports show when the file used none).
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "资源名称", "数据资源名称", "名称"),
    "description": ("description", "资源摘要", "摘要", "描述", "资源描述"),
    "data_items": ("data_items", "数据项", "信息项", "字段"),
    "scale": ("scale", "数据规模", "数据量"),
    "update_frequency": ("update_frequency", "更新频率", "更新周期"),
    "quality": ("quality", "数据质量"),
    "sharing_attribute": ("sharing_attribute", "共享属性", "共享类型"),
    "opening_attribute": ("opening_attribute", "开放属性", "开放类型"),
    "grading": ("grading", "数据分级", "分级"),
    "domain": ("domain", "所属领域", "领域", "行业领域"),
    "region_code": ("region_code", "行政区划代码", "区划代码"),
    "source": ("source", "数据来源", "来源"),
    "lawful_basis": ("lawful_basis", "合法性依据", "来源依据", "法律依据"),
}
REQUIRED = ("name", "sharing_attribute", "opening_attribute", "grading")
_LOOKUP = {alias.strip().lower(): field for field, aliases in HEADERS.items() for alias in aliases}
_EMPTY = (None, "")


@dataclass
class Sheet:
    columns: dict[str, str]  # canonical field → the header as written in the file
    fields: tuple[str, ...]  # the canonical field of each cell of a row
    rows: list[tuple[int, tuple[str, ...]]]  # (row number, the cells of ``fields``)
    ignored_headers: list[str]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 310000 as 310000.0
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel exports CSV in GB 18030 unless told otherwise
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unprocessable("The CSV file is neither UTF-8 nor GB 18030 text.", slug="import-encoding")


def _csv_rows(data: bytes) -> Iterator[Sequence]:
    try:
        yield from csv.reader(io.StringIO(_decode(data), newline=""))
    except csv.Error as exc:  # the csv module's own bound on a field (128 KiB) is one of these
        raise Unprocessable(f"The CSV cannot be read: {exc}.", slug="import-unreadable") from None


def _unreadable(what: str, exc: Exception) -> Unprocessable:
    if isinstance(exc, DefusedXmlException):
        return Unprocessable("The workbook's XML declares entities or a DTD, which are not read.",
                             slug="import-xml-entities")
    return Unprocessable(f"{what} ({type(exc).__name__}).", slug="import-unreadable")


def _xlsx_rows(data: bytes, limits: ImportLimits) -> Iterator[Sequence]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())  # reading never yields more
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise _unreadable("The file is not a readable XLSX workbook", exc) from None
    if unzipped > limits.max_unzipped_bytes:
        raise ContentTooLarge(f"The workbook's parts hold {unzipped} bytes uncompressed; at most "
                              f"{limits.max_unzipped_bytes} are read.", slug="import-too-large")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 (answered 422:) openpyxl raises many kinds for a file that is not a workbook
        raise _unreadable("The file is not a readable XLSX workbook", exc) from None
    try:
        if not book.worksheets:
            return
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # each row as wide as its last cell, whatever the sheet declares
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 (answered 422:) a workbook whose sheet XML is broken fails only while rows are read
                raise _unreadable("The worksheet cannot be read", exc) from None
            yield row
    finally:
        book.close()


def _title(header: list[str], index: int) -> str:
    return header[index] if index < len(header) and header[index] else f"column {index + 1}"


def _cells(raw: Sequence, number: int, header: list[str], limits: ImportLimits) -> list[str]:
    """A row's cells as text, refused when it reaches past ``max_columns`` or a cell is too long."""
    if len(raw) > limits.max_columns:
        excess = raw[limits.max_columns:]
        if sum(excess.count(empty) for empty in _EMPTY) != len(excess):  # counted in C: a row may be 16,384 wide
            raise ContentTooLarge(f"Row {number} has cells past column {limits.max_columns}.",
                                  slug="import-too-many-columns", row=number, max_columns=limits.max_columns)
        raw = raw[:limits.max_columns]
    cells = [_cell(value) for value in raw]
    for index, text in enumerate(cells):
        if len(text) > limits.max_cell_chars:
            raise ContentTooLarge(f"A cell holds more than {limits.max_cell_chars} characters.",
                                  slug="import-cell-too-large", row=number, column=_title(header, index),
                                  max_cell_chars=limits.max_cell_chars)
    return cells


def read_sheet(filename: str, data: bytes, limits: ImportLimits | None = None) -> Sheet:
    """Parse ``data`` (CSV or XLSX by file name); raise Unprocessable when the header is unusable and
    ContentTooLarge at the first thing past a limit."""
    limits = limits or ImportLimits()
    lower = filename.lower()
    if not lower.endswith((".xlsx", ".csv")):
        raise Unprocessable("Only .csv and .xlsx files can be imported.", slug="import-format")
    if len(data) > limits.max_bytes:
        raise ContentTooLarge(f"The file is larger than {limits.max_bytes // (1024 * 1024)} MiB.",
                              slug="import-too-large")
    rows = _xlsx_rows(data, limits) if lower.endswith(".xlsx") else _csv_rows(data)
    try:
        first = next(rows)
    except StopIteration:
        raise Unprocessable("The file is empty.", slug="import-empty") from None
    header = _cells(first, 1, [], limits)
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored = []
    for index, title in enumerate(header):
        field = _LOOKUP.get(title.lower())
        if field is None or field in positions:
            if title:
                ignored.append(title)
            continue
        positions[field], columns[field] = index, title
    missing = [HEADERS[f][0] for f in REQUIRED if f not in positions]
    if missing:
        raise Unprocessable("The header lacks required columns.", slug="import-header", missing_columns=missing,
                            errors=[{"row": 1, "column": m, "reason": "required column is missing"} for m in missing])
    fields, at = tuple(positions), tuple(positions.values())
    parsed: list[tuple[int, tuple[str, ...]]] = []
    cells_read, blank = len(first), 0
    for number, raw in enumerate(rows, start=2):
        cells_read += len(raw)
        if cells_read > limits.max_cells:
            raise ContentTooLarge(f"The file has more than {limits.max_cells} cells, empty ones included.",
                                  slug="import-too-many-cells", row=number, max_cells=limits.max_cells)
        cells = _cells(raw, number, header, limits)
        if not any(cells):
            blank += 1  # blank lines are common at the end of exported sheets
            if blank > limits.max_rows:
                raise ContentTooLarge(f"The file has more than {limits.max_rows} blank rows.",
                                      slug="import-too-many-rows", row=number, max_rows=limits.max_rows)
            continue
        if len(parsed) >= limits.max_rows:
            raise ContentTooLarge(f"A file may hold at most {limits.max_rows} rows.", slug="import-too-many-rows",
                                  row=number, max_rows=limits.max_rows)
        width = len(cells)
        parsed.append((number, tuple(cells[i] if i < width else "" for i in at)))
    return Sheet(columns={f: columns.get(f, HEADERS[f][0]) for f in HEADERS}, fields=fields, rows=parsed,
                 ignored_headers=ignored)
