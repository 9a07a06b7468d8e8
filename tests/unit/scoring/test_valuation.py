"""Monetary valuation by the income, cost and market approaches (DOMAIN §4.2), exact to the fen (issue 13).

Every expected value is recomputed here from the textbook formulas of DOMAIN §4.2 with fractions.Fraction,
independently of the code under test, and rounded once, half up, at the very end:

    income:  P = Σ F_t / (1+i)^t,  i = risk-free rate + risk premium,  F_t direct or R_t × K
    cost:    P = C × δ,  C = preparation + direct + indirect + opportunity + taxes,
             δ = quality coefficient × remaining years / (used years + remaining years)
    market:  P = mean over comparables of price × quality × supply-demand × date × volume × other
"""

from decimal import Decimal as D
from decimal import localcontext
from fractions import Fraction as Q

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.products.valuation import cost_approach, income_approach, market_approach, round_quotient
from services.scoring.schemas import ValuationOut

ADJUSTMENTS = ("quality", "supply_demand", "date", "volume", "other")


# --- the textbook formulas, in fractions -------------------------------------------------------------------

def half_up(x: Q) -> D:
    """x ≥ 0 rounded half up to the fen, in integers: floor(100x + 1/2) fen."""
    fen = (200 * x.numerator + x.denominator) // (2 * x.denominator)
    return D(fen).scaleb(-2)


def income_exact(rf, rp, flows) -> Q:
    i = Q(rf) + Q(rp)
    return sum((Q(f) / (1 + i) ** t for t, f in enumerate(flows, start=1)), Q(0))


def cost_exact(*, preparation, direct, indirect, opportunity, taxes, quality_coefficient, used_years,
               remaining_years) -> Q:
    c = Q(preparation) + Q(direct) + Q(indirect) + Q(opportunity) + Q(taxes)
    delta = Q(quality_coefficient) * Q(remaining_years) / (Q(used_years) + Q(remaining_years))
    return c * delta


def market_exact(comparables) -> Q:
    adjusted = []
    for c in comparables:
        price = Q(D(str(c["price"])))
        for k in ADJUSTMENTS:
            price *= Q(D(str(c.get(k, 1))))
        adjusted.append(price)
    return sum(adjusted, Q(0)) / len(adjusted)


def test_the_oracle_rounds_half_up_once():
    assert [half_up(Q(x)) for x in ("0.005", "0.004999", "2.675", "0.015", "1/3", "2/3")] == [
        D("0.01"), D("0.00"), D("2.68"), D("0.02"), D("0.33"), D("0.67")]


# --- worked examples ---------------------------------------------------------------------------------------

def test_income_approach_discounts_each_year_at_risk_free_rate_plus_premium():
    """P = Σ F_t/(1+i)^t with i = 2.5% + 7.5% = 10%: 110 000/1.1 + 121 000/1.21 = 100 000 + 100 000."""
    value, steps = income_approach(risk_free_rate=D("0.025"), risk_premium=D("0.075"),
                                   cash_flows=[D(110000), D(121000)])
    assert value == D("200000.00") and str(value) == "200000.00"
    assert steps[0]["result"] == "0.100"
    assert [D(s["result"]) for s in steps[1:3]] == [100000, 100000]
    assert [s["shown"] for s in steps[1:3]] == ["100000.00", "100000.00"]
    assert steps[-1]["step"] == "value" and steps[-1]["shown"] == "200000.00"


def test_income_approach_by_royalty_share_multiplies_revenue_by_the_rate():
    value, steps = income_approach(risk_free_rate=D("0.05"), risk_premium=D("0.05"),
                                   revenues=[D(1000000)], royalty_rate=D("0.11"))
    assert steps[1]["step"] == "royalty income year 1" and D(steps[1]["result"]) == D(110000)
    assert value == D("100000.00")


def test_cost_approach_adjusts_replacement_cost_by_quality_and_remaining_life():
    """C = 100 000 + 50 000 + 30 000 + 15 000 + 5 000 = 200 000; δ = 0.9 × 3/(1+3) = 0.675; P = 135 000."""
    value, steps = cost_approach(preparation=D(100000), direct=D(50000), indirect=D(30000),
                                 opportunity=D(15000), taxes=D(5000), quality_coefficient=D("0.9"),
                                 used_years=D(1), remaining_years=D(3))
    assert [s["step"] for s in steps] == ["replacement cost", "remaining life share", "value adjustment", "value"]
    assert D(steps[0]["result"]) == 200000 and D(steps[2]["result"]) == D("0.675")
    assert steps[2]["shown"] == "0.675000"
    assert value == D("135000.00")


def test_market_approach_averages_comparables_after_every_adjustment():
    """(100 000 × 1.1 × 0.9) and (80 000 × 1.25): 99 000 and 100 000, mean 99 500."""
    value, steps = market_approach([
        {"name": "A", "price": "100000", "quality": "1.1", "supply_demand": "0.9"},
        {"name": "B", "price": "80000", "date": "1.25"},
    ])
    assert [s["shown"] for s in steps[:2]] == ["99000.00", "100000.00"]
    assert value == D("99500.00")


def test_money_stays_exact_where_floats_would_drift():
    value, _ = market_approach([{"name": "x", "price": "0.10"}, {"name": "y", "price": "0.20"}])
    assert value == D("0.15")


def test_the_one_rounding_is_half_up_not_half_even():
    """(0.02 + 0.03) / 2 = 0.025 → 0.03 (banker's rounding would give 0.02)."""
    value, _ = market_approach([{"name": "x", "price": "0.02"}, {"name": "y", "price": "0.03"}])
    assert value == D("0.03")


# --- cases where rounding each step (the code before issue 13) was off by a fen or more ----------------------
# `was` is what per-step rounding (shares and coefficients to 6 places, each cash flow and present value to the
# fen) returned; each case is kept only while it still tells the two apart.

COST_CASES = [
    # δ = 0.8765 × 5/7: the share rounded to 0.714286 and δ to 0.626072 put P 0.71 CNY too high.
    ({"preparation": "1234567.89", "direct": "0", "indirect": "0", "opportunity": "0", "taxes": "0",
      "quality_coefficient": "0.8765", "used_years": "2", "remaining_years": "5"}, "772928.39"),
    ({"preparation": "300000.00", "direct": "120000.00", "indirect": "45678.91", "opportunity": "23456.78",
      "taxes": "9876.54", "quality_coefficient": "0.8123", "used_years": "1.5", "remaining_years": "5.5"},
     "318487.07"),
]


@pytest.mark.parametrize(("params", "was"), COST_CASES)
def test_cost_approach_is_the_exact_formula_rounded_once(params, was):
    exact = cost_exact(**{k: D(v) for k, v in params.items()})
    assert abs(half_up(exact) - D(was)) >= D("0.01")
    value, _ = cost_approach(**{k: D(v) for k, v in params.items()})
    assert value == half_up(exact)


INCOME_CASES = [
    # five years of 1 003.82 at 10 %: each present value rounded to the fen lost 0.02 in all.
    ("0.02", "0.08", ["1003.82"] * 5, "3805.25"),
    # 2.29/1.2 + 2.21/1.44 + 2.82/1.728 is exactly 5.075: a tie made of three non-terminating decimals, which
    # even 50-digit present values added year by year round down to 5.07.
    ("0.1", "0.1", ["2.29", "2.21", "2.82"], "5.07"),
]


@pytest.mark.parametrize(("rf", "rp", "flows", "was"), INCOME_CASES)
def test_direct_income_is_the_exact_discounted_sum_rounded_once(rf, rp, flows, was):
    exact = income_exact(D(rf), D(rp), [D(f) for f in flows])
    assert abs(half_up(exact) - D(was)) >= D("0.01")
    value, _ = income_approach(risk_free_rate=D(rf), risk_premium=D(rp), cash_flows=[D(f) for f in flows])
    assert value == half_up(exact)


def test_royalty_income_keeps_each_years_share_unrounded():
    """100.10 × 5 % = 5.005 a year: rounding it to 5.01 for ten years at 10 % gave 30.77, not 30.75."""
    revenues, k = [D("100.10")] * 10, D("0.05")
    exact = income_exact(D("0.025"), D("0.075"), [r * k for r in revenues])
    assert half_up(exact) == D("30.75")
    value, steps = income_approach(risk_free_rate=D("0.025"), risk_premium=D("0.075"), revenues=revenues,
                                   royalty_rate=k)
    assert value == D("30.75")
    assert steps[1]["result"] == "5.005" and steps[1]["exact"] and steps[1]["shown"] == "5.01"


def test_market_approach_keeps_the_combined_coefficient_unrounded():
    comparables = [{"name": "A", "price": "1000000.00", "quality": "1.1", "supply_demand": "0.93", "date": "1.07",
                    "volume": "0.97", "other": "1.013"},
                   {"name": "B", "price": "999999.99", "quality": "0.987654"}]
    exact = market_exact(comparables)
    assert abs(half_up(exact) - D("1031614.50")) >= D("0.01")  # the product rounded to 6 places
    value, steps = market_approach(comparables)
    assert value == half_up(exact) == D("1031614.36")
    combined = Q(D("1.1")) * Q(D("0.93")) * Q(D("1.07")) * Q(D("0.97")) * Q(D("1.013"))
    assert Q(D(steps[0]["values"]["combined_coefficient"])) == combined


# --- the steps show unrounded figures ----------------------------------------------------------------------

def test_a_step_without_an_exact_decimal_shows_fifty_digits_and_says_so():
    _, steps = cost_approach(preparation=D(100), direct=D(0), indirect=D(0), opportunity=D(0),
                             taxes=D(0), quality_coefficient=D(1), used_years=D(2), remaining_years=D(1))
    share = steps[1]
    assert share["result"] == "0." + "3" * 50 and share["exact"] is False and share["shown"] == "0.333333"
    assert steps[-1]["result"] == "33." + "3" * 48 and steps[-1]["shown"] == "33.33"


def test_every_present_value_step_is_the_exact_figure_to_fifty_digits():
    flows = [D("2.29"), D("2.21"), D("2.82")]
    _, steps = income_approach(risk_free_rate=D("0.1"), risk_premium=D("0.1"), cash_flows=flows)
    for t, (f, step) in enumerate(zip(flows, steps[1:4], strict=True), start=1):
        exact = Q(f) / Q(6, 5) ** t
        assert abs(Q(D(step["result"])) - exact) <= exact / 10**49
        assert step["exact"] is (exact == Q(D(step["result"])))


def test_inputs_spelled_with_huge_exponents_keep_the_steps_short():
    value, steps = cost_approach(preparation=D("0E-1000000"), direct=D("100.00000000000000000000"),
                                 indirect=D("1E+2"), opportunity=D(0), taxes=D(0), quality_coefficient=D("1.0"),
                                 used_years=D("0E+999"), remaining_years=D("3.0000"))
    assert value == D("200.00") and len(str(steps)) < 1000
    assert steps[0]["values"]["preparation"] == "0" and steps[0]["result"] == "200"


def test_an_old_valuation_without_exact_or_shown_still_reads():
    old = {"id": "v1", "subject_kind": "product", "subject_id": "p1", "org_id": None, "approach": "cost",
           "parameters": {}, "value": "135000.00", "currency": "CNY", "created_by": "u",
           "created_at": "2026-01-01T00:00:00Z",
           "steps": [{"step": "value", "formula": "P = C × δ", "result": "135000.00"}]}
    out = ValuationOut.model_validate(old)
    assert out.steps[0].exact is None and out.steps[0].shown is None and out.steps[0].values == {}


# --- the one rounding --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    ("1", "200", "0.01"), ("0.9999", "200", "0.00"), ("-1", "200", "-0.01"), ("0", "7", "0.00"),
    ("2", "3", "0.67"), ("1E+30", "3", "333333333333333333333333333333.33"), ("1", "1E+30", "0.00"),
])
def test_round_quotient_rounds_the_exact_quotient_half_up(numerator, denominator, expected):
    assert str(round_quotient(D(numerator), D(denominator))) == expected


def test_round_quotient_is_not_fooled_by_a_quotient_a_hair_below_a_half():
    # 7 × (0.005 − 10⁻⁶⁰) / 7 must round down, however many digits it takes to see that it is below the half.
    with localcontext(prec=100):
        below = D("0.035") - D("7E-60")
    assert round_quotient(below, D(7)) == D("0.00") and round_quotient(D("0.035"), D(7)) == D("0.01")


# --- invalid input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), float("nan")])
def test_non_finite_inputs_are_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        income_approach(risk_free_rate=D("0.05"), risk_premium=D("0.05"), cash_flows=[D(1), bad])
    with pytest.raises(ValueError, match="finite"):
        cost_approach(preparation=bad, direct=D(0), indirect=D(0), opportunity=D(0), taxes=D(0),
                      quality_coefficient=D(1), used_years=D(1), remaining_years=D(1))
    with pytest.raises(ValueError, match="finite"):
        market_approach([{"name": "x", "price": "1", "quality": bad}])


def test_degenerate_parameters_are_refused():
    with pytest.raises(ValueError, match="discount rate"):
        income_approach(risk_free_rate=D(0), risk_premium=D(0), cash_flows=[D(1)])
    with pytest.raises(ValueError, match="economic life"):
        cost_approach(preparation=D(1), direct=D(0), indirect=D(0), opportunity=D(0), taxes=D(0),
                      quality_coefficient=D(1), used_years=D(0), remaining_years=D(0))
    with pytest.raises(ValueError, match="comparable"):
        market_approach([])
    with pytest.raises(ValueError, match="royalty_rate"):
        income_approach(risk_free_rate=D("0.05"), risk_premium=D(0), revenues=[D(1)])


# --- properties: value == the exact formula rounded once, over the whole validated input range -------------

def _scaled(high: int, places: int, low: int = 0):
    return st.integers(low, high).map(lambda n: D(n).scaleb(-places))


money = _scaled(10**17, 2)  # up to 10¹⁵ CNY to the fen (schemas.Money)
rates = _scaled(10**8, 8)  # 0–1 to 8 places (schemas.Rate)
coefficients = _scaled(10**7, 6, low=1)  # (0, 10] to 6 places (schemas.Coefficient)
years = _scaled(10**6, 4)  # 0–100 to 4 places (schemas.Years)
positive_rates = st.tuples(rates, rates).filter(lambda r: r[0] + r[1] > 0)


@settings(max_examples=200, deadline=None)
@given(positive_rates, st.lists(money, min_size=1, max_size=50))
def test_direct_income_value_is_the_exact_formula_rounded_once(rates_, flows):
    value, _ = income_approach(risk_free_rate=rates_[0], risk_premium=rates_[1], cash_flows=flows)
    assert value == half_up(income_exact(*rates_, flows)) and value.as_tuple().exponent == -2


@settings(max_examples=200, deadline=None)
@given(positive_rates, st.lists(money, min_size=1, max_size=50), rates)
def test_royalty_income_value_is_the_exact_formula_rounded_once(rates_, revenues, k):
    value, _ = income_approach(risk_free_rate=rates_[0], risk_premium=rates_[1], revenues=revenues, royalty_rate=k)
    assert value == half_up(income_exact(*rates_, [Q(r) * Q(k) for r in revenues]))


# 1 + i = p/q with p even and a prime factor other than 2 and 5: every present value is a non-terminating
# decimal, yet the sum can be exactly a half fen, which must round up.
TIE_RATES = ("0.2", "0.12", "0.04", "0.36", "0.44", "0.52")


@st.composite
def income_on_a_half_fen(draw):
    """Cash flows (in fen a_1..a_n) with Σ a_t (q/p)^t = odd/2: a_1..a_{n-1} drawn, a_n solved for."""
    rate = draw(st.sampled_from(TIE_RATES))
    growth = 1 + Q(rate)
    p, q = growth.numerator, growth.denominator
    head = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=5))
    n, modulus = len(head) + 1, q ** (len(head) + 1)
    half = p**n // 2
    rest = sum(a * q**t * p ** (n - t) for t, a in enumerate(head, start=1))
    # a_n q^n = odd × p^n/2 − rest: an odd number ≡ rest / (p^n/2) modulo q^n, large enough that a_n ≥ 0.
    odd = rest * pow(half, -1, modulus) % modulus
    odd += modulus if odd % 2 == 0 else 0
    if odd * half < rest:
        odd += 2 * modulus * -(-(rest - odd * half) // (2 * modulus * half))
    last = (odd * half - rest) // modulus
    return D(rate), [D(a).scaleb(-2) for a in [*head, last]]


@settings(max_examples=200, deadline=None)
@given(income_on_a_half_fen())
def test_income_exactly_on_a_half_fen_rounds_up(case):
    rate, flows = case
    exact = income_exact(rate, 0, flows)
    assert (exact * 100).denominator == 2  # a whole number of fen and a half
    value, _ = income_approach(risk_free_rate=rate, risk_premium=D(0), cash_flows=flows)
    assert value == half_up(exact) and Q(value) == exact + Q(1, 200)


@settings(max_examples=300, deadline=None)
@given(st.lists(money, min_size=5, max_size=5), coefficients, years, years)
def test_cost_value_is_the_exact_formula_rounded_once(costs, quality, used, remaining):
    if used + remaining == 0:
        remaining = D(1)
    params = dict(zip(("preparation", "direct", "indirect", "opportunity", "taxes"), costs, strict=True),
                  quality_coefficient=quality, used_years=used, remaining_years=remaining)
    value, _ = cost_approach(**params)
    assert value == half_up(cost_exact(**params)) and value.as_tuple().exponent == -2


comparable = st.fixed_dictionaries({"name": st.just("c"), "price": money},
                                   optional=dict.fromkeys(ADJUSTMENTS, coefficients))


@settings(max_examples=300, deadline=None)
@given(st.lists(comparable, min_size=1, max_size=50))
def test_market_value_is_the_exact_formula_rounded_once(comparables):
    value, _ = market_approach(comparables)
    assert value == half_up(market_exact(comparables)) and value.as_tuple().exponent == -2
