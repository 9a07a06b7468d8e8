"""AHP weights and consistency (DOMAIN §4.1: expert weights are accepted only with CR < 0.1)."""

from fractions import Fraction

import pytest

from services.scoring.indicators.ahp import InconsistentJudgements, ahp_weights

# Saaty, T. L. (1990). How to make a decision: The Analytic Hierarchy Process. European Journal of Operational
# Research 48, 9–26. The house-buying example: eight criteria (size, transportation, neighbourhood, age, yard
# space, modern facilities, general condition, financing), Table 2.
HOUSE_CRITERIA = """1 5 3 7 6 6 1/3 1/4
1/5 1 1/3 5 3 3 1/5 1/7
1/3 3 1 6 3 4 6 1/5
1/7 1/5 1/6 1 1/3 1/4 1/7 1/8
1/6 1/3 1/3 3 1 1/2 1/5 1/6
1/6 1/3 1/4 4 2 1 1/5 1/6
3 5 1/6 7 5 5 1 1/2
4 7 5 8 6 6 2 1"""


def _matrix(text: str) -> list[list[float]]:
    return [[float(Fraction(x)) for x in row.split()] for row in text.splitlines()]


def test_saaty_1990_house_criteria_priorities_and_inconsistency_are_reproduced():
    """Saaty (1990), Table 2: priorities .173 .054 .188 .018 .031 .036 .167 .333, λmax = 9.669, CI = 0.238,
    CR = 0.169 — above 0.1, so our rule refuses these judgements and names the CR."""
    result = ahp_weights(_matrix(HOUSE_CRITERIA), require_consistent=False)
    assert [round(w, 3) for w in result.weights] == [.173, .054, .188, .018, .031, .036, .167, .333]
    assert round(result.lambda_max, 3) == 9.669
    assert round(result.consistency_index, 3) == 0.238
    assert round(result.consistency_ratio, 3) == 0.169
    with pytest.raises(InconsistentJudgements) as refused:
        ahp_weights(_matrix(HOUSE_CRITERIA))
    assert "0.169" in str(refused.value)


def test_saaty_1990_yard_space_comparison_is_consistent_enough():
    """Saaty (1990), the three houses compared on yard space: priorities .674 .101 .226, λmax = 3.086,
    CR = 0.074 < 0.1, accepted."""
    result = ahp_weights([[1, 5, 4], [1 / 5, 1, 1 / 3], [1 / 4, 3, 1]])
    assert [round(w, 3) for w in result.weights] == [.674, .101, .226]
    assert round(result.lambda_max, 3) == 3.086
    assert round(result.consistency_ratio, 3) == 0.074
    assert result.random_index == 0.58


def test_perfectly_consistent_matrix_has_zero_cr_and_exact_weights():
    result = ahp_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    assert [round(w, 6) for w in result.weights] == [round(4 / 7, 6), round(2 / 7, 6), round(1 / 7, 6)]
    assert result.consistency_ratio == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(("matrix", "refusal"), [
    ([[1, 2], [2, 1]], "not reciprocal"),
    ([[2, 1], [1, 1]], "diagonal"),
    ([[1, 2, 3], [0.5, 1, 1]], "must be square"),
    ([[1, -2], [-0.5, 1]], "positive number"),
])
def test_malformed_pairwise_matrices_are_rejected(matrix, refusal):
    with pytest.raises(ValueError, match=refusal):
        ahp_weights(matrix)
