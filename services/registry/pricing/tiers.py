"""Cumulative (progressive) tiered prices by volume, and quotes with their breakdown (DOMAIN §3, configurable).

A tier list reads "the first 10 000 calls at 0.05, up to 100 000 at 0.03, beyond at 0.02": each unit is priced
by the tier its cumulative position falls in, like income-tax brackets. The unit price never rises with volume,
so using more never costs more per unit. A flat price is one open tier. Quantities are whole units (calls,
copies, service periods), unit prices are fen, so every amount is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Quote", "QuoteLine", "Tier", "TierError", "highest_unit_price", "never_above", "quote", "validate_tiers"]


class TierError(ValueError):
    pass


@dataclass(frozen=True)
class Tier:
    up_to: int | None  # cumulative units this tier reaches (inclusive); None: no upper bound (the last tier)
    unit_price: Decimal


@dataclass(frozen=True)
class QuoteLine:
    from_unit: int  # first unit (1-based, cumulative) priced by this line
    to_unit: int  # last unit, inclusive
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    quantity: int
    lines: tuple[QuoteLine, ...]
    total: Decimal


def validate_tiers(tiers: list[Tier]) -> list[Tier]:
    """Bounds strictly rising, only the last tier open, prices non-negative and never rising with volume."""
    if not tiers:
        raise TierError("at least one tier is needed")
    previous_bound = 0
    previous_price: Decimal | None = None
    for index, tier in enumerate(tiers):
        last = index == len(tiers) - 1
        if tier.unit_price < 0:
            raise TierError(f"tier {index + 1}: a unit price cannot be negative")
        if previous_price is not None and tier.unit_price > previous_price:
            raise TierError(f"tier {index + 1}: the unit price may not rise with volume")
        if last:
            if tier.up_to is not None:
                raise TierError("the last tier must be open-ended (up_to null)")
        else:
            if tier.up_to is None:
                raise TierError(f"tier {index + 1}: only the last tier may be open-ended")
            if tier.up_to <= previous_bound:
                raise TierError(f"tier {index + 1}: bounds must rise strictly")
            previous_bound = tier.up_to
        previous_price = tier.unit_price
    return tiers


def highest_unit_price(tiers: list[Tier]) -> Decimal:
    """The first tier's price: with non-rising prices, the most any unit costs (what a ceiling bounds)."""
    return max(t.unit_price for t in tiers)


def quote(tiers: list[Tier], quantity: int, already_used: int = 0) -> Quote:
    """Price ``quantity`` more units after ``already_used`` units of the same cumulative period."""
    if quantity < 0 or already_used < 0:
        raise TierError("quantities are never negative")
    validate_tiers(tiers)
    start, end = already_used, already_used + quantity  # units start+1 … end are priced
    lines: list[QuoteLine] = []
    lower = 0
    for tier in tiers:
        upper = tier.up_to if tier.up_to is not None else end
        first, last = max(start, lower), min(end, upper)
        if last > first:
            amount = tier.unit_price * (last - first)
            lines.append(QuoteLine(first + 1, last, last - first, tier.unit_price, amount))
        if tier.up_to is None or upper >= end:
            break
        lower = upper
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return Quote(quantity, tuple(lines), total)


def never_above(tiers: list[Tier], ceiling: list[Tier]) -> bool:
    """True when, at every volume, ``tiers`` cost no more than ``ceiling`` (both cumulative).

    Both totals are piecewise linear with corners only at tier bounds, so comparing them at every bound of
    either list and comparing the open-ended slopes decides it for all volumes.
    """
    validate_tiers(tiers)
    validate_tiers(ceiling)
    points = {1} | {t.up_to for t in tiers if t.up_to} | {t.up_to for t in ceiling if t.up_to}
    if any(quote(tiers, q).total > quote(ceiling, q).total for q in sorted(points)):
        return False
    return tiers[-1].unit_price <= ceiling[-1].unit_price
