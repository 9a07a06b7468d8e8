"""Valuations of products and resources (DOMAIN §4.2): parameters checked, the approach applied, every step
stored, and the value kept as an exact decimal string to the fen."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Forbidden, NotFound, Unprocessable
from services.kernel.security import Principal

from ..records import ProductScore, RegistryRecord, Valuation
from .valuation import cost_approach, income_approach, market_approach

__all__ = ["create_valuation", "get_valuation", "list_valuations", "subject_owner"]


async def subject_owner(session: AsyncSession, kind: str, subject_id: str) -> str | None:
    row = await session.get(RegistryRecord, (kind, subject_id))
    if row is None or row.deleted:
        raise NotFound(f"No {kind} {subject_id!r} is known to scoring.", slug="subject-not-found")
    return row.org_id


def _score_quality(score: ProductScore) -> Decimal:
    """The value score's quality (0–1, GB/T 36344 dimensions) as the cost approach's quality coefficient."""
    # Through str: the score is a float rounded to 4 places, and 0.8123 must mean 0.8123, not its binary double.
    try:
        quality = Decimal(str(score.quality["score"]))
    except (KeyError, TypeError, ArithmeticError):
        quality = Decimal("NaN")
    if not quality.is_finite() or not 0 <= quality <= 1:
        raise Unprocessable("The value score has no usable quality score (0–1) to take the quality coefficient "
                            "from; give quality_coefficient.", slug="quality-unknown")
    return quality


async def create_valuation(session: AsyncSession, principal: Principal, data: Any) -> Valuation:
    owner = await subject_owner(session, data.subject_kind, data.subject_id)
    own = not principal.client and principal.has_role("agency", "operator") and principal.org == owner
    if not (own or (not principal.client and principal.has_role("authority", "admin"))):
        raise Forbidden("Only the owning organization, an authority or an administrator may value this.",
                        slug="not-your-subject")
    params: dict[str, Any]
    if data.approach == "income":
        p = data.income
        value, steps = income_approach(risk_free_rate=p.risk_free_rate, risk_premium=p.risk_premium,
                                       cash_flows=p.cash_flows, revenues=p.revenues, royalty_rate=p.royalty_rate)
        params = p.model_dump(mode="json")
    elif data.approach == "cost":
        p = data.cost
        params = p.model_dump(mode="json")
        quality = p.quality_coefficient
        if quality is None:
            score = await session.get(ProductScore, (data.subject_kind, data.subject_id))
            if score is None:
                raise Unprocessable("No value score yet to take the quality coefficient from; give "
                                    "quality_coefficient.", slug="quality-unknown")
            quality = _score_quality(score)
            params["quality_coefficient"] = str(quality)
            params["quality_coefficient_source"] = "value score quality (GB/T 36344 dimensions)"
        value, steps = cost_approach(preparation=p.preparation, direct=p.direct, indirect=p.indirect,
                                     opportunity=p.opportunity, taxes=p.taxes, quality_coefficient=quality,
                                     used_years=p.used_years, remaining_years=p.remaining_years)
    else:
        params = data.market.model_dump(mode="json")
        value, steps = market_approach([c.model_dump() for c in data.market.comparables])
    row = Valuation(subject_kind=data.subject_kind, subject_id=data.subject_id, org_id=owner,
                    approach=data.approach, parameters=params, steps=steps, value=str(value),
                    created_by=principal.subject)
    session.add(row)
    await session.flush()
    return row


async def get_valuation(session: AsyncSession, valuation_id: str) -> Valuation:
    row = await session.get(Valuation, valuation_id)
    if row is None:
        raise NotFound("No such valuation.", slug="valuation-not-found")
    return row


async def list_valuations(session: AsyncSession, *, org: str | None, subject_kind: str | None,
                          subject_id: str | None, limit: int) -> list[Valuation]:
    query = select(Valuation).order_by(Valuation.created_at.desc(), Valuation.id).limit(limit)
    if org is not None:
        query = query.where(Valuation.org_id == org)
    if subject_kind:
        query = query.where(Valuation.subject_kind == subject_kind)
    if subject_id:
        query = query.where(Valuation.subject_id == subject_id)
    return list((await session.execute(query)).scalars())
