"""Entropy weight method and the combination of expert and data weights (DOMAIN §4.1)."""

import pytest

from services.scoring.indicators.entropy import combine_weights, entropy_weights

# Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making: Methods and Applications. Springer,
# Lecture Notes in Economics and Mathematical Systems 186 — the fighter-aircraft example (§ on the entropy
# method): four aircraft on maximum speed, ferry range, maximum payload, acquisition cost, reliability and
# maneuverability (the last two on the book's interval scale).
AIRCRAFT = [
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
# The book's entropies, printed to four decimals.
PUBLISHED_ENTROPIES = [0.9946, 0.9829, 0.9989, 0.9931, 0.9703, 0.9770]


def test_hwang_yoon_fighter_aircraft_entropies_and_weights_are_reproduced():
    """Entropies agree with the published ones to the book's rounding (±0.0003); the weights agree with those
    the book derives from its rounded entropies, w_j = (1 − e_j) / Σ(1 − e_j), to ±0.003: reliability (.36) and
    maneuverability (.28) dominate, maximum payload (.01) hardly counts."""
    result = entropy_weights(AIRCRAFT)
    for ours, published in zip(result.entropies, PUBLISHED_ENTROPIES, strict=True):
        assert ours == pytest.approx(published, abs=3e-4)
    divergence = [1 - e for e in PUBLISHED_ENTROPIES]
    from_book = [d / sum(divergence) for d in divergence]
    for ours, book in zip(result.weights, from_book, strict=True):
        assert ours == pytest.approx(book, abs=3e-3)
    assert max(range(6), key=lambda j: result.weights[j]) == 4
    assert sum(result.weights) == pytest.approx(1.0)


def test_a_criterion_on_which_everyone_is_equal_gets_no_weight():
    result = entropy_weights([[1, 3], [1, 5], [1, 9]])
    assert result.weights[0] == pytest.approx(0.0, abs=1e-12)
    assert result.weights[1] == pytest.approx(1.0)


def test_no_discrimination_at_all_gives_equal_weights_not_nan():
    assert entropy_weights([[2, 0], [2, 0]]).weights == (0.5, 0.5)


def test_entropy_refuses_negative_values_and_single_alternatives():
    with pytest.raises(ValueError, match="non-negative"):
        entropy_weights([[1, -1], [2, 3]])
    with pytest.raises(ValueError, match="at least two alternatives"):
        entropy_weights([[1, 2]])


def test_combination_weighs_expert_by_alpha_and_data_by_the_rest():
    assert combine_weights([0.6, 0.4], [0.2, 0.8], 0.5) == pytest.approx((0.4, 0.6))
    assert combine_weights([0.6, 0.4], [0.2, 0.8], 1.0) == pytest.approx((0.6, 0.4))
    with pytest.raises(ValueError, match="same criteria"):
        combine_weights([1.0], [0.5, 0.5], 0.5)
