"""Who may call each route of authorized operation and pricing, as dependencies solved before the body is.

FastAPI solves a route's dependencies before it raises the body's validation errors, so a caller without the
role, or without a designation, gets 403 and a caller that may not see the plan or agreement in the path 404,
whatever it sent: a 422 about the body would tell it how to write one, and that the object exists. The rules
are operation/access.py's; the services apply them again for GraphQL and the CLI. Objects are read as columns,
so the row a service later locks is loaded afresh.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import SessionDep
from services.kernel.problems import NotFound
from services.kernel.security import CurrentPrincipal, Principal

from .access import (
    can_read_agreement,
    can_read_plan,
    is_providing_agency,
    must_be_designated,
    must_manage,
    require_person,
)
from .models import Agreement, Plan

__all__ = ["Admin", "ConsentingParty", "ImplementingBody", "ManagedAgreement", "ManagedPlan", "Manager",
           "PriceAuthority", "person"]


def person(*roles: str):
    """A person holding one of ``roles``; machine clients never pass."""

    async def check(principal: CurrentPrincipal) -> Principal:
        require_person(principal, *roles)
        return principal

    return Depends(check)


Admin = Annotated[Principal, person("admin")]
Manager = Annotated[Principal, person("authority")]
Consenter = Annotated[Principal, person("authority", "agency")]


def _designated(function: str):
    async def check(principal: Manager, session: SessionDep) -> Principal:
        await must_be_designated(session, principal, function)  # the region, in the body, is checked after
        return principal

    return Depends(check)


ImplementingBody = Annotated[Principal, _designated("implementing_body")]
PriceAuthority = Annotated[Principal, _designated("price_authority")]


async def _managed_plan(plan_id: str, principal: Manager, session: SessionDep) -> str:
    plan = (await session.execute(select(Plan.implementing_org_id).where(Plan.id == plan_id))).first()
    if plan is None or not can_read_plan(principal, plan):
        raise NotFound("No such plan.", slug="plan-not-found")
    must_manage(principal, plan.implementing_org_id)
    return plan_id


async def _agreement(session: AsyncSession, agreement_id: str):
    return (await session.execute(select(Agreement.implementing_org_id, Agreement.operator_org_id)
                                  .where(Agreement.id == agreement_id))).first()


async def _managed_agreement(agreement_id: str, principal: Manager, session: SessionDep) -> str:
    agreement = await _agreement(session, agreement_id)
    if agreement is None or not can_read_agreement(principal, agreement):
        raise NotFound("No such agreement.", slug="agreement-not-found")
    must_manage(principal, agreement.implementing_org_id)
    return agreement_id


async def _consenting_party(agreement_id: str, principal: Consenter, session: SessionDep) -> str:
    """The implementing body, or an agency that shared one of the agreement's resources (Art. 5)."""
    agreement = await _agreement(session, agreement_id)
    provider = agreement is not None and await is_providing_agency(session, principal, agreement_id)
    if agreement is None or not (provider or can_read_agreement(principal, agreement)):
        raise NotFound("No such agreement.", slug="agreement-not-found")
    if not provider:
        must_manage(principal, agreement.implementing_org_id)
    return agreement_id


ManagedPlan = Annotated[str, Depends(_managed_plan)]
ManagedAgreement = Annotated[str, Depends(_managed_agreement)]
ConsentingParty = Annotated[str, Depends(_consenting_party)]
