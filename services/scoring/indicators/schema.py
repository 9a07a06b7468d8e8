"""The indicator system as data: what a model YAML may contain, validated on load and on publication.

An indicator system (DOMAIN §4.1) has first-level dimensions, each with second-level indicators carrying a
unit, direction, normalization, data source and weight. Dimension weights and the indicator weights inside a
dimension either are declared or come from an AHP pairwise matrix (then CR < 0.1 is required).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from ..evaluation.facts import FACTS

__all__ = [
    "COMPUTED_FACTS",
    "Dimension",
    "GradeBand",
    "Indicator",
    "IndicatorSystem",
    "Normalization",
    "Source",
    "Weighting",
]

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Weight = Annotated[float, Field(ge=0, le=1)]
OrgKind = Literal["agency", "operator", "authority", "registration_body", "audit_body", "price_authority"]
Judgement = Annotated[float, Field(gt=0, le=9)]

# The facts the scoring service can compute from registry records (docs/scoring-indicators.md).
COMPUTED_FACTS = frozenset(FACTS)


class Normalization(BaseModel):
    method: Literal["minmax", "target", "log"]
    target: float | None = Field(default=None, gt=0)
    cap: float | None = Field(default=None, gt=0, description="For log: the value that scores 1.")

    @model_validator(mode="after")
    def _parameters(self) -> Normalization:
        if self.method == "target" and self.target is None:
            raise ValueError("target normalization needs a target")
        if self.method == "log" and self.cap is None:
            raise ValueError("log normalization needs a cap")
        return self


class Source(BaseModel):
    kind: Literal["computed", "submitted"]
    fact: str | None = Field(default=None, max_length=64, description="For computed: the registry fact.")
    evidence_required: bool = True

    @model_validator(mode="after")
    def _fact(self) -> Source:
        if self.kind == "computed" and self.fact not in COMPUTED_FACTS:
            raise ValueError(f"computed indicators name a known fact: {sorted(COMPUTED_FACTS)}")
        return self


class Indicator(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=32)
    direction: Literal["higher", "lower"]
    normalization: Normalization
    source: Source
    weight: Weight | None = None
    description: str = Field(default="", max_length=2000)
    # The kinds of organization (auth's directory) the indicator applies to; absent: every kind, and every
    # region. An organization is scored only on what applies to it: an agency makes no products, an operator
    # holds no resources of its own.
    applies_to: list[OrgKind] | None = Field(default=None, min_length=1)

    def applies(self, kind: str | None) -> bool:
        return kind is None or self.applies_to is None or kind in self.applies_to


class Weighting(BaseModel):
    """How the weights below a node are found: declared numbers, an AHP matrix (expert), entropy of the peers'
    values (data), or a combination alpha·expert + (1 − alpha)·entropy."""

    method: Literal["declared", "ahp", "entropy", "combined"] = "declared"
    pairwise: list[list[Judgement]] | None = None
    alpha: float = Field(default=0.5, ge=0, le=1)


class Dimension(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    weight: Weight | None = None
    weighting: Weighting = Weighting()
    indicators: list[Indicator] = Field(min_length=1, max_length=50)


class GradeBand(BaseModel):
    grade: str = Field(min_length=1, max_length=8)
    min_total: float = Field(ge=0, le=100)
    label: str = Field(default="", max_length=64)


def _check_declared(weights: list[float | None], where: str) -> None:
    if any(w is None for w in weights):
        raise ValueError(f"{where}: declared weighting needs a weight on every item")
    if not math.isclose(sum(weights), 1.0, abs_tol=1e-6):  # type: ignore[arg-type]
        raise ValueError(f"{where}: declared weights must sum to 1 (they sum to {sum(weights):.6f})")  # type: ignore[arg-type]


def _check_weighting(weighting: Weighting, weights: list[float | None], where: str) -> None:
    """declared: numbers; ahp: a matrix; combined: a matrix or numbers (the expert side); entropy: nothing."""
    matrix = weighting.pairwise
    if matrix is not None and (len(matrix) != len(weights) or any(len(row) != len(weights) for row in matrix)):
        raise ValueError(f"{where}: the pairwise matrix must be {len(weights)}x{len(weights)}")
    if weighting.method == "ahp" and matrix is None:
        raise ValueError(f"{where}: an AHP weighting needs a pairwise matrix")
    if weighting.method == "declared" or (weighting.method == "combined" and matrix is None):
        _check_declared(weights, where)


class IndicatorSystem(BaseModel):
    version: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    weighting: Weighting = Weighting()
    grade_bands: list[GradeBand] = Field(min_length=1, max_length=10)
    dimensions: list[Dimension] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _structure(self) -> IndicatorSystem:
        codes = [d.code for d in self.dimensions]
        indicator_codes = [i.code for d in self.dimensions for i in d.indicators]
        if len(set(codes)) != len(codes) or len(set(indicator_codes)) != len(indicator_codes):
            raise ValueError("dimension and indicator codes must be unique")
        if self.weighting.method in ("entropy", "combined"):
            raise ValueError("dimension weights come from declared numbers or AHP; entropy applies to indicators")
        _check_weighting(self.weighting, [d.weight for d in self.dimensions], "dimensions")
        for d in self.dimensions:
            _check_weighting(d.weighting, [i.weight for i in d.indicators], f"dimension {d.code}")
        bands = sorted(b.min_total for b in self.grade_bands)
        if bands[0] != 0:
            raise ValueError("the lowest grade band must start at 0 so every total has a grade")
        return self

    def grade(self, total: float) -> str:
        for band in sorted(self.grade_bands, key=lambda b: -b.min_total):
            if total >= band.min_total:
                return band.grade
        return self.grade_bands[-1].grade

    @property
    def indicators(self) -> list[tuple[Dimension, Indicator]]:
        return [(d, i) for d in self.dimensions for i in d.indicators]
