"""Tiered cumulative prices (DOMAIN §3, configurable): monotone, additive, exact."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.pricing.tiers import Tier, TierError, quote, validate_tiers

D = Decimal


@st.composite
def tier_lists(draw):
    """Random valid tier lists: rising bounds, prices in fen that never rise."""
    n = draw(st.integers(1, 5))
    bounds = sorted(draw(st.sets(st.integers(1, 10_000), min_size=n - 1, max_size=n - 1)))
    fen = sorted(draw(st.lists(st.integers(0, 100_000), min_size=n, max_size=n)), reverse=True)
    prices = [D(f) / 100 for f in fen]
    return [Tier(b, p) for b, p in zip([*bounds, None], prices, strict=True)]


def test_worked_example_call_volume_tiers():
    """10 000 calls at 0.05, to 100 000 at 0.03, beyond at 0.02: 150 000 calls cost 500 + 2 700 + 1 000."""
    tiers = [Tier(10_000, D("0.05")), Tier(100_000, D("0.03")), Tier(None, D("0.02"))]
    q = quote(tiers, 150_000)
    assert [(line.from_unit, line.to_unit, line.amount) for line in q.lines] == [
        (1, 10_000, D("500.00")), (10_001, 100_000, D("2700.00")), (100_001, 150_000, D("1000.00"))]
    assert q.total == D("4200.00")


def test_quote_continues_cumulative_position_within_the_period():
    tiers = [Tier(100, D("1.00")), Tier(None, D("0.50"))]
    q = quote(tiers, 20, already_used=90)
    assert [(line.quantity, line.unit_price) for line in q.lines] == [(10, D("1.00")), (10, D("0.50"))]
    assert q.total == D("15.00")


def test_zero_quantity_costs_nothing():
    assert quote([Tier(None, D("9.99"))], 0).total == D("0.00")


@pytest.mark.parametrize(("tiers", "message"), [
    ([], "at least one"),
    ([Tier(10, D("1")), Tier(None, D("2"))], "may not rise"),
    ([Tier(10, D("1")), Tier(5, D("1")), Tier(None, D("1"))], "rise strictly"),
    ([Tier(None, D("1")), Tier(None, D("1"))], "only the last"),
    ([Tier(10, D("1"))], "open-ended"),
    ([Tier(None, D("-1"))], "negative"),
])
def test_invalid_tier_lists_are_refused(tiers, message):
    with pytest.raises(TierError, match=message):
        validate_tiers(tiers)


@settings(max_examples=200, deadline=None)
@given(tier_lists(), st.integers(0, 20_000), st.integers(0, 20_000))
def test_splitting_a_quantity_never_changes_the_total(tiers, a, b):
    """Cumulative tiers: buying a then b in the same period costs what a + b at once costs."""
    assert quote(tiers, a).total + quote(tiers, b, already_used=a).total == quote(tiers, a + b).total


@settings(max_examples=200, deadline=None)
@given(tier_lists(), st.integers(1, 20_000))
def test_unit_price_never_rises_with_volume(tiers, q):
    """Each extra unit costs no more than the one before (marginal price non-increasing)."""
    m1 = quote(tiers, 1, already_used=q - 1).total
    m2 = quote(tiers, 1, already_used=q).total
    assert m2 <= m1
    # and so the average price per unit never rises either
    assert quote(tiers, q + 1).total * q <= quote(tiers, q).total * (q + 1)


@settings(max_examples=200, deadline=None)
@given(tier_lists(), st.integers(0, 20_000))
def test_quote_is_exact_fen_and_lines_add_up(tiers, q):
    result = quote(tiers, q)
    assert result.total == sum((line.amount for line in result.lines), D(0))
    assert sum(line.quantity for line in result.lines) == q
    assert result.total == result.total.quantize(D("0.01"))
    assert all(isinstance(line.amount, Decimal) for line in result.lines)


@settings(max_examples=200, deadline=None)
@given(tier_lists(), tier_lists(), st.integers(0, 30_000))
def test_never_above_means_no_volume_costs_more_than_the_ceiling(tiers, ceiling, q):
    """PRICE §2: the specific price never exceeds the ceiling — at any volume, tiered or flat."""
    from services.registry.pricing.tiers import never_above
    if never_above(tiers, ceiling):
        assert quote(tiers, q).total <= quote(ceiling, q).total


def test_tiered_price_under_a_flat_ceiling():
    from services.registry.pricing.tiers import never_above
    ceiling = [Tier(None, D("0.05"))]
    assert never_above([Tier(1000, D("0.05")), Tier(None, D("0.02"))], ceiling)
    assert not never_above([Tier(1000, D("0.06")), Tier(None, D("0.01"))], ceiling)
