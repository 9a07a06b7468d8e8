"""The registry's records as scoring reads them: the consumer's side of the registry's feed contract
(``GET /events?include=records`` and ``GET /events/resources``, scope ``registry:feed``; the registry's side is
``services/registry/feed/records.py``).

Every record scoring mirrors is validated against these models at the boundary; a record that does not validate
fails the sync (and shows in ``/sync``, the logs and ``pdr_scoring_feed_errors_total``), it is never taken for
"gone". Only the fields scoring uses are declared; the registry may send more. A contract test
(tests/api/scoring/test_contract.py) checks every field declared here against the registry's live OpenAPI
document, so a rename or a drop on either side fails the build.

    Resource        registrant, region, status, the Art. 9(1) materials scoring measures, last data update
    Product         registrant, region, status, sources, scenarios, form, its price records (both layers)
    Registration    type, state, subject, validity, first receipt (evidence) and filing due date (Art. 9(1))
    Agreement       operator, implementing body, term, status, data scope and product list (spec Arts. 13–14)
    AnnualReport    operator, year, revenue, per-product volume and revenue, deviation from the maximum (DOMAIN §3)
    Finding         a compliance record: rule, severity, subject, status, when opened and closed (DOMAIN §5)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.kernel.timeutil import as_utc

__all__ = [
    "KINDS",
    "MODELS",
    "Agreement",
    "AnnualReport",
    "EventPage",
    "FeedRecord",
    "Finding",
    "Price",
    "Product",
    "Record",
    "Registration",
    "Resource",
    "ResourcePage",
    "Subject",
    "parse_record",
]

Instant = Annotated[datetime, AfterValidator(as_utc)]


class Part(BaseModel):
    """A piece of a registry record: only the declared fields are read; more may come."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Record(Part):
    id: str

    @property
    def owner(self) -> str | None:
        """The organization whose evaluation this record counts for first."""
        return None

    @property
    def region(self) -> str | None:
        return None

    @property
    def about(self) -> str | None:
        """The product or resource this record is about, if any."""
        return None


class Subject(Record):
    """What a resource and a product share: their registrant, region, registration status, name."""

    org_id: str
    org_name: str
    region_code: str
    status: str
    name: str
    description: str
    created_at: Instant
    updated_at: Instant

    owner = property(lambda self: self.org_id)
    region = property(lambda self: self.region_code)


class Resource(Subject):
    data_items: list[dict[str, Any]]
    scale: str
    update_frequency: str
    quality: str
    sharing_attribute: str
    opening_attribute: str
    grading: str
    source: str
    lawful_basis: str
    security_assessment: dict[str, Any]
    data_updated_on: date | None


class Price(Part):
    id: str
    product_id: str
    layer: Literal["ceiling", "operator"]
    kind: str  # ceiling | specific | trial
    unit_price: Decimal
    effective_from: date
    effective_to: date | None  # exclusive

    def in_effect(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class Product(Subject):
    form: str
    resource_ids: list[str]
    scenarios: list[str]
    use_type: str
    conditions_of_use: str
    delivered_at: date | None
    prices: list[Price]


class Receipt(Part):
    seq: int
    received_at: Instant


class Evidence(Part):
    submissions: list[Receipt]


class Deadlines(Part):
    filing_due_on: date | None


class Step(Part):
    to_state: str
    at: Instant


class Registration(Record):
    subject_type: str
    subject_id: str
    type: str
    state: str
    org_id: str
    valid_from: date | None
    valid_until: date | None
    deadlines: Deadlines
    evidence: Evidence
    events: list[Step]
    created_at: Instant

    owner = property(lambda self: self.org_id)
    about = property(lambda self: self.subject_id)


class ScopeItem(Part):
    resource_id: str


class Agreement(Record):
    implementing_org_id: str
    operator_org_id: str
    operator_org_name: str
    region_code: str
    starts_on: date
    ends_on: date
    resources: list[ScopeItem]
    product_ids: list[str]
    status: str
    created_at: Instant

    owner = property(lambda self: self.operator_org_id)
    region = property(lambda self: self.region_code)


class ProductFigures(Part):
    product_id: str
    volume: int
    revenue: Decimal


class AnnualReport(Record):
    operator_org_id: str
    operator_org_name: str
    year: int
    revenue: Decimal
    products: list[ProductFigures]
    benchmark: Decimal | None  # the maximum allowed revenue of the year, when one was in force
    deviation: str | None  # (revenue − benchmark) / benchmark as a decimal string; "Infinity" over a zero maximum
    submitted_at: Instant

    owner = property(lambda self: self.operator_org_id)


class Finding(Record):
    rule_id: str
    severity: str  # hard | soft
    subject_type: str
    subject_id: str
    org_id: str | None
    status: str  # open | resolved | waived
    detected_at: Instant
    resolved_at: Instant | None
    waived_at: Instant | None

    owner = property(lambda self: self.org_id)
    about = property(lambda self: self.subject_id)


MODELS: dict[str, type[Record]] = {"resource": Resource, "product": Product, "registration": Registration,
                                    "agreement": Agreement, "annual_report": AnnualReport,
                                    "compliance_record": Finding}
KINDS = tuple(MODELS)


class FeedRecord(BaseModel):
    """One touched record; ``record`` stays raw here and is validated by ``parse_record`` for its kind."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["resource", "product", "registration", "agreement", "annual_report", "compliance_record"]
    id: str
    deleted: bool
    record: dict[str, Any] | None


class Event(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sequence: int
    action: str
    subject_type: str
    subject_id: str


class EventPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    events: list[Event]
    last_sequence: int
    has_more: bool
    records: list[FeedRecord]


class ResourcePage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    records: list[FeedRecord] = Field(description="kind is always resource")
    next_after: str | None


def parse_record(kind: str, payload: dict[str, Any]) -> Record:
    """A mirrored payload as its contract model (raises pydantic.ValidationError when it does not conform)."""
    return MODELS[kind].model_validate(payload)
