"""Contests of a score: the scored organization files one with a reason; an authority resolves it. Both stay
with the score (every score response lists its contests)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Conflict, Forbidden, NotFound
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..records import Contest, Evaluation, ProductScore, Valuation

__all__ = ["contests_for", "file_contest", "get_contest", "resolve_contest", "target_owner"]


async def target_owner(session: AsyncSession, kind: str, target_id: str) -> str | None:
    """The organization a contested score belongs to (None for a region's evaluation)."""
    if kind == "evaluation":
        row = await session.get(Evaluation, target_id)
        owner = row.owner_org if row else None
    elif kind == "valuation":
        row = await session.get(Valuation, target_id)
        owner = row.org_id if row else None
    else:
        subject_kind, _, subject_id = target_id.partition("/")
        row = await session.get(ProductScore, (subject_kind, subject_id)) if subject_id else None
        owner = row.org_id if row else None
    if row is None:
        raise NotFound(f"No {kind} {target_id!r}.", slug="contest-target-not-found")
    return owner


async def file_contest(session: AsyncSession, principal: Principal, target_kind: str, target_id: str,
                       reason: str) -> Contest:
    owner = await target_owner(session, target_kind, target_id)
    if principal.client or not principal.has_role("agency", "operator") or owner is None or principal.org != owner:
        raise Forbidden("Only the scored organization (agency or operator) may contest its score.",
                        slug="not-your-score")
    contest = Contest(target_kind=target_kind, target_id=target_id, org_id=owner, reason=reason,
                      filed_by=principal.subject)
    session.add(contest)
    await session.flush()
    return contest


async def get_contest(session: AsyncSession, contest_id: str) -> Contest:
    row = await session.get(Contest, contest_id)
    if row is None:
        raise NotFound("No such contest.", slug="contest-not-found")
    return row


async def resolve_contest(session: AsyncSession, principal: Principal, contest: Contest, status: str,
                          resolution: str) -> Contest:
    if principal.client or not principal.has_role("authority", "admin"):
        raise Forbidden("Contests are resolved by an authority or an administrator.", slug="role-required")
    if contest.status != "open":
        raise Conflict(f"The contest is already {contest.status}.", slug="contest-closed", status_now=contest.status)
    contest.status, contest.resolution = status, resolution
    contest.resolved_by, contest.resolved_at = principal.subject, utcnow()
    await session.flush()
    return contest


async def contests_for(session: AsyncSession, target_kind: str, target_ids: list[str]) -> dict[str, list[Contest]]:
    rows = (await session.execute(select(Contest).where(
        Contest.target_kind == target_kind, Contest.target_id.in_(target_ids)).order_by(Contest.filed_at))).scalars()
    out: dict[str, list[Contest]] = {i: [] for i in target_ids}
    for row in rows:
        out[row.target_id].append(row)
    return out
