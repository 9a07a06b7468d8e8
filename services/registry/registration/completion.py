"""The end of a successful registration: code, validity, the subject's new version (Arts. 12–15, 9(4)).

    first          → a new query code, valid 3 years (or the product's shorter agreement term)
    change         → the subject takes the new content as a new version; code and validity carry over
    correction     → as change, without public notice
    renewal        → same code, valid from the day after expiry for at most 3 years
    cancellation   → the registration in force is cancelled, and so is the subject
The registration replaced (change, correction, renewal) becomes ``superseded``; its version stays readable.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select

from services.kernel.problems import Conflict

from .access import ensure_registrar
from .codes import issue_code
from .context import Ctx
from .models import Objection, Registration, SubjectVersion
from .steps import move, registration_or_404
from .subjects import snapshot, subject_or_404
from .validity import first_validity, renewal_validity, require_validity, validity_starts_on
from .workflow import OPEN_STATES

__all__ = ["close_notice", "complete", "sweep"]


async def _keep_version(ctx: Ctx, subject, registration: Registration) -> None:
    ctx.session.add(SubjectVersion(subject_type=registration.subject_type, subject_id=subject.id,
                                   version=subject.version, snapshot=snapshot(subject),
                                   registration_id=registration.id))


async def complete(ctx: Ctx, registration: Registration) -> None:
    subject = await subject_or_404(ctx.session, registration.subject_type, registration.subject_id, for_update=True)
    previous = (await registration_or_404(ctx, registration.previous_id)) if registration.previous_id else None
    agreement_ends_on = getattr(subject, "agreement_ends_on", None)
    # Art. 15: no code and no renewal for a validity that would end before it starts (the agreement ended).
    require_validity(validity_starts_on(registration.type, ctx.today, previous.valid_until if previous else None),
                     agreement_ends_on)
    now = ctx.now
    if registration.type == "first":
        registration.query_code = await issue_code(
            ctx.session, ctx.rules, registration_id=registration.id, subject_type=registration.subject_type,
            subject_id=subject.id, region_code=subject.region_code, today=ctx.today)
        registration.valid_from, registration.valid_until = first_validity(ctx.today, ctx.rules, agreement_ends_on)
        subject.status = "registered"
        await _keep_version(ctx, subject, registration)
    elif registration.type in {"change", "correction"}:
        for key, value in (registration.materials.get("changes") or {}).items():
            if key == "joint_registrants":
                subject.joint_org_ids = [j["org_id"] for j in value]
                subject.joint_org_names = [j["org_name"] for j in value]
            else:
                setattr(subject, key, _typed(subject, key, value))
        subject.version += 1
        registration.subject_version = subject.version
        registration.valid_from, registration.valid_until = previous.valid_from, previous.valid_until
        await _keep_version(ctx, subject, registration)
    elif registration.type == "renewal":
        registration.valid_from, registration.valid_until = renewal_validity(previous.valid_until, ctx.rules,
                                                                             agreement_ends_on)
    if registration.type == "cancellation":
        await move(ctx, previous, "cancel", {"by": registration.id})
        subject.status = "cancelled"
    elif previous is not None:
        await move(ctx, previous, "supersede", {"by": registration.id})
    registration.query_code = registration.query_code or (previous.query_code if previous else None)
    registration.coded_at = registration.decided_at = now
    subject.updated_at = now
    await ctx.session.flush()


def _typed(subject, key: str, value):
    """Changes are kept as JSON in the materials; dates go back into date columns as dates."""
    if key in {"operation_started_on", "delivered_at"} and isinstance(value, str):
        return date.fromisoformat(value)
    return value


async def close_notice(ctx: Ctx, registration_id: str, *, system: bool = False) -> Registration:
    """Art. 12: a notice that has ended without an upheld objection leads to the code."""
    if not system:
        ensure_registrar(ctx.principal)
    registration = await registration_or_404(ctx, registration_id)
    if registration.state == "in_notice":
        if registration.notice_ends_on and ctx.today <= registration.notice_ends_on:
            raise Conflict(f"The public notice runs until {registration.notice_ends_on.isoformat()}.",
                           slug="notice-running", current_state=registration.state,
                           notice_ends_on=registration.notice_ends_on.isoformat())
        pending = (await ctx.session.scalars(select(Objection.id).where(
            Objection.registration_id == registration.id, Objection.status == "pending"))).first()
        if pending:
            raise Conflict("An objection is still undecided.", slug="objection-pending",
                           current_state=registration.state, objection_id=pending)
    await move(ctx, registration, "close_notice")
    await complete(ctx, registration)
    return registration


def application_pending():
    """SQL: an application against this registration (renewal, change, correction, cancellation) is undecided.

    Such an application was filed while the registration was in force (filing requires it, and a renewal its
    60-day window), so it is timely: the registration stays in force past ``valid_until`` until it is decided
    on its merits. An approved renewal then runs from the day after the old expiry, without a gap (Art. 15);
    a refused or withdrawn one lets the next sweep expire the registration.
    """
    application = Registration.__table__.alias("application")
    return exists().where(application.c.previous_id == Registration.id, application.c.state.in_(OPEN_STATES))


async def _codable(ctx: Ctx, registration_id: str) -> bool:
    """Whether coding today keeps Art. 15; if not, the notice stays open for the registrar (a finding says why)."""
    registration = await registration_or_404(ctx, registration_id, lock=False)
    subject = await subject_or_404(ctx.session, registration.subject_type, registration.subject_id)
    starts = validity_starts_on(registration.type, ctx.today, None)
    ends = getattr(subject, "agreement_ends_on", None)
    return starts is None or ends is None or ends >= starts


async def sweep(ctx: Ctx, *, system: bool = False) -> dict[str, list[str]]:
    """Scheduled work of a day: close ended notices that have no pending objection, expire lapsed registrations
    that no timely application still holds in force."""
    if not system:
        ensure_registrar(ctx.principal)
    ended = (await ctx.session.scalars(select(Registration.id).where(
        Registration.state == "in_notice", Registration.notice_ends_on < ctx.today))).all()
    closed: list[str] = []
    for registration_id in ended:
        undecided = (await ctx.session.scalars(select(Objection.id).where(
            Objection.registration_id == registration_id, Objection.status == "pending"))).first()
        if undecided is None and await _codable(ctx, registration_id):
            await close_notice(ctx, registration_id, system=True)
            closed.append(registration_id)
    lapsed = (await ctx.session.scalars(select(Registration).where(
        Registration.state == "registered", Registration.valid_until < ctx.today, ~application_pending())
        .with_for_update())).all()
    for registration in lapsed:
        # Art. 15: not renewed → no longer in force; the subject is no longer registered.
        await move(ctx, registration, "expire")
        subject = await subject_or_404(ctx.session, registration.subject_type, registration.subject_id,
                                       for_update=True)
        subject.status, subject.updated_at = "expired", ctx.now
    return {"closed": closed, "expired": [r.id for r in lapsed]}
