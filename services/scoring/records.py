"""Tables of the scoring service.

    RegistryRecord     the local mirror of registry records (resources, products, registrations, agreements,
                       prices, annual reports, compliance records), one row per record, kept by the feed consumer
    RegistryRef        which product or resource a mirrored product or agreement names (indexed by the name)
    FeedState          the consumer's stored cursor and the health of the last sync (drives `stale`)
    IndicatorModelRow  a published indicator system version (YAML as submitted, and its digest)
    SubmittedValue     an indicator value submitted by an organization or authority, with its evidence document
    EvaluationRun      one evaluation of a set of peers for a period: model version, weights, input snapshot
    Evaluation         one subject's result in a run: indicators, dimensions, total, grade, rank, explanation
    ProductScore       the value score of one product or resource, refreshed when its records change
    Valuation          a monetary valuation (cost, income or market approach) with every parameter and step
    Contest            an organization's contest of a score, with its resolution
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field

from services.kernel.timeutil import new_id, utcnow

from .tables import ScoringTable

__all__ = [
    "Contest",
    "Evaluation",
    "EvaluationRun",
    "FeedState",
    "IndicatorModelRow",
    "ProductScore",
    "RegistryRecord",
    "RegistryRef",
    "SubmittedValue",
    "Valuation",
]


def _ts(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def _json(nullable: bool = False) -> Column:
    return Column(JSON, nullable=nullable)


class RegistryRecord(ScoringTable, table=True):
    __tablename__ = "registry_records"
    __table_args__ = (Index("ix_registry_records_kind_org_id", "kind", "org_id"),
                      Index("ix_registry_records_kind_subject_id", "kind", "subject_id"))

    kind: str = Field(primary_key=True, max_length=32)
    record_id: str = Field(primary_key=True, max_length=64)
    org_id: str | None = Field(default=None, max_length=64)
    region_code: str | None = Field(default=None, max_length=6)
    # For records about another record (registrations, compliance records, prices): the product or resource.
    subject_id: str | None = Field(default=None, max_length=64)
    payload: dict = Field(default_factory=dict, sa_column=_json())
    # The ledger sequence this copy reflects: an older event never overwrites a newer copy.
    seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    deleted: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class RegistryRef(ScoringTable, table=True):
    """A product's source resources, an agreement's resources and products: so "what names this resource" is
    an index lookup, not a scan of every product's JSON."""

    __tablename__ = "registry_refs"
    __table_args__ = (Index("ix_registry_refs_ref_id_kind", "ref_id", "kind"),)

    kind: str = Field(primary_key=True, max_length=32)  # the naming record's kind: product | agreement
    record_id: str = Field(primary_key=True, max_length=64)
    ref_id: str = Field(primary_key=True, max_length=64)


class FeedState(ScoringTable, table=True):
    __tablename__ = "feed_state"

    name: str = Field(primary_key=True, max_length=32)
    cursor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    mode: str = Field(default="feed", max_length=10)  # feed | rest
    last_success_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_attempt_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    failures: int = Field(default=0)


class IndicatorModelRow(ScoringTable, table=True):
    __tablename__ = "indicator_models"

    version: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    document: str = Field(sa_column=Column(Text, nullable=False))
    digest: str = Field(max_length=64)
    published_by: str = Field(max_length=64)
    published_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class SubmittedValue(ScoringTable, table=True):
    __tablename__ = "submitted_values"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "period", "indicator_code"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    subject_kind: str = Field(max_length=16)  # organization | region
    subject_id: str = Field(max_length=64)
    period: str = Field(max_length=4)
    indicator_code: str = Field(max_length=64)
    value: float = Field(sa_column=Column(Float, nullable=False))
    evidence_name: str = Field(max_length=200)
    evidence_media_type: str = Field(max_length=100)
    evidence_sha256: str = Field(max_length=64)
    evidence: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    submitted_by: str = Field(max_length=64)
    submitted_org: str | None = Field(default=None, max_length=64)
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class EvaluationRun(ScoringTable, table=True):
    __tablename__ = "evaluation_runs"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    subject_kind: str = Field(max_length=16)
    period: str = Field(max_length=4)
    model_version: str = Field(max_length=32)
    weights: dict = Field(default_factory=dict, sa_column=_json())
    inputs: dict = Field(default_factory=dict, sa_column=_json())
    inputs_digest: str = Field(max_length=64)
    feed_cursor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # The day stocks were counted on (the period's last day, or the run's day for the current year).
    as_of: date = Field(sa_column=Column(Date, nullable=False))
    provisional: bool = Field(default=False)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Evaluation(ScoringTable, table=True):
    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_owner_org_created_at", "owner_org", "created_at"),
                      Index("ix_evaluations_subject", "subject_kind", "subject_id"))

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    run_id: str = Field(max_length=32, index=True)
    subject_kind: str = Field(max_length=16)
    subject_id: str = Field(max_length=64)
    subject_name: str = Field(default="", max_length=200)
    # The organization whose score this is (None for a region): it decides who may read and contest it.
    owner_org: str | None = Field(default=None, max_length=64)
    period: str = Field(max_length=4)
    model_version: str = Field(max_length=32)
    total: float = Field(sa_column=Column(Float, nullable=False))
    grade: str = Field(max_length=8)
    rank: int
    peers: int
    dimensions: list = Field(default_factory=list, sa_column=_json())
    indicators: list = Field(default_factory=list, sa_column=_json())
    explanation: list = Field(default_factory=list, sa_column=_json())
    inputs_digest: str = Field(max_length=64)
    # Set when a registry change touched this subject's records after the evaluation was computed.
    outdated: bool = Field(default=False)
    provisional: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ProductScore(ScoringTable, table=True):
    __tablename__ = "product_scores"
    __table_args__ = (Index("ix_product_scores_org_id", "org_id"),)

    subject_kind: str = Field(primary_key=True, max_length=16)  # product | resource
    subject_id: str = Field(primary_key=True, max_length=64)
    org_id: str | None = Field(default=None, max_length=64)
    name: str = Field(default="", max_length=200)
    total: float = Field(sa_column=Column(Float, nullable=False))
    quality: dict = Field(default_factory=dict, sa_column=_json())
    demand: dict = Field(default_factory=dict, sa_column=_json())
    breadth: dict = Field(default_factory=dict, sa_column=_json())
    inputs_digest: str = Field(max_length=64)
    source_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    computed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Valuation(ScoringTable, table=True):
    __tablename__ = "valuations"
    __table_args__ = (Index("ix_valuations_subject", "subject_kind", "subject_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    subject_kind: str = Field(max_length=16)
    subject_id: str = Field(max_length=64)
    org_id: str | None = Field(default=None, max_length=64, index=True)
    approach: str = Field(max_length=10)  # cost | income | market
    parameters: dict = Field(default_factory=dict, sa_column=_json())
    steps: list = Field(default_factory=list, sa_column=_json())
    # Exact decimal as text: SQLite has no decimal type and would round through a float.
    value: str = Field(sa_column=Column(String(40), nullable=False))
    currency: str = Field(default="CNY", max_length=3)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Contest(ScoringTable, table=True):
    __tablename__ = "contests"
    __table_args__ = (Index("ix_contests_target", "target_kind", "target_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    target_kind: str = Field(max_length=16)  # evaluation | product_score | valuation
    target_id: str = Field(max_length=100)
    org_id: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=10)  # open | upheld | rejected
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    filed_by: str = Field(max_length=64)
    filed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    resolved_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
