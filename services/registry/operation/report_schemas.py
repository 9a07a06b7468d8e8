"""Request and response models of operators' annual reports (pricing notice §4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from ..pricing.money import Money, SignedMoney
from .schemas import Day, Id, Instant, Strict, Text

__all__ = ["PriceAdjustment", "ProductFigures", "ProductFiguresOut", "ReportIn", "ReportOut"]


class ProductFigures(Strict):
    product_id: Id
    volume: Annotated[int, Field(ge=0, le=10**15)]
    revenue: Money


class ProductFiguresOut(BaseModel):
    """As filed; read back without the input's rules on how amounts are written."""

    product_id: str
    volume: int
    revenue: Decimal


class PriceAdjustment(Strict):
    product_id: Id
    effective_from: Day
    description: Text


class ReportIn(Strict):
    """An operator's annual report (pricing notice §4): business, costs, revenue, profit, per product, prices."""

    year: Annotated[int, Field(ge=2000, le=2200)]
    business_overview: Text
    operating_cost: Money
    revenue: Money
    profit: SignedMoney
    products: list[ProductFigures] = Field(default_factory=list, max_length=1000)
    price_adjustments: list[PriceAdjustment] = Field(default_factory=list, max_length=1000)


class ReportOut(BaseModel):
    id: str
    operator_org_id: str
    operator_org_name: str
    year: int
    business_overview: str
    operating_cost: Decimal
    revenue: Decimal
    profit: Decimal
    products: list[ProductFiguresOut]
    price_adjustments: list[PriceAdjustment]
    benchmark: Decimal | None
    deviation: str | None
    who_adjusts: str | None
    submitted_at: Instant
