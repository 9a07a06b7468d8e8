"""HTTP routes of operation agreements and annual reports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.kernel.db import SessionDep
from services.kernel.pagination import NextLink
from services.kernel.security import CurrentPrincipal, Principal, require_roles

from ..routing import AuthorizeFirst
from . import agreements, reports
from .agreement_views import agreement_out, agreements_out
from .callers import ConsentingParty, ImplementingBody, ManagedAgreement, Manager, person
from .http import READ_ERRORS, WRITE_ERRORS, After, Limit
from .report_schemas import ReportIn, ReportOut
from .schemas import AgreementIn, AgreementOut, AgreementVersionOut, AmendmentIn, ConsentIn, ConsentOut, TransitionIn

__all__ = ["router"]

router = APIRouter(prefix="/operation", tags=["authorized operation"], route_class=AuthorizeFirst)
Reader = Annotated[Principal, require_roles("admin", "auditor", "authority", "operator")]
Operator = Annotated[Principal, person("operator")]
Status = Literal["draft", "signed", "filed", "active", "suspended", "terminated", "expired"]


@router.post("/agreements", status_code=201, responses=WRITE_ERRORS)
async def create_agreement(principal: ImplementingBody, data: AgreementIn, session: SessionDep) -> AgreementOut:
    """Draft an agreement with a selected operator (Arts. 13–14); term at most 5 years."""
    return await agreement_out(session, await agreements.create_agreement(session, principal, data))


@router.get("/agreements", responses=READ_ERRORS)
async def list_agreements(session: SessionDep, principal: Reader, pages: NextLink, after: After = None,
                          limit: Limit = 100,
                          status: Status | None = None) -> list[AgreementOut]:
    """Agreements the caller may see: operators only their own."""
    rows = await agreements.list_agreements(session, principal, status=status, after=after, limit=limit)
    return await agreements_out(session, pages.after(rows, limit))


@router.get("/agreements/{agreement_id}", responses=READ_ERRORS)
async def get_agreement(agreement_id: str, session: SessionDep, principal: Reader) -> AgreementOut:
    """One agreement."""
    return await agreement_out(session, await agreements.get_agreement(session, principal, agreement_id))


@router.get("/agreements/{agreement_id}/versions", responses=READ_ERRORS)
async def agreement_versions(agreement_id: str, session: SessionDep, principal: Reader) -> list[AgreementVersionOut]:
    """Every version of an agreement: the draft and each amendment."""
    rows = await agreements.versions(session, principal, agreement_id)
    return [AgreementVersionOut.model_validate(v.model_dump()) for v in rows]


@router.post("/agreements/{agreement_id}/amendments", responses=WRITE_ERRORS)
async def amend_agreement(agreement_id: ManagedAgreement, data: AmendmentIn, session: SessionDep,
                          principal: Manager) -> AgreementOut:
    """Amend an agreement; the previous version is kept."""
    return await agreement_out(session, await agreements.amend(session, principal, agreement_id, data))


@router.post("/agreements/{agreement_id}/transitions", responses=WRITE_ERRORS)
async def transition_agreement(agreement_id: ManagedAgreement, data: TransitionIn, session: SessionDep,
                               principal: Manager) -> AgreementOut:
    """Sign, file, activate, suspend, resume, terminate or expire an agreement."""
    return await agreement_out(session, await agreements.transition(session, principal, agreement_id, data))


@router.post("/agreements/{agreement_id}/consents", status_code=201, responses=WRITE_ERRORS)
async def record_consent(agreement_id: ConsentingParty, data: ConsentIn, session: SessionDep,
                         principal: CurrentPrincipal) -> ConsentOut:
    """Record the providing unit's consent for a resource received through sharing (Art. 5)."""
    row = await agreements.record_consent(session, principal, agreement_id, data)
    return ConsentOut.model_validate(row.model_dump())


@router.post("/reports", status_code=201, responses=WRITE_ERRORS)
async def file_report(principal: Operator, data: ReportIn, session: SessionDep) -> ReportOut:
    """File the operator's annual report for a past year (due by 31 March)."""
    return ReportOut.model_validate((await reports.file_report(session, principal, data)).model_dump())


@router.get("/reports", responses=READ_ERRORS)
async def list_reports(session: SessionDep, principal: Reader, pages: NextLink, after: After = None,
                       limit: Limit = 100,
                       year: Annotated[int | None, Query(ge=2000, le=2200)] = None) -> list[ReportOut]:
    """Annual reports: operators see their own, authorities, auditors and admins all."""
    rows = await reports.list_reports(session, principal, year=year, after=after, limit=limit)
    return [ReportOut.model_validate(r.model_dump()) for r in pages.after(rows, limit)]


@router.get("/reports/{report_id}", responses=READ_ERRORS)
async def get_report(report_id: str, session: SessionDep, principal: Reader) -> ReportOut:
    """One annual report."""
    return ReportOut.model_validate((await reports.get_report(session, principal, report_id)).model_dump())
