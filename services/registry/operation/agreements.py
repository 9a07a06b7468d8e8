"""Operation agreements (spec Arts. 5, 13–14): drafting, amendments as versions, the state machine.

    draft ──sign──▶ signed ──file──▶ filed ──activate──▶ active ⇄ suspended (suspend / resume)
      signed, filed, active, suspended ──terminate──▶ terminated;  active, suspended ──expire──▶ expired

Signing needs the plan approved and filed, every resource registered, every shared-in resource consented to by
its providing unit, and a term of at most 5 years: each a hard rule refused with 422 naming it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Conflict, Forbidden, IllegalTransition, NotFound, Unprocessable
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..compliance.catalog import refuse
from ..compliance.checks_operation import term_too_long
from ..compliance.engine import on_write
from ..ledger.service import record
from ..registration.access import can_read, is_public
from ..registration.models import Product, Resource
from .access import can_read_agreement, is_providing_agency, must_manage
from .agreement_views import scope_of, snapshot
from .models import Agreement, AgreementProduct, AgreementResource, AgreementVersion, OperatorSelection, SharingConsent
from .plans import get_plan
from .schemas import AgreementIn, AmendmentIn, ConsentIn, ScopeItem, TransitionIn

__all__ = ["amend", "create_agreement", "expire_due", "get_agreement", "list_agreements", "record_consent",
           "transition", "versions"]

# action -> (states it may start from, resulting state)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "sign": (frozenset({"draft"}), "signed"),
    "file": (frozenset({"signed"}), "filed"),
    "activate": (frozenset({"filed"}), "active"),
    "suspend": (frozenset({"active"}), "suspended"),
    "resume": (frozenset({"suspended"}), "active"),
    "terminate": (frozenset({"signed", "filed", "active", "suspended"}), "terminated"),
    "expire": (frozenset({"active", "suspended"}), "expired"),
}
AMENDABLE = frozenset({"draft", "signed", "filed", "active", "suspended"})


def _check_term(starts_on: date, ends_on: date) -> None:
    if term_too_long(starts_on, ends_on):
        raise refuse("OPS-AGREEMENT-TERM", f"the term {starts_on} to {ends_on} is longer than 5 years",
                     starts_on=str(starts_on), ends_on=str(ends_on))


async def _check_resources(session: AsyncSession, principal: Principal, items: list[ScopeItem]) -> None:
    ids = [i.resource_id for i in items]
    found = (await session.execute(select(Resource.id, Resource.status, Resource.org_id, Resource.joint_org_ids)
                                   .where(Resource.id.in_(ids)))).all()
    # A draft the caller may not read is unknown to it, as an id that does not exist (DOMAIN §1, Arts. 6, 19).
    rows = {r.id: r.status for r in found if is_public(r.status) or can_read(principal, r.org_id, r.joint_org_ids)}
    unknown = [i for i in ids if i not in rows]
    if unknown:
        raise Unprocessable("Unknown resources in the data scope.", slug="unknown-resource", resource_ids=unknown)
    unregistered = [i for i in ids if rows[i] != "registered"]
    if unregistered:
        raise refuse("OPS-RESOURCE-UNREGISTERED", "only registered resources may be in the data scope",
                     resource_ids=unregistered)


async def _check_products(session: AsyncSession, product_ids: list[str], operator_org_id: str) -> None:
    if not product_ids:
        return
    rows = dict((await session.execute(select(Product.id, Product.org_id).where(Product.id.in_(product_ids)))).all())
    wrong = [p for p in product_ids if rows.get(p) != operator_org_id]
    if wrong:
        raise Unprocessable("Products in the list must exist and belong to the operator.", slug="foreign-product",
                            product_ids=wrong)


async def _replace_scope(session: AsyncSession, agreement: Agreement, items: list[ScopeItem] | None,
                         product_ids: list[str] | None) -> None:
    if items is not None:
        await session.execute(delete(AgreementResource).where(AgreementResource.agreement_id == agreement.id))
        session.add_all([AgreementResource(agreement_id=agreement.id, **i.model_dump()) for i in items])
    if product_ids is not None:
        await session.execute(delete(AgreementProduct).where(AgreementProduct.agreement_id == agreement.id))
        session.add_all([AgreementProduct(agreement_id=agreement.id, product_id=p) for p in product_ids])
    await session.flush()


async def _new_version(session: AsyncSession, principal: Principal, agreement: Agreement, reason: str) -> None:
    resources, products = await scope_of(session, [agreement.id])
    session.add(AgreementVersion(agreement_id=agreement.id, version=agreement.version, reason=reason,
                                 snapshot=snapshot(agreement, resources[agreement.id], products[agreement.id]),
                                 created_by=principal.subject))
    await session.flush()


async def create_agreement(session: AsyncSession, principal: Principal, data: AgreementIn) -> Agreement:
    plan = await get_plan(session, principal, data.plan_id)
    must_manage(principal, plan.implementing_org_id)
    selection = await session.get(OperatorSelection, data.selection_id)
    if selection is None or selection.plan_id != plan.id:
        raise Unprocessable("The operator selection is not one of this plan's.", slug="unknown-selection")
    _check_term(data.starts_on, data.ends_on)
    await _check_resources(session, principal, data.resources)
    await _check_products(session, data.product_ids, selection.operator_org_id)
    agreement = Agreement(plan_id=plan.id, selection_id=selection.id, implementing_org_id=plan.implementing_org_id,
                          operator_org_id=selection.operator_org_id, operator_org_name=selection.operator_org_name,
                          region_code=plan.region_code, mode=data.mode or plan.mode, starts_on=data.starts_on,
                          ends_on=data.ends_on, terms=data.terms.model_dump(), created_by=principal.subject)
    session.add(agreement)
    await session.flush()
    await _replace_scope(session, agreement, data.resources, data.product_ids)
    await _new_version(session, principal, agreement, "drafted")
    await record(session, principal, "agreement.drafted", "agreement", agreement.id, data.model_dump(mode="json"))
    return agreement


async def get_agreement(session: AsyncSession, principal: Principal, agreement_id: str, *,
                        lock: bool = False) -> Agreement:
    q = select(Agreement).where(Agreement.id == agreement_id)
    agreement = (await session.scalars(q.with_for_update() if lock else q)).first()
    if agreement is None or not can_read_agreement(principal, agreement):
        raise NotFound("No such agreement.", slug="agreement-not-found")
    return agreement


async def list_agreements(session: AsyncSession, principal: Principal, *, status: str | None, after: str | None,
                          limit: int) -> list[Agreement]:
    q = select(Agreement)
    if not principal.has_role("admin", "auditor"):
        if principal.has_role("authority"):
            q = q.where(Agreement.implementing_org_id == principal.org)
        else:
            q = q.where(Agreement.operator_org_id == principal.org)
    if status:
        q = q.where(Agreement.status == status)
    if after:
        q = q.where(Agreement.id > after)
    return list((await session.scalars(q.order_by(Agreement.id).limit(limit))).all())


async def versions(session: AsyncSession, principal: Principal, agreement_id: str) -> list[AgreementVersion]:
    await get_agreement(session, principal, agreement_id)
    q = select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id).order_by(AgreementVersion.version)
    return list((await session.scalars(q)).all())


async def _cover_products(session: AsyncSession, agreement: Agreement, ends_on: date) -> None:
    """Art. 15: a product's registration lasts no longer than the agreement that covers it."""
    _, products = await scope_of(session, [agreement.id])
    ids = products[agreement.id]
    if ids:
        for product in (await session.scalars(select(Product).where(Product.id.in_(ids)))).all():
            product.agreement_id, product.agreement_ends_on = agreement.id, ends_on
        await session.flush()


async def amend(session: AsyncSession, principal: Principal, agreement_id: str, data: AmendmentIn) -> Agreement:
    agreement = await get_agreement(session, principal, agreement_id, lock=True)
    must_manage(principal, agreement.implementing_org_id)
    if agreement.status not in AMENDABLE:
        raise IllegalTransition(f"A {agreement.status} agreement cannot be amended.",
                                current_state=agreement.status, action="amend")
    starts, ends = data.starts_on or agreement.starts_on, data.ends_on or agreement.ends_on
    if ends <= starts:
        raise Unprocessable("ends_on must be after starts_on.", slug="bad-term")
    _check_term(starts, ends)
    if data.resources is not None:
        await _check_resources(session, principal, data.resources)
    if data.product_ids is not None:
        await _check_products(session, data.product_ids, agreement.operator_org_id)
    agreement.starts_on, agreement.ends_on = starts, ends
    if data.terms is not None:
        agreement.terms = data.terms.model_dump()
    await _replace_scope(session, agreement, data.resources, data.product_ids)
    agreement.version += 1
    agreement.updated_at = utcnow()
    await _new_version(session, principal, agreement, data.reason)
    if agreement.status != "draft":
        await _cover_products(session, agreement, agreement.ends_on)
    await record(session, principal, "agreement.amended", "agreement", agreement.id,
                 {"version": agreement.version, **data.model_dump(mode="json", exclude_none=True)})
    await on_write(session, principal, "agreement", {agreement.id})
    return agreement


async def _check_signing(session: AsyncSession, principal: Principal, agreement: Agreement, on: date) -> None:
    plan = await get_plan(session, principal, agreement.plan_id)
    if plan.status != "filed" or plan.approval_date is None or plan.filed_on is None \
            or on < plan.approval_date or on < plan.filed_on:
        raise refuse("OPS-SIGNED-BEFORE-PLAN", f"the plan is {plan.status} (approved {plan.approval_date}, "
                     f"filed {plan.filed_on}); it must be approved and filed before signing on {on}",
                     plan_status=plan.status)
    _check_term(agreement.starts_on, agreement.ends_on)
    resources, _ = await scope_of(session, [agreement.id])
    await _check_resources(session, principal,
                           [ScopeItem(resource_id=r["resource_id"]) for r in resources[agreement.id]])
    shared = {r["resource_id"] for r in resources[agreement.id] if r["shared_from_org_id"]}
    if shared:
        consented = set((await session.scalars(select(SharingConsent.resource_id).where(
            SharingConsent.agreement_id == agreement.id))).all())
        if shared - consented:
            raise refuse("OPS-SHARED-NO-CONSENT", "the providing unit has not consented for every shared-in resource",
                         resource_ids=sorted(shared - consented))
    agreement.plan_approved_on, agreement.plan_filed_on = plan.approval_date, plan.filed_on


async def transition(session: AsyncSession, principal: Principal, agreement_id: str, data: TransitionIn) -> Agreement:
    agreement = await get_agreement(session, principal, agreement_id, lock=True)
    must_manage(principal, agreement.implementing_org_id)
    sources, target = TRANSITIONS[data.action]
    if agreement.status not in sources:
        raise IllegalTransition(f"Cannot {data.action} a {agreement.status} agreement.",
                                current_state=agreement.status, action=data.action)
    if data.action == "sign":
        await _check_signing(session, principal, agreement, data.on)
        agreement.signed_on = data.on
    elif data.action == "file":
        if not data.document_no:
            raise Unprocessable("Filing needs the filing number (document_no).", slug="filing-number-required")
        if agreement.signed_on and data.on < agreement.signed_on:
            raise Conflict("An agreement is filed after it is signed.", slug="filed-before-signed")
        agreement.filed_on, agreement.filing_no = data.on, data.document_no
    elif data.action == "activate" and data.on < agreement.starts_on:
        raise Conflict(f"The agreement's term starts on {agreement.starts_on}.", slug="not-started")
    elif data.action == "expire" and data.on < agreement.ends_on:
        raise Conflict(f"The agreement runs until {agreement.ends_on}.", slug="not-ended")
    elif data.action in ("suspend", "terminate") and not data.reason.strip():
        raise Unprocessable(f"A reason is required to {data.action}.", slug="reason-required")
    agreement.status, agreement.status_reason = target, data.reason or None
    agreement.updated_at = utcnow()
    if data.action == "sign":
        await _cover_products(session, agreement, agreement.ends_on)
    elif data.action in ("terminate", "expire"):
        await _cover_products(session, agreement, min(data.on, agreement.ends_on))
    await record(session, principal, f"agreement.{target}", "agreement", agreement.id, data.model_dump(mode="json"))
    await session.flush()
    await on_write(session, principal, "agreement", {agreement.id})
    await on_write(session, principal, "plan", {agreement.plan_id})
    return agreement


async def record_consent(session: AsyncSession, principal: Principal, agreement_id: str,
                         data: ConsentIn) -> SharingConsent:
    agreement = (await session.scalars(select(Agreement).where(Agreement.id == agreement_id))).first()
    # The providing unit is known from the agreement's scope, never from the body: an agency naming itself in
    # the body learns nothing of an agreement that does not involve it (404, as for no agreement).
    providing_agency = agreement is not None and await is_providing_agency(session, principal, agreement.id)
    if agreement is None or not (providing_agency or can_read_agreement(principal, agreement)):
        raise NotFound("No such agreement.", slug="agreement-not-found")
    if providing_agency and data.providing_org_id != principal.org:
        raise Forbidden("An agency consents for its own organization only.", slug="not-providing-unit")
    if not providing_agency:
        must_manage(principal, agreement.implementing_org_id)
    resources, _ = await scope_of(session, [agreement.id])
    item = next((r for r in resources[agreement.id] if r["resource_id"] == data.resource_id), None)
    if item is None or item["shared_from_org_id"] is None:
        raise Unprocessable("The resource is not a shared-in resource of this agreement.", slug="not-shared-in")
    if item["shared_from_org_id"] != data.providing_org_id:
        raise Forbidden("Only the unit that provided the resource can consent to it.", slug="not-providing-unit")
    if await session.scalar(select(SharingConsent.id).where(SharingConsent.agreement_id == agreement.id,
                                                            SharingConsent.resource_id == data.resource_id)):
        raise Conflict("Consent for this resource is already recorded.", slug="consent-exists")
    row = SharingConsent(agreement_id=agreement.id, **data.model_dump(), recorded_by=principal.subject,
                         recorded_by_org=principal.org)
    session.add(row)
    await session.flush()
    await record(session, principal, "agreement.consent_recorded", "agreement", agreement.id,
                 data.model_dump(mode="json"))
    await on_write(session, principal, "agreement", {agreement.id})
    return row


async def expire_due(session: AsyncSession, principal: Principal | None, today: date) -> list[str]:
    """The sweep's housekeeping: agreements whose term has ended become expired (Art. 13 term)."""
    due = (await session.scalars(select(Agreement).where(Agreement.status.in_(("active", "suspended")),
                                                         Agreement.ends_on < today).with_for_update())).all()
    for agreement in due:
        agreement.status, agreement.status_reason, agreement.updated_at = "expired", "term ended", utcnow()
        await record(session, principal, "agreement.expired", "agreement", agreement.id,
                     {"action": "expire", "on": today, "reason": "term ended"})
    await session.flush()
    return [a.id for a in due]
