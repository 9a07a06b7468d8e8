"""HTTP routes of designations and implementation plans; the services hold the rules and the SQL."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.kernel.db import SessionDep
from services.kernel.pagination import NextLink
from services.kernel.security import Principal, require_roles

from ..routing import AuthorizeFirst
from . import plans
from .callers import Admin, ImplementingBody, ManagedPlan, Manager
from .http import READ_ERRORS, WRITE_ERRORS, After, Limit
from .schemas import (
    ApprovalIn,
    DesignationIn,
    DesignationOut,
    FilingIn,
    PlanChangeIn,
    PlanIn,
    PlanOut,
    PlanVersionOut,
    SelectionIn,
    SelectionOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/operation", tags=["authorized operation"], route_class=AuthorizeFirst)
PlanReader = Annotated[Principal, require_roles("admin", "auditor", "authority")]
Person = Annotated[Principal, require_roles("admin", "authority", "registrar", "agency", "operator", "auditor")]
Region = Annotated[str | None, Query(pattern=r"^[1-9][0-9]{5}$")]


@router.post("/designations", status_code=201, responses=WRITE_ERRORS)
async def create_designation(principal: Admin, data: DesignationIn, session: SessionDep) -> DesignationOut:
    """Record that an organization acts as implementing body or price authority for a region (admin)."""
    return DesignationOut.model_validate((await plans.create_designation(session, principal, data)).model_dump())


@router.get("/designations", responses=READ_ERRORS)
async def list_designations(session: SessionDep, _: Person, region_code: Region = None) -> list[DesignationOut]:
    """Who is designated for what, by region."""
    return [DesignationOut.model_validate(d.model_dump()) for d in await plans.list_designations(session, region_code)]


@router.post("/plans", status_code=201, responses=WRITE_ERRORS)
async def create_plan(principal: ImplementingBody, data: PlanIn, session: SessionDep) -> PlanOut:
    """Draft an implementation plan with its 12 required items (spec Art. 9)."""
    return PlanOut.model_validate((await plans.create_plan(session, principal, data)).model_dump())


@router.get("/plans", responses=READ_ERRORS)
async def list_plans(session: SessionDep, principal: PlanReader, pages: NextLink, after: After = None,
                     limit: Limit = 100,
                     status: Literal["draft", "approved", "filed"] | None = None) -> list[PlanOut]:
    """Plans the caller may see: its own implementing body's, or all for admins and auditors."""
    rows = await plans.list_plans(session, principal, status=status, after=after, limit=limit)
    return [PlanOut.model_validate(p.model_dump()) for p in pages.after(rows, limit)]


@router.get("/plans/{plan_id}", responses=READ_ERRORS)
async def get_plan(plan_id: str, session: SessionDep, principal: PlanReader) -> PlanOut:
    """One plan."""
    return PlanOut.model_validate((await plans.get_plan(session, principal, plan_id)).model_dump())


@router.get("/plans/{plan_id}/versions", responses=READ_ERRORS)
async def plan_versions(plan_id: str, session: SessionDep, principal: PlanReader) -> list[PlanVersionOut]:
    """Every version of a plan, oldest first."""
    versions = await plans.plan_versions(session, principal, plan_id)
    return [PlanVersionOut.model_validate(v.model_dump()) for v in versions]


@router.post("/plans/{plan_id}/changes", responses=WRITE_ERRORS)
async def change_plan(plan_id: ManagedPlan, data: PlanChangeIn, session: SessionDep, principal: Manager) -> PlanOut:
    """Change a plan; a major change sends it back for approval (Art. 11)."""
    return PlanOut.model_validate((await plans.change_plan(session, principal, plan_id, data)).model_dump())


@router.post("/plans/{plan_id}/approval", responses=WRITE_ERRORS)
async def approve_plan(plan_id: ManagedPlan, data: ApprovalIn, session: SessionDep, principal: Manager) -> PlanOut:
    """Record the collective decision approving the plan (Art. 11)."""
    return PlanOut.model_validate((await plans.approve_plan(session, principal, plan_id, data)).model_dump())


@router.post("/plans/{plan_id}/filing", responses=WRITE_ERRORS)
async def file_plan(plan_id: ManagedPlan, data: FilingIn, session: SessionDep, principal: Manager) -> PlanOut:
    """Record the filing of the approved plan with the provincial data authority."""
    return PlanOut.model_validate((await plans.file_plan(session, principal, plan_id, data)).model_dump())


@router.post("/plans/{plan_id}/selections", status_code=201, responses=WRITE_ERRORS)
async def record_selection(plan_id: ManagedPlan, data: SelectionIn, session: SessionDep,
                           principal: Manager) -> SelectionOut:
    """Record how an operator was selected, with evidence (Art. 12)."""
    row = await plans.record_selection(session, principal, plan_id, data)
    return SelectionOut.model_validate(row.model_dump())


@router.get("/plans/{plan_id}/selections", responses=READ_ERRORS)
async def list_selections(plan_id: str, session: SessionDep, principal: PlanReader) -> list[SelectionOut]:
    """Operator selections made under a plan."""
    selections = await plans.list_selections(session, principal, plan_id)
    return [SelectionOut.model_validate(s.model_dump()) for s in selections]
