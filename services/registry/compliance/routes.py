"""HTTP routes of compliance: the rule catalog, findings, waivers and the sweep."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import SessionDep
from services.kernel.pagination import NextLink
from services.kernel.security import Principal, require_roles

from ..operation.http import READ_ERRORS, WRITE_ERRORS, After, Limit
from ..routing import AuthorizeFirst
from . import records
from .catalog import catalog
from .engine import sweep
from .models import ComplianceRecord
from .schemas import ComplianceSweepOut, RecordOut, RuleOut, SweepIn, WaiverIn

__all__ = ["router"]

router = APIRouter(prefix="/compliance", tags=["compliance"], route_class=AuthorizeFirst)
Person = Annotated[Principal, require_roles("admin", "authority", "registrar", "agency", "operator", "auditor")]
Admin = Annotated[Principal, require_roles("admin")]


@router.get("/rules")
async def list_rules() -> list[RuleOut]:
    """The rule catalog: id, title, citation, severity (public)."""
    return [RuleOut.model_validate(r.as_json()) for r in catalog().values()]


@router.get("/records", responses=READ_ERRORS)
async def list_records(session: SessionDep, principal: Person, pages: NextLink, after: After = None,
                       limit: Limit = 100,
                       status: Literal["open", "resolved", "waived"] | None = None,
                       rule_id: Annotated[str | None, Query(max_length=40)] = None,
                       subject_id: Annotated[str | None, Query(max_length=64)] = None) -> list[RecordOut]:
    """Findings the caller may see."""
    rows = pages.after(await records.list_records(session, principal, status=status, rule_id=rule_id,
                                                  subject_id=subject_id, after=after, limit=limit), limit)
    return await _out(session, rows)


@router.get("/records/{record_id}", responses=READ_ERRORS)
async def get_record(record_id: str, session: SessionDep, principal: Person) -> RecordOut:
    """One finding."""
    return (await _out(session, [await records.get_record(session, principal, record_id)]))[0]


@router.post("/records/{record_id}/waiver", responses=WRITE_ERRORS, operation_id="waive_record")
async def waive(record_id: str, data: WaiverIn, session: SessionDep, principal: Admin) -> RecordOut:
    """Waive an open finding with a reason (admin)."""
    return (await _out(session, [await records.waive(session, principal, record_id, data.reason)]))[0]


async def _out(session: AsyncSession, rows: Sequence[ComplianceRecord]) -> list[RecordOut]:
    """Findings as read: each with its answerable organization's name beside the id."""
    names = await records.org_names(session, rows)
    return [RecordOut.model_validate({**r.model_dump(), "org_name": names.get(r.org_id)}) for r in rows]


@router.post("/sweep", responses=WRITE_ERRORS, operation_id="run_compliance_sweep")
async def run_sweep(data: SweepIn, session: SessionDep, principal: Admin) -> ComplianceSweepOut:
    """Run every rule now (admin): opens new findings, resolves those whose cause went away."""
    result = await sweep(session, principal, data.on)
    return ComplianceSweepOut.model_validate(vars(result))
