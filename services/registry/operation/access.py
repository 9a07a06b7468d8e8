"""Who may do what in authorized operation, decided once (DOMAIN §2–3).

    admin, auditor        read everything (supervision); admin designates and runs sweeps, never authors plans
    authority             acting for the authorizer only where its organization is DESIGNATED:
                            implementing_body (for a region): plans, operator selection, agreements, ceilings
                            price_authority (for a region): treasury yields, maximum allowed revenue
                          an authority reads the plans and agreements its own organization manages
    operator              reads its own agreements, sets its own prices, files its own annual reports
    agency                records the consent of its own organization for a resource it shared with the
                          implementing body (it learns of the agreement no other way)
    registrar, clients    nothing here (registration only); machine clients never pass a role check

The token does not say what kind of organization an authority is, so designations are records the admin
keeps (the authorizer's naming of an implementing body is itself a legal act, DOMAIN §2).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Forbidden
from services.kernel.security import Principal

from .models import Agreement, AgreementResource, Designation, Plan

__all__ = [
    "READ_ALL", "can_read_agreement", "can_read_plan", "is_designated", "is_providing_agency", "must_be_designated",
    "must_manage", "require_person",
]

READ_ALL = ("admin", "auditor")


def require_person(principal: Principal, *roles: str) -> None:
    if principal.client or not principal.has_role(*roles):
        raise Forbidden(f"This action needs one of the roles: {', '.join(roles)}.", slug="role-required")


async def is_designated(session: AsyncSession, principal: Principal, function: str,
                        region_code: str | None = None) -> bool:
    """Designated as ``function`` for ``region_code``, or for any region when it is None."""
    if principal.client or not principal.has_role("authority") or principal.org is None:
        return False
    query = select(Designation.id).where(Designation.org_id == principal.org, Designation.function == function)
    if region_code is not None:
        query = query.where(Designation.region_code == region_code)
    return (await session.scalar(query.limit(1))) is not None


async def must_be_designated(session: AsyncSession, principal: Principal, function: str,
                             region_code: str | None = None) -> None:
    if not await is_designated(session, principal, function, region_code):
        where = f" for region {region_code}" if region_code else ""
        raise Forbidden(f"Only an organization designated as {function}{where} may do this.", slug="not-designated")


def can_read_plan(principal: Principal, plan: Plan) -> bool:
    if principal.client:
        return False
    if principal.has_role(*READ_ALL):
        return True
    return principal.has_role("authority") and principal.org == plan.implementing_org_id


def can_read_agreement(principal: Principal, agreement: Agreement) -> bool:
    if principal.client:
        return False
    if principal.has_role(*READ_ALL):
        return True
    if principal.has_role("authority") and principal.org == agreement.implementing_org_id:
        return True
    return principal.has_role("operator") and principal.org == agreement.operator_org_id


async def is_providing_agency(session: AsyncSession, principal: Principal, agreement_id: str) -> bool:
    """An agency whose organization shared one of the agreement's resources with the implementing body (Art. 5):
    it sees the agreement far enough to consent, and only for its own organization."""
    if principal.client or not principal.has_role("agency") or principal.org is None:
        return False
    found = await session.scalar(select(AgreementResource.id).where(
        AgreementResource.agreement_id == agreement_id, AgreementResource.shared_from_org_id == principal.org)
        .limit(1))
    return found is not None


def must_manage(principal: Principal, implementing_org_id: str) -> None:
    """Writes to a plan or agreement: a person with role authority in the implementing body that owns it."""
    if principal.client or not principal.has_role("authority") or principal.org != implementing_org_id:
        raise Forbidden("Only the implementing body that owns this record may change it.", slug="not-owner")
