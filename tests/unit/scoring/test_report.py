"""A run's report, assembled from stored results without a database, and rendered as a workbook and a PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

from openpyxl import load_workbook
from pypdf import PdfReader

from services.scoring.evaluation.report import MOVERS, build_report, previous_period
from services.scoring.evaluation.report_pdf import to_pdf
from services.scoring.evaluation.report_xlsx import to_xlsx
from services.scoring.records import Evaluation, EvaluationRun

DIMS = [("infrastructure", "数据基础设施 data infrastructure"), ("resource_supply", "数据资源供给 resource supply"),
        ("sharing_exchange", "数据共享交换 sharing and exchange"), ("development_use", "数据开发利用 development and use"),
        ("security_assurance", "数据安全保障 security assurance"),
        ("circulation_operation", "数据流通运营 circulation and operation")]
LONG_NAME = "Shanghai Municipal Administration of Big Data and Public Data Operation Company Limited"


def _evaluation(subject: str, period: str, total: float, rank: int, contributions: dict[str, float],
                name: str = "", run_id: str = "run", scores: list[float] | None = None) -> Evaluation:
    scores = scores or [total] * 6
    indicators = [{"code": code, "name": f"指标 {code}", "dimension": DIMS[i % 6][0], "unit": "count",
                   "value": c * 10, "contribution": c, "shortfall": round(5.0 - c, 4), "missing": False}
                  for i, (code, c) in enumerate(sorted(contributions.items()))]
    return Evaluation(id=f"{subject}-{period}-{run_id}", run_id=run_id, subject_kind="organization",
                      subject_id=subject, subject_name=name or f"机构{subject}", period=period,
                      model_version="default-1.0", total=total, grade="B", rank=rank, peers=3,
                      dimensions=[{"code": c, "name": n, "weight": 1 / 6, "score": s, "contribution": s / 6}
                                  for (c, n), s in zip(DIMS, scores, strict=True)],
                      indicators=indicators, explanation=[], inputs_digest="d" * 64, outdated=False)


def _run() -> EvaluationRun:
    return EvaluationRun(id="run", subject_kind="organization", period="2025", model_version="default-1.0",
                         inputs_digest="a" * 64, created_by="someone", created_at=datetime(2026, 1, 5, tzinfo=UTC),
                         as_of=date(2025, 12, 31), provisional=False)


def _peers():
    a = _evaluation("a", "2025", 70.0, 1, {f"i{k}": 1.0 + k for k in range(8)}, scores=[80, 70, 60, 50, 40, 30])
    b = _evaluation("b", "2025", 55.5, 2, {"i0": 4.0, "i1": 0.5, "i2": 5.0}, name=LONG_NAME)
    c = _evaluation("c", "2025", 20.0, 3, {"i0": 2.0})
    before_a = _evaluation("a", "2024", 64.0, 2, {**{f"i{k}": 1.0 + k for k in range(8)}, "i1": 0.5, "i6": 9.0,
                                                  "i3": 4.0}, run_id="old", scores=[70, 70, 65, 50, 40, 20])
    before_c = _evaluation("c", "2024", 20.0, 1, {"i0": 2.0}, run_id="old")
    return [c, a, b], {"a": before_a, "c": before_c}


def test_previous_period_is_the_year_before():
    assert previous_period("2025") == "2024" and previous_period("2000") == "1999"


def test_rows_follow_the_rank_and_carry_the_change_against_the_previous_period():
    rows, previous = _peers()
    report = build_report(_run(), rows, previous)
    assert [r.subject_id for r in report.rows] == ["a", "b", "c"]
    assert [d.code for d in report.dimensions] == [c for c, _ in DIMS]
    a = report.rows[0]
    assert a.previous.evaluation_id == "a-2024-old" and a.previous.run_id == "old"
    assert a.delta_total == 6.0
    assert [d.delta for d in a.dimensions] == [10.0, 0.0, -5.0, 0.0, 0.0, 10.0]
    assert [d.previous for d in a.dimensions] == [70, 70, 65, 50, 40, 20]
    b = report.rows[1]
    assert b.previous is None and b.delta_total is None and all(d.delta is None for d in b.dimensions)
    assert report.previous_period == "2024" and report.comparison == "/evaluation-runs/run/comparison"
    assert a.radar == "/evaluations/a-2025-run/radar"


def test_what_moved_lists_the_largest_contribution_changes_first():
    rows, previous = _peers()
    a = build_report(_run(), rows, previous).rows[0]
    assert a.movers_basis == "change"
    assert [(m.code, m.delta) for m in a.movers] == [("i6", -2.0), ("i1", 1.5)]  # the rest did not move
    assert a.movers[0].previous_contribution == 9.0 and a.movers[0].contribution == 7.0
    assert a.movers[0].previous_value == 90.0 and a.movers[0].value == 70.0


def test_with_no_previous_period_or_no_change_what_moved_lists_the_largest_shortfalls():
    rows, previous = _peers()
    report = build_report(_run(), rows, previous)
    b, c = report.rows[1], report.rows[2]
    assert b.movers_basis == "shortfall"
    assert [(m.code, m.shortfall) for m in b.movers] == [("i1", 4.5), ("i0", 1.0)]  # i2 has none left
    assert c.previous is not None and c.delta_total == 0.0
    assert c.movers_basis == "shortfall" and [m.code for m in c.movers] == ["i0"]
    many = _evaluation("d", "2025", 1.0, 1, {f"k{n}": 0.1 * n for n in range(12)})
    assert len(build_report(_run(), [many], {}).rows[0].movers) == MOVERS


def test_workbook_holds_the_ranking_as_numbers():
    rows, previous = _peers()
    report = build_report(_run(), rows, previous)
    book = load_workbook(BytesIO(to_xlsx(report, "en")))
    assert book.sheetnames == ["Ranking", "Changes", "What moved", "About"]
    ranking = list(book["Ranking"].iter_rows(values_only=True))
    assert ranking[1] == (1, "机构a", "a", 70.0, "B", 80, 70, 60, 50, 40, 30, 6.0)
    assert ranking[2][1] == LONG_NAME and ranking[2][-1] is None
    assert book["Ranking"]["D2"].number_format == "0.00"
    moved = list(book["What moved"].iter_rows(values_only=True))[1:]
    assert moved[0][:4] == (1, "机构a", "Indicators whose contribution changed most", "i6")


def test_pdf_sets_every_word_of_a_long_name_whole():
    rows, previous = _peers()
    pdf = PdfReader(BytesIO(to_pdf(build_report(_run(), rows, previous))))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    words = set(text.split())
    assert set(LONG_NAME.split()) <= words
    assert "数据基础设施" in text and "无上期评估" in text and "贡献变化最大的指标" in text
