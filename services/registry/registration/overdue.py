"""Late steps of a registration (DOMAIN §1 time limits, §5): the one definition behind both the registration
view's ``overdue`` list and the compliance findings, so a step shown overdue always has a finding and a finding
on a step is always shown.

    step        late when                                                          rule
    filing      first receipt after filing_due_on (first: Art. 9(1); change: Art. 9) REG-FIRST-LATE / REG-CHANGE-LATE
    acceptance  accepted after acceptance_due_on, or still submitted past it (10)    REG-ACCEPTANCE-OVERDUE
    review      reviewed or refused after review_due_on, or still under review (11)  REG-REVIEW-OVERDUE
    processing  cancellation processed after processing_due_on, or still open (9(4)) REG-CANCELLATION-OVERDUE
    notice      still in notice after notice_ends_on (12)                           REG-NOTICE-OVERDUE
    renewal     valid_until passed, registered or expired, no renewal filed (15)     REG-EXPIRED-NOT-RENEWED

A step done late stays late: the finding is the record of the breach (an administrator may waive it).
The filing date is the first receipt (``filed_at``), never a later resubmission: a return for supplement
restarts only the acceptance clock (Art. 10).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import as_utc, china_day

from .models import Registration

__all__ = ["LATE_STEPS", "LateStep", "filed_on", "late_registrations", "overdue_steps", "renewal_filed",
           "renewals_filed"]


def filed_on(r: Any) -> date:
    """The filing date: the day (China time) of the first receipt."""
    return _day(r.filed_at)


def _day(moment: datetime) -> date:
    return china_day(as_utc(moment))


def _done_late(done_at: datetime | None, due: date | None, still_open: bool, today: date) -> bool:
    if due is None:
        return False
    if done_at is not None:
        return _day(done_at) > due
    return still_open and today > due


@dataclass(frozen=True)
class LateStep:
    step: str  # as the view names it
    rule_id: str  # the compliance rule whose finding records it
    types: tuple[str, ...] | None  # registration types it concerns (None: every type)
    # Necessary conditions in SQL, so a sweep reads only registrations that can be late on this step.
    candidates: Callable[[date], list]
    late: Callable[[Any, date, bool], bool]  # (registration, today, renewal filed?) → late?
    detail: Callable[[Any], tuple[str, dict[str, str]]]


def _filing_detail(r) -> tuple[str, dict[str, str]]:
    return (f"filed on {filed_on(r)}, due by {r.filing_due_on}",
            {"filed_on": str(filed_on(r)), "due_on": str(r.filing_due_on)})


def _filing(rule_id: str, kind: str) -> LateStep:
    return LateStep(
        "filing", rule_id, (kind,), lambda today: [Registration.filing_due_on.is_not(None)],
        lambda r, today, _: r.filing_due_on is not None and filed_on(r) > r.filing_due_on, _filing_detail)


def _due(what: str, column: str) -> Callable[[Any], tuple[str, dict[str, str]]]:
    return lambda r: (f"{what} was due on {getattr(r, column)}", {"due_on": str(getattr(r, column))})


LATE_STEPS: tuple[LateStep, ...] = (
    _filing("REG-FIRST-LATE", "first"),
    _filing("REG-CHANGE-LATE", "change"),
    LateStep("acceptance", "REG-ACCEPTANCE-OVERDUE", None,
             lambda today: [Registration.acceptance_due_on < today],
             lambda r, today, _: _done_late(r.accepted_at, r.acceptance_due_on, r.state == "submitted", today),
             _due("acceptance", "acceptance_due_on")),
    LateStep("review", "REG-REVIEW-OVERDUE", None,
             lambda today: [Registration.review_due_on < today],
             lambda r, today, _: _done_late(r.reviewed_at or r.decided_at, r.review_due_on,
                                            r.state == "under_review", today),
             _due("formal review", "review_due_on")),
    LateStep("processing", "REG-CANCELLATION-OVERDUE", ("cancellation",),
             lambda today: [Registration.processing_due_on < today],
             lambda r, today, _: _done_late(r.reviewed_at or r.decided_at, r.processing_due_on,
                                            r.state == "under_review", today),
             _due("processing the cancellation", "processing_due_on")),
    LateStep("notice", "REG-NOTICE-OVERDUE", None,
             lambda today: [Registration.state == "in_notice", Registration.notice_ends_on < today],
             lambda r, today, _: r.state == "in_notice" and r.notice_ends_on is not None and today > r.notice_ends_on,
             _due("closing the public notice", "notice_ends_on")),
    LateStep("renewal", "REG-EXPIRED-NOT-RENEWED", None,
             lambda today: [Registration.state.in_(("registered", "expired")), Registration.valid_until < today],
             lambda r, today, renewed: (r.state in ("registered", "expired") and r.valid_until is not None
                                        and today > r.valid_until and not renewed),
             lambda r: (f"valid until {r.valid_until}; no renewal filed", {"valid_until": str(r.valid_until)})),
)


def overdue_steps(r: Any, today: date, *, renewal_filed: bool = False) -> list[str]:
    """The steps of ``r`` done after their due date or still open past it, in workflow order, each once."""
    steps: list[str] = []
    for s in LATE_STEPS:
        if (s.types is None or r.type in s.types) and s.step not in steps and s.late(r, today, renewal_filed):
            steps.append(s.step)
    return steps


def renewal_filed():
    """SQL: a renewal of this registration was filed and is not withdrawn or refused (it may be pending)."""
    renewal = Registration.__table__.alias("renewal")
    return exists().where(renewal.c.previous_id == Registration.id, renewal.c.type == "renewal",
                          renewal.c.state.not_in(("withdrawn", "refused")))


async def renewals_filed(session: AsyncSession, ids: list[str]) -> set[str]:
    """Of the registrations ``ids``, those with a renewal filed (one query; for views of one or a page)."""
    if not ids:
        return set()
    q = select(Registration.id).where(Registration.id.in_(ids), renewal_filed())
    return set((await session.scalars(q)).all())


_FACTS = (Registration.id, Registration.org_id, Registration.type, Registration.state, Registration.filed_at,
          Registration.filing_due_on, Registration.acceptance_due_on, Registration.accepted_at,
          Registration.review_due_on, Registration.processing_due_on, Registration.reviewed_at,
          Registration.decided_at, Registration.notice_ends_on, Registration.valid_until)


async def late_registrations(session: AsyncSession, rule_id: str, today: date, scope=None) -> list[tuple[Any, str,
                                                                                                        dict]]:
    """Registrations late on the step ``rule_id`` records: (row with id and org_id, detail, facts), one query."""
    step = next(s for s in LATE_STEPS if s.rule_id == rule_id)
    q = select(*_FACTS, renewal_filed().label("renewal_filed")).where(*step.candidates(today))
    if step.types is not None:
        q = q.where(Registration.type.in_(step.types))
    if scope is not None:
        q = q.where(scope)
    rows = (await session.execute(q)).all()
    return [(row, *step.detail(row)) for row in rows if step.late(row, today, bool(row.renewal_filed))]
