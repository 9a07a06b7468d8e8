"""The evaluation engine: totals on 0–100, grades, ranks within a run, contributions, reproducibility."""

import pytest

from services.scoring.evaluation.compute import PeerInput, evaluate_peers
from services.scoring.evaluation.facts import facts_for, in_region
from services.scoring.indicators.loader import default_model


def _peer(subject: str, level: float) -> PeerInput:
    return PeerInput(subject, {ind.code: level for _, ind in default_model().indicators})


def test_contributions_add_up_to_the_total_and_dimensions_to_their_weighted_sum():
    results, weights = evaluate_peers(default_model(), [_peer("a", 3.0), _peer("b", 40.0)])
    for r in results:
        assert sum(i["contribution"] for i in r.indicators) == pytest.approx(r.total, abs=0.01)
        assert sum(d["contribution"] for d in r.dimensions) == pytest.approx(r.total, abs=0.01)
        assert 0 <= r.total <= 100
    assert sum(weights["dimensions"].values()) == pytest.approx(1.0)


def test_same_model_and_inputs_give_the_same_result_whatever_the_peer_order():
    peers = [_peer("a", 3.0), _peer("b", 40.0), _peer("c", 12.0)]
    first, _ = evaluate_peers(default_model(), peers)
    second, _ = evaluate_peers(default_model(), list(reversed(peers)))
    assert [(r.subject_id, r.total, r.rank, r.dimensions) for r in first] == \
           [(r.subject_id, r.total, r.rank, r.dimensions) for r in second]


def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped():
    results, _ = evaluate_peers(default_model(), [_peer("a", 5.0), _peer("b", 5.0), _peer("c", 0.0)])
    ranks = {r.subject_id: r.rank for r in results}
    assert ranks["a"] == ranks["b"] == 1 and ranks["c"] == 3


def test_grade_bands_follow_the_model():
    model = default_model()
    assert model.grade(85) == "A" and model.grade(84.99) == "B" and model.grade(60) == "C" and model.grade(0) == "D"


def test_missing_value_scores_zero_and_is_flagged():
    values = {ind.code: 1.0 for _, ind in default_model().indicators}
    values["platform_availability"] = None
    results, _ = evaluate_peers(default_model(), [PeerInput("a", values)])
    item = next(i for i in results[0].indicators if i["code"] == "platform_availability")
    assert item["missing"] is True and item["normalized"] == 0.0 and item["contribution"] == 0.0


def test_on_time_rate_counts_first_registrations_filed_by_their_due_date():
    """DOMAIN §1, Art. 9(1): a first registration is due 20 working days after operation starts."""
    records = {"registration": [
        {"id": "r1", "type": "first", "submitted_at": "2025-03-03T09:00:00Z", "filing_due_on": "2025-03-28"},
        {"id": "r2", "type": "first", "submitted_at": "2025-04-30T09:00:00Z", "filing_due_on": "2025-03-28"},
        {"id": "r3", "type": "change", "submitted_at": "2025-04-30T09:00:00Z", "filing_due_on": "2025-03-28"},
    ]}
    assert facts_for(records, "2025")["registration_on_time_rate"] == 0.5


def test_revenue_deviation_is_measured_against_the_maximum_allowed_revenue():
    """DOMAIN §3: deviation of actual revenue from the maximum allowed revenue."""
    records = {"annual_report": [{"id": "a", "year": 2025, "revenue": "1100000.00", "benchmark": "1000000.00",
                                  "deviation": None,
                                  "products": [{"product_id": "p", "volume": 10, "revenue": "1100000.00"}]}]}
    facts = facts_for(records, "2025")
    assert facts["revenue_deviation"] == pytest.approx(0.1)
    assert facts["product_revenue"] == 1100000 and facts["annual_reports_filed"] == 1


def test_a_province_contains_its_cities_but_not_other_provinces():
    assert in_region("310115", "310000") and not in_region("320100", "310000") and in_region("310115", "310100")


def test_combined_weighting_mixes_declared_weights_with_the_entropy_of_the_peers():
    """The default model weighs development_use by 0.7·declared + 0.3·entropy (DOMAIN §4.1, a combination)."""
    model = default_model()
    peers = [_peer("a", 3.0), _peer("b", 3.0)]
    peers[1].values["scenario_breadth"] = 40.0  # only scenario breadth discriminates between the two
    _, weights = evaluate_peers(model, peers)
    dev = weights["indicators"]["development_use"]
    assert dev["method"] == "combined" and dev["entropy"]["weights"][1] == pytest.approx(1.0)
    assert dev["weights"]["scenario_breadth"] == pytest.approx(0.7 * 0.3 + 0.3 * 1.0)
    _, alone = evaluate_peers(model, [_peer("a", 3.0)])
    assert alone["indicators"]["development_use"]["weights"]["scenario_breadth"] == pytest.approx(0.3)


def test_an_unbounded_revenue_deviation_stays_finite_and_scores_worst():
    """DOMAIN §3: revenue earned against a zero maximum is reported by the registry as an infinite deviation."""
    facts = facts_for({"annual_report": [{"id": "a", "year": 2025, "revenue": "10.00", "benchmark": "0.00",
                                          "deviation": "Infinity"}]}, "2025")
    assert facts["revenue_deviation"] == 1e6
