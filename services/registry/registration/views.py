"""Reading registrations: one registration with its evidence, events, due dates and overdue steps; lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.kernel.pagination import encode_cursor, keyset_page
from services.kernel.problems import Forbidden

from .access import ensure_readable, is_overseer
from .context import Ctx
from .evidence import local_date
from .models import Registration, RegistrationEvent, RegistrationSubmission
from .steps import registration_or_404

__all__ = ["get_registration", "list_registrations", "overdue_steps", "registration_view", "summary_view"]

DEADLINE_FIELDS = ("filing_due_on", "acceptance_due_on", "review_due_on", "notice_starts_on", "notice_ends_on",
                   "processing_due_on", "renewal_opens_on")


def _late(done_at, due: date | None, still_open: bool, today: date) -> bool:
    if due is None:
        return False
    if done_at is not None:
        return local_date(done_at) > due
    return still_open and today > due


def overdue_steps(r: Registration, today: date) -> list[str]:
    """Steps done after their due date, or still open past it (DOMAIN §5 compliance checks read this)."""
    steps = []
    if r.filing_due_on and local_date(r.submitted_at) > r.filing_due_on and r.submission_count == 1:
        steps.append("filing")
    if _late(r.accepted_at, r.acceptance_due_on, r.state == "submitted", today):
        steps.append("acceptance")
    if _late(r.reviewed_at, r.review_due_on, r.state == "under_review", today):
        steps.append("review")
    if _late(r.reviewed_at, r.processing_due_on, r.state == "under_review", today):
        steps.append("processing")
    if r.state == "in_notice" and r.notice_ends_on and today > r.notice_ends_on:
        steps.append("notice")
    if r.state == "registered" and r.valid_until and today > r.valid_until:
        steps.append("renewal")
    return steps


def summary_view(r: Registration, today: date) -> dict[str, Any]:
    view = r.model_dump(exclude={"materials"})
    view["deadlines"] = {f: getattr(r, f) for f in DEADLINE_FIELDS} | {"provisional": r.provisional}
    view["overdue"] = overdue_steps(r, today)
    return view


def registration_view(r: Registration, submissions: list, events: list, today: date) -> dict[str, Any]:
    view = summary_view(r, today)
    view["materials"] = r.materials
    view["evidence"] = {"digest": r.materials_digest, "submitted_at": r.submitted_at, "submissions": submissions}
    view["events"] = events
    return view


async def get_registration(ctx: Ctx, registration_id: str) -> dict[str, Any]:
    registration = await registration_or_404(ctx, registration_id, lock=False)
    ensure_readable(ctx.principal, registration.org_id, registration.registrant_org_ids, "registration")
    submissions = (await ctx.session.scalars(select(RegistrationSubmission).where(
        RegistrationSubmission.registration_id == registration.id).order_by(RegistrationSubmission.seq))).all()
    events = (await ctx.session.scalars(select(RegistrationEvent).where(
        RegistrationEvent.registration_id == registration.id)
        .order_by(RegistrationEvent.at, RegistrationEvent.id))).all()
    return registration_view(registration, list(submissions), list(events), ctx.today)


async def list_registrations(ctx: Ctx, *, state: str | None, subject_type: str | None, subject_id: str | None,
                             overdue_only: bool, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """Overseers see all; an organization sees the registrations it is a registrant of (as lead)."""
    principal = ctx.principal
    query = select(Registration)
    if not is_overseer(principal):
        if principal.client or not principal.org:
            raise Forbidden("Machine clients need the registry:read scope.", slug="scope-required")
        query = query.where(Registration.org_id == principal.org)
    if state:
        query = query.where(Registration.state == state)
    if subject_type:
        query = query.where(Registration.subject_type == subject_type)
    if subject_id:
        query = query.where(Registration.subject_id == subject_id)
    rows = list((await ctx.session.scalars(keyset_page(query, [Registration.id], cursor, limit,
                                                       descending=True))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    views = [summary_view(r, ctx.today) for r in rows]
    if overdue_only:
        views = [v for v in views if v["overdue"]]
    return views, (encode_cursor([rows[-1].id]) if more else None)
