"""Maximum allowed revenue and the yearly deviation rule (发改价格〔2025〕65号, DOMAIN §3)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.pricing.money import to_fen, yuan
from services.registry.pricing.revenue import (
    ProfitRateAboveCap,
    carry_over,
    cycle_maximum,
    maximum_allowed_revenue,
    profit_rate_cap,
    year_end,
)

D = Decimal
money = st.integers(0, 10**12).map(lambda fen: D(fen) / 100)
rates = st.integers(0, 200_000).map(lambda r: D(r) / 10_000)  # 0 – 20 %, four places


def test_worked_example_maximum_allowed_revenue():
    """Cost 12 000 000 with 2 000 000 subsidy excluded; yield 1.68 % → cap 7.68 %; taxes 300 000."""
    result = maximum_allowed_revenue(operating_cost=yuan("12000000.00"), subsidies=yuan("2000000.00"),
                                     taxes=yuan("300000.00"), profit_rate=D("7.68"), treasury_yield=D("1.68"))
    assert result.counted_cost == D("10000000.00")
    assert result.profit_rate_cap == D("7.68")
    assert result.allowed_profit == D("768000.00")
    assert result.total == D("11068000.00")


def test_profit_rate_above_yield_plus_six_points_is_refused():
    with pytest.raises(ProfitRateAboveCap) as err:
        maximum_allowed_revenue(operating_cost=D("100"), subsidies=D("0"), taxes=D("0"),
                                profit_rate=D("7.6801"), treasury_yield=D("1.68"))
    assert err.value.cap == D("7.68")


def test_subsidies_cannot_exceed_cost():
    with pytest.raises(ValueError, match="cannot exceed the operating cost"):
        maximum_allowed_revenue(operating_cost=D("100"), subsidies=D("101"), taxes=D("0"),
                                profit_rate=D("1"), treasury_yield=D("2"))


def test_profit_rounds_half_up_to_fen():
    # 333.33 × 7.5 % = 24.999 75 → 25.00
    assert maximum_allowed_revenue(operating_cost=D("333.33"), subsidies=D("0"), taxes=D("0"),
                                   profit_rate=D("7.5"), treasury_yield=D("2")).allowed_profit == D("25.00")


@settings(max_examples=300, deadline=None)
@given(money, money, money, rates, rates)
def test_maximum_is_cost_plus_profit_plus_taxes(cost, subsidy, taxes, rate, yld):
    subsidy = min(subsidy, cost)
    if rate > profit_rate_cap(yld):
        with pytest.raises(ProfitRateAboveCap):
            maximum_allowed_revenue(operating_cost=cost, subsidies=subsidy, taxes=taxes, profit_rate=rate,
                                    treasury_yield=yld)
        return
    r = maximum_allowed_revenue(operating_cost=cost, subsidies=subsidy, taxes=taxes, profit_rate=rate,
                                treasury_yield=yld)
    assert r.total == (cost - subsidy) + to_fen((cost - subsidy) * rate / 100) + taxes
    assert r.total == r.total.quantize(D("0.01"))
    assert r.allowed_profit <= to_fen((cost - subsidy) * (yld + 6) / 100)


@pytest.mark.parametrize(("actual", "who"), [
    ("1100000.00", "operator"),    # exactly +10 %: the operator adjusts its specific prices
    ("900000.00", "operator"),     # exactly −10 %
    ("1100000.01", "authorizer"),  # just above: the authorizer adjusts the ceiling
    ("899999.99", "authorizer"),
])
def test_yearly_deviation_decides_who_adjusts(actual, who):
    assert year_end(D(actual), D("1000000.00")).who_adjusts == who


@settings(max_examples=300, deadline=None)
@given(money, money.filter(lambda m: m > 0))
def test_deviation_rule_matches_the_ten_percent_threshold(actual, benchmark):
    result = year_end(actual, benchmark)
    assert (result.who_adjusts == "operator") == (abs(actual - benchmark) / benchmark <= D("0.1"))


def test_revenue_above_the_maximum_is_deducted_from_the_next_cycle():
    """Cycle of 3 years at 1 000 000/year; 3 150 000 earned → 150 000 carried; next 2-year cycle shrinks."""
    first = cycle_maximum(D("1000000.00"), 3)
    excess = carry_over([D("1000000.00"), D("1050000.00"), D("1100000.00")], first.total)
    assert excess == D("150000.00")
    second = cycle_maximum(D("1000000.00"), 2, carried_over=excess)
    assert second.total == D("1850000.00")
    assert second.yearly_benchmark == D("925000.00")


def test_revenue_below_the_maximum_carries_nothing():
    assert carry_over([D("10.00")], D("30.00")) == D("0.00")


def test_cycle_longer_than_three_years_is_refused():
    with pytest.raises(ValueError, match="a review cycle lasts 1 to 3 years"):
        cycle_maximum(D("1"), 4)


@settings(max_examples=200, deadline=None)
@given(money, st.integers(1, 3), money)
def test_cycle_maximum_never_negative_and_benchmark_in_fen(annual, years, carried):
    c = cycle_maximum(annual, years, carried)
    assert c.total >= 0
    assert c.total == max(D(0), annual * years - carried)
    assert c.yearly_benchmark == c.yearly_benchmark.quantize(D("0.01"))


def test_money_refuses_float_and_sub_fen_amounts():
    with pytest.raises(TypeError):
        yuan(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than two decimal places"):
        yuan("0.001")
    assert yuan("12.3") == D("12.30")
