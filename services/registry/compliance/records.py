"""Reading and waiving findings. Who sees what:

    admin, auditor          every finding
    authority, operator,    findings about their own organization (``org_id``: the body answerable for it)
    agency, registrar
    machine clients         none
Only an admin waives a finding, with a reason; the waiver is recorded with who gave it, and the ledger keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Forbidden, IllegalTransition, NotFound
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..ledger.service import record
from ..organizations import names_of
from .models import ComplianceRecord

__all__ = ["get_record", "list_records", "org_names", "waive"]


def _can_read(principal: Principal, row: ComplianceRecord) -> bool:
    if principal.client:
        return False
    return principal.has_role("admin", "auditor") or (row.org_id is not None and row.org_id == principal.org)


async def get_record(session: AsyncSession, principal: Principal, record_id: str) -> ComplianceRecord:
    row = await session.get(ComplianceRecord, record_id)
    if row is None or not _can_read(principal, row):
        raise NotFound("No such compliance record.", slug="compliance-record-not-found")
    return row


async def list_records(session: AsyncSession, principal: Principal, *, status: str | None, rule_id: str | None,
                       subject_id: str | None, after: str | None, limit: int) -> list[ComplianceRecord]:
    q = select(ComplianceRecord)
    if not principal.has_role("admin", "auditor"):
        q = q.where(ComplianceRecord.org_id == principal.org)
    for column, value in ((ComplianceRecord.status, status), (ComplianceRecord.rule_id, rule_id),
                          (ComplianceRecord.subject_id, subject_id)):
        if value:
            q = q.where(column == value)
    if after:
        q = q.where(ComplianceRecord.id > after)
    return list((await session.scalars(q.order_by(ComplianceRecord.id).limit(limit))).all())


async def org_names(session: AsyncSession, rows: Sequence[ComplianceRecord]) -> dict[str, str]:
    """The names of the organizations answerable for ``rows``, from the registry's records that name them, so
    a reader sees who is answerable rather than an id (issue 16)."""
    return await names_of(session, (row.org_id for row in rows))


async def waive(session: AsyncSession, principal: Principal, record_id: str, reason: str) -> ComplianceRecord:
    if principal.client or not principal.has_role("admin"):
        raise Forbidden("Only an administrator waives a finding.", slug="role-required")
    row = (await session.scalars(select(ComplianceRecord).where(ComplianceRecord.id == record_id)
                                 .with_for_update())).first()
    if row is None:
        raise NotFound("No such compliance record.", slug="compliance-record-not-found")
    if row.status != "open":
        raise IllegalTransition(f"The finding is {row.status}; only an open finding is waived.",
                                current_state=row.status, action="waive")
    row.status, row.waived_by, row.waived_by_org, row.waived_reason, row.waived_at = (
        "waived", principal.subject, principal.org, reason, utcnow())
    await session.flush()
    await record(session, principal, "compliance.waived", "compliance_record", row.id,
                 {"rule_id": row.rule_id, "subject_id": row.subject_id, "reason": reason})
    return row
