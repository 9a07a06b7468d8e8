"""Treasury yields and the operator's maximum allowed revenue per review cycle (DOMAIN §3, layer 1).

The maximum allowed revenue is set by the price authority of the authorizer that granted the operation
(DOMAIN §3: "the price and data authorities set the operator's maximum allowed revenue"; spec Arts. 13-14 name
the authorizer's region in the agreement). The registry knows an operator organization by the agreements that
name it: organization ids come from tokens, and the signed agreements are the records that tie an operator to
a region. So the region a cap is set for must be one where the operator holds a signed agreement, and the
caller must be designated price authority there; an operator no agreement names is unknown (422).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Conflict, Forbidden, NotFound, Unprocessable
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..compliance.catalog import refuse
from ..compliance.engine import on_write
from ..ledger.service import record
from ..operation.access import is_designated, must_be_designated
from ..operation.models import Agreement, AnnualReport
from .models import RevenueCap, TreasuryYield
from .revenue import ProfitRateAboveCap, carry_over, cycle_maximum, maximum_allowed_revenue
from .schemas import RevenueCapIn, YieldIn

__all__ = ["get_cap", "list_caps", "list_yields", "operator_regions", "set_revenue_cap", "set_yield"]


async def set_yield(session: AsyncSession, principal: Principal, data: YieldIn) -> TreasuryYield:
    """Entered (or corrected) by a designated price authority; a correction re-checks the caps that used it."""
    await must_be_designated(session, principal, "price_authority")
    row = await session.get(TreasuryYield, data.year)
    if row is None:
        row = TreasuryYield(year=data.year, average_yield=data.average_yield, source=data.source,
                            entered_by=principal.subject)
        session.add(row)
    else:
        row.average_yield, row.source, row.entered_by, row.entered_at = (
            data.average_yield, data.source, principal.subject, utcnow())
    await session.flush()
    await record(session, principal, "pricing.yield_entered", "treasury_yield", str(data.year),
                 data.model_dump(mode="json"))
    affected = set((await session.scalars(select(RevenueCap.id).where(
        RevenueCap.survey_year == data.year + 1))).all())
    if affected:
        await on_write(session, principal, "revenue_cap", affected)
    return row


async def list_yields(session: AsyncSession) -> list[TreasuryYield]:
    return list((await session.scalars(select(TreasuryYield).order_by(TreasuryYield.year))).all())


async def _carried_over(session: AsyncSession, operator_org_id: str, first_year: int) -> tuple[str | None, object]:
    previous = (await session.scalars(select(RevenueCap).where(
        RevenueCap.operator_org_id == operator_org_id,
        RevenueCap.first_year + RevenueCap.years == first_year))).first()
    if previous is None:
        return None, carry_over([], 0)
    revenues = (await session.scalars(select(AnnualReport.revenue).where(
        AnnualReport.operator_org_id == operator_org_id, AnnualReport.year >= previous.first_year,
        AnnualReport.year < first_year))).all()
    return previous.id, carry_over(list(revenues), previous.cycle_total)


async def operator_regions(session: AsyncSession, operator_org_id: str) -> set[str]:
    """The regions whose authorizers signed an operation agreement with the operator (any status since)."""
    return set((await session.scalars(select(Agreement.region_code).where(
        Agreement.operator_org_id == operator_org_id, Agreement.signed_on.is_not(None)))).all())


async def _must_price_operator(session: AsyncSession, principal: Principal, data: RevenueCapIn) -> None:
    regions = await operator_regions(session, data.operator_org_id)
    if not regions:
        raise Unprocessable("No signed operation agreement names this operator.", slug="unknown-operator",
                            errors=[{"field": "operator_org_id", "message": "unknown operator"}])
    if data.region_code not in regions or not await is_designated(session, principal, "price_authority",
                                                                   data.region_code):
        raise Forbidden("Only the price authority designated for a region where the operator is authorized "
                        f"({', '.join(sorted(regions))}) sets its maximum allowed revenue there.",
                        slug="not-designated")


async def set_revenue_cap(session: AsyncSession, principal: Principal, data: RevenueCapIn) -> RevenueCap:
    await must_be_designated(session, principal, "price_authority")
    await _must_price_operator(session, principal, data)
    y = await session.get(TreasuryYield, data.survey_year - 1)
    if y is None:
        raise Unprocessable(f"Enter the {data.survey_year - 1} average 10-year treasury yield first.",
                            slug="yield-missing", year=data.survey_year - 1)
    overlapping = await session.scalar(select(RevenueCap.id).where(
        RevenueCap.operator_org_id == data.operator_org_id, RevenueCap.first_year < data.first_year + data.years,
        RevenueCap.first_year + RevenueCap.years > data.first_year))
    if overlapping:
        raise Conflict("Review cycles of one operator never overlap.", slug="cycle-overlap", cap_id=overlapping)
    try:
        m = maximum_allowed_revenue(operating_cost=data.operating_cost, subsidies=data.subsidies, taxes=data.taxes,
                                    profit_rate=data.profit_rate, treasury_yield=y.average_yield)
    except ProfitRateAboveCap as exc:
        raise refuse("PRICE-PROFIT-RATE-CAP", f"{exc.rate}% is above {exc.cap}% ({data.survey_year - 1} yield "
                     f"{y.average_yield}% + 6 points)", profit_rate=str(exc.rate), cap=str(exc.cap)) from None
    previous_id, carried = await _carried_over(session, data.operator_org_id, data.first_year)
    cycle = cycle_maximum(m.total, data.years, carried)
    cap = RevenueCap(**data.model_dump(), treasury_yield=y.average_yield, profit_rate_cap=m.profit_rate_cap,
                     allowed_profit=m.allowed_profit, annual_maximum=m.total, carried_over=cycle.carried_over,
                     cycle_total=cycle.total, yearly_benchmark=cycle.yearly_benchmark, set_by=principal.subject,
                     set_by_org=principal.org or "")
    session.add(cap)
    await session.flush()
    await record(session, principal, "pricing.revenue_cap_set", "revenue_cap", cap.id,
                 {**data.model_dump(mode="json"), "previous_cap_id": previous_id, "annual_maximum": m.total,
                  "carried_over": cycle.carried_over, "cycle_total": cycle.total})
    return cap


def can_read_cap(principal: Principal, cap: RevenueCap) -> bool:
    if principal.client:
        return False
    if principal.has_role("admin", "auditor"):
        return True
    if principal.has_role("authority") and principal.org == cap.set_by_org:
        return True
    return principal.has_role("operator") and principal.org == cap.operator_org_id


async def get_cap(session: AsyncSession, principal: Principal, cap_id: str) -> RevenueCap:
    cap = await session.get(RevenueCap, cap_id)
    if cap is None or not can_read_cap(principal, cap):
        raise NotFound("No such revenue cap.", slug="revenue-cap-not-found")
    return cap


async def list_caps(session: AsyncSession, principal: Principal, *, after: str | None, limit: int) -> list[RevenueCap]:
    q = select(RevenueCap)
    if not principal.has_role("admin", "auditor"):
        if principal.has_role("authority"):
            q = q.where(RevenueCap.set_by_org == principal.org)
        else:
            q = q.where(RevenueCap.operator_org_id == principal.org)
    if after:
        q = q.where(RevenueCap.id > after)
    return list((await session.scalars(q.order_by(RevenueCap.id).limit(limit))).all())
