"""Running rules and keeping findings in step with the data.

For each rule, the check lists what breaks it now; a violation with no live finding opens one, a live finding
whose subject no longer breaks the rule is resolved (waived ones too: the cause is gone). A write re-checks
only the subjects it touched; the sweep checks everything, which is how deadline rules fire. Two sweeps at
once cannot duplicate a finding: they queue on the ledger's append lock, and should anything else insert the
same finding first, the partial unique index refuses the second insert, which a savepoint absorbs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.security import Principal
from services.kernel.timeutil import china_today, utcnow

from ..ledger.service import locked_head, record
from . import checks_operation, checks_pricing, checks_registration
from .catalog import catalog
from .checks_base import Check, CheckContext, Violation
from .models import ComplianceRecord

__all__ = ["CHECKS", "SweepResult", "on_write", "run_rules", "sweep"]

CHECKS: dict[str, Check] = {**checks_operation.CHECKS, **checks_pricing.CHECKS, **checks_registration.CHECKS}


@dataclass
class SweepResult:
    checked_rules: int = 0
    opened: int = 0
    resolved: int = 0
    open_now: int = 0
    expired_agreements: int = 0


def _assert_catalog_covered() -> None:
    missing = set(catalog()) ^ set(CHECKS)
    if missing:
        raise RuntimeError(f"rules without a check or checks without a rule: {sorted(missing)}")


async def _reconcile(session: AsyncSession, principal: Principal | None, rule_id: str, ctx: CheckContext,
                     result: SweepResult) -> None:
    rule = catalog()[rule_id]
    violations: dict[tuple[str, str], Violation] = {}
    for v in await CHECKS[rule_id](session, ctx):
        violations[(v.subject_type, v.subject_id)] = v
    q = select(ComplianceRecord).where(ComplianceRecord.rule_id == rule_id,
                                       ComplianceRecord.status.in_(("open", "waived")))
    if ctx.ids is not None:
        q = q.where(ComplianceRecord.subject_id.in_(ctx.ids))
    live = {(r.subject_type, r.subject_id): r for r in (await session.scalars(q)).all()}
    now = utcnow()
    for key, finding in live.items():
        if key not in violations:
            finding.status, finding.resolved_at = "resolved", now
            await record(session, principal, "compliance.resolved", "compliance_record", finding.id,
                         {"rule_id": rule_id, "subject_type": key[0], "subject_id": key[1]})
            result.resolved += 1
    for key, v in violations.items():
        if key in live:
            continue
        finding = ComplianceRecord(rule_id=rule_id, severity=rule.severity, subject_type=v.subject_type,
                                   subject_id=v.subject_id, org_id=v.org_id, detail=v.detail, facts=v.facts,
                                   detected_at=now)
        try:
            async with session.begin_nested():
                session.add(finding)
                await session.flush()
        except IntegrityError:
            continue  # another sweep opened it a moment ago
        await record(session, principal, "compliance.opened", "compliance_record", finding.id,
                     {"rule_id": rule_id, "subject_type": v.subject_type, "subject_id": v.subject_id,
                      "detail": v.detail})
        result.opened += 1
    await session.flush()


async def run_rules(session: AsyncSession, principal: Principal | None, rule_ids: list[str], *,
                    today: date | None = None, ids: set[str] | None = None) -> SweepResult:
    ctx = CheckContext(today or china_today(), None if ids is None else frozenset(ids))
    # Take the ledger's append lock before inserting any finding: two sweeps (or a sweep and a write) then run
    # one after the other instead of each holding a finding the other waits for while waiting for the ledger.
    await locked_head(session)
    result = SweepResult()
    for rule_id in rule_ids:
        await _reconcile(session, principal, rule_id, ctx, result)
        result.checked_rules += 1
    return result


async def on_write(session: AsyncSession, principal: Principal | None, subject: str, ids: set[str]) -> SweepResult:
    """Re-check every rule about ``subject`` for the subjects a write touched."""
    rules = [r.id for r in catalog().values() if r.subject == subject]
    return await run_rules(session, principal, rules, ids=ids)


async def sweep(session: AsyncSession, principal: Principal | None, today: date | None = None) -> SweepResult:
    """Expire agreements past their term, then every rule over everything: open what is new, resolve what went."""
    _assert_catalog_covered()
    from ..operation.agreements import expire_due  # operation imports this module for on_write

    today = today or china_today()
    await locked_head(session)
    expired = await expire_due(session, principal, today)  # first, so the rules see the states as they now are
    result = await run_rules(session, principal, list(catalog()), today=today)
    result.expired_agreements = len(expired)
    result.open_now = len((await session.scalars(select(ComplianceRecord.id).where(
        ComplianceRecord.status == "open"))).all())
    return result
