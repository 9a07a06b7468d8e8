"""Evaluations of organizations and regions: runs, results, replays, charts, submitted values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from services.kernel.db import SessionDep
from services.kernel.pagination import Page, encode_cursor, keyset_page
from services.kernel.problems import NotFound
from services.kernel.security import CurrentPrincipal

from ..access import must_read, must_run, must_submit, owner_filter
from ..contests.service import contests_for
from ..mirror.routes import freshness
from ..records import Evaluation, EvaluationRun
from ..schemas import (
    ContestOut,
    EvaluationOut,
    EvaluationRunIn,
    EvaluationSummary,
    ReplayOut,
    RunOut,
    SubmittedValueIn,
    SubmittedValueOut,
)
from .charts import comparison_svg, radar_svg, to_png
from .names import Names, SubjectNames
from .service import get_run, replay, run_evaluation
from .submissions import list_submitted, submit_value

__all__ = ["router"]

router = APIRouter(tags=["evaluations"])
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "No valid token", **PROBLEM}, 403: {"description": "Not allowed", **PROBLEM},
          404: {"description": "Not found", **PROBLEM}, 422: {"description": "Invalid input", **PROBLEM}}
IMAGE = {200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "The chart"}}
Format = Annotated[Literal["svg", "png"], Query()]


def _summary(e: Evaluation, names: Mapping[str, str]) -> EvaluationSummary:
    summary = EvaluationSummary.model_validate(e, from_attributes=True)
    summary.subject_name = names.get(e.subject_id) or summary.subject_name or e.subject_id
    return summary


async def _run_out(run: EvaluationRun, rows: Sequence[Evaluation], names: SubjectNames) -> RunOut:
    named = await names.of(rows)
    return RunOut(**run.model_dump(exclude={"feed_cursor"}), evaluations=[_summary(e, named) for e in rows])


async def _evaluation(session, evaluation_id: str) -> Evaluation:
    row = await session.get(Evaluation, evaluation_id)
    if row is None:
        raise NotFound("No such evaluation.", slug="evaluation-not-found")
    return row


def _image(svg: str, fmt: str) -> Response:
    if fmt == "png":
        return Response(to_png(svg), media_type="image/png")
    return Response(svg, media_type="image/svg+xml")


@router.post("/evaluation-runs", status_code=201, responses=ERRORS)
async def create_run(data: EvaluationRunIn, request: Request, session: SessionDep,
                     principal: CurrentPrincipal, names: Names) -> RunOut:
    """Evaluate organizations or regions for a period, as peers of one run."""
    must_run(principal)
    run = await run_evaluation(session, principal, subject_kind=data.subject_kind, subject_ids=data.subject_ids,
                               period=data.period, model_version=data.model_version,
                               directory=await request.app.state.directory.all())
    run, rows = await get_run(session, run.id)
    return await _run_out(run, rows, names)


@router.get("/evaluation-runs/{run_id}", responses=ERRORS)
async def read_run(run_id: str, session: SessionDep, principal: CurrentPrincipal, names: Names) -> RunOut:
    """A run: its weights, its input snapshot and digest, every peer's result."""
    run, rows = await get_run(session, run_id)
    if owner_filter(principal) is not None:
        must_read(principal, None)  # a run shows every peer: for those who see all organizations
    return await _run_out(run, rows, names)


@router.post("/evaluation-runs/{run_id}/replay", responses=ERRORS)
async def replay_run(run_id: str, session: SessionDep, principal: CurrentPrincipal) -> ReplayOut:
    """Recompute a run from its snapshot and say whether digest and results are reproduced."""
    run, rows = await get_run(session, run_id)
    if owner_filter(principal) is not None:
        must_read(principal, None)
    return ReplayOut(**await replay(session, run, rows))


@router.post("/evaluation-runs/{run_id}/rerun", status_code=201, responses=ERRORS)
async def rerun(run_id: str, request: Request, session: SessionDep, principal: CurrentPrincipal,
                names: Names) -> RunOut:
    """Evaluate the same peers, period and model version again on the current registry data (a new run)."""
    must_run(principal)
    old, _ = await get_run(session, run_id)
    run = await run_evaluation(session, principal, subject_kind=old.subject_kind,
                               subject_ids=sorted(old.inputs.get("subjects", {})), period=old.period,
                               model_version=old.model_version, directory=await request.app.state.directory.all())
    run, rows = await get_run(session, run.id)
    return await _run_out(run, rows, names)


@router.get("/evaluation-runs/{run_id}/comparison", responses={**ERRORS, **IMAGE}, response_class=Response)
async def comparison_chart(run_id: str, session: SessionDep, principal: CurrentPrincipal, names: Names,
                           format: Format = "svg") -> Response:
    """Comparison chart of the peers of a run (SVG, or PNG with format=png)."""
    run, rows = await get_run(session, run_id)
    if owner_filter(principal) is not None:
        must_read(principal, None)
    named = await names.of(rows)
    peers = [{"name": _summary(e, named).subject_name, "total": e.total, "dimensions": e.dimensions} for e in rows]
    return _image(comparison_svg(f"{run.period} · {run.model_version}", peers), format)


@router.get("/evaluations", responses=ERRORS)
async def list_evaluations(
    session: SessionDep, principal: CurrentPrincipal, names: Names,
    subject_kind: Annotated[Literal["organization", "region"] | None, Query()] = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    period: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[EvaluationSummary]:
    """Evaluations visible to the caller, newest first."""
    owner = owner_filter(principal)
    query = select(Evaluation)
    if owner is not None:
        query = query.where(Evaluation.owner_org == owner)
    for column, value in ((Evaluation.subject_kind, subject_kind), (Evaluation.subject_id, subject_id),
                          (Evaluation.period, period)):
        if value is not None:
            query = query.where(column == value)
    rows = list((await session.execute(keyset_page(query, [Evaluation.id], cursor, limit, descending=True)))
                .scalars())
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    named = await names.of(rows[:limit])
    return Page[EvaluationSummary](items=[_summary(e, named) for e in rows[:limit]], next_cursor=next_cursor)


@router.get("/evaluations/{evaluation_id}", responses=ERRORS)
async def read_evaluation(evaluation_id: str, session: SessionDep, principal: CurrentPrincipal,
                          names: Names) -> EvaluationOut:
    """One evaluation: indicators, dimensions, total, grade, rank, contributions, contests, freshness."""
    e = await _evaluation(session, evaluation_id)
    must_read(principal, e.owner_org)
    contests = (await contests_for(session, "evaluation", [e.id]))[e.id]
    return EvaluationOut(**_summary(e, await names.of([e])).model_dump(), dimensions=e.dimensions,
                         indicators=e.indicators, explanation=e.explanation,
                         contests=[ContestOut.model_validate(c, from_attributes=True) for c in contests],
                         freshness=await freshness(session, e.outdated))


@router.get("/evaluations/{evaluation_id}/radar", responses={**ERRORS, **IMAGE}, response_class=Response)
async def radar_chart(evaluation_id: str, session: SessionDep, principal: CurrentPrincipal, names: Names,
                      format: Format = "svg") -> Response:
    """Radar chart of the six dimension scores (SVG, or PNG with format=png)."""
    e = await _evaluation(session, evaluation_id)
    must_read(principal, e.owner_org)
    name = _summary(e, await names.of([e])).subject_name
    return _image(radar_svg(f"{name} {e.period}: {e.total:.1f} ({e.grade})", e.dimensions), format)


@router.post("/submitted-values", status_code=201, responses=ERRORS, operation_id="submit_value")
async def submit(data: SubmittedValueIn, session: SessionDep, principal: CurrentPrincipal) -> SubmittedValueOut:
    """Submit an indicator value with its evidence document (replaces an earlier one for the same period)."""
    must_submit(principal, data.subject_kind, data.subject_id)
    row = await submit_value(session, principal, data)
    return SubmittedValueOut.model_validate(row, from_attributes=True)


@router.get("/submitted-values", responses=ERRORS, operation_id="list_submitted_values")
async def submitted(
    session: SessionDep, principal: CurrentPrincipal,
    subject_kind: Annotated[Literal["organization", "region"], Query()],
    subject_id: Annotated[str, Query(min_length=1, max_length=64)],
    period: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
) -> list[SubmittedValueOut]:
    """Submitted values of one subject (with their evidence digests)."""
    owner = owner_filter(principal)
    if owner is not None and (subject_kind != "organization" or subject_id != owner):
        must_read(principal, None)
    rows = await list_submitted(session, subject_kind, subject_id, period)
    return [SubmittedValueOut.model_validate(r, from_attributes=True) for r in rows]
