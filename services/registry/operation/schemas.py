"""Request and response models of authorized operation; constraints here are the first line of validation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from services.kernel import text
from services.kernel.timeutil import as_utc

__all__ = [
    "AgreementIn", "AgreementOut", "AgreementVersionOut", "AmendmentIn", "ApprovalIn", "ConsentIn", "ConsentOut",
    "Day", "DesignationIn", "DesignationOut", "FilingIn", "Id", "Instant", "PlanChangeIn", "PlanIn", "PlanItems",
    "PlanOut", "PlanVersionOut", "SelectionIn", "SelectionOut", "Strict", "Text", "TransitionIn",
]

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$"), text.Line(min_length=1, max_length=32)]
OrgId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_:.-]+$"), text.Line(min_length=1, max_length=64)]
Name = Annotated[str, text.Name(max_length=200)]
Text = Annotated[str, text.Text(min_length=1, max_length=20_000)]
Clause = Annotated[str, text.Text(max_length=20_000)]  # an optional clause: may stay empty
DocNo = Annotated[str, text.Line(min_length=1, max_length=100)]
Region = Annotated[str, Field(pattern=r"^[1-9][0-9]{5}$"), text.Line()]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$"), text.Line()]
Note = Annotated[str, text.Text(max_length=5000)]
Mode = Literal["whole", "domain", "scenario"]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2200, 12, 31))]
# SQLite hands back naive datetimes; every instant we store is UTC and is shown with its offset.
Instant = Annotated[datetime, AfterValidator(as_utc)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DesignationIn(Strict):
    org_id: OrgId
    org_name: Name
    function: Literal["implementing_body", "price_authority"]
    region_code: Region
    basis: Text


class DesignationOut(BaseModel):
    id: str
    org_id: str
    org_name: str
    function: str
    region_code: str
    basis: str
    designated_by: str
    created_at: Instant


class PlannedProducts(Strict):
    public_welfare: list[Name] = Field(default_factory=list, max_length=200)
    industry: list[Name] = Field(default_factory=list, max_length=200)


class PlanItems(Strict):
    """The 12 required items of an implementation plan (spec Art. 9); the name and mode are items 1 and 4."""

    necessity_and_feasibility: Text  # 2
    operator_selection_criteria: Text  # 3
    data_scope: Text  # 5: scope, catalogue, update frequency, quality
    operation_arrangements: Text  # 6: term, content, schedule, evaluation, exit, asset management
    planned_products: PlannedProducts  # 7: split by public-welfare vs industry use
    cost_revenue_and_sharing: Text  # 8
    security_and_emergency: Text  # 9
    rights_and_duties: Text  # 10
    supervision: Text  # 11
    other: Clause = ""  # 12

    @field_validator("planned_products")
    @classmethod
    def _some_products(cls, value: PlannedProducts) -> PlannedProducts:
        if not value.public_welfare and not value.industry:
            raise ValueError("name at least one planned product")
        return value


class PlanIn(Strict):
    name: Name
    region_code: Region
    authorizer_name: Name
    mode: Mode
    items: PlanItems


class PlanChangeIn(Strict):
    name: Name | None = None
    mode: Mode | None = None
    items: PlanItems | None = None
    major: bool
    reason: Text


class ApprovalIn(Strict):
    """The collective decision (三重一大) of the government at the authorizer's level (Art. 11)."""

    body: Name
    decided_on: Day
    document_no: DocNo


class FilingIn(Strict):
    filed_with: Name
    filed_on: Day
    filing_no: DocNo


class PlanOut(BaseModel):
    id: str
    name: str
    region_code: str
    authorizer_name: str
    implementing_org_id: str
    implementing_org_name: str
    mode: str
    items: dict
    version: int
    status: str
    approval_body: str | None
    approval_date: date | None
    approval_document_no: str | None
    approved_version: int | None
    filed_with: str | None
    filed_on: date | None
    filing_no: str | None
    created_at: Instant
    updated_at: Instant


class PlanVersionOut(BaseModel):
    version: int
    name: str
    mode: str
    items: dict
    major: bool
    reason: str
    created_by: str
    created_at: Instant


class SelectionEvidence(Strict):
    """A document proving how the operator was selected (a tender notice, a decision), by its digest."""

    title: Name
    sha256: Sha256
    uri: Annotated[str, text.Line(max_length=1000)] = ""


class SelectionIn(Strict):
    operator_org_id: OrgId
    operator_org_name: Name
    method: Literal["open_tender", "invited_tender", "negotiation", "other"]
    method_description: Note = ""
    decided_on: Day
    evidence: list[SelectionEvidence] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _other_is_described(self) -> SelectionIn:
        if self.method == "other" and not self.method_description.strip():
            raise ValueError("another selection method must be described (Art. 12: a fair method)")
        return self


class SelectionOut(BaseModel):
    id: str
    plan_id: str
    operator_org_id: str
    operator_org_name: str
    method: str
    method_description: str
    decided_on: date
    evidence: list
    created_at: Instant


class ScopeItem(Strict):
    resource_id: Id
    shared_from_org_id: OrgId | None = None
    shared_from_org_name: Name | None = None

    @model_validator(mode="after")
    def _named(self) -> ScopeItem:
        if self.shared_from_org_id and not self.shared_from_org_name:
            raise ValueError("name the providing unit of a shared-in resource")
        return self


class AgreementTerms(Strict):
    """The clauses of Arts. 13–14 beyond scope, term and products."""

    revenue_sharing: Text
    security_duties: Text
    exit_conditions: Text
    renewal_conditions: Text
    technical_platform: Clause = ""
    asset_ownership: Clause = ""
    disclosure_and_no_redevelopment: Clause = ""
    breach_and_disputes: Clause = ""


class AgreementIn(Strict):
    plan_id: Id
    selection_id: Id
    mode: Mode | None = None  # defaults to the plan's
    starts_on: Day
    ends_on: Day
    resources: list[ScopeItem] = Field(min_length=1, max_length=500)
    product_ids: list[Id] = Field(default_factory=list, max_length=500)
    terms: AgreementTerms

    @model_validator(mode="after")
    def _dates(self) -> AgreementIn:
        if self.ends_on <= self.starts_on:
            raise ValueError("ends_on must be after starts_on")
        if len({r.resource_id for r in self.resources}) != len(self.resources):
            raise ValueError("a resource appears twice in the data scope")
        if len(set(self.product_ids)) != len(self.product_ids):
            raise ValueError("a product appears twice in the product list")
        return self


class AmendmentIn(Strict):
    starts_on: Day | None = None
    ends_on: Day | None = None
    resources: list[ScopeItem] | None = Field(default=None, min_length=1, max_length=500)
    product_ids: list[Id] | None = Field(default=None, max_length=500)
    terms: AgreementTerms | None = None
    reason: Text


class TransitionIn(Strict):
    action: Literal["sign", "file", "activate", "suspend", "resume", "terminate", "expire"]
    on: Day
    document_no: DocNo | None = None  # the filing number when filing
    reason: Note = ""


class ConsentIn(Strict):
    resource_id: Id
    providing_org_id: OrgId
    providing_org_name: Name
    document_no: DocNo
    consented_on: Day


class ConsentOut(BaseModel):
    id: str
    agreement_id: str
    resource_id: str
    providing_org_id: str
    providing_org_name: str
    document_no: str
    consented_on: date
    created_at: Instant


class ScopeItemOut(BaseModel):
    resource_id: str
    resource_name: str | None = None
    shared_from_org_id: str | None
    shared_from_org_name: str | None


class AgreementOut(BaseModel):
    id: str
    plan_id: str
    selection_id: str
    implementing_org_id: str
    operator_org_id: str
    operator_org_name: str
    region_code: str
    mode: str
    starts_on: date
    ends_on: date
    resources: list[ScopeItemOut]
    product_ids: list[str]
    terms: dict
    status: str
    version: int
    signed_on: date | None
    filed_on: date | None
    filing_no: str | None
    status_reason: str | None
    created_at: Instant
    updated_at: Instant


class AgreementVersionOut(BaseModel):
    version: int
    snapshot: dict
    reason: str
    created_by: str
    created_at: Instant
