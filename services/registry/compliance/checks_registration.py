"""Deadline checks on registrations and delivered products (发改数据规〔2025〕26号 Arts. 9–12, 15; spec Art. 16).

The deadlines themselves were computed in official working days by the registration workflow and stored on
each registration; which step is late is defined once, in ``registration.overdue``, and read here and by the
registration view alike (a step shown overdue has a finding; issue 14).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..registration.calendar import load_calendar
from ..registration.models import Product, Registration
from ..registration.overdue import LATE_STEPS, late_registrations
from ..registration.validity import validity_starts_on
from ..registration.workflow import OPEN_STATES
from .checks_base import CheckContext, Violation, where

__all__ = ["CHECKS"]

# Working days after delivery within which a product's first registration is due (REG Art. 9(1)).
PRODUCT_FILING_WORKING_DAYS = 20


def _late(rule_id: str):
    """Registrations late on the step this rule records, by the definition the registration view shows."""
    async def check(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
        return [Violation("registration", row.id, row.org_id, detail, facts)
                for row, detail, facts in await late_registrations(session, rule_id, ctx.today,
                                                                   ctx.scope(Registration.id))]
    return check


async def validity_ends_before_start(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    """Open first registrations and renewals of products whose agreement ends before the validity would start.

    Filing and approval refuse these (REG Art. 15); the agreement can still end or be shortened while a
    registration is in progress, and the sweep records it until the registrar decides.
    """
    previous = Registration.__table__.alias("previous")
    q = where(select(Registration.id, Registration.org_id, Registration.type, Product.agreement_ends_on,
                     previous.c.valid_until)
              .join(Product, Product.id == Registration.subject_id)
              .outerjoin(previous, previous.c.id == Registration.previous_id),
              Registration.subject_type == "product", Registration.type.in_(("first", "renewal")),
              Registration.state.in_(OPEN_STATES), Product.agreement_ends_on.is_not(None),
              ctx.scope(Registration.id))
    out = []
    for rid, org, kind, ends, previous_until in (await session.execute(q)).all():
        starts = validity_starts_on(kind, ctx.today, previous_until)
        if starts is not None and ends < starts:
            out.append(Violation("registration", rid, org, f"the agreement ended on {ends}; validity would start "
                                 f"on {starts}", {"agreement_ends_on": str(ends), "valid_from": str(starts)}))
    return out


async def delivered_unregistered(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    filed = exists().where(Registration.subject_type == "product", Registration.subject_id == Product.id,
                           Registration.state.not_in(("withdrawn", "refused")))
    q = where(select(Product.id, Product.org_id, Product.delivered_at),
              Product.delivered_at.is_not(None), Product.status != "registered", ~filed, ctx.scope(Product.id))
    rows = (await session.execute(q)).all()
    if not rows:
        return []
    calendar = await load_calendar(session)
    out = []
    for pid, org, delivered in rows:
        due = calendar.add_working_days(delivered, PRODUCT_FILING_WORKING_DAYS)
        if due.due_on < ctx.today:
            out.append(Violation("product", pid, org, f"delivered {delivered}; registration was due by {due.due_on}",
                                 {"delivered_at": str(delivered), "due_on": str(due.due_on),
                                  "provisional": due.provisional}))
    return out


CHECKS = {
    **{step.rule_id: _late(step.rule_id) for step in LATE_STEPS},
    "REG-VALIDITY-ENDS-BEFORE-START": validity_ends_before_start,
    "PRD-DELIVERED-UNREGISTERED": delivered_unregistered,
}
