"""Designations, implementation plans and operator selection (spec Arts. 9, 11, 12).

A plan moves draft → approved (collective decision recorded) → filed (with the provincial data authority).
Every change is a new ``PlanVersion``; a major change sends the plan back to draft for re-approval (Art. 11).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Conflict, IllegalTransition, NotFound
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..compliance.engine import on_write
from ..ledger.service import record
from .access import can_read_plan, must_be_designated, must_manage, require_person
from .models import Designation, OperatorSelection, Plan, PlanVersion
from .schemas import ApprovalIn, DesignationIn, FilingIn, PlanChangeIn, PlanIn, SelectionIn

__all__ = [
    "approve_plan", "change_plan", "create_designation", "create_plan", "file_plan", "get_plan", "list_designations",
    "list_plans", "list_selections", "plan_versions", "record_selection",
]


async def create_designation(session: AsyncSession, principal: Principal, data: DesignationIn) -> Designation:
    require_person(principal, "admin")
    row = Designation(**data.model_dump(), designated_by=principal.subject)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise Conflict("This organization already holds that designation for the region.",
                       slug="designation-exists") from None
    await record(session, principal, "operation.designated", "designation", row.id, data.model_dump())
    return row


async def list_designations(session: AsyncSession, region_code: str | None) -> list[Designation]:
    q = select(Designation).order_by(Designation.created_at, Designation.id)
    if region_code:
        q = q.where(Designation.region_code == region_code)
    return list((await session.scalars(q.limit(1000))).all())


async def create_plan(session: AsyncSession, principal: Principal, data: PlanIn) -> Plan:
    await must_be_designated(session, principal, "implementing_body", data.region_code)
    items = data.items.model_dump(mode="json")
    plan = Plan(name=data.name, region_code=data.region_code, authorizer_name=data.authorizer_name, mode=data.mode,
                items=items, implementing_org_id=principal.org, implementing_org_name=principal.org_name or "",
                created_by=principal.subject)
    session.add(plan)
    await session.flush()
    session.add(PlanVersion(plan_id=plan.id, version=1, name=plan.name, mode=plan.mode, items=items,
                            reason="initial", created_by=principal.subject))
    await record(session, principal, "plan.created", "plan", plan.id, {"version": 1, **data.model_dump(mode="json")})
    await session.flush()
    return plan


async def get_plan(session: AsyncSession, principal: Principal, plan_id: str, *, lock: bool = False) -> Plan:
    q = select(Plan).where(Plan.id == plan_id)
    plan = (await session.scalars(q.with_for_update() if lock else q)).first()
    if plan is None or not can_read_plan(principal, plan):
        raise NotFound("No such plan.", slug="plan-not-found")
    return plan


async def list_plans(session: AsyncSession, principal: Principal, *, status: str | None, after: str | None,
                     limit: int) -> list[Plan]:
    q = select(Plan)
    if not principal.has_role("admin", "auditor"):
        q = q.where(Plan.implementing_org_id == principal.org)
    if status:
        q = q.where(Plan.status == status)
    if after:
        q = q.where(Plan.id > after)
    return list((await session.scalars(q.order_by(Plan.id).limit(limit))).all())


async def plan_versions(session: AsyncSession, principal: Principal, plan_id: str) -> list[PlanVersion]:
    await get_plan(session, principal, plan_id)
    q = select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.version)
    return list((await session.scalars(q)).all())


async def change_plan(session: AsyncSession, principal: Principal, plan_id: str, data: PlanChangeIn) -> Plan:
    plan = await get_plan(session, principal, plan_id, lock=True)
    must_manage(principal, plan.implementing_org_id)
    if data.name is None and data.mode is None and data.items is None:
        raise Conflict("A change must change the name, the mode or the items.", slug="empty-change")
    plan.name = data.name or plan.name
    plan.mode = data.mode or plan.mode
    if data.items is not None:
        plan.items = data.items.model_dump(mode="json")
    plan.version += 1
    plan.updated_at = utcnow()
    if data.major and plan.status != "draft":
        # Art. 11: a major change needs a fresh collective decision and filing; the old ones stay in the ledger.
        plan.status = "draft"
    session.add(PlanVersion(plan_id=plan.id, version=plan.version, name=plan.name, mode=plan.mode, items=plan.items,
                            major=data.major, reason=data.reason, created_by=principal.subject))
    await record(session, principal, "plan.changed", "plan", plan.id,
                 {"version": plan.version, "major": data.major, "reason": data.reason, "status": plan.status})
    await session.flush()
    await on_write(session, principal, "plan", {plan.id})
    return plan


async def approve_plan(session: AsyncSession, principal: Principal, plan_id: str, data: ApprovalIn) -> Plan:
    plan = await get_plan(session, principal, plan_id, lock=True)
    must_manage(principal, plan.implementing_org_id)
    if plan.status != "draft":
        raise IllegalTransition(f"The plan is {plan.status}; only a draft is approved.",
                                current_state=plan.status, action="approve")
    plan.status, plan.approved_version = "approved", plan.version
    plan.approval_body, plan.approval_date, plan.approval_document_no = data.body, data.decided_on, data.document_no
    plan.filed_with = plan.filed_on = plan.filing_no = None
    plan.updated_at = utcnow()
    await record(session, principal, "plan.approved", "plan", plan.id,
                 {"version": plan.version, **data.model_dump(mode="json")})
    await session.flush()
    await on_write(session, principal, "plan", {plan.id})
    return plan


async def file_plan(session: AsyncSession, principal: Principal, plan_id: str, data: FilingIn) -> Plan:
    plan = await get_plan(session, principal, plan_id, lock=True)
    must_manage(principal, plan.implementing_org_id)
    if plan.status != "approved":
        raise IllegalTransition(f"The plan is {plan.status}; only an approved plan is filed.",
                                current_state=plan.status, action="file")
    if plan.approval_date and data.filed_on < plan.approval_date:
        raise Conflict("A plan cannot be filed before it was approved.", slug="filed-before-approval")
    plan.status = "filed"
    plan.filed_with, plan.filed_on, plan.filing_no = data.filed_with, data.filed_on, data.filing_no
    plan.updated_at = utcnow()
    await record(session, principal, "plan.filed", "plan", plan.id,
                 {"version": plan.version, **data.model_dump(mode="json")})
    await session.flush()
    return plan


async def record_selection(session: AsyncSession, principal: Principal, plan_id: str,
                           data: SelectionIn) -> OperatorSelection:
    plan = await get_plan(session, principal, plan_id)
    must_manage(principal, plan.implementing_org_id)
    if plan.approved_version is None:
        raise Conflict("Operators are selected under an approved plan (Art. 12).", slug="plan-not-approved",
                       state=plan.status)
    row = OperatorSelection(plan_id=plan.id, **data.model_dump(mode="json", exclude={"decided_on"}),
                            decided_on=data.decided_on, recorded_by=principal.subject)
    session.add(row)
    await session.flush()
    await record(session, principal, "plan.operator_selected", "plan", plan.id,
                 {"selection_id": row.id, **data.model_dump(mode="json")})
    return row


async def list_selections(session: AsyncSession, principal: Principal, plan_id: str) -> list[OperatorSelection]:
    await get_plan(session, principal, plan_id)
    q = select(OperatorSelection).where(OperatorSelection.plan_id == plan_id).order_by(OperatorSelection.created_at)
    return list((await session.scalars(q)).all())
