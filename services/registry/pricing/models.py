"""Tables of the government-guided price (DOMAIN §3): treasury yields, maximum allowed revenue, price records.

Price records and revenue caps are only ever inserted; the one update is closing an open-ended price period
at the start date of its successor, which is never in the past.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from services.kernel.timeutil import new_id, utcnow

from ..tables import RegistryTable
from .columns import money_column, rate_column

__all__ = ["PriceRecord", "RevenueCap", "TreasuryYield"]


def _ts() -> Column:
    return Column(DateTime(timezone=True), nullable=False)


class TreasuryYield(RegistryTable, table=True):
    """A year's average 10-year treasury yield, in percent, as an authority entered it."""

    __tablename__ = "pricing_treasury_yields"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    average_yield: Decimal = Field(sa_column=rate_column())
    source: str = Field(sa_column=Column(Text, nullable=False))
    entered_by: str = Field(max_length=64)
    entered_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class RevenueCap(RegistryTable, table=True):
    """An operator's maximum allowed revenue for one review cycle (≤ 3 years), with the figures behind it."""

    __tablename__ = "pricing_revenue_caps"
    __table_args__ = (UniqueConstraint("operator_org_id", "first_year"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    operator_org_id: str = Field(max_length=64, index=True)
    operator_org_name: str = Field(max_length=200)
    region_code: str = Field(max_length=6)
    first_year: int
    years: int
    survey_year: int  # the cost survey; the yield of the year before caps the profit rate
    operating_cost: Decimal = Field(sa_column=money_column())
    subsidies: Decimal = Field(sa_column=money_column())
    taxes: Decimal = Field(sa_column=money_column())
    profit_rate: Decimal = Field(sa_column=rate_column())
    treasury_yield: Decimal = Field(sa_column=rate_column())
    profit_rate_cap: Decimal = Field(sa_column=rate_column())
    allowed_profit: Decimal = Field(sa_column=money_column())
    annual_maximum: Decimal = Field(sa_column=money_column())
    carried_over: Decimal = Field(sa_column=money_column())
    cycle_total: Decimal = Field(sa_column=money_column())
    yearly_benchmark: Decimal = Field(sa_column=money_column())
    basis: str = Field(sa_column=Column(Text, nullable=False))
    set_by: str = Field(max_length=64)
    set_by_org: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class PriceRecord(RegistryTable, table=True):
    """One dated price: the authorizer's ceiling, or the operator's specific (or trial) price."""

    __tablename__ = "pricing_price_records"
    __table_args__ = (
        UniqueConstraint("product_id", "layer", "effective_from"),
        Index("ix_pricing_price_records_product_layer_from", "product_id", "layer", "effective_from"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    product_id: str = Field(sa_column=Column(String(32), ForeignKey("products.id"), nullable=False))
    layer: str = Field(max_length=10)  # ceiling | operator
    kind: str = Field(max_length=10)  # ceiling | specific | trial
    billing_unit: str = Field(max_length=20)  # per_product | per_service | per_time | per_call
    tiers: list = Field(sa_column=Column(JSON, nullable=False))  # [{"up_to": int|None, "unit_price": "0.05"}]
    unit_price: Decimal = Field(sa_column=money_column())  # the highest unit price of the tiers
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    effective_to: date | None = Field(default=None, sa_column=Column(Date, nullable=True))  # exclusive
    basis: str = Field(sa_column=Column(Text, nullable=False))
    set_by: str = Field(max_length=64)
    set_by_org: str = Field(max_length=64)
    set_by_org_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
