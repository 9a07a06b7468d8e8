"""Maximum allowed revenue, the profit-rate cap, the yearly deviation rule and the carry-over (DOMAIN §3).

    maximum = operating cost (government subsidies excluded) + allowed profit + taxes
    allowed profit = operating cost × allowed profit rate
    allowed profit rate <= average 10-year treasury yield of the year before the cost survey + 6 points

Pure functions on ``Decimal``; rates are in percent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import FEN, to_fen
from .policy import DEFAULT_POLICY, PricingPolicy

__all__ = [
    "CycleMaximum",
    "MaximumRevenue",
    "ProfitRateAboveCap",
    "YearEnd",
    "allowed_profit",
    "carry_over",
    "cycle_maximum",
    "maximum_allowed_revenue",
    "profit_rate_cap",
    "year_end",
]

HUNDRED = Decimal(100)


class ProfitRateAboveCap(ValueError):
    def __init__(self, rate: Decimal, cap: Decimal) -> None:
        super().__init__(f"allowed profit rate {rate}% is above the cap {cap}%")
        self.rate, self.cap = rate, cap


@dataclass(frozen=True)
class MaximumRevenue:
    counted_cost: Decimal  # operating cost with subsidies taken out
    profit_rate: Decimal
    profit_rate_cap: Decimal
    allowed_profit: Decimal
    taxes: Decimal
    total: Decimal  # one year's maximum allowed revenue


def profit_rate_cap(treasury_yield: Decimal, policy: PricingPolicy = DEFAULT_POLICY) -> Decimal:
    """The highest allowed profit rate, in percent, given the previous year's average 10-year yield."""
    return treasury_yield + policy.profit_margin_points


def allowed_profit(counted_cost: Decimal, rate: Decimal) -> Decimal:
    return to_fen(counted_cost * rate / HUNDRED)


def maximum_allowed_revenue(
    *, operating_cost: Decimal, subsidies: Decimal, taxes: Decimal, profit_rate: Decimal, treasury_yield: Decimal,
    policy: PricingPolicy = DEFAULT_POLICY,
) -> MaximumRevenue:
    """One year's maximum; raises ``ProfitRateAboveCap`` when the rate breaks the cap."""
    if subsidies > operating_cost:
        raise ValueError("government subsidies cannot exceed the operating cost they are part of")
    cap = profit_rate_cap(treasury_yield, policy)
    if profit_rate > cap:
        raise ProfitRateAboveCap(profit_rate, cap)
    counted = operating_cost - subsidies
    profit = allowed_profit(counted, profit_rate)
    return MaximumRevenue(counted, profit_rate, cap, profit, taxes, counted + profit + taxes)


@dataclass(frozen=True)
class CycleMaximum:
    years: int
    annual: Decimal  # the computed yearly maximum before any carry-over
    carried_over: Decimal  # revenue above the previous cycle's maximum, deducted here
    total: Decimal  # the whole cycle's maximum after the deduction (never below zero)
    yearly_benchmark: Decimal  # total / years, rounded to fen: what each year's revenue is compared with


def cycle_maximum(annual: Decimal, years: int, carried_over: Decimal = Decimal(0),
                  policy: PricingPolicy = DEFAULT_POLICY) -> CycleMaximum:
    if not 1 <= years <= policy.max_cycle_years:
        raise ValueError(f"a review cycle lasts 1 to {policy.max_cycle_years} years")
    if carried_over < 0:
        raise ValueError("a carry-over is an excess, never negative")
    total = max(Decimal(0), annual * years - carried_over).quantize(FEN)
    return CycleMaximum(years, annual, carried_over, total, to_fen(total / years))


def carry_over(actual_revenues: list[Decimal], cycle_total: Decimal) -> Decimal:
    """Revenue earned above the cycle's maximum; deducted from the next cycle's maximum."""
    return max(Decimal(0), sum(actual_revenues, Decimal(0)) - cycle_total).quantize(FEN)


@dataclass(frozen=True)
class YearEnd:
    actual: Decimal
    benchmark: Decimal
    deviation: Decimal  # (actual - benchmark) / benchmark, a signed ratio, four places
    who_adjusts: str  # "operator" (adjusts its specific prices) | "authorizer" (adjusts the ceiling)


def year_end(actual: Decimal, benchmark: Decimal, policy: PricingPolicy = DEFAULT_POLICY) -> YearEnd:
    """The yearly check: within the threshold the operator adjusts prices, beyond it the authorizer the ceiling."""
    # Compared without division so rounding the shown ratio can never move a case across the threshold.
    within = abs(actual - benchmark) <= policy.deviation_threshold * benchmark
    if benchmark <= 0:
        # Nothing may be earned against a zero maximum: any revenue is an unbounded deviation.
        deviation = Decimal(0) if actual == 0 else Decimal("Infinity")
    else:
        deviation = ((actual - benchmark) / benchmark).quantize(Decimal("0.0001"))
    return YearEnd(actual, benchmark, deviation, "operator" if within else "authorizer")
