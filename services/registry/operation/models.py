"""Tables of authorized operation (授权运营, 发改数据规〔2025〕27号, DOMAIN §2).

    Designation          who acts for an authorizer: its implementing body, and the region's price authority
    Plan / PlanVersion   the implementation plan (12 items, Art. 9), its approval and filing (Art. 11)
    OperatorSelection    how an operator was chosen, with evidence (Art. 12)
    Agreement / …Version the operation agreement (Arts. 13–14), each amendment a new frozen version
    AgreementResource    the data scope: registered resources, each maybe received through sharing (Art. 5)
    AgreementProduct     the product list
    SharingConsent       the providing unit's recorded consent for a shared-in resource (Art. 5)
    AnnualReport         the operator's yearly report, due by 31 March (pricing notice; spec Art. 18)

Versions, selections, consents and reports are only ever inserted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from services.kernel.timeutil import new_id, utcnow

from ..pricing.columns import money_column
from ..tables import RegistryTable

__all__ = [
    "Agreement", "AgreementProduct", "AgreementResource", "AgreementVersion", "AnnualReport", "Designation",
    "OperatorSelection", "Plan", "PlanVersion", "SharingConsent",
]


def _ts(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def _text(nullable: bool = False) -> Column:
    return Column(Text, nullable=nullable)


def _date(nullable: bool = True, index: bool = False) -> Column:
    return Column(Date, nullable=nullable, index=index)


class Designation(RegistryTable, table=True):
    """An organization named to act in a region: ``implementing_body`` or ``price_authority`` (DOMAIN §2–3)."""

    __tablename__ = "operation_designations"
    __table_args__ = (UniqueConstraint("org_id", "function", "region_code"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    org_id: str = Field(max_length=64, index=True)
    org_name: str = Field(max_length=200)
    function: str = Field(max_length=20)
    region_code: str = Field(max_length=6, index=True)
    basis: str = Field(sa_column=_text())
    designated_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Plan(RegistryTable, table=True):
    """The current state of an implementation plan; every version's content is in ``PlanVersion``."""

    __tablename__ = "operation_plans"
    __table_args__ = (Index("ix_operation_plans_org_created", "implementing_org_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    region_code: str = Field(max_length=6, index=True)  # the authorizer's division
    authorizer_name: str = Field(max_length=200)
    implementing_org_id: str = Field(max_length=64)
    implementing_org_name: str = Field(max_length=200)
    mode: str = Field(max_length=20)  # whole | domain | scenario (Art. 9)
    items: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1
    status: str = Field(default="draft", max_length=20, index=True)  # draft | approved | filed
    # Collective decision (三重一大) of the government at the same level (Art. 11).
    approval_body: str | None = Field(default=None, max_length=200)
    approval_date: date | None = Field(default=None, sa_column=_date())
    approval_document_no: str | None = Field(default=None, max_length=100)
    approved_version: int | None = None
    # Filing (备案) with the provincial data authority.
    filed_with: str | None = Field(default=None, max_length=200)
    filed_on: date | None = Field(default=None, sa_column=_date())
    filing_no: str | None = Field(default=None, max_length=100)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class PlanVersion(RegistryTable, table=True):
    __tablename__ = "operation_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    plan_id: str = Field(sa_column=Column(String(32), ForeignKey("operation_plans.id"), nullable=False))
    version: int
    name: str = Field(max_length=200)
    mode: str = Field(max_length=20)
    items: dict = Field(sa_column=Column(JSON, nullable=False))
    major: bool = False  # a major change sends the plan back for approval
    reason: str = Field(default="", sa_column=_text())
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class OperatorSelection(RegistryTable, table=True):
    """How the operator was chosen (Art. 12): method, decision date and the evidence behind it."""

    __tablename__ = "operator_selections"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    plan_id: str = Field(sa_column=Column(String(32), ForeignKey("operation_plans.id"), nullable=False, index=True))
    operator_org_id: str = Field(max_length=64, index=True)
    operator_org_name: str = Field(max_length=200)
    method: str = Field(max_length=20)  # open_tender | invited_tender | negotiation | other
    method_description: str = Field(default="", sa_column=_text())
    decided_on: date = Field(sa_column=_date(nullable=False))
    evidence: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recorded_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Agreement(RegistryTable, table=True):
    """An operation agreement's current version and state (draft → signed → filed → active → …)."""

    __tablename__ = "operation_agreements"
    __table_args__ = (Index("ix_operation_agreements_operator_created", "operator_org_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    plan_id: str = Field(sa_column=Column(String(32), ForeignKey("operation_plans.id"), nullable=False, index=True))
    selection_id: str = Field(sa_column=Column(String(32), ForeignKey("operator_selections.id"), nullable=False))
    implementing_org_id: str = Field(max_length=64, index=True)
    operator_org_id: str = Field(max_length=64)
    operator_org_name: str = Field(max_length=200)
    region_code: str = Field(max_length=6, index=True)
    mode: str = Field(max_length=20)
    starts_on: date = Field(sa_column=_date(nullable=False))
    ends_on: date = Field(sa_column=_date(nullable=False, index=True))
    terms: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # sharing, duties, exit…
    status: str = Field(default="draft", max_length=20, index=True)
    version: int = 1
    signed_on: date | None = Field(default=None, sa_column=_date())
    filed_on: date | None = Field(default=None, sa_column=_date())
    filing_no: str | None = Field(default=None, max_length=100)
    status_reason: str | None = Field(default=None, sa_column=_text(nullable=True))
    # The plan's approval and filing as they stood at signing: a later major change cannot rewrite them.
    plan_approved_on: date | None = Field(default=None, sa_column=_date())
    plan_filed_on: date | None = Field(default=None, sa_column=_date())
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AgreementVersion(RegistryTable, table=True):
    __tablename__ = "operation_agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "version"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    agreement_id: str = Field(sa_column=Column(String(32), ForeignKey("operation_agreements.id"), nullable=False))
    version: int
    snapshot: dict = Field(sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", sa_column=_text())
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AgreementResource(RegistryTable, table=True):
    __tablename__ = "operation_agreement_resources"
    __table_args__ = (UniqueConstraint("agreement_id", "resource_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    agreement_id: str = Field(sa_column=Column(String(32), ForeignKey("operation_agreements.id"), nullable=False))
    resource_id: str = Field(sa_column=Column(String(32), ForeignKey("resources.id"), nullable=False, index=True))
    # Set when the implementing body received the resource through inter-agency sharing: that unit must consent.
    shared_from_org_id: str | None = Field(default=None, max_length=64)
    shared_from_org_name: str | None = Field(default=None, max_length=200)


class AgreementProduct(RegistryTable, table=True):
    __tablename__ = "operation_agreement_products"
    __table_args__ = (UniqueConstraint("agreement_id", "product_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    agreement_id: str = Field(sa_column=Column(String(32), ForeignKey("operation_agreements.id"), nullable=False))
    product_id: str = Field(sa_column=Column(String(32), ForeignKey("products.id"), nullable=False, index=True))


class SharingConsent(RegistryTable, table=True):
    """The providing unit's consent to operate a resource it shared (Art. 5)."""

    __tablename__ = "operation_sharing_consents"
    __table_args__ = (UniqueConstraint("agreement_id", "resource_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    agreement_id: str = Field(sa_column=Column(String(32), ForeignKey("operation_agreements.id"), nullable=False))
    resource_id: str = Field(sa_column=Column(String(32), ForeignKey("resources.id"), nullable=False))
    providing_org_id: str = Field(max_length=64)
    providing_org_name: str = Field(max_length=200)
    document_no: str = Field(max_length=100)
    consented_on: date = Field(sa_column=_date(nullable=False))
    recorded_by: str = Field(max_length=64)
    recorded_by_org: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AnnualReport(RegistryTable, table=True):
    """An operator's report for one year: business, costs, revenue, profit, per-product figures, adjustments."""

    __tablename__ = "operation_annual_reports"
    __table_args__ = (UniqueConstraint("operator_org_id", "year"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    operator_org_id: str = Field(max_length=64)
    operator_org_name: str = Field(max_length=200)
    year: int = Field(index=True)
    business_overview: str = Field(sa_column=_text())
    operating_cost: Decimal = Field(sa_column=money_column())
    revenue: Decimal = Field(sa_column=money_column())
    profit: Decimal = Field(sa_column=money_column())
    products: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # volume, revenue each
    price_adjustments: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The yearly deviation check against the maximum in force for that year (None: no maximum was set).
    benchmark: Decimal | None = Field(default=None, sa_column=money_column(nullable=True))
    deviation: str | None = Field(default=None, max_length=20)
    who_adjusts: str | None = Field(default=None, max_length=20)
    submitted_by: str = Field(max_length=64)
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
