"""Monetary valuation of a data resource or product by the cost, income and market approaches (DOMAIN §4.2,
China Appraisal Society 《数据资产评估指导意见》, 2023). Exact decimal arithmetic; every parameter and every
intermediate step is returned so an appraiser can re-do the sum by hand.

    income:  P = Σ_{t=1..n} F_t / (1 + i)^t,  i = risk-free rate + risk premium,
             F_t given directly (direct income) or as R_t × K (royalty share of revenue R_t)
    cost:    P = C × δ,  C = preparation + direct + indirect + opportunity cost + taxes,
             δ = quality coefficient × remaining life / (used life + remaining life)
    market:  P = mean over comparables of price × quality × supply-demand × date × volume × other
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

__all__ = ["CENT", "cost_approach", "income_approach", "market_approach", "money"]

CENT = Decimal("0.01")
FACTOR = Decimal("0.000001")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _factor(value: Decimal) -> Decimal:
    return value.quantize(FACTOR, rounding=ROUND_HALF_UP)


def income_approach(
    *, risk_free_rate: Decimal, risk_premium: Decimal, cash_flows: list[Decimal] | None = None,
    revenues: list[Decimal] | None = None, royalty_rate: Decimal | None = None,
) -> tuple[Decimal, list[dict[str, Any]]]:
    """Discounted income over the remaining economic life (one figure per year)."""
    with localcontext() as ctx:
        ctx.prec = 34
        i = risk_free_rate + risk_premium
        steps: list[dict[str, Any]] = [{
            "step": "discount rate", "formula": "i = risk_free_rate + risk_premium",
            "values": {"risk_free_rate": str(risk_free_rate), "risk_premium": str(risk_premium)}, "result": str(i),
        }]
        if cash_flows is None:
            assert revenues is not None and royalty_rate is not None
            cash_flows = []
            for t, r in enumerate(revenues, start=1):
                f = money(r * royalty_rate)
                cash_flows.append(f)
                steps.append({"step": f"royalty income year {t}", "formula": "F_t = R_t × K",
                              "values": {"R_t": str(r), "K": str(royalty_rate)}, "result": str(f)})
        total = Decimal(0)
        for t, f in enumerate(cash_flows, start=1):
            # (1+i)^t is exact in decimal for a whole t; dividing by it (not multiplying by a rounded
            # discount factor) keeps the present value exact to the cent.
            growth = (1 + i) ** t
            present = money(f / growth)
            total += present
            steps.append({"step": f"present value year {t}", "formula": "F_t / (1+i)^t",
                          "values": {"F_t": str(f), "t": t, "(1+i)^t": str(growth)},
                          "result": str(present)})
        value = money(total)
        steps.append({"step": "value", "formula": "P = Σ present values", "result": str(value)})
        return value, steps


def cost_approach(
    *, preparation: Decimal, direct: Decimal, indirect: Decimal, opportunity: Decimal, taxes: Decimal,
    quality_coefficient: Decimal, used_years: Decimal, remaining_years: Decimal,
) -> tuple[Decimal, list[dict[str, Any]]]:
    with localcontext() as ctx:
        ctx.prec = 34
        c = money(preparation + direct + indirect + opportunity + taxes)
        life = used_years + remaining_years
        remaining_share = _factor(remaining_years / life) if life > 0 else Decimal(1)
        delta = _factor(quality_coefficient * remaining_share)
        value = money(c * delta)
        return value, [
            {"step": "replacement cost", "formula": "C = preparation + direct + indirect + opportunity + taxes",
             "values": {"preparation": str(preparation), "direct": str(direct), "indirect": str(indirect),
                        "opportunity": str(opportunity), "taxes": str(taxes)}, "result": str(c)},
            {"step": "remaining life share", "formula": "remaining_years / (used_years + remaining_years)",
             "values": {"used_years": str(used_years), "remaining_years": str(remaining_years)},
             "result": str(remaining_share)},
            {"step": "value adjustment", "formula": "δ = quality_coefficient × remaining life share",
             "values": {"quality_coefficient": str(quality_coefficient)}, "result": str(delta)},
            {"step": "value", "formula": "P = C × δ", "result": str(value)},
        ]


ADJUSTMENTS = ("quality", "supply_demand", "date", "volume", "other")


def market_approach(comparables: list[dict[str, Any]]) -> tuple[Decimal, list[dict[str, Any]]]:
    """Each comparable: {"name", "price", and the five adjustment coefficients (default 1)}."""
    with localcontext() as ctx:
        ctx.prec = 34
        steps: list[dict[str, Any]] = []
        adjusted = []
        for c in comparables:
            coefficients = {k: Decimal(str(c.get(k, 1))) for k in ADJUSTMENTS}
            product = Decimal(1)
            for k in ADJUSTMENTS:
                product *= coefficients[k]
            price = money(Decimal(str(c["price"])) * _factor(product))
            adjusted.append(price)
            steps.append({"step": f"adjusted price of {c.get('name', 'comparable')}",
                          "formula": "price × quality × supply_demand × date × volume × other",
                          "values": {"price": str(c["price"]), **{k: str(v) for k, v in coefficients.items()},
                                     "combined_coefficient": str(_factor(product))},
                          "result": str(price)})
        value = money(sum(adjusted, Decimal(0)) / len(adjusted))
        steps.append({"step": "value", "formula": "P = mean of adjusted comparable prices", "result": str(value)})
        return value, steps
