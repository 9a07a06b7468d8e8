"""Which price record is in force on a day: effective_from <= day < effective_to (open when NULL)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import PriceRecord

__all__ = ["in_force", "prices_in_force"]


def in_force(day: date):
    return (PriceRecord.effective_from <= day) & or_(PriceRecord.effective_to.is_(None), PriceRecord.effective_to > day)


async def prices_in_force(session: AsyncSession, day: date, product_ids: Iterable[str] | None = None,
                          layer: str | None = None) -> dict[tuple[str, str], PriceRecord]:
    """{(product_id, layer): record} for every price in force on ``day`` — one query for any number of products."""
    q = select(PriceRecord).where(in_force(day))
    if product_ids is not None:
        q = q.where(PriceRecord.product_id.in_(list(product_ids)))
    if layer is not None:
        q = q.where(PriceRecord.layer == layer)
    return {(r.product_id, r.layer): r for r in (await session.scalars(q)).all()}
