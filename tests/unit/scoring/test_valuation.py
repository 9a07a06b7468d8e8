"""Monetary valuation by the income, cost and market approaches (DOMAIN §4.2), in exact decimals."""

from decimal import Decimal as D

from services.scoring.products.valuation import cost_approach, income_approach, market_approach


def test_income_approach_discounts_each_year_at_risk_free_rate_plus_premium():
    """P = Σ F_t/(1+i)^t with i = 2.5% + 7.5% = 10%: 110 000/1.1 + 121 000/1.21 = 100 000 + 100 000."""
    value, steps = income_approach(risk_free_rate=D("0.025"), risk_premium=D("0.075"),
                                   cash_flows=[D("110000"), D("121000")])
    assert value == D("200000.00")
    assert steps[0]["result"] == "0.100"
    assert [s["result"] for s in steps[1:3]] == ["100000.00", "100000.00"]


def test_income_approach_by_royalty_share_multiplies_revenue_by_the_rate():
    value, steps = income_approach(risk_free_rate=D("0.05"), risk_premium=D("0.05"),
                                   revenues=[D("1000000")], royalty_rate=D("0.11"))
    assert steps[1]["result"] == "110000.00" and value == D("100000.00")


def test_cost_approach_adjusts_replacement_cost_by_quality_and_remaining_life():
    """C = 100 000 + 50 000 + 30 000 + 15 000 + 5 000 = 200 000; δ = 0.9 × 3/(1+3) = 0.675; P = 135 000."""
    value, steps = cost_approach(preparation=D("100000"), direct=D("50000"), indirect=D("30000"),
                                 opportunity=D("15000"), taxes=D("5000"), quality_coefficient=D("0.9"),
                                 used_years=D("1"), remaining_years=D("3"))
    assert steps[0]["result"] == "200000.00" and steps[2]["result"] == "0.675000"
    assert value == D("135000.00")


def test_market_approach_averages_comparables_after_every_adjustment():
    """(100 000 × 1.1 × 0.9) and (80 000 × 1.25): 99 000 and 100 000, mean 99 500."""
    value, steps = market_approach([
        {"name": "A", "price": "100000", "quality": "1.1", "supply_demand": "0.9"},
        {"name": "B", "price": "80000", "date": "1.25"},
    ])
    assert [s["result"] for s in steps[:2]] == ["99000.00", "100000.00"]
    assert value == D("99500.00")


def test_money_stays_exact_where_floats_would_drift():
    value, _ = market_approach([{"name": "x", "price": "0.10"}, {"name": "y", "price": "0.20"}])
    assert value == D("0.15")
