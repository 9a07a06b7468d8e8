"""Request and response models of the scoring API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from services.kernel.text import Line, Name, Text
from services.kernel.timeutil import as_utc

from .indicators.loader import DEFAULT_VERSION

__all__ = [
    "AhpIn", "AhpOut", "CombinedIn", "ContestIn", "ContestOut", "CostParams", "EntropyIn", "EntropyOut",
    "EvaluationOut", "EvaluationRunIn", "EvaluationSummary", "Freshness", "IncomeParams", "MarketComparable",
    "MarketParams", "ModelIn", "ModelOut", "ModelSummary", "ReplayOut", "ResolutionIn", "RunOut",
    "SubmittedValueIn", "SubmittedValueOut", "SyncOut", "ValuationIn", "ValuationOut", "ValuationStep",
    "ValueScoreOut",
]

# SQLite hands back naive datetimes; every one we serve is UTC with its offset (RFC 3339).
Instant = Annotated[datetime, AfterValidator(as_utc)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]+$"), Line(min_length=1, max_length=64)]
Period = Annotated[str, Field(pattern=r"^(19|20|21)\d{2}$", description="A calendar year, e.g. 2025"), Line()]
Region = Annotated[str, Field(pattern=r"^\d{6}$"), Line()]
ModelVersion = Annotated[str, Line(min_length=1, max_length=32)]
# Valuation inputs (DOMAIN §4.2): finite decimals (NaN and Infinity refused) with few enough digits that the
# valuation computes exactly (products/valuation.py); JSON numbers and strings are both accepted.
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e15"), max_digits=20, decimal_places=2, allow_inf_nan=False,
                                 description="CNY, to the fen")]
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=10, decimal_places=8, allow_inf_nan=False,
                                description="A fraction: 0.05 is 5 %")]
Coefficient = Annotated[Decimal, Field(gt=0, le=10, max_digits=10, decimal_places=6, allow_inf_nan=False)]
Years = Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4, allow_inf_nan=False)]
Judgement = Annotated[float, Field(gt=0, le=9, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Freshness(BaseModel):
    stale: bool = Field(description="True when the registry was unreachable at the last sync, or when the "
                        "subject's records changed after this result was computed.")
    registry_synced_at: Instant | None
    registry_error: str | None = None


class ModelIn(BaseModel):
    document: Annotated[str, Text(min_length=10, max_length=200_000)] = Field(
        description="The indicator system as YAML.")


class ModelSummary(BaseModel):
    version: str
    name: str
    digest: str
    published_by: str
    published_at: Instant | None


class ModelOut(ModelSummary):
    document: str
    weights: dict[str, Any]


class AhpIn(BaseModel):
    matrix: list[Annotated[list[Judgement], Field(min_length=1, max_length=15)]] = Field(min_length=1,
                                                                                            max_length=15)


class AhpOut(BaseModel):
    weights: list[float]
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float


class EntropyIn(BaseModel):
    matrix: list[Annotated[list[NonNegative], Field(min_length=1, max_length=100)]] = Field(
        min_length=2, max_length=1000, description="Rows: alternatives; columns: criteria (non-negative).")


class EntropyOut(BaseModel):
    weights: list[float]
    entropies: list[float]
    divergences: list[float]


class CombinedIn(BaseModel):
    expert: list[Fraction] = Field(min_length=1, max_length=100)
    data: list[Fraction] = Field(min_length=1, max_length=100)
    alpha: Fraction = 0.5


class EvaluationRunIn(BaseModel):
    subject_kind: Literal["organization", "region"]
    subject_ids: list[Id] = Field(min_length=1, max_length=500)
    period: Period
    model_version: ModelVersion = DEFAULT_VERSION

    @model_validator(mode="after")
    def _regions(self) -> EvaluationRunIn:
        if self.subject_kind == "region" and any(not (s.isdigit() and len(s) == 6) for s in self.subject_ids):
            raise ValueError("regions are 6-digit administrative division codes (GB/T 2260)")
        return self


class EvaluationSummary(BaseModel):
    id: str
    run_id: str
    subject_kind: str
    subject_id: str
    subject_name: str
    period: str
    model_version: str
    total: float
    grade: str
    rank: int
    peers: int
    inputs_digest: str
    outdated: bool
    provisional: bool = Field(description="The period is the current year, evaluated to date.")
    created_at: Instant


class ContestOut(BaseModel):
    id: str
    target_kind: str
    target_id: str
    org_id: str | None
    reason: str
    status: str
    resolution: str | None
    filed_by: str
    filed_at: Instant
    resolved_by: str | None
    resolved_at: Instant | None


class EvaluationOut(EvaluationSummary):
    dimensions: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    explanation: list[dict[str, Any]]
    contests: list[ContestOut]
    freshness: Freshness


class RunOut(BaseModel):
    id: str
    subject_kind: str
    period: str
    model_version: str
    inputs_digest: str
    weights: dict[str, Any]
    inputs: dict[str, Any]
    as_of: date = Field(description="The day stocks were counted on: the period's last day, or today.")
    provisional: bool
    created_by: str
    created_at: Instant
    evaluations: list[EvaluationSummary]


class ReplayOut(BaseModel):
    run_id: str
    inputs_digest: str
    digest_matches: bool
    results_match: bool
    totals: dict[str, float]


class SubmittedValueIn(BaseModel):
    subject_kind: Literal["organization", "region"]
    subject_id: Id
    period: Period
    indicator_code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$"), Line(min_length=1, max_length=64)]
    model_version: ModelVersion = DEFAULT_VERSION
    value: NonNegative
    evidence_name: Annotated[str, Name(max_length=200)]
    evidence_media_type: Annotated[str, Field(pattern=r"^[\w.+-]+/[\w.+-]+$"), Line(min_length=3, max_length=100)]
    evidence_base64: Annotated[str, Line(min_length=4, max_length=1_400_000)] = Field(
        description="The evidence document, base64.")


class SubmittedValueOut(BaseModel):
    id: str
    subject_kind: str
    subject_id: str
    period: str
    indicator_code: str
    value: float
    evidence_name: str
    evidence_media_type: str
    evidence_sha256: str
    submitted_by: str
    submitted_at: Instant


class ValueScoreOut(BaseModel):
    subject_kind: str
    subject_id: str
    org_id: str | None
    name: str
    total: float
    quality: dict[str, Any]
    demand: dict[str, Any]
    breadth: dict[str, Any]
    inputs_digest: str
    computed_at: Instant
    contests: list[ContestOut] = []
    freshness: Freshness


class IncomeParams(BaseModel):
    risk_free_rate: Rate
    risk_premium: Rate
    cash_flows: list[Money] | None = Field(default=None, min_length=1, max_length=50)
    revenues: list[Money] | None = Field(default=None, min_length=1, max_length=50)
    royalty_rate: Rate | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> IncomeParams:
        if (self.cash_flows is None) == (self.revenues is None):
            raise ValueError("give either cash_flows (direct income) or revenues with a royalty_rate")
        if self.revenues is not None and self.royalty_rate is None:
            raise ValueError("the royalty method needs royalty_rate")
        if self.risk_free_rate + self.risk_premium <= 0:
            raise ValueError("the discount rate must be positive")
        return self


class CostParams(BaseModel):
    preparation: Money
    direct: Money
    indirect: Money
    opportunity: Money = Decimal(0)
    taxes: Money = Decimal(0)
    quality_coefficient: Coefficient | None = Field(
        default=None, description="Defaults to the quality score of the subject's value score.")
    used_years: Years
    remaining_years: Years

    @model_validator(mode="after")
    def _life(self) -> CostParams:
        if self.used_years + self.remaining_years <= 0:
            raise ValueError("the economic life (used + remaining years) must be positive")
        return self


class MarketComparable(BaseModel):
    name: Annotated[str, Name(max_length=200)]
    price: Money
    quality: Coefficient = Decimal(1)
    supply_demand: Coefficient = Decimal(1)
    date: Coefficient = Decimal(1)
    volume: Coefficient = Decimal(1)
    other: Coefficient = Decimal(1)


class MarketParams(BaseModel):
    comparables: list[MarketComparable] = Field(min_length=1, max_length=50)


class ValuationIn(BaseModel):
    subject_kind: Literal["product", "resource"]
    subject_id: Id
    approach: Literal["cost", "income", "market"]
    income: IncomeParams | None = None
    cost: CostParams | None = None
    market: MarketParams | None = None

    @model_validator(mode="after")
    def _parameters(self) -> ValuationIn:
        if getattr(self, self.approach) is None:
            raise ValueError(f"the {self.approach} approach needs its '{self.approach}' parameters")
        return self


class ValuationStep(BaseModel):
    step: str
    formula: str
    values: dict[str, Any] = Field(default_factory=dict, description="The figures the step starts from.")
    result: str = Field(description="The step's figure, unrounded: exact, or to 50 significant digits where it "
                        "has no exact decimal (see exact). Valuations before issue 13 stored it rounded.")
    exact: bool | None = Field(default=None, description="Whether result is the exact figure (absent before "
                               "issue 13).")
    shown: str | None = Field(default=None, description="result rounded for reading: money to the fen, rates "
                              "to 8 places, shares and coefficients to 6. Only the final value is rounded in the sum.")


class ValuationOut(BaseModel):
    id: str
    subject_kind: str
    subject_id: str
    org_id: str | None
    approach: str
    parameters: dict[str, Any]
    steps: list[ValuationStep]
    value: Decimal = Field(description="P, rounded once (half up) to the fen from the exact formula.")
    currency: str
    created_by: str
    created_at: Instant
    contests: list[ContestOut] = []


class ContestIn(BaseModel):
    target_kind: Literal["evaluation", "value_score", "valuation"]
    target_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:/-]+$"), Line(min_length=1, max_length=100)] = Field(
        description="An evaluation or valuation id; for a value score 'product/<id>'.")
    reason: Annotated[str, Text(min_length=10, max_length=5000)]


class ResolutionIn(BaseModel):
    status: Literal["upheld", "rejected"]
    resolution: Annotated[str, Text(min_length=5, max_length=5000)]


class SyncOut(BaseModel):
    mode: str
    cursor: int
    stale: bool
    last_success_at: Instant | None
    last_attempt_at: Instant | None
    last_error: str | None
    failures: int
    applied: int | None = None
    changed: int | None = None
