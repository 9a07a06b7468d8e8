"""A run's report for a data bureau, assembled from stored results (pure: no database, no HTTP).

For every peer of the run: its rank, total, grade and six dimension scores; the change against the same
subject's latest evaluation of the period before (Δ total, Δ per dimension), or none; and what moved the
score: the indicators whose contribution changed most since then, or, with nothing to compare with (or
nothing changed), the indicators with the largest shortfall against their full weight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel

from ..records import Evaluation, EvaluationRun
from ..schemas import Instant

__all__ = ["MOVERS", "Mover", "PreviousResult", "ReportDimension", "ReportRow", "RowDimension", "RunReport",
           "build_report", "previous_period"]

MOVERS = 5  # indicators listed under "what moved the score", per subject
UNMOVED = 0.005  # a contribution change below this (points of the total) is rounding, not movement


class ReportDimension(BaseModel):
    code: str
    name: str
    weight: float


class RowDimension(BaseModel):
    code: str
    name: str
    score: float
    previous: float | None = None
    delta: float | None = None


class PreviousResult(BaseModel):
    evaluation_id: str
    run_id: str
    period: str
    model_version: str
    total: float
    grade: str
    rank: int
    peers: int


class Mover(BaseModel):
    code: str
    name: str
    dimension: str
    unit: str | None = None
    value: float | None = None
    previous_value: float | None = None
    contribution: float
    previous_contribution: float | None = None
    delta: float | None = None
    shortfall: float
    missing: bool = False


class ReportRow(BaseModel):
    evaluation_id: str
    subject_id: str
    subject_name: str
    rank: int
    peers: int
    total: float
    grade: str
    outdated: bool
    dimensions: list[RowDimension]
    previous: PreviousResult | None
    delta_total: float | None
    movers_basis: Literal["change", "shortfall"]
    movers: list[Mover]
    radar: str  # the path of this evaluation's radar chart


class RunReport(BaseModel):
    run_id: str
    subject_kind: str
    period: str
    as_of: date  # the day stocks were counted on
    provisional: bool  # the current year, evaluated to date
    previous_period: str
    model_version: str
    inputs_digest: str
    created_at: Instant
    dimensions: list[ReportDimension]
    rows: list[ReportRow]
    comparison: str  # the path of the run's comparison chart


def previous_period(period: str) -> str:
    return f"{int(period) - 1:04d}"


def _dimensions(current: list[dict], previous: Evaluation | None) -> list[RowDimension]:
    before = {d["code"]: float(d["score"]) for d in (previous.dimensions if previous else [])}
    out = []
    for d in current:
        score, old = float(d["score"]), before.get(d["code"])
        out.append(RowDimension(code=d["code"], name=d["name"], score=score, previous=old,
                                delta=None if old is None else round(score - old, 4)))
    return out


def _mover(indicator: dict, old: dict | None) -> Mover:
    contribution = float(indicator["contribution"])
    old_contribution = None if old is None else float(old["contribution"])
    return Mover(code=indicator["code"], name=indicator.get("name", indicator["code"]),
                 dimension=indicator.get("dimension", ""), unit=indicator.get("unit"), value=indicator.get("value"),
                 previous_value=None if old is None else old.get("value"), contribution=contribution,
                 previous_contribution=old_contribution,
                 delta=None if old_contribution is None else round(contribution - old_contribution, 4),
                 shortfall=float(indicator.get("shortfall", 0.0)), missing=bool(indicator.get("missing", False)))


def _movers(current: list[dict], previous: Evaluation | None) -> tuple[Literal["change", "shortfall"], list[Mover]]:
    if previous is not None:
        before = {i["code"]: i for i in previous.indicators}
        changed = [m for m in (_mover(i, before.get(i["code"])) for i in current)
                   if m.delta is not None and abs(m.delta) >= UNMOVED]
        if changed:
            changed.sort(key=lambda m: (-abs(m.delta or 0.0), m.code))
            return "change", changed[:MOVERS]
    short = sorted((_mover(i, None) for i in current if float(i.get("shortfall", 0.0)) >= UNMOVED),
                   key=lambda m: (-m.shortfall, m.code))
    return "shortfall", short[:MOVERS]


def _previous(e: Evaluation) -> PreviousResult:
    return PreviousResult(evaluation_id=e.id, run_id=e.run_id, period=e.period, model_version=e.model_version,
                          total=e.total, grade=e.grade, rank=e.rank, peers=e.peers)


def build_report(run: EvaluationRun, rows: Sequence[Evaluation], previous: Mapping[str, Evaluation]) -> RunReport:
    """``previous``: subject id → that subject's latest evaluation of the period before (where there is one)."""
    ordered = sorted(rows, key=lambda e: (e.rank, e.subject_id))  # the comparison chart's order
    dimensions = [ReportDimension(code=d["code"], name=d["name"], weight=float(d.get("weight", 0.0)))
                  for d in (ordered[0].dimensions if ordered else [])]
    out = []
    for e in ordered:
        before = previous.get(e.subject_id)
        basis, movers = _movers(e.indicators, before)
        out.append(ReportRow(
            evaluation_id=e.id, subject_id=e.subject_id, subject_name=e.subject_name or e.subject_id, rank=e.rank,
            peers=e.peers, total=e.total, grade=e.grade, outdated=e.outdated,
            dimensions=_dimensions(e.dimensions, before),
            previous=_previous(before) if before else None,
            delta_total=round(e.total - before.total, 2) if before else None,
            movers_basis=basis, movers=movers, radar=f"/evaluations/{e.id}/radar"))
    return RunReport(run_id=run.id, subject_kind=run.subject_kind, period=run.period, as_of=run.as_of,
                     provisional=run.provisional, previous_period=previous_period(run.period),
                     model_version=run.model_version,
                     inputs_digest=run.inputs_digest, created_at=run.created_at, dimensions=dimensions, rows=out,
                     comparison=f"/evaluation-runs/{run.id}/comparison")
