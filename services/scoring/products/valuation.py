"""Monetary valuation of a data resource or product by the cost, income and market approaches (DOMAIN §4.2,
China Appraisal Society 《数据资产评估指导意见》, 2023). Every parameter and every intermediate step is returned
so an appraiser can re-do the sum by hand.

    income:  P = Σ_{t=1..n} F_t / (1 + i)^t,  i = risk-free rate + risk premium,
             F_t given directly (direct income) or as R_t × K (royalty share of revenue R_t)
    cost:    P = C × δ,  C = preparation + direct + indirect + opportunity cost + taxes,
             δ = quality coefficient × remaining life / (used life + remaining life)
    market:  P = mean over comparables of price × quality × supply-demand × date × volume × other

Exactness (issue 13): P is rounded once, half up, to the fen, and nothing before it is rounded. Each approach
is one fraction N / D whose numerator and denominator are sums and products of the inputs, computed exactly in
decimal (an operation that would have to round raises ``decimal.Inexact``); only the last division can leave a
non-terminating decimal, and ``round_quotient`` rounds it as the exact quotient would round. A step shows its
``result`` to 50 significant digits (``exact`` says whether that is all of it) and ``shown``, the same figure
rounded for reading; neither feeds the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

__all__ = [
    "ADJUSTMENTS", "CENT", "FACTOR", "RATE", "SIGNIFICANT", "cost_approach", "income_approach", "market_approach",
    "round_quotient",
]

CENT = Decimal("0.01")
FACTOR = Decimal("0.000001")  # how shares and coefficients are shown; never how they are computed
RATE = Decimal("0.00000001")  # rates are given to 8 places (schemas.Rate), so their sum shows in full
SIGNIFICANT = 50  # digits of a step's result: 1/3 has no exact decimal to show
ONE = Decimal(1)
ADJUSTMENTS = ("quality", "supply_demand", "date", "volume", "other")

# The validated inputs need at most about 480 digits ((1+i)^50 with a 9-digit 1+i, times an income), so
# 1000 never rounds them; if an unvalidated caller ever needed more, Inexact is raised instead of a silent error.
_EXACT = Context(prec=1000, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


def round_quotient(numerator: Decimal, denominator: Decimal = ONE, quantum: Decimal = CENT) -> Decimal:
    """numerator / denominator rounded once, half up (away from zero), to a multiple of quantum."""
    places = -quantum.as_tuple().exponent
    # Truncate the quotient to enough digits to hold every half-quantum boundary (integer digits, the places,
    # one more): truncation never crosses a number it can represent, so the truncated quotient lies on the same
    # side of each boundary as the exact one and the half-up rounding that follows is the exact quotient's.
    digits = max(numerator.adjusted() - denominator.adjusted(), 0) + places + 4
    ctx = Context(prec=digits, rounding=ROUND_DOWN, traps=[InvalidOperation, DivisionByZero, Overflow])
    return ctx.divide(numerator, denominator).quantize(quantum, rounding=ROUND_HALF_UP, context=ctx)


def _figure(numerator: Decimal, denominator: Decimal = ONE) -> tuple[str, bool]:
    """The quotient to SIGNIFICANT digits, and whether those digits are all of it."""
    ctx = Context(prec=SIGNIFICANT, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])
    quotient = ctx.divide(numerator, denominator)
    return format(quotient, "f"), not ctx.flags[Inexact]


def _text(value: Decimal) -> str:
    return _figure(value)[0]


def _step(step: str, formula: str, values: dict[str, Any], numerator: Decimal, denominator: Decimal = ONE, *,
          quantum: Decimal = CENT) -> dict[str, Any]:
    result, exact = _figure(numerator, denominator)
    return {"step": step, "formula": formula, "values": values, "result": result, "exact": exact,
            "shown": str(round_quotient(numerator, denominator, quantum))}


def _value(formula: str, values: dict[str, Any], numerator: Decimal, denominator: Decimal) -> tuple[Decimal, dict]:
    """The approach's one rounding: P = numerator / denominator to the fen, and the step that shows it."""
    step = _step("value", f"{formula}, rounded once to the fen (half up)", values, numerator, denominator)
    return Decimal(step["shown"]), step


def _finite(value: Any, name: str) -> Decimal:
    """An input as a finite decimal in its shortest form (called inside the exact context)."""
    # Floats go through str so 0.1 means 0.1, not 0.1000000000000000055511151231257827.
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    # Same number, fewest digits: "0E-1000000" or "5.000…0" would otherwise spell every step with a million zeros.
    return number.normalize()


def income_approach(
    *, risk_free_rate: Decimal, risk_premium: Decimal, cash_flows: Sequence[Decimal] | None = None,
    revenues: Sequence[Decimal] | None = None, royalty_rate: Decimal | None = None,
) -> tuple[Decimal, list[dict[str, Any]]]:
    """Discounted income over the remaining economic life (one figure per year)."""
    with localcontext(_EXACT):
        rf, rp = _finite(risk_free_rate, "risk_free_rate"), _finite(risk_premium, "risk_premium")
        i = rf + rp
        if i <= 0:
            raise ValueError("the discount rate must be positive")
        steps = [_step("discount rate", "i = risk_free_rate + risk_premium",
                       {"risk_free_rate": _text(rf), "risk_premium": _text(rp)}, i, quantum=RATE)]
        if cash_flows is None:
            if revenues is None or royalty_rate is None:
                raise ValueError("give either cash_flows (direct income) or revenues with a royalty_rate")
            k = _finite(royalty_rate, "royalty_rate")
            flows = []
            for t, revenue in enumerate(revenues, start=1):
                r = _finite(revenue, f"revenue of year {t}")
                flows.append(r * k)
                steps.append(_step(f"royalty income year {t}", "F_t = R_t × K",
                                   {"R_t": _text(r), "K": _text(k)}, flows[-1]))
        else:
            flows = [_finite(f, f"cash flow of year {t}") for t, f in enumerate(cash_flows, start=1)]
        if not flows:
            raise ValueError("the income approach needs at least one year")
        growth = 1 + i
        for t, f in enumerate(flows, start=1):
            steps.append(_step(f"present value year {t}", "F_t / (1+i)^t",
                               {"F_t": _text(f), "t": t, "(1+i)^t": _text(growth ** t)}, f, growth ** t))
        # Σ F_t/(1+i)^t over the common denominator (1+i)^n: one division instead of n inexact ones.
        n = len(flows)
        numerator = sum((f * growth ** (n - t) for t, f in enumerate(flows, start=1)), Decimal(0))
        value, step = _value("P = Σ F_t / (1+i)^t", {"n": n}, numerator, growth ** n)
        return value, [*steps, step]


def cost_approach(
    *, preparation: Decimal, direct: Decimal, indirect: Decimal, opportunity: Decimal, taxes: Decimal,
    quality_coefficient: Decimal, used_years: Decimal, remaining_years: Decimal,
) -> tuple[Decimal, list[dict[str, Any]]]:
    """Replacement cost adjusted by quality and the share of the economic life still ahead."""
    with localcontext(_EXACT):
        costs = {name: _finite(v, name) for name, v in (("preparation", preparation), ("direct", direct),
                                                         ("indirect", indirect), ("opportunity", opportunity),
                                                         ("taxes", taxes))}
        quality = _finite(quality_coefficient, "quality_coefficient")
        used, remaining = _finite(used_years, "used_years"), _finite(remaining_years, "remaining_years")
        c = sum(costs.values(), Decimal(0))
        life = used + remaining
        if life <= 0:
            raise ValueError("the economic life (used + remaining years) must be positive")
        # δ = quality × remaining / life stays a fraction; P = C × quality × remaining / life is divided once.
        weight = quality * remaining
        steps = [
            _step("replacement cost", "C = preparation + direct + indirect + opportunity + taxes",
                  {k: _text(v) for k, v in costs.items()}, c),
            _step("remaining life share", "remaining_years / (used_years + remaining_years)",
                  {"used_years": _text(used), "remaining_years": _text(remaining)}, remaining, life,
                  quantum=FACTOR),
            _step("value adjustment", "δ = quality_coefficient × remaining_years / (used_years + remaining_years)",
                  {"quality_coefficient": _text(quality)}, weight, life, quantum=FACTOR),
        ]
        value, step = _value("P = C × δ", {"C": _text(c)}, c * weight, life)
        return value, [*steps, step]


def market_approach(comparables: Sequence[Mapping[str, Any]]) -> tuple[Decimal, list[dict[str, Any]]]:
    """Each comparable: {"name", "price", and the five adjustment coefficients (default 1)}."""
    if not comparables:
        raise ValueError("the market approach needs at least one comparable")
    with localcontext(_EXACT):
        steps: list[dict[str, Any]] = []
        total = Decimal(0)
        for c in comparables:
            name = c.get("name", "comparable")
            price = _finite(c["price"], f"price of {name}")
            coefficients = {k: _finite(c.get(k, 1), f"{k} of {name}") for k in ADJUSTMENTS}
            combined = ONE
            for k in ADJUSTMENTS:
                combined *= coefficients[k]
            adjusted = price * combined
            total += adjusted
            steps.append(_step(f"adjusted price of {name}",
                               "price × quality × supply_demand × date × volume × other",
                               {"price": _text(price), **{k: _text(v) for k, v in coefficients.items()},
                                "combined_coefficient": _text(combined)}, adjusted))
        count = len(comparables)
        value, step = _value("P = mean of adjusted comparable prices", {"sum": _text(total), "count": count},
                             total, Decimal(count))
        return value, [*steps, step]
