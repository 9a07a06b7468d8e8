"""Reading an indicator system from YAML, and resolving its expert weights (declared numbers or AHP).

A model whose AHP matrices are inconsistent (CR ≥ 0.1) is refused here, before it can be published or used.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import ValidationError

from .ahp import AhpResult, ahp_weights
from .schema import IndicatorSystem, Weighting

__all__ = ["DEFAULT_VERSION", "SHIPPED", "ModelError", "default_model", "default_yaml", "expert_weights",
           "parse_model"]

DEFAULT_VERSION = "default-2.0"
# Versions shipped with the code (never stored): the default, and earlier defaults whose runs may be replayed.
SHIPPED = {DEFAULT_VERSION: "default_model.yaml", "default-1.0": "default_model_1_0.yaml"}


class ModelError(ValueError):
    """The YAML is not a valid indicator system; ``errors`` lists what is wrong where."""

    def __init__(self, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def parse_model(text: str) -> IndicatorSystem:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ModelError(f"not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ModelError("an indicator system is a YAML mapping")
    try:
        system = IndicatorSystem.model_validate(document)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise ModelError("the indicator system is invalid", errors) from None
    # Resolve every AHP matrix now: an inconsistent one raises InconsistentJudgements naming its CR.
    expert_weights(system.weighting, [d.weight for d in system.dimensions])
    for d in system.dimensions:
        expert_weights(d.weighting, [i.weight for i in d.indicators])
    return system


def expert_weights(weighting: Weighting, declared: list[float | None]) -> tuple[list[float], AhpResult | None]:
    """The expert side of a node's weights: from its pairwise matrix if it has one, else the declared numbers."""
    if weighting.pairwise is not None and weighting.method in ("ahp", "combined"):
        result = ahp_weights(weighting.pairwise)
        return list(result.weights), result
    if all(w is not None for w in declared):
        return [float(w) for w in declared], None  # type: ignore[arg-type]
    return [1.0 / len(declared)] * len(declared), None


def default_yaml(version: str = DEFAULT_VERSION) -> str:
    return resources.files("services.scoring.indicators").joinpath(SHIPPED[version]).read_text("utf-8")


@cache
def default_model(version: str = DEFAULT_VERSION) -> IndicatorSystem:
    return parse_model(default_yaml(version))
