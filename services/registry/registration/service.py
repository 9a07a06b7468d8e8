"""Filing registrations and the registration body's decisions (DOMAIN §1, Arts. 7–11, 20).

Every function takes a ``Ctx`` and only flushes; each state change goes through ``steps.move`` so it is
checked against the state machine, logged as an event and appended to the ledger in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.kernel.problems import Conflict, Unprocessable

from .access import ensure_owner, ensure_registrar
from .completion import complete
from .context import Ctx
from .evidence import digest
from .models import Registration, RegistrationSubmission
from .schemas import ApproveIn, RegistrationIn, ResubmitIn
from .steps import log_event, move, registration_or_404
from .subjects import snapshot, subject_or_404, validate_changes
from .validity import renewal_opens_on, require_renewal_window, require_validity, validity_starts_on
from .workflow import IN_FORCE, OPEN_STATES, next_state

__all__ = ["accept", "approve", "file_registration", "refuse", "resubmit", "return_for_supplement", "revoke",
           "withdraw"]


async def _in_force(ctx: Ctx, subject_type: str, subject_id: str) -> Registration | None:
    query = select(Registration).where(Registration.subject_type == subject_type,
                                       Registration.subject_id == subject_id, Registration.state == IN_FORCE)
    return (await ctx.session.scalars(query)).first()


async def _open(ctx: Ctx, subject_type: str, subject_id: str) -> Registration | None:
    query = select(Registration).where(Registration.subject_type == subject_type,
                                       Registration.subject_id == subject_id, Registration.state.in_(OPEN_STATES))
    return (await ctx.session.scalars(query)).first()


def _materials(subject, kind: str, changes: dict | None, attachments: list, reason: str) -> dict[str, Any]:
    """Art. 9(1): registrant information, the subject as described, what changes, documents, the reason."""
    return {
        "registrants": [{"org_id": subject.org_id, "org_name": subject.org_name}]
        + [{"org_id": o, "org_name": n} for o, n in zip(subject.joint_org_ids, subject.joint_org_names, strict=False)],
        "subject_type": kind, "subject": snapshot(subject), "changes": changes or {},
        "attachments": attachments, "reason": reason,
    }


async def _check_type(ctx: Ctx, subject, data_type: str, kind: str, changes: dict | None) -> Registration | None:
    """Which registration types the subject's situation allows; returns the registration in force."""
    current = await _in_force(ctx, kind, subject.id)
    if data_type == "first":
        if subject.status != "draft" or current is not None:
            raise Conflict(f"The {kind} is {subject.status}; a first registration needs a draft.",
                           slug="not-first-registration", current_state=subject.status)
        return None
    if current is None:
        raise Conflict(f"A {data_type} registration needs a registration in force; the {kind} is {subject.status}.",
                       slug="subject-not-registered", current_state=subject.status)
    if data_type == "renewal":
        require_renewal_window(ctx.today, current.valid_until, ctx.rules)
    elif current.valid_until is not None and current.valid_until < ctx.today:
        # Held in force past its expiry only to decide an application filed before it (completion.sweep).
        raise Conflict(f"The registration lapsed on {current.valid_until.isoformat()}; it stays in force only "
                       "until the application filed before then is decided.", slug="registration-lapsed",
                       current_state=current.state, valid_until=current.valid_until.isoformat())
    if data_type in {"change", "correction"} and not changes:
        raise Unprocessable(f"A {data_type} registration states the changed fields.", slug="changes-required")
    if data_type not in {"change", "correction"} and changes:
        raise Unprocessable(f"A {data_type} registration carries no changes.", slug="changes-not-allowed")
    return current


def _check_changed_on(ctx: Ctx, data: RegistrationIn) -> None:
    """Art. 9: the day a material change happened dates a change registration's deadline; it is not ahead."""
    if data.changed_on is None:
        return
    if data.type != "change":
        raise Unprocessable("Only a change registration states when the material change happened.",
                            slug="changed-on-not-allowed", errors=[{"field": "changed_on", "message": "not allowed"}])
    if data.changed_on > ctx.today:
        raise Unprocessable(f"The change cannot have happened after today ({ctx.today.isoformat()}).",
                            slug="changed-on-in-future", errors=[{"field": "changed_on", "message": "in the future"}])


def _check_validity(ctx: Ctx, registration_type: str, subject, previous: Registration | None) -> None:
    """Art. 15 at the first step that can know it: a product whose agreement has ended before the validity
    would start cannot be registered or renewed (REG-VALIDITY-ENDS-BEFORE-START). A first registration is coded
    no earlier than today, so today is the earliest day its validity could start."""
    starts = validity_starts_on(registration_type, ctx.today, previous.valid_until if previous else None)
    require_validity(starts, getattr(subject, "agreement_ends_on", None))


async def _submit(ctx: Ctx, registration: Registration, materials: dict[str, Any]) -> None:
    """Evidence preservation: a new immutable submission row; the registration shows the latest one."""
    received = ctx.now
    registration.materials = materials
    registration.materials_digest = digest(materials)
    registration.submitted_at = received
    ctx.session.add(RegistrationSubmission(registration_id=registration.id, seq=registration.submission_count,
                                           materials=materials, digest=registration.materials_digest,
                                           received_at=received, submitted_by=ctx.actor))
    # Art. 10: acceptance within 3 working days of receipt; a resubmission restarts the clock.
    due = ctx.calendar.add_working_days(ctx.today, ctx.rules.acceptance_working_days)
    registration.acceptance_due_on = due.due_on
    registration.provisional = registration.provisional or due.provisional


async def file_registration(ctx: Ctx, data: RegistrationIn) -> Registration:
    subject = await subject_or_404(ctx.session, data.subject_type, data.subject_id, for_update=True)
    ensure_owner(ctx.principal, data.subject_type, subject.org_id, subject.joint_org_ids, data.subject_type)
    pending = await _open(ctx, data.subject_type, subject.id)
    if pending is not None:
        raise Conflict("The subject already has a registration in progress.", slug="registration-in-progress",
                       current_state=pending.state, registration_id=pending.id)
    changes = await validate_changes(ctx.session, data.subject_type, data.changes,
                                     viewer=ctx.principal) if data.changes else None
    current = await _check_type(ctx, subject, data.type, data.subject_type, changes)
    _check_changed_on(ctx, data)
    _check_validity(ctx, data.type, subject, current)
    attachments = [a.model_dump() for a in data.attachments]
    registration = Registration(
        subject_type=data.subject_type, subject_id=subject.id, subject_version=subject.version, type=data.type,
        state="submitted", org_id=subject.org_id, registrant_org_ids=[subject.org_id, *subject.joint_org_ids],
        registrant_names=[subject.org_name, *subject.joint_org_names],
        data_name=(changes or {}).get("name") or subject.name,
        short_description=((changes or {}).get("description") or subject.description)[:200],
        previous_id=current.id if current else None, reason=data.reason, materials={}, materials_digest="",
        submitted_at=ctx.now, filed_at=ctx.now, changed_on=data.changed_on, created_by=ctx.actor,
        query_code=current.query_code if current else None,
    )
    await _set_filing_due(ctx, registration, subject, current)
    await _submit(ctx, registration, _materials(subject, data.subject_type, changes, attachments, data.reason))
    ctx.session.add(registration)
    await ctx.session.flush()
    await log_event(ctx, registration, "file", None, {"digest": registration.materials_digest})
    return registration


async def _set_filing_due(ctx: Ctx, registration: Registration, subject, current: Registration | None) -> None:
    """Art. 9(1): first registration within 20 working days of operation start or product delivery; Art. 9:
    change registration promptly after the material change (a setting, default 20 working days)."""
    if registration.type == "change" and registration.changed_on is not None:
        due = ctx.calendar.add_working_days(registration.changed_on, ctx.rules.change_filing_working_days)
        registration.filing_due_on, registration.provisional = due.due_on, due.provisional
    if registration.type == "first":
        started = getattr(subject, "operation_started_on", None) or getattr(subject, "delivered_at", None)
        if started and started < ctx.rules.measures_in_force_on:
            # Art. 9(1): operations that existed before the measures: 30 working days from their entry into force.
            due = ctx.calendar.add_working_days(ctx.rules.measures_in_force_on,
                                                ctx.rules.existing_operation_working_days)
        elif started:
            due = ctx.calendar.add_working_days(started, ctx.rules.first_filing_working_days)
        if started:
            registration.filing_due_on, registration.provisional = due.due_on, due.provisional
    if current is not None and current.valid_until:
        registration.renewal_opens_on = renewal_opens_on(current.valid_until, ctx.rules)


async def resubmit(ctx: Ctx, registration_id: str, data: ResubmitIn) -> Registration:
    registration = await registration_or_404(ctx, registration_id)
    ensure_owner(ctx.principal, registration.subject_type, registration.org_id, registration.registrant_org_ids,
                 "registration")
    next_state("resubmit", registration.state, registration.type)  # 409 naming the state, before any work
    subject = await subject_or_404(ctx.session, registration.subject_type, registration.subject_id)
    previous = registration.materials
    changes = previous.get("changes") or None
    if data.changes is not None:
        if registration.type not in {"change", "correction"}:
            raise Unprocessable(f"A {registration.type} registration carries no changes.", slug="changes-not-allowed")
        changes = await validate_changes(ctx.session, registration.subject_type, data.changes, viewer=ctx.principal)
    attachments = previous.get("attachments", []) + [a.model_dump() for a in data.attachments]
    reason = data.reason if data.reason is not None else previous.get("reason", "")
    registration.submission_count += 1
    registration.missing_items = []
    registration.data_name = (changes or {}).get("name") or subject.name
    registration.short_description = ((changes or {}).get("description") or subject.description)[:200]
    await _submit(ctx, registration, _materials(subject, registration.subject_type, changes, attachments, reason))
    await move(ctx, registration, "resubmit", {"digest": registration.materials_digest})
    return registration


async def withdraw(ctx: Ctx, registration_id: str) -> Registration:
    registration = await registration_or_404(ctx, registration_id)
    ensure_owner(ctx.principal, registration.subject_type, registration.org_id, registration.registrant_org_ids,
                 "registration")
    await move(ctx, registration, "withdraw")
    return registration


async def _decision(ctx: Ctx, registration_id: str) -> Registration:
    ensure_registrar(ctx.principal)
    return await registration_or_404(ctx, registration_id)


async def accept(ctx: Ctx, registration_id: str) -> Registration:
    registration = await _decision(ctx, registration_id)
    await move(ctx, registration, "accept")
    registration.accepted_at = ctx.now
    if registration.type == "cancellation":  # Art. 9(4): processed within 10 working days of acceptance
        due = ctx.calendar.add_working_days(ctx.today, ctx.rules.cancellation_working_days)
        registration.processing_due_on = due.due_on
    else:  # Art. 11: formal review within 20 working days of acceptance
        due = ctx.calendar.add_working_days(ctx.today, ctx.rules.review_working_days)
        registration.review_due_on = due.due_on
    registration.provisional = registration.provisional or due.provisional
    return registration


async def return_for_supplement(ctx: Ctx, registration_id: str, missing: list[dict[str, str]]) -> Registration:
    """Art. 10: every missing item listed at once; the registrant's resubmission restarts the clock."""
    registration = await _decision(ctx, registration_id)
    await move(ctx, registration, "return", {"missing_items": missing})
    registration.missing_items = missing
    return registration


async def refuse(ctx: Ctx, registration_id: str, reasons: list[str]) -> Registration:
    registration = await _decision(ctx, registration_id)
    await move(ctx, registration, "refuse", {"reasons": reasons})
    registration.refusal_reasons = reasons
    registration.decided_at = ctx.now
    return registration


async def approve(ctx: Ctx, registration_id: str, data: ApproveIn) -> Registration:
    """Formal review passed: into public notice (first, change) or straight to completion (others)."""
    registration = await _decision(ctx, registration_id)
    due = registration.review_due_on or registration.processing_due_on
    late = registration.state == "under_review" and due is not None and ctx.today > due
    if late and not data.late_reason:
        raise Unprocessable("The review is late: the registration body records why (Art. 11).",
                            slug="late-reason-required", due_on=due.isoformat())
    if registration.state == "under_review" and registration.type in {"first", "renewal"}:
        subject = await subject_or_404(ctx.session, registration.subject_type, registration.subject_id)
        previous = (await registration_or_404(ctx, registration.previous_id, lock=False)
                    if registration.previous_id else None)
        _check_validity(ctx, registration.type, subject, previous)
    await move(ctx, registration, "approve", {"late_reason": data.late_reason} if late else {})
    registration.reviewed_at = ctx.now
    if late:
        registration.late_review_reason = data.late_reason
    if registration.state == "in_notice":  # Art. 12: public notice of 10 working days
        notice = ctx.calendar.add_working_days(ctx.today, ctx.rules.notice_working_days)
        registration.notice_starts_on, registration.notice_ends_on = ctx.today, notice.due_on
        registration.provisional = registration.provisional or notice.provisional
    else:
        await complete(ctx, registration)
    return registration


async def revoke(ctx: Ctx, registration_id: str, reason: str) -> Registration:
    """Art. 20: revocation for false materials or tampering."""
    registration = await _decision(ctx, registration_id)
    await move(ctx, registration, "revoke", {"reason": reason})
    subject = await subject_or_404(ctx.session, registration.subject_type, registration.subject_id, for_update=True)
    subject.status, subject.updated_at = "revoked", ctx.now
    registration.decided_at = ctx.now
    return registration

