"""The numbers of the pricing notice (发改价格〔2025〕65号, DOMAIN §3) and of the operation spec, kept as data.

They are fixed by the national texts today; holding them in one frozen object lets a province's stricter rule
(or a revised notice) be configured without touching the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["DEFAULT_POLICY", "PricingPolicy"]


@dataclass(frozen=True)
class PricingPolicy:
    # Allowed profit rate <= previous year's average 10-year treasury yield + this many percentage points.
    profit_margin_points: Decimal = Decimal(6)
    # |actual - maximum| / maximum at or below this: the operator adjusts; above: the authorizer adjusts the ceiling.
    deviation_threshold: Decimal = Decimal("0.10")
    # A review cycle of the maximum allowed revenue lasts at most this many years.
    max_cycle_years: int = 3
    # A ceiling not reviewed within this many years is a finding.
    ceiling_review_years: int = 3
    # Operation agreements run at most this many years (spec Art. 13).
    max_agreement_years: int = 5
    # Annual reports for year Y are due by this month/day of year Y+1 (end of March).
    report_due_month: int = 3
    report_due_day: int = 31


DEFAULT_POLICY = PricingPolicy()
