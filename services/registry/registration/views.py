"""Reading registrations: one registration with its evidence, events, due dates and overdue steps; lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.kernel.pagination import Listed, Sorts, page_of
from services.kernel.problems import Forbidden

from .access import ensure_readable, is_overseer
from .context import Ctx
from .models import Registration, RegistrationEvent, RegistrationSubmission
from .overdue import overdue_steps, renewals_filed
from .steps import registration_or_404

__all__ = ["SORTS", "get_registration", "list_registrations", "overdue_steps", "registration_view", "summary_view"]

# The orders of the registrations list; ids are time-ordered, so ``-id`` (the default) is the newest filed first.
SORTS = Sorts({"id": (Registration.id,), "filed_at": (Registration.filed_at, Registration.id),
               "updated_at": (Registration.updated_at, Registration.id),
               "data_name": (Registration.data_name, Registration.id)}, default="-id")

DEADLINE_FIELDS = ("filing_due_on", "acceptance_due_on", "review_due_on", "notice_starts_on", "notice_ends_on",
                   "processing_due_on", "renewal_opens_on")


def summary_view(r: Registration, today: date, *, renewal_filed: bool = False) -> dict[str, Any]:
    view = r.model_dump(exclude={"materials"})
    view["deadlines"] = {f: getattr(r, f) for f in DEADLINE_FIELDS} | {"provisional": r.provisional}
    # The same definition the compliance rules record findings from (overdue.LATE_STEPS).
    view["overdue"] = overdue_steps(r, today, renewal_filed=renewal_filed)
    return view


def registration_view(r: Registration, submissions: list, events: list, today: date, *,
                      renewal_filed: bool = False) -> dict[str, Any]:
    view = summary_view(r, today, renewal_filed=renewal_filed)
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
    renewed = registration.state in ("registered", "expired") and bool(
        await renewals_filed(ctx.session, [registration.id]))
    return registration_view(registration, list(submissions), list(events), ctx.today, renewal_filed=renewed)


async def list_registrations(ctx: Ctx, *, state: str | None, subject_type: str | None, subject_id: str | None,
                             overdue_only: bool, cursor: str | None, limit: int,
                             sort: str | None = None) -> Listed[dict]:
    """Overseers see all; an organization sees the registrations it is a registrant of (as lead)."""
    principal = ctx.principal
    query = select(Registration)
    if not is_overseer(principal):
        if principal.client or not principal.org:
            # Arts. 6, 19: registrations are the parties', the body's and auditors'; a portal reads the public
            # notices and query codes (/public/…) and the catalog, whatever its scope.
            raise Forbidden("Registrations are confidential; machine clients read the public notices, query codes "
                            "and catalog.", slug="registrations-confidential")
        query = query.where(Registration.org_id == principal.org)
    if state:
        query = query.where(Registration.state == state)
    if subject_type:
        query = query.where(Registration.subject_type == subject_type)
    if subject_id:
        query = query.where(Registration.subject_id == subject_id)
    # Overdue is computed from the rows read (working days, rules): a page of them is filtered after reading,
    # and so has no total.
    listed = await page_of(ctx.session, query, SORTS, sort, cursor, limit, scalars=True, count=not overdue_only)
    rows = listed.rows
    renewed = await renewals_filed(ctx.session, [r.id for r in rows if r.state in ("registered", "expired")])
    views = [summary_view(r, ctx.today, renewal_filed=r.id in renewed) for r in rows]
    if overdue_only:
        views = [v for v in views if v["overdue"]]
    return Listed(views, listed.next_cursor, listed.total)
