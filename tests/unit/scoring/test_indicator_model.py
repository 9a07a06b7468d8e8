"""The indicator system as versioned YAML (DOMAIN §4.1) and its normalizations."""

import pytest

from services.scoring.indicators.ahp import InconsistentJudgements
from services.scoring.indicators.loader import ModelError, default_model, default_yaml, expert_weights, parse_model
from services.scoring.indicators.normalize import normalize_column

SIX = ["infrastructure", "resource_supply", "sharing_exchange", "development_use", "security_assurance",
       "circulation_operation"]


def test_default_model_has_the_six_first_level_dimensions_of_the_guide():
    model = default_model()
    assert [d.code for d in model.dimensions] == SIX
    assert model.version == "default-2.0"
    for dim in model.dimensions:
        assert dim.indicators
        for ind in dim.indicators:
            assert ind.unit and ind.direction in ("higher", "lower")
            assert ind.normalization.method in ("minmax", "target", "log")
            assert ind.source.kind in ("computed", "submitted")


def test_default_model_dimension_weights_come_from_a_consistent_ahp_matrix():
    model = default_model()
    weights, ahp = expert_weights(model.weighting, [d.weight for d in model.dimensions])
    assert ahp is not None and ahp.consistency_ratio < 0.1
    assert sum(weights) == pytest.approx(1.0)


def _replace_dimension_matrix(text: str, matrix: str) -> str:
    start = text.index("  pairwise:")
    end = text.index("grade_bands:")
    return text[:start] + "  pairwise: " + matrix + "\n" + text[end:]


def test_model_with_inconsistent_ahp_matrix_is_refused_naming_its_cr():
    inconsistent = ("[[1, 9, 1, 1, 1, 1], [0.1111111, 1, 9, 1, 1, 1], [1, 0.1111111, 1, 9, 1, 1],"
                    " [1, 1, 0.1111111, 1, 9, 1], [1, 1, 1, 0.1111111, 1, 9], [1, 1, 1, 1, 0.1111111, 1]]")
    with pytest.raises(InconsistentJudgements) as refused:
        parse_model(_replace_dimension_matrix(default_yaml(), inconsistent))
    assert refused.value.result.consistency_ratio >= 0.1


def test_declared_weights_must_sum_to_one():
    text = default_yaml().replace("weight: 0.4\n      - code: fields_per_resource", "weight: 0.9\n      - code: "
                                  "fields_per_resource")
    with pytest.raises(ModelError) as invalid:
        parse_model(text)
    assert "sum to 1" in str(invalid.value.errors)


def test_computed_indicator_must_name_a_known_registry_fact():
    with pytest.raises(ModelError):
        parse_model(default_yaml().replace("fact: registered_resources", "fact: number_of_unicorns"))


def test_yaml_that_is_not_a_mapping_is_refused():
    with pytest.raises(ModelError):
        parse_model("- just\n- a list\n")


def test_minmax_scores_best_peer_one_and_worst_zero_in_either_direction():
    assert normalize_column([10, 20, 30], method="minmax", direction="higher") == [0.0, 0.5, 1.0]
    assert normalize_column([10, 20, 30], method="minmax", direction="lower") == [1.0, 0.5, 0.0]


def test_target_normalization_caps_at_the_target():
    assert normalize_column([50, 100, 150], method="target", direction="higher", target=100) == [0.5, 1.0, 1.0]
    assert normalize_column([0.05, 0.2], method="target", direction="lower", target=0.1) == [1.0, 0.5]


def test_log_normalization_reaches_one_at_the_cap_and_missing_values_score_zero():
    scores = normalize_column([0, 9, 99, None], method="log", direction="higher", cap=99)
    assert scores[0] == 0.0 and scores[2] == 1.0 and scores[3] == 0.0
    assert scores[1] == pytest.approx(0.5)


def test_every_indicator_and_fact_is_tabled_in_the_docs():
    """docs/scoring-indicators.md is the bureau's reference: each indicator's registry fields, formula, period."""
    from pathlib import Path

    from services.scoring.evaluation.facts import FACTS

    doc = (Path(__file__).parents[3] / "docs" / "scoring-indicators.md").read_text("utf-8")
    for _, indicator in default_model().indicators:
        assert f"`{indicator.code}`" in doc, indicator.code
    for fact in FACTS:
        assert f"`{fact}`" in doc, fact
