"""Checks on plans and agreements (发改数据规〔2025〕27号 Arts. 5, 11, 13)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import add_years

from ..operation.models import Agreement, AgreementResource, Plan, SharingConsent
from ..pricing.policy import DEFAULT_POLICY
from ..registration.models import Resource
from .checks_base import CheckContext, Violation, where

__all__ = ["CHECKS", "IN_FORCE", "term_too_long"]

# States in which an agreement binds: signed and not yet ended.
IN_FORCE = ("signed", "filed", "active", "suspended")
LIVE = ("draft", *IN_FORCE)


def term_too_long(starts_on, ends_on, years: int = DEFAULT_POLICY.max_agreement_years) -> bool:
    return ends_on > add_years(starts_on, years)


async def resource_unregistered(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    q = where(select(Agreement.id, Agreement.implementing_org_id, Resource.id, Resource.name, Resource.status)
              .join(AgreementResource, AgreementResource.agreement_id == Agreement.id)
              .join(Resource, Resource.id == AgreementResource.resource_id),
              Agreement.status.in_(IN_FORCE), Resource.status != "registered", ctx.scope(Agreement.id))
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for agreement_id, org, rid, name, status in (await session.execute(q)).all():
        found[(agreement_id, org)].append({"resource_id": rid, "name": name, "status": status})
    return [Violation("agreement", aid, org, "resources in scope are not registered: "
                      + ", ".join(r["name"] for r in items), {"resources": items})
            for (aid, org), items in found.items()]


async def agreement_term(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    q = where(select(Agreement.id, Agreement.implementing_org_id, Agreement.starts_on, Agreement.ends_on),
              Agreement.status.in_(LIVE), ctx.scope(Agreement.id))
    return [Violation("agreement", aid, org, f"term {start} to {end} is longer than "
                      f"{DEFAULT_POLICY.max_agreement_years} years", {"starts_on": str(start), "ends_on": str(end)})
            for aid, org, start, end in (await session.execute(q)).all() if term_too_long(start, end)]


async def signed_before_plan(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    q = where(select(Agreement.id, Agreement.implementing_org_id, Agreement.signed_on, Agreement.plan_approved_on,
                     Agreement.plan_filed_on),
              Agreement.signed_on.is_not(None), ctx.scope(Agreement.id))
    out = []
    for aid, org, signed, approved, filed in (await session.execute(q)).all():
        if approved is None or filed is None or signed < approved or signed < filed:
            out.append(Violation("agreement", aid, org, f"signed on {signed}; plan approved {approved}, filed {filed}",
                                 {"signed_on": str(signed), "plan_approved_on": str(approved),
                                  "plan_filed_on": str(filed)}))
    return out


async def shared_without_consent(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    consent = exists().where(SharingConsent.agreement_id == AgreementResource.agreement_id,
                             SharingConsent.resource_id == AgreementResource.resource_id)
    q = where(select(Agreement.id, Agreement.implementing_org_id, AgreementResource.resource_id,
                     AgreementResource.shared_from_org_name)
              .join(AgreementResource, AgreementResource.agreement_id == Agreement.id),
              Agreement.status.in_(IN_FORCE), AgreementResource.shared_from_org_id.is_not(None), ~consent,
              ctx.scope(Agreement.id))
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for aid, org, rid, provider in (await session.execute(q)).all():
        found[(aid, org)].append({"resource_id": rid, "providing_unit": provider})
    return [Violation("agreement", aid, org, "no recorded consent of the providing unit for "
                      + ", ".join(i["resource_id"] for i in items), {"resources": items})
            for (aid, org), items in found.items()]


async def plan_change_unapproved(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    bound = exists().where(and_(Agreement.plan_id == Plan.id, Agreement.status.in_(IN_FORCE)))
    q = where(select(Plan.id, Plan.implementing_org_id, Plan.version, Plan.approved_version),
              Plan.status == "draft", Plan.approved_version.is_not(None), bound, ctx.scope(Plan.id))
    return [Violation("plan", pid, org, f"version {v} is not approved (last approved: {approved}) while "
                      "agreements under the plan are in force", {"version": v, "approved_version": approved})
            for pid, org, v, approved in (await session.execute(q)).all()]


CHECKS = {
    "OPS-RESOURCE-UNREGISTERED": resource_unregistered,
    "OPS-AGREEMENT-TERM": agreement_term,
    "OPS-SIGNED-BEFORE-PLAN": signed_before_plan,
    "OPS-SHARED-NO-CONSENT": shared_without_consent,
    "OPS-PLAN-CHANGE-UNAPPROVED": plan_change_unapproved,
}
