"""A run's report as a workbook: ranking, changes against the previous period, what moved, and the run's facts.

Figures are numbers (not text) with a number format, so a bureau can sort, filter and chart them; an empty
cell means "no previous period".
"""

from __future__ import annotations

from functools import partial
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .report import RunReport
from .report_labels import Lang, label

__all__ = ["to_xlsx"]

HEADER = PatternFill("solid", fgColor="DDE6F0")
SCORE, DELTA = "0.00", "+0.00;-0.00;0.00"


def _table(ws: Worksheet, header: list[str], rows: list[list[Any]], formats: dict[int, str],
           widths: dict[int, int]) -> None:
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(row)
    for column, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = fmt
    for column in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(column)].width = widths.get(column, 12)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions


def to_xlsx(report: RunReport, lang: Lang = "zh") -> bytes:
    t = partial(label, lang=lang)
    book = Workbook()
    ranking = book.active
    ranking.title = t("ranking")
    dims = report.dimensions
    _table(ranking, [t("rank"), t("name"), t("subject_id"), t("total"), t("grade"), *(d.name for d in dims),
                     t("delta_total")],
           [[r.rank, r.subject_name, r.subject_id, r.total, r.grade, *(d.score for d in r.dimensions), r.delta_total]
            for r in report.rows],
           {4: SCORE, **{6 + i: SCORE for i in range(len(dims))}, 6 + len(dims): DELTA},
           {1: 6, 2: 36, 3: 22, **{6 + i: 16 for i in range(len(dims))}})
    changes = book.create_sheet(t("sheet.change"))
    change_rows = []
    for r in report.rows:
        previous = r.previous.total if r.previous else None
        change_rows.append([r.rank, r.subject_name, t("total"), r.total, previous, r.delta_total])
        change_rows += [[r.rank, r.subject_name, d.name, d.score, d.previous, d.delta] for d in r.dimensions]
    _table(changes, [t("rank"), t("name"), t("dimension"), t("score"), t("previous"), t("delta")], change_rows,
           {4: SCORE, 5: SCORE, 6: DELTA}, {1: 6, 2: 36, 3: 30})
    movers = book.create_sheet(t("sheet.movers"))
    mover_rows = [[r.rank, r.subject_name, t(f"movers.{r.movers_basis}"), m.code, m.name, m.dimension, m.unit,
                   m.value, m.previous_value, m.contribution, m.previous_contribution, m.delta, m.shortfall]
                  for r in report.rows for m in r.movers]
    _table(movers, [t("rank"), t("name"), t("basis"), t("code"), t("indicator"), t("dimension"), t("unit"),
                    t("value"), t("previous_value"), t("contribution"), t("previous_contribution"), t("delta"),
                    t("shortfall")], mover_rows, {10: SCORE, 11: SCORE, 12: DELTA, 13: SCORE},
           {1: 6, 2: 36, 3: 26, 4: 26, 5: 40, 6: 20})
    about = book.create_sheet(t("about"))
    for key, value in (("title", ""), ("run", report.run_id), ("kind", t(f"kind.{report.subject_kind}")),
                       ("period", report.period), ("previous_period", report.previous_period),
                       ("as_of", f"{report.as_of} · {t('provisional') if report.provisional else t('final')}"),
                       ("model", report.model_version), ("digest", report.inputs_digest),
                       ("created", report.created_at.isoformat())):
        about.append([t(key), value])
    about["A1"].font = Font(bold=True, size=14)
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 20, 70
    out = BytesIO()
    book.save(out)
    return out.getvalue()
