"""Deadline checks on registrations and delivered products (发改数据规〔2025〕26号 Arts. 9–12, 15; spec Art. 16).

The deadlines themselves were computed in official working days by the registration workflow and stored on
each registration; these checks only compare them with today (China Standard Time).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..operation.dates import CHINA
from ..registration.calendar import load_calendar
from ..registration.models import Product, Registration
from .checks_base import CheckContext, Violation, where

__all__ = ["CHECKS"]

# Working days after delivery within which a product's first registration is due (REG Art. 9(1)).
PRODUCT_FILING_WORKING_DAYS = 20


def _overdue(state: str, column_name: str, what: str):
    async def check(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
        column = getattr(Registration, column_name)
        q = where(select(Registration.id, Registration.org_id, column),
                  Registration.state == state, column.is_not(None), column < ctx.today, ctx.scope(Registration.id))
        return [Violation("registration", rid, org, f"{what} was due on {due}", {"due_on": str(due)})
                for rid, org, due in (await session.execute(q)).all()]
    return check


async def first_late(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    q = where(select(Registration.id, Registration.org_id, Registration.filing_due_on, Registration.submitted_at),
              Registration.type == "first", Registration.filing_due_on.is_not(None), ctx.scope(Registration.id))
    out = []
    for rid, org, due, submitted in (await session.execute(q)).all():
        day = submitted.astimezone(CHINA).date() if submitted.tzinfo else submitted.date()
        if day > due:
            out.append(Violation("registration", rid, org, f"filed on {day}, due by {due}",
                                 {"filed_on": str(day), "due_on": str(due)}))
    return out


async def expired_not_renewed(session: AsyncSession, ctx: CheckContext) -> list[Violation]:
    renewal = Registration.__table__.alias("renewal")
    renewed = exists().where(renewal.c.previous_id == Registration.id, renewal.c.type == "renewal",
                             renewal.c.state.not_in(("withdrawn", "refused")))
    q = where(select(Registration.id, Registration.org_id, Registration.valid_until),
              Registration.state.in_(("registered", "expired")), Registration.valid_until.is_not(None),
              Registration.valid_until < ctx.today, ~renewed, ctx.scope(Registration.id))
    return [Violation("registration", rid, org, f"valid until {until}; no renewal filed", {"valid_until": str(until)})
            for rid, org, until in (await session.execute(q)).all()]


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
    "REG-FIRST-LATE": first_late,
    "REG-ACCEPTANCE-OVERDUE": _overdue("submitted", "acceptance_due_on", "acceptance"),
    "REG-REVIEW-OVERDUE": _overdue("under_review", "review_due_on", "formal review"),
    "REG-NOTICE-OVERDUE": _overdue("in_notice", "notice_ends_on", "closing the public notice"),
    "REG-EXPIRED-NOT-RENEWED": expired_not_renewed,
    "PRD-DELIVERED-UNREGISTERED": delivered_unregistered,
}
