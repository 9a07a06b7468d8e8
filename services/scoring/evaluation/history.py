"""What a report compares a run with: each subject's latest evaluation of the period before."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..records import Evaluation
from .report import previous_period

__all__ = ["previous_evaluations"]


async def previous_evaluations(session: AsyncSession, subject_kind: str, period: str,
                               subject_ids: list[str]) -> dict[str, Evaluation]:
    """Subject id → its newest evaluation (any run, any model version) for ``period`` − 1, of the same kind."""
    if not subject_ids:
        return {}
    rows = (await session.execute(select(Evaluation).where(
        Evaluation.subject_kind == subject_kind, Evaluation.period == previous_period(period),
        Evaluation.subject_id.in_(subject_ids)).order_by(Evaluation.created_at.desc(), Evaluation.id.desc())))
    latest: dict[str, Evaluation] = {}
    for row in rows.scalars():
        latest.setdefault(row.subject_id, row)
    return latest
