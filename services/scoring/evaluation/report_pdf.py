"""A run's report as a PDF (A4 landscape) for a data bureau: the ranking, the peers' dimension bars, and per
subject a radar, the change against the previous period and what moved the score.

Text is set in the CJK font file (embedded as a subset, so the PDF reads the same on any machine); the charts
are the same SVG as the API's, rendered to PNG at twice their size. Table cells are wrapped by textfit, so a
name breaks between Chinese characters or at spaces and never inside a word.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .charts import comparison_svg, radar_svg, to_png
from .fonts import cjk_font
from .report import ReportRow, RunReport
from .report_labels import Lang, label
from .textfit import wrap

__all__ = ["to_pdf"]

FONT = "PDR-CJK"
PAGE = landscape(A4)
MARGIN = 15 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN
FRAME_HEIGHT = PAGE[1] - 2 * MARGIN - 12 * mm
GRID = colors.HexColor("#b8c4d0")
HEAD = colors.HexColor("#dde6f0")
PAD = 4  # left and right padding of a table cell


@functools.cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(cjk_font()), subfontIndex=0))
    return FONT


def _style(size: float, **extra: Any) -> ParagraphStyle:
    # splitLongWords off: a word wider than its cell overflows a little rather than being cut in two.
    return ParagraphStyle(f"pdr-{size}-{len(extra)}", fontName=_font(), fontSize=size, leading=size * 1.35,
                          splitLongWords=0, **extra)


def _cell(text: str, width: float, size: float = 9, **extra: Any) -> Paragraph:
    """A cell of a column ``width`` points wide, wrapped by textfit inside the cell's padding."""
    lines = wrap(text, max(width - 2 * PAD, size), size)
    return Paragraph("<br/>".join(escape(line) for line in lines), _style(size, **extra))


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if value is None else fmt.format(value)


def _delta(value: float | None) -> str:
    return _num(value, "{:+.2f}")


def _table(rows: list[list[Any]], widths: list[float], numeric_from: int) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), _font()), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD), ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ]))
    return table


def _image(svg: str, max_width: float, max_height: float) -> Image:
    png = to_png(svg, scale=2)
    w, h = ImageReader(BytesIO(png)).getSize()
    ratio = min(max_width / (w / 2), max_height / (h / 2), 1.0)
    return Image(BytesIO(png), width=w / 2 * ratio, height=h / 2 * ratio)


def _ranking(report: RunReport, t: Callable[[str], str]) -> Table:
    fixed = [28, 180, 52, 36, 56]
    dim_width = (FRAME_WIDTH - sum(fixed)) / max(len(report.dimensions), 1)
    widths = [*fixed, *([dim_width] * len(report.dimensions))]
    header = [_cell(t(k), w) for k, w in zip(("rank", "name", "total", "grade", "delta_total"), fixed, strict=True)]
    header += [_cell(d.name, dim_width) for d in report.dimensions]
    rows = [[str(r.rank), _cell(r.subject_name, fixed[1]), _num(r.total), r.grade, _delta(r.delta_total),
             *(_num(d.score) for d in r.dimensions)] for r in report.rows]
    return _table([header, *rows], widths, numeric_from=2)


def _changes(row: ReportRow, t: Callable[[str], str], width: float) -> Table:
    widths = [width - 3 * 58, 58, 58, 58]
    header = [_cell(t(k), w) for k, w in zip(("dimension", "score", "previous", "delta"), widths, strict=True)]
    total = [_cell(t("total"), widths[0]), _num(row.total), _num(row.previous.total if row.previous else None),
             _delta(row.delta_total)]
    dims = [[_cell(d.name, widths[0]), _num(d.score), _num(d.previous), _delta(d.delta)] for d in row.dimensions]
    return _table([header, total, *dims], widths, numeric_from=1)


def _movers(row: ReportRow, t: Callable[[str], str]) -> Table:
    keys = ("indicator", "value", "previous_value", "contribution", "previous_contribution", "delta", "shortfall")
    widths = [FRAME_WIDTH - 6 * 70, *([70] * 6)]
    header = [_cell(t(k), w) for k, w in zip(keys, widths, strict=True)]
    body = [[_cell(f"{m.name} ({m.code})", widths[0]),
             _cell(t("missing") if m.missing else _value(m.value, m.unit), 70),
             _cell(_value(m.previous_value, m.unit), 70), _num(m.contribution), _num(m.previous_contribution),
             _delta(m.delta), _num(m.shortfall)] for m in row.movers]
    return _table([header, *body] if body else [header, [t("movers.none"), "", "", "", "", "", ""]], widths,
                  numeric_from=3)


def _value(value: float | None, unit: str | None) -> str:
    """A raw indicator value as a reader writes it: 1,160,000 CNY, 0.6667 ratio (never 1.16e+06)."""
    if value is None:
        return "–"
    figure = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{figure} {unit or ''}".strip()


def _subject(row: ReportRow, report: RunReport, t: Callable[[str], str]) -> list[Any]:
    radar_width = 250.0
    radar = _image(radar_svg(f"{row.subject_name}: {row.total:.1f} ({row.grade})",
                             [d.model_dump() for d in row.dimensions]), radar_width, 240)
    changes = _changes(row, t, FRAME_WIDTH - radar_width - 12)
    side = Table([[radar, changes]], colWidths=[radar_width + 12, FRAME_WIDTH - radar_width - 12])
    side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    heading = f"{row.rank}. {row.subject_name} · {t('total')} {row.total:.2f} · {t('grade')} {row.grade}"
    if row.outdated:
        heading += f" · {t('outdated')}"
    note = (f"{t('previous_period')} {row.previous.period}: {row.previous.total:.2f} ({row.previous.grade}), "
            f"{t('model')} {row.previous.model_version}" if row.previous else
            f"{t('previous_period')} {report.previous_period}: {t('no_previous')}")
    basis = f"{t('movers')}: {t(f'movers.{row.movers_basis}')}"
    return [KeepTogether([Paragraph(escape(heading), _style(13, spaceBefore=10, spaceAfter=2)),
                          Paragraph(escape(note), _style(9, textColor=colors.HexColor("#555555"), spaceAfter=4)),
                          side, Paragraph(escape(basis), _style(10, spaceBefore=6, spaceAfter=3)),
                          _movers(row, t)])]


def to_pdf(report: RunReport, lang: Lang = "zh") -> bytes:
    t = partial(label, lang=lang)
    out = BytesIO()
    title = f"{t('title')} · {report.period}"
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 6 * mm, title=title, author="PDR scoring",
                            subject=f"{report.run_id}")

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 8)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, f"{t('run')} {report.run_id} · {report.model_version}")
        canvas.drawRightString(PAGE[0] - MARGIN, MARGIN - 2 * mm, t("page").format(page=document.page))
        canvas.restoreState()

    facts = [[t("run"), report.run_id, t("kind"), t(f"kind.{report.subject_kind}")],
             [t("period"), report.period, t("previous_period"), report.previous_period],
             [t("as_of"), f"{report.as_of} · {t('provisional') if report.provisional else t('final')}", "", ""],
             [t("model"), report.model_version, t("created"), report.created_at.strftime("%Y-%m-%d %H:%M UTC")],
             [t("digest"), report.inputs_digest, "", ""]]
    meta = Table(facts, colWidths=[80, 330, 80, FRAME_WIDTH - 490])
    meta.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _font()), ("FONTSIZE", (0, 0), (-1, -1), 9),
                              ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#555555")),
                              ("TEXTCOLOR", (2, 0), (2, -1), colors.HexColor("#555555")),
                              ("SPAN", (1, 3), (3, 3))]))
    peers = [{"name": r.subject_name, "total": r.total, "dimensions": [d.model_dump() for d in r.dimensions]}
             for r in report.rows]
    story: list[Any] = [Paragraph(escape(title), _style(18, spaceAfter=8)), meta, Spacer(1, 8),
                        Paragraph(escape(t("ranking")), _style(14, spaceBefore=6, spaceAfter=4)),
                        _ranking(report, t),
                        KeepTogether([
                            Paragraph(escape(t("comparison")), _style(14, spaceBefore=12, spaceAfter=4)),
                            _image(comparison_svg(f"{report.period} · {report.model_version}", peers), FRAME_WIDTH,
                                   FRAME_HEIGHT - 40)])]
    for row in report.rows:
        story += _subject(row, report, t)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()

