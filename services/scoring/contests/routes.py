"""Contests of scores: filed by the scored organization, resolved by an authority."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.kernel.db import SessionDep
from services.kernel.security import CurrentPrincipal

from ..access import must_read
from ..schemas import ContestIn, ContestOut, ResolutionIn
from .service import contests_for, file_contest, get_contest, resolve_contest, target_owner

__all__ = ["router"]

router = APIRouter(tags=["contests"])
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "No valid token", **PROBLEM}, 403: {"description": "Not allowed", **PROBLEM},
          404: {"description": "Not found", **PROBLEM}, 409: {"description": "Already resolved", **PROBLEM},
          422: {"description": "Invalid input", **PROBLEM}}


def _out(row) -> ContestOut:
    return ContestOut.model_validate(row, from_attributes=True)


@router.post("/contests", status_code=201, responses=ERRORS, operation_id="file_contest")
async def contest(data: ContestIn, session: SessionDep, principal: CurrentPrincipal) -> ContestOut:
    """Contest a score of your own organization, with a reason."""
    return _out(await file_contest(session, principal, data.target_kind, data.target_id, data.reason))


@router.get("/contests", responses=ERRORS, operation_id="list_contests")
async def contests(
    session: SessionDep, principal: CurrentPrincipal,
    target_kind: Annotated[Literal["evaluation", "value_score", "valuation"], Query()],
    target_id: Annotated[str, Query(min_length=1, max_length=100)],
) -> list[ContestOut]:
    """The contests of one score."""
    must_read(principal, await target_owner(session, target_kind, target_id))
    return [_out(c) for c in (await contests_for(session, target_kind, [target_id]))[target_id]]


@router.get("/contests/{contest_id}", responses=ERRORS)
async def read_contest(contest_id: str, session: SessionDep, principal: CurrentPrincipal) -> ContestOut:
    """One contest and its resolution."""
    row = await get_contest(session, contest_id)
    must_read(principal, row.org_id)
    return _out(row)


@router.post("/contests/{contest_id}/resolution", responses=ERRORS, operation_id="resolve_contest")
async def resolve(contest_id: str, data: ResolutionIn, session: SessionDep, principal: CurrentPrincipal) -> ContestOut:
    """Resolve a contest: upheld or rejected, with the reasons (authorities, administrators)."""
    row = await get_contest(session, contest_id)
    return _out(await resolve_contest(session, principal, row, data.status, data.resolution))
