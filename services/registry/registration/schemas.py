"""Request and response models of registration: every input bounded, every enum spelled as in DOMAIN §0."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.kernel import text
from services.kernel.identifiers import is_division_code
from services.kernel.timeutil import as_utc

__all__ = [
    "Attachment",
    "Attribute",
    "DataItem",
    "DataUpdateIn",
    "Deadlines",
    "Evidence",
    "Grading",
    "Instant",
    "JointRegistrant",
    "MissingItem",
    "ProductForm",
    "ProductIn",
    "ProductOut",
    "ProductPatch",
    "RegistrationIn",
    "RegistrationOut",
    "ResourceIn",
    "ResourceOut",
    "ResourcePatch",
    "SecurityAssessment",
    "SubjectType",
    "UseType",
]

SubjectType = Literal["resource", "product"]
Attribute = Literal["unconditional", "conditional", "not"]  # 无条件 / 有条件 / 不予
Grading = Literal["general", "important", "core"]  # 一般 / 重要 / 核心
ProductForm = Literal["dataset", "api", "model", "report", "application"]
UseType = Literal["public_welfare", "industry"]  # public governance or welfare / industry or sector development
Frequency = Literal["realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular", "static"]
RegistrationType = Literal["first", "change", "correction", "cancellation", "renewal"]

Id = Annotated[str, Field(pattern=r"^[0-9a-f]{1,32}$"), text.Line(min_length=1, max_length=32)]
OrgId = Annotated[str, text.Line(min_length=1, max_length=64)]
Short = Annotated[str, text.Line(max_length=200)]
Text = Annotated[str, text.Text(max_length=4000)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$"), text.Line()]
Name = Annotated[str, text.Name(max_length=200)]
Label = Annotated[str, text.Line(max_length=100)]  # a domain: a word or two the catalog facets on
# SQLite hands back naive datetimes; every stored time is UTC, and responses say so.
Instant = Annotated[datetime, AfterValidator(as_utc)]


def _division(value: str) -> str:
    if not is_division_code(value):
        raise ValueError("not an administrative division code (GB/T 2260)")
    return value


Region = Annotated[str, text.Line(max_length=6), AfterValidator(_division)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DataItem(_In):
    name: Annotated[str, text.Name(max_length=100)]
    type: Annotated[str, text.Line(max_length=50)] = "string"
    description: Short = ""


class SecurityAssessment(_In):
    risk_level: Literal["low", "medium", "high"]
    summary: Text = ""
    assessed_on: date | None = None


class JointRegistrant(_In):
    """Another organization registering jointly (Art. 7)."""

    org_id: OrgId
    org_name: Name


class Attachment(_In):
    """A submitted document, by name and the SHA-256 of its content (the content stays with the registrant)."""

    name: Name
    sha256: Sha256
    description: Short = ""


class ResourcePatch(_In):
    name: Name | None = None
    description: Text | None = None
    data_items: Annotated[list[DataItem], Field(max_length=500)] | None = None
    scale: Short | None = None
    update_frequency: Frequency | None = None
    quality: Text | None = None
    sharing_attribute: Attribute | None = None
    opening_attribute: Attribute | None = None
    grading: Grading | None = None
    domain: Label | None = None
    region_code: Region | None = None
    source: Text | None = None
    lawful_basis: Text | None = None
    security_assessment: SecurityAssessment | None = None
    operation_started_on: date | None = None
    joint_registrants: Annotated[list[JointRegistrant], Field(max_length=10)] | None = None


class ResourceIn(ResourcePatch):
    name: Name
    description: Text = ""
    update_frequency: Frequency = "irregular"
    sharing_attribute: Attribute
    opening_attribute: Attribute
    grading: Grading
    region_code: Region


class ProductPatch(_In):
    name: Name | None = None
    description: Text | None = None
    form: ProductForm | None = None
    resource_ids: Annotated[list[Id], Field(max_length=100)] | None = None
    scenarios: Annotated[list[Short], Field(max_length=50)] | None = None
    use_type: UseType | None = None
    conditions_of_use: Text | None = None
    region_code: Region | None = None
    domain: Label | None = None
    delivered_at: date | None = None
    joint_registrants: Annotated[list[JointRegistrant], Field(max_length=10)] | None = None


class ProductIn(ProductPatch):
    name: Name
    description: Text = ""
    form: ProductForm
    use_type: UseType
    region_code: Region


class _Subject(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    org_id: str
    org_name: str
    joint_org_ids: list[str]
    joint_org_names: list[str]
    name: str
    description: str
    region_code: str
    domain: str
    status: str
    version: int
    created_at: Instant
    updated_at: Instant


class ResourceOut(_Subject):
    data_items: list[dict]
    scale: str
    update_frequency: str
    quality: str
    sharing_attribute: str
    opening_attribute: str
    grading: str
    source: str
    lawful_basis: str
    security_assessment: dict
    operation_started_on: date | None
    data_updated_on: date | None


class ProductOut(_Subject):
    form: str
    resource_ids: list[str]
    scenarios: list[str]
    use_type: str
    conditions_of_use: str
    delivered_at: date | None
    agreement_id: str | None
    agreement_ends_on: date | None


class RegistrationIn(_In):
    subject_type: SubjectType
    subject_id: Id
    type: RegistrationType
    reason: Text = ""
    # For change and correction: the subject fields as they should read after registration.
    changes: dict | None = None
    # For change: the day the material change happened (China time, not in the future); the change
    # registration is due a configurable number of working days later (Art. 9, default 20).
    changed_on: date | None = None
    attachments: Annotated[list[Attachment], Field(max_length=100)] = []


class ResubmitIn(_In):
    """Supplementary materials after a return: the clock of acceptance restarts (Art. 10)."""

    reason: Text | None = None
    changes: dict | None = None
    attachments: Annotated[list[Attachment], Field(max_length=100)] = []


class MissingItem(_In):
    item: Annotated[str, text.Line(min_length=1, max_length=200)]
    reason: Short = ""


class ReturnIn(_In):
    """Every missing item at once (Art. 10)."""

    missing_items: Annotated[list[MissingItem], Field(min_length=1, max_length=100)]


class ReasonsIn(_In):
    reasons: Annotated[list[Annotated[str, text.Text(min_length=1, max_length=1000)]],
                       Field(min_length=1, max_length=50)]


class ApproveIn(_In):
    # Art. 11: a formal review finished after 20 working days records why.
    late_reason: Annotated[str, text.Text(min_length=1, max_length=2000)] | None = None


class DataUpdateIn(_In):
    """The data of a resource was refreshed on this day (China time; not in the future)."""
    updated_on: date


class ReasonIn(_In):
    reason: Annotated[str, text.Text(min_length=1, max_length=2000)]


class Deadlines(BaseModel):
    filing_due_on: date | None
    acceptance_due_on: date | None
    review_due_on: date | None
    notice_starts_on: date | None
    notice_ends_on: date | None
    processing_due_on: date | None
    renewal_opens_on: date | None
    provisional: bool


class Submission(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    digest: str
    received_at: Instant
    submitted_by: str


class Evidence(BaseModel):
    """Evidence preservation (存证): the digest and server time of every submission, never changed."""

    digest: str
    submitted_at: Instant
    submissions: list[Submission]


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str
    from_state: str | None
    to_state: str
    actor: str
    detail: dict
    at: Instant


class RegistrationOut(BaseModel):
    id: str
    subject_type: str
    subject_id: str
    subject_version: int
    type: str
    state: str
    org_id: str
    registrant_org_ids: list[str]
    registrant_names: list[str]
    data_name: str
    short_description: str
    previous_id: str | None
    reason: str
    changed_on: date | None
    filed_at: Instant
    materials: dict
    evidence: Evidence
    missing_items: list[dict]
    refusal_reasons: list[str]
    late_review_reason: str | None
    query_code: str | None
    valid_from: date | None
    valid_until: date | None
    deadlines: Deadlines
    overdue: list[str]
    events: list[EventOut]
    created_at: Instant
    updated_at: Instant
