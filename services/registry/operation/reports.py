"""Operators' annual reports, due by 31 March for the previous year (pricing notice §4; spec Art. 18).

Filing a report runs the yearly check against the maximum allowed revenue in force for that year: within 10%
the operator adjusts its specific prices, beyond it the authorizer adjusts the ceiling (DOMAIN §3).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Conflict, NotFound, Unprocessable
from services.kernel.security import Principal
from services.kernel.timeutil import china_today

from ..compliance.engine import on_write
from ..ledger.service import record
from ..pricing.models import RevenueCap
from ..pricing.revenue import year_end
from ..registration.models import Product
from .access import require_person
from .models import AnnualReport
from .report_schemas import ReportIn

__all__ = ["can_read_report", "file_report", "get_report", "list_reports"]


def can_read_report(principal: Principal, report: AnnualReport) -> bool:
    if principal.client:
        return False
    if principal.has_role("admin", "auditor", "authority"):
        return True  # supervision: data and price authorities read operators' reports
    return principal.has_role("operator") and principal.org == report.operator_org_id


async def cap_for_year(session: AsyncSession, operator_org_id: str, year: int) -> RevenueCap | None:
    q = select(RevenueCap).where(RevenueCap.operator_org_id == operator_org_id, RevenueCap.first_year <= year,
                                 RevenueCap.first_year + RevenueCap.years > year)
    return (await session.scalars(q)).first()


async def file_report(session: AsyncSession, principal: Principal, data: ReportIn) -> AnnualReport:
    require_person(principal, "operator")
    if data.year >= china_today().year:
        raise Unprocessable("A report covers a year that has ended.", slug="year-not-ended")
    ids = [p.product_id for p in data.products] + [a.product_id for a in data.price_adjustments]
    if ids:
        own = set((await session.scalars(select(Product.id).where(Product.id.in_(ids),
                                                                  Product.org_id == principal.org))).all())
        foreign = sorted(set(ids) - own)
        if foreign:
            raise Unprocessable("Reported products must be the operator's own.", slug="foreign-product",
                                product_ids=foreign)
    cap = await cap_for_year(session, principal.org, data.year)
    check = year_end(data.revenue, cap.yearly_benchmark) if cap else None
    report = AnnualReport(operator_org_id=principal.org, operator_org_name=principal.org_name or "", year=data.year,
                          business_overview=data.business_overview, operating_cost=data.operating_cost,
                          revenue=data.revenue, profit=data.profit,
                          products=[p.model_dump(mode="json") for p in data.products],
                          price_adjustments=[a.model_dump(mode="json") for a in data.price_adjustments],
                          benchmark=check.benchmark if check else None,
                          deviation=str(check.deviation) if check else None,
                          who_adjusts=check.who_adjusts if check else None, submitted_by=principal.subject)
    try:
        async with session.begin_nested():
            session.add(report)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"The report for {data.year} is already filed.", slug="report-exists") from None
    await record(session, principal, "report.filed", "annual_report", report.id,
                 {**data.model_dump(mode="json"), "who_adjusts": report.who_adjusts, "deviation": report.deviation})
    await on_write(session, principal, "operator_year", {f"{principal.org}/{data.year}"})
    await on_write(session, principal, "annual_report", {report.id})
    return report


async def get_report(session: AsyncSession, principal: Principal, report_id: str) -> AnnualReport:
    report = await session.get(AnnualReport, report_id)
    if report is None or not can_read_report(principal, report):
        raise NotFound("No such report.", slug="report-not-found")
    return report


async def list_reports(session: AsyncSession, principal: Principal, *, year: int | None, after: str | None,
                       limit: int) -> list[AnnualReport]:
    q = select(AnnualReport)
    if not principal.has_role("admin", "auditor", "authority"):
        q = q.where(AnnualReport.operator_org_id == principal.org)
    if year is not None:
        q = q.where(AnnualReport.year == year)
    if after:
        q = q.where(AnnualReport.id > after)
    return list((await session.scalars(q.order_by(AnnualReport.id).limit(limit))).all())
