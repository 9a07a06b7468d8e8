"""The evaluation engine: totals on 0–100, grades, ranks within a run, contributions, reproducibility."""

from datetime import date

import pytest

from services.scoring.contract import AnnualReport, Registration
from services.scoring.evaluation.compute import PeerInput, evaluate_peers
from services.scoring.evaluation.facts import Period, RecordSet, facts_for, in_region
from services.scoring.indicators.loader import default_model
from services.scoring.indicators.normalize import normalize_column

PERIOD = Period(2025, date(2025, 1, 1), date(2025, 12, 31), False)


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


def _registration(rid: str, type: str, received: str, due: str | None) -> Registration:
    return Registration(id=rid, subject_type="resource", subject_id=f"s{rid}", type=type, state="submitted",
                        org_id="o", valid_from=None, valid_until=None, deadlines={"filing_due_on": due},
                        evidence={"submissions": [{"seq": 1, "received_at": received}]}, events=[],
                        created_at=received)


def _report(**over) -> AnnualReport:
    return AnnualReport(**{"id": "a", "operator_org_id": "o", "operator_org_name": "运营", "year": 2025,
                           "revenue": "1100000.00", "products": [], "benchmark": "1000000.00", "deviation": "0.1",
                           "submitted_at": "2026-03-01T00:00:00Z", **over})


def test_on_time_rate_counts_first_registrations_by_their_first_receipt():
    """DOMAIN §1, Art. 9(1): a first registration is due 20 working days after operation starts; the filing
    date is the first receipt (a return for supplement restarts only the acceptance clock)."""
    records = RecordSet(registrations=[
        _registration("1", "first", "2025-03-03T09:00:00Z", "2025-03-28"),
        _registration("2", "first", "2025-04-30T09:00:00Z", "2025-03-28"),
        _registration("3", "change", "2025-04-30T09:00:00Z", "2025-03-28"),
        _registration("4", "first", "2024-12-30T09:00:00Z", "2025-01-10"),  # filed in another period
    ])
    assert facts_for(records, {"o"}, PERIOD)["registration_on_time_rate"] == 0.5


def test_a_registration_counts_from_its_code_until_it_ends():
    """Art. 15 validity; a revocation (Art. 20) or cancellation ends it on its day."""
    coded = Registration(id="g", subject_type="resource", subject_id="r", type="first", state="revoked", org_id="o",
                         valid_from="2025-03-20", valid_until="2028-03-19", deadlines={"filing_due_on": None},
                         evidence={"submissions": []}, created_at="2025-03-01T00:00:00Z",
                         events=[{"to_state": "registered", "at": "2025-03-20T02:00:00Z"},
                                 {"to_state": "revoked", "at": "2025-09-01T02:00:00Z"}])
    records = RecordSet(registrations=[coded])
    assert not records.registered_on("r", date(2025, 3, 19))
    assert records.registered_on("r", date(2025, 8, 31))
    assert not records.registered_on("r", date(2025, 9, 1))


def test_revenue_deviation_is_measured_against_the_maximum_allowed_revenue():
    """DOMAIN §3: deviation of actual revenue from the maximum allowed revenue, the year's flows only."""
    records = RecordSet(reports=[_report(), _report(id="b", year=2024, revenue="5.00", deviation="-0.9")])
    facts = facts_for(records, {"o"}, PERIOD)
    assert facts["revenue_deviation"] == pytest.approx(0.1)
    assert facts["product_revenue"] == 1100000 and facts["annual_reports_filed"] == 1


def test_a_current_period_is_provisional_and_counted_to_date():
    today = date(2026, 12, 7)
    assert Period.of("2026", today) == Period(2026, date(2026, 1, 1), today, True)
    assert Period.of("2025", today).end == date(2025, 12, 31) and not Period.of("2025", today).provisional


def test_nothing_held_is_nothing_measured():
    facts = facts_for(RecordSet(), {"o"}, PERIOD)
    assert facts["open_compliance_records"] is None and facts["registration_on_time_rate"] is None
    assert facts["registered_resources"] == 0


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
    facts = facts_for(RecordSet(reports=[_report(revenue="10.00", benchmark="0.00", deviation="Infinity")]),
                      {"o"}, PERIOD)
    assert facts["revenue_deviation"] == 1e6


def test_equal_peers_score_what_their_value_earns_not_full_marks_for_nothing():
    assert normalize_column([0.0, 0.0], method="minmax", direction="higher") == [0.0, 0.0]
    assert normalize_column([3.0, 3.0], method="minmax", direction="higher") == [1.0, 1.0]
    assert normalize_column([0.0, 0.0], method="minmax", direction="lower") == [1.0, 1.0]
    assert normalize_column([2.0, 2.0], method="minmax", direction="lower") == [0.0, 0.0]
    assert normalize_column([1.0, 3.0], method="minmax", direction="higher") == [0.0, 1.0]


def test_the_default_model_normalizes_every_indicator_by_a_bound():
    """Target and log scores depend on the value alone (docs/scoring-indicators.md)."""
    assert {ind.normalization.method for _, ind in default_model().indicators} <= {"target", "log"}


def test_an_organization_is_weighed_only_on_what_applies_to_its_kind():
    """An agency makes no products, an operator holds no resources: full marks on everything that applies to
    it is 100, and what does not apply is marked, not scored 0."""
    model = default_model()
    best = {ind.code: (0.0 if ind.direction == "lower" else 1e9) for _, ind in model.indicators}
    results, _ = evaluate_peers(model, [PeerInput("a", best, "agency"), PeerInput("o", best, "operator"),
                                        PeerInput("r", best)])
    assert [r.total for r in results] == [100.0, 100.0, 100.0]
    agency = {d["code"]: d for d in results[0].dimensions}
    assert agency["development_use"]["applicable"] is False and agency["development_use"]["weight"] == 0
    assert sum(d["weight"] for d in results[0].dimensions) == pytest.approx(1.0, abs=1e-5)
    products = next(i for i in results[0].indicators if i["code"] == "registered_products")
    assert products["applicable"] is False and products["missing"] is False and products["contribution"] == 0
    operator = {d["code"]: d for d in results[1].dimensions}
    assert operator["sharing_exchange"]["applicable"] is False and operator["development_use"]["applicable"]
