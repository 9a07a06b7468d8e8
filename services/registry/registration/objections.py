"""Objections during public notice (Art. 12): real name and evidence; the body upholds or dismisses.

Anyone may object, logged in or not: the form asks for a real name, an identity document (or USCC) number,
a contact and evidence. An upheld objection terminates the registration; a dismissed one lets it continue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.kernel.problems import Conflict, NotFound

from ..ledger.service import record
from .access import ensure_readable, ensure_registrar, is_overseer
from .context import Ctx
from .evidence import digest
from .models import Objection
from .steps import move, registration_or_404

__all__ = ["decide_objection", "file_objection", "list_objections", "objection_view"]


async def file_objection(ctx: Ctx, registration_id: str, data: Any) -> Objection:
    registration = await registration_or_404(ctx, registration_id, lock=False)
    if registration.state != "in_notice":
        raise Conflict("Objections are taken only during public notice.", slug="not-in-notice",
                       current_state=registration.state)
    if registration.notice_ends_on and ctx.today > registration.notice_ends_on:
        raise Conflict(f"The public notice ended on {registration.notice_ends_on.isoformat()}.",
                       slug="notice-ended", current_state=registration.state)
    evidence = [item.model_dump() for item in data.evidence]
    objection = Objection(
        registration_id=registration.id, objector_name=data.objector_name,
        objector_id_number=data.objector_id_number, contact=data.contact,
        objector_subject=ctx.principal.subject if ctx.principal else None, grounds=data.grounds,
        evidence=evidence, evidence_digest=digest({"grounds": data.grounds, "evidence": evidence}),
        filed_at=ctx.now,
    )
    ctx.session.add(objection)
    await ctx.session.flush()
    await record(ctx.session, ctx.principal, "objection.filed", "registration", registration.id,
                 {"objection_id": objection.id, "evidence_digest": objection.evidence_digest})
    return objection


async def decide_objection(ctx: Ctx, objection_id: str, *, upheld: bool, reason: str) -> Objection:
    ensure_registrar(ctx.principal)
    objection = (await ctx.session.scalars(
        select(Objection).where(Objection.id == objection_id).with_for_update())).first()
    if objection is None:
        raise NotFound("No such objection.", slug="objection-not-found")
    if objection.status != "pending":
        raise Conflict(f"The objection is already {objection.status}.", slug="objection-decided",
                       current_state=objection.status)
    registration = await registration_or_404(ctx, objection.registration_id)
    if upheld:
        await move(ctx, registration, "uphold_objection", {"objection_id": objection.id, "reason": reason})
        registration.decided_at = ctx.now
    objection.status = "upheld" if upheld else "dismissed"
    objection.decision_reason, objection.decided_by, objection.decided_at = reason, ctx.actor, ctx.now
    await ctx.session.flush()
    await record(ctx.session, ctx.principal, f"objection.{objection.status}", "registration", registration.id,
                 {"objection_id": objection.id, "reason": reason})
    return objection


def objection_view(objection: Objection, *, full: bool) -> dict[str, Any]:
    """The objector's identity number is for the registration body and auditors only (Art. 19)."""
    view = objection.model_dump()
    if not full:
        view["objector_id_number"] = None
        view["contact"] = None
    return view


async def list_objections(ctx: Ctx, registration_id: str) -> list[dict[str, Any]]:
    registration = await registration_or_404(ctx, registration_id, lock=False)
    ensure_readable(ctx.principal, registration.org_id, registration.registrant_org_ids, "registration")
    rows = (await ctx.session.scalars(select(Objection).where(Objection.registration_id == registration.id)
                                      .order_by(Objection.filed_at, Objection.id))).all()
    full = is_overseer(ctx.principal)
    return [objection_view(row, full=full) for row in rows]
