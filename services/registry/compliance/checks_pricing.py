"""Checks on prices, maximum allowed revenue and annual reports (发改价格〔2025〕65号, DOMAIN §3)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import add_years, as_utc

from ..operation.models import Agreement, AnnualReport
from ..pricing.current import prices_in_force
from ..pricing.models import PriceRecord, RevenueCap, TreasuryYield
from ..pricing.policy import DEFAULT_POLICY
from ..pricing.revenue import profit_rate_cap
from ..registration.models import Product
from .checks_base import CheckContext, Violation, where

__all__ = ["CHECKS", "report_years_due"]

REPORTING = ("signed", "filed", "active", "suspended", "terminated", "expired")


async def _priced(session: AsyncSession, ctx: CheckContext):
    prices = await prices_in_force(session, ctx.today, ctx.ids)
    ids = {pid for pid, _ in prices}
    products = {p.id: p for p in (await session.scalars(select(Product).where(Product.id.in_(ids)))).all()} \
        if ids else {}
    return prices, products


async def welfare_fee(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    prices, products = await _priced(session, ctx)
    out = []
    for (pid, layer), rec in prices.items():
        product = products.get(pid)
        if layer == "operator" and product and product.use_type == "public_welfare" and rec.unit_price > 0:
            out.append(Violation("product", pid, product.org_id, f"public-welfare product priced at {rec.unit_price}",
                                 {"price_record_id": rec.id, "unit_price": str(rec.unit_price)}))
    return out


async def above_ceiling(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    prices, products = await _priced(session, ctx)
    out = []
    for (pid, layer), rec in prices.items():
        if layer != "operator" or rec.unit_price == 0:
            continue
        ceiling = prices.get((pid, "ceiling"))
        org = products[pid].org_id if pid in products else None
        if ceiling is None:
            out.append(Violation("product", pid, org, "a fee is charged with no ceiling in force",
                                 {"price_record_id": rec.id}))
        elif ceiling.billing_unit != rec.billing_unit or rec.unit_price > ceiling.unit_price:
            out.append(Violation("product", pid, org, f"price {rec.unit_price} per {rec.billing_unit} against "
                                 f"ceiling {ceiling.unit_price} per {ceiling.billing_unit}",
                                 {"price_record_id": rec.id, "ceiling_record_id": ceiling.id}))
    return out


async def profit_rate_above_cap(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    caps = (await session.scalars(where(select(RevenueCap), ctx.scope(RevenueCap.id)))).all()
    years = {c.survey_year - 1 for c in caps}
    yields = dict((await session.execute(select(TreasuryYield.year, TreasuryYield.average_yield)
                                         .where(TreasuryYield.year.in_(years)))).all()) if years else {}
    out = []
    for c in caps:
        y = yields.get(c.survey_year - 1)
        if y is not None and c.profit_rate > profit_rate_cap(y):
            out.append(Violation("revenue_cap", c.id, c.set_by_org, f"profit rate {c.profit_rate}% above "
                                 f"{profit_rate_cap(y)}% ({c.survey_year - 1} yield {y}% + 6 points)",
                                 {"profit_rate": str(c.profit_rate), "cap": str(profit_rate_cap(y))}))
    return out


async def ceiling_not_reviewed(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    prices, _products = await _priced(session, ctx)
    limit = add_years(ctx.today, -DEFAULT_POLICY.ceiling_review_years)
    return [Violation("product", pid, None, f"ceiling in force since {rec.effective_from}, not reviewed for "
                      f"{DEFAULT_POLICY.ceiling_review_years} years", {"ceiling_record_id": rec.id})
            for (pid, layer), rec in prices.items() if layer == "ceiling" and rec.effective_from < limit]


async def deviation_without_adjustment(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    reports = (await session.scalars(where(select(AnnualReport), AnnualReport.who_adjusts == "authorizer",
                                           ctx.scope(AnnualReport.id)))).all()
    if not reports:
        return []
    operators = {r.operator_org_id for r in reports}
    # The latest ceiling set on any product of each operator.
    latest = dict((await session.execute(
        select(Product.org_id, func.max(PriceRecord.created_at)).join(Product, Product.id == PriceRecord.product_id)
        .where(PriceRecord.layer == "ceiling", Product.org_id.in_(operators)).group_by(Product.org_id))).all())
    managers = dict((await session.execute(
        select(Agreement.operator_org_id, func.max(Agreement.implementing_org_id))
        .where(Agreement.operator_org_id.in_(operators)).group_by(Agreement.operator_org_id))).all())
    out = []
    for r in reports:
        last = latest.get(r.operator_org_id)
        if last is None or as_utc(last) <= as_utc(r.submitted_at):
            out.append(Violation("annual_report", r.id, managers.get(r.operator_org_id),
                                 f"{r.year} revenue deviated {r.deviation} from the maximum; no ceiling adjusted since",
                                 {"operator_org_id": r.operator_org_id, "year": r.year}))
    return out


def report_years_due(starts_on: date, ends_on: date, today: date) -> range:
    """Years of operation whose report is overdue on ``today`` (due 31 March of the following year)."""
    p = DEFAULT_POLICY
    last = today.year - 1 if today > date(today.year, p.report_due_month, p.report_due_day) else today.year - 2
    return range(starts_on.year, min(ends_on.year, last) + 1)


async def annual_report_missing(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    rows = (await session.execute(select(Agreement.operator_org_id, Agreement.starts_on, Agreement.ends_on)
                                  .where(Agreement.status.in_(REPORTING)))).all()
    due = {(org, year) for org, start, end in rows for year in report_years_due(start, end, ctx.today)}
    if not due:
        return []
    filed = set((await session.execute(select(AnnualReport.operator_org_id, AnnualReport.year)
                                       .where(AnnualReport.operator_org_id.in_({o for o, _ in due})))).all())
    out = []
    for org, year in sorted(due - filed):
        sid = f"{org}/{year}"
        if ctx.ids is None or sid in ctx.ids:
            out.append(Violation("operator_year", sid, org, f"annual report for {year} was due by "
                                 f"{year + 1}-03-31", {"operator_org_id": org, "year": year}))
    return out


CHECKS = {
    "PRICE-WELFARE-FEE": welfare_fee,
    "PRICE-ABOVE-CEILING": above_ceiling,
    "PRICE-PROFIT-RATE-CAP": profit_rate_above_cap,
    "PRICE-CEILING-NOT-REVIEWED": ceiling_not_reviewed,
    "PRICE-DEVIATION-NO-CEILING-ADJUSTMENT": deviation_without_adjustment,
    "RPT-ANNUAL-MISSING": annual_report_missing,
}
