"""Reading an agency's resource catalogue from CSV or XLSX: header mapping and raw rows, nothing validated yet.

Headers may be our English field names or the Chinese column titles an agency's catalogue uses; both map to
one canonical field. Row numbers are those a person sees in a spreadsheet: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from services.kernel.problems import Unprocessable

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
MAX_ROWS = 200_000


@dataclass
class Sheet:
    columns: dict[str, str]  # canonical field → the header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (row number, canonical field → cell text)
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


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    yield from csv.reader(io.StringIO(_decode(data), newline=""))


def _xlsx_rows(data: bytes) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise Unprocessable(f"The file is not a readable XLSX workbook ({type(exc).__name__}).",
                            slug="import-unreadable") from None
    try:
        rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)] if book.worksheets else []
    except Exception as exc:  # a workbook whose sheet XML is broken fails only while rows are read
        raise Unprocessable(f"The worksheet cannot be read ({type(exc).__name__}).",
                            slug="import-unreadable") from None
    finally:
        book.close()
    yield from rows


def read_sheet(filename: str, data: bytes) -> Sheet:
    """Parse ``data`` (CSV or XLSX by file name); raise Unprocessable when the header is unusable."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif lower.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise Unprocessable("Only .csv and .xlsx files can be imported.", slug="import-format")
    try:
        header = [_cell(h) for h in next(rows)]
    except StopIteration:
        raise Unprocessable("The file is empty.", slug="import-empty") from None
    except csv.Error as exc:
        raise Unprocessable(f"The CSV header cannot be read: {exc}.", slug="import-unreadable") from None
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
    parsed: list[tuple[int, dict[str, str]]] = []
    try:
        for number, raw in enumerate(rows, start=2):
            cells = [_cell(v) for v in raw]
            if not any(cells):
                continue  # blank lines are common at the end of exported sheets
            if len(parsed) >= MAX_ROWS:
                raise Unprocessable(f"A file may hold at most {MAX_ROWS} rows.", slug="import-too-large")
            parsed.append((number, {f: cells[i] if i < len(cells) else "" for f, i in positions.items()}))
    except csv.Error as exc:
        raise Unprocessable(f"The CSV cannot be read: {exc}.", slug="import-unreadable") from None
    return Sheet(columns={f: columns.get(f, HEADERS[f][0]) for f in HEADERS}, rows=parsed, ignored_headers=ignored)
