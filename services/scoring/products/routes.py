"""Value scores and valuations of products and resources."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.kernel.db import SessionDep
from services.kernel.pagination import Page
from services.kernel.problems import NotFound
from services.kernel.security import CurrentPrincipal

from ..access import must_read, owner_filter
from ..contests.service import contests_for
from ..mirror.routes import freshness
from ..records import ProductScore, Valuation
from ..schemas import ContestOut, ValuationIn, ValuationOut, ValueScoreOut
from .service import list_scores
from .valuations import create_valuation, get_valuation, list_valuations

__all__ = ["router"]

router = APIRouter(tags=["value of products and resources"])
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "No valid token", **PROBLEM}, 403: {"description": "Not allowed", **PROBLEM},
          404: {"description": "Not found", **PROBLEM}, 422: {"description": "Invalid input", **PROBLEM}}
Kind = Literal["product", "resource"]


def _contests(rows) -> list[ContestOut]:
    return [ContestOut.model_validate(c, from_attributes=True) for c in rows]


async def _score_out(session, row: ProductScore, contests=()) -> ValueScoreOut:
    return ValueScoreOut(**row.model_dump(exclude={"source_seq"}), contests=_contests(contests),
                         freshness=await freshness(session))


@router.get("/value-scores", responses=ERRORS, operation_id="list_value_scores")
async def value_scores(
    session: SessionDep, principal: CurrentPrincipal,
    kind: Annotated[Kind | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[ValueScoreOut]:
    """Value scores visible to the caller (own organization's, or all)."""
    rows, next_cursor = await list_scores(session, org=owner_filter(principal), kind=kind, cursor=cursor, limit=limit)
    fresh = await freshness(session)
    return Page[ValueScoreOut](items=[ValueScoreOut(**r.model_dump(exclude={"source_seq"}), freshness=fresh)
                                      for r in rows], next_cursor=next_cursor)


@router.get("/value-scores/{kind}/{subject_id}", responses=ERRORS, operation_id="get_value_score")
async def value_score(kind: Kind, subject_id: str, session: SessionDep, principal: CurrentPrincipal) -> ValueScoreOut:
    """The value score of one product or resource: quality dimensions, demand, breadth, contests."""
    row = await session.get(ProductScore, (kind, subject_id))
    if row is None:
        raise NotFound(f"No value score for {kind} {subject_id!r}.", slug="score-not-found")
    must_read(principal, row.org_id)
    key = f"{kind}/{subject_id}"
    return await _score_out(session, row, (await contests_for(session, "value_score", [key]))[key])


def _valuation_out(row: Valuation, contests=()) -> ValuationOut:
    return ValuationOut(**row.model_dump(), contests=_contests(contests))


@router.post("/valuations", status_code=201, responses=ERRORS, operation_id="create_valuation")
async def value(data: ValuationIn, session: SessionDep, principal: CurrentPrincipal) -> ValuationOut:
    """Value a product or resource by the cost, income or market approach, every step shown."""
    return _valuation_out(await create_valuation(session, principal, data))


@router.get("/valuations", responses=ERRORS, operation_id="list_valuations")
async def valuations(
    session: SessionDep, principal: CurrentPrincipal,
    subject_kind: Annotated[Kind | None, Query()] = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ValuationOut]:
    """Valuations visible to the caller, newest first."""
    rows = await list_valuations(session, org=owner_filter(principal), subject_kind=subject_kind,
                                 subject_id=subject_id, limit=limit)
    return [_valuation_out(r) for r in rows]


@router.get("/valuations/{valuation_id}", responses=ERRORS, operation_id="get_valuation")
async def valuation(valuation_id: str, session: SessionDep, principal: CurrentPrincipal) -> ValuationOut:
    """One valuation with its parameters, steps and contests."""
    row = await get_valuation(session, valuation_id)
    must_read(principal, row.org_id)
    return _valuation_out(row, (await contests_for(session, "valuation", [row.id]))[row.id])
