"""Request and response models of pricing. Amounts are Decimal yuan with fen, serialized as strings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.kernel import text

from ..operation.schemas import Instant, Name, OrgId, Region
from .money import Money, Rate

__all__ = [
    "BillingUnit", "PriceIn", "PriceListItem", "PriceOut", "QuoteIn", "QuoteLineOut", "QuoteOut", "RevenueCapIn",
    "RevenueCapOut", "TierIn", "TierOut", "YieldIn", "YieldOut",
]

BillingUnit = Literal["per_product", "per_service", "per_time", "per_call"]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2200, 12, 31))]
Text = Annotated[str, text.Text(min_length=1, max_length=5000)]
Year = Annotated[int, Field(ge=2000, le=2200)]
Quantity = Annotated[int, Field(ge=0, le=10**12)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TierIn(Strict):
    up_to: Annotated[int, Field(ge=1, le=10**12)] | None = None
    unit_price: Money


class PriceIn(Strict):
    """A flat ``unit_price`` or cumulative ``tiers`` (unit price never rising with volume)."""

    billing_unit: BillingUnit
    unit_price: Money | None = None
    tiers: list[TierIn] | None = Field(default=None, min_length=1, max_length=20)
    effective_from: Day
    effective_to: Day | None = None
    basis: Text

    @model_validator(mode="after")
    def _one_form(self) -> PriceIn:
        if (self.unit_price is None) == (self.tiers is None):
            raise ValueError("give either unit_price or tiers")
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self


class PriceOut(BaseModel):
    id: str
    product_id: str
    layer: str
    kind: str
    billing_unit: str
    tiers: list[dict]
    unit_price: Decimal
    effective_from: date
    effective_to: date | None
    basis: str
    set_by_org: str
    set_by_org_name: str
    created_at: Instant


class YieldIn(Strict):
    year: Year
    average_yield: Rate
    source: Text


class YieldOut(BaseModel):
    year: int
    average_yield: Decimal
    source: str
    entered_at: Instant


class RevenueCapIn(Strict):
    operator_org_id: OrgId
    operator_org_name: Name
    region_code: Region
    first_year: Year
    years: Annotated[int, Field(ge=1, le=3)]  # review cycle of at most 3 years
    survey_year: Year
    operating_cost: Money  # all operating cost, subsidies included; they are taken out below
    subsidies: Money
    taxes: Money
    profit_rate: Rate
    basis: Text

    @model_validator(mode="after")
    def _consistent(self) -> RevenueCapIn:
        if self.subsidies > self.operating_cost:
            raise ValueError("subsidies cannot exceed the operating cost")
        if self.survey_year > self.first_year:
            raise ValueError("the cost survey precedes the cycle it prices")
        return self


class RevenueCapOut(BaseModel):
    id: str
    operator_org_id: str
    operator_org_name: str
    region_code: str
    first_year: int
    years: int
    survey_year: int
    operating_cost: Decimal
    subsidies: Decimal
    taxes: Decimal
    profit_rate: Decimal
    treasury_yield: Decimal
    profit_rate_cap: Decimal
    allowed_profit: Decimal
    annual_maximum: Decimal
    carried_over: Decimal
    cycle_total: Decimal
    yearly_benchmark: Decimal
    basis: str
    set_by_org: str
    created_at: Instant


class QuoteIn(Strict):
    use_type: Literal["public_welfare", "industry"]
    quantity: Quantity
    already_used: Quantity = 0  # units already used in the same cumulative period
    on: Day | None = None  # the day whose prices apply; today (China time) by default


class QuoteLineOut(BaseModel):
    from_unit: int
    to_unit: int
    quantity: int
    unit_price: Decimal
    amount: Decimal


class QuoteOut(BaseModel):
    product_id: str
    use_type: str
    on: date
    billing_unit: str | None
    quantity: int
    lines: list[QuoteLineOut]
    total: Decimal
    price_record_id: str | None
    kind: str | None
    free_reason: str | None = None


class TierOut(BaseModel):
    """One cumulative tier: the unit price up to ``up_to`` units (open-ended when null)."""

    up_to: int | None = None
    unit_price: Decimal


class PriceListItem(BaseModel):
    """A product's price in force today (明码标价): free for public welfare, else the operator's price."""

    product_id: str
    product_name: str
    operator_org_id: str
    operator_org_name: str
    use_type: Literal["public_welfare", "industry"]
    free: bool
    kind: Literal["specific", "trial"] | None
    billing_unit: BillingUnit | None
    tiers: list[TierOut]
    unit_price: Decimal
    effective_from: date | None
    effective_to: date | None
    ceiling_unit_price: Decimal | None
