"""Tables of statutory registration (DOMAIN §1): subjects, registrations, evidence, objections, codes, calendar.

    Resource / Product            what is registered (a public data resource; a data product or service)
    SubjectVersion                a frozen snapshot of a subject per registered version (change history, diffs)
    Registration                  one application of a type (first, change, correction, cancellation, renewal)
    RegistrationSubmission        evidence preservation: SHA-256 digest + server time of each submission (Art. 7)
    RegistrationEvent             every state-machine step, who took it and why
    Objection                     a real-name objection with evidence during public notice (Art. 12)
    CodeCounter / IssuedCode      query-code allocation: a locked counter row, and every code ever issued
    HolidayYear / HolidayDay      official calendar data loaded by an administrator for one year

Rows of ``RegistrationSubmission``, ``IssuedCode`` and ``RegistrationEvent`` are only ever inserted.
No foreign key leaves the registry; organization ids come from the auth service's tokens.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Date, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field

from services.kernel.timeutil import new_id, utcnow

from ..tables import RegistryTable

__all__ = [
    "CodeCounter",
    "HolidayDay",
    "HolidayYear",
    "IssuedCode",
    "Objection",
    "Product",
    "Registration",
    "RegistrationEvent",
    "RegistrationSubmission",
    "Resource",
    "SubjectVersion",
]


def _ts(nullable: bool = False, index: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def _json(nullable: bool = False) -> Column:
    return Column(JSON, nullable=nullable)


class Resource(RegistryTable, table=True):
    """A public data resource described by the agency that holds it (Art. 9(1) materials)."""

    __tablename__ = "resources"
    __table_args__ = (Index("ix_resources_org_id_created_at", "org_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    org_id: str = Field(max_length=64, index=True)
    org_name: str = Field(max_length=200)
    # Joint registration (Art. 7): the other organizations that register with the owner.
    joint_org_ids: list = Field(default_factory=list, sa_column=_json())
    joint_org_names: list = Field(default_factory=list, sa_column=_json())
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    data_items: list = Field(default_factory=list, sa_column=_json())
    scale: str = Field(default="", max_length=200)
    update_frequency: str = Field(default="", max_length=50)
    quality: str = Field(default="", sa_column=Column(Text, nullable=False))
    sharing_attribute: str = Field(max_length=20, index=True)  # unconditional | conditional | not
    opening_attribute: str = Field(max_length=20, index=True)  # unconditional | conditional | not
    grading: str = Field(max_length=20, index=True)  # general | important | core
    domain: str = Field(default="", max_length=100, index=True)
    region_code: str = Field(max_length=6, index=True)
    source: str = Field(default="", sa_column=Column(Text, nullable=False))
    lawful_basis: str = Field(default="", sa_column=Column(Text, nullable=False))
    security_assessment: dict = Field(default_factory=dict, sa_column=_json())
    # When operation of the resource started: first registration is due 20 working days later (Art. 9(1)).
    operation_started_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # The last day the data itself was refreshed, as its holder reports it (not a material change): with the
    # declared update frequency it tells how timely the data is (GB/T 36344 timeliness).
    data_updated_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # draft | registered | cancelled | revoked | expired
    status: str = Field(default="draft", max_length=20, index=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Product(RegistryTable, table=True):
    """A data product or service made by an operator from public data resources (Art. 5; spec Art. 16)."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_org_id_created_at", "org_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    org_id: str = Field(max_length=64, index=True)  # the operator
    org_name: str = Field(max_length=200)
    joint_org_ids: list = Field(default_factory=list, sa_column=_json())
    joint_org_names: list = Field(default_factory=list, sa_column=_json())
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    form: str = Field(max_length=20, index=True)  # dataset | api | model | report | application
    resource_ids: list = Field(default_factory=list, sa_column=_json())
    scenarios: list = Field(default_factory=list, sa_column=_json())
    use_type: str = Field(max_length=20, index=True)  # public_welfare | industry
    conditions_of_use: str = Field(default="", sa_column=Column(Text, nullable=False))
    region_code: str = Field(default="", max_length=6, index=True)
    domain: str = Field(default="", max_length=100, index=True)
    delivered_at: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # Set by authorized operation (engineer D): a product's validity ends with a shorter agreement (Art. 15).
    agreement_id: str | None = Field(default=None, max_length=32, index=True)
    agreement_ends_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    status: str = Field(default="draft", max_length=20, index=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class SubjectVersion(RegistryTable, table=True):
    """The registered content of a subject at one version; change registrations keep every previous one."""

    __tablename__ = "subject_versions"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "version"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    subject_type: str = Field(max_length=10)
    subject_id: str = Field(max_length=32)
    version: int
    snapshot: dict = Field(sa_column=_json())
    registration_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Registration(RegistryTable, table=True):
    """One registration application and, once coded, the registration in force (Arts. 8–15)."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_subject", "subject_type", "subject_id", "created_at"),
        Index("ix_registrations_state_notice_ends_on", "state", "notice_ends_on"),
        # Art. 15: validity runs from coding (or the day after the old expiry) to an end that is never earlier;
        # the workflow refuses such a registration (REG-VALIDITY-ENDS-BEFORE-START), the database makes sure.
        CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
                        name="validity_order"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    subject_type: str = Field(max_length=10)  # resource | product
    subject_id: str = Field(max_length=32)
    subject_version: int = Field(default=1)
    type: str = Field(max_length=20, index=True)  # first | change | correction | cancellation | renewal
    state: str = Field(max_length=20, index=True)
    org_id: str = Field(max_length=64, index=True)  # the lead registrant, owner of the subject
    registrant_org_ids: list = Field(default_factory=list, sa_column=_json())
    registrant_names: list = Field(default_factory=list, sa_column=_json())
    data_name: str = Field(max_length=200)
    short_description: str = Field(default="", max_length=500)
    # The registration this one changes, corrects, renews or cancels.
    previous_id: str | None = Field(default=None, max_length=32, index=True)
    # Evidence preservation of the current submission (the history is in registration_submissions).
    materials: dict = Field(default_factory=dict, sa_column=_json())
    materials_digest: str = Field(max_length=64)
    submitted_at: datetime = Field(sa_column=_ts())  # receipt of the current (latest) submission
    # The filing date is the first receipt; a return for supplement restarts only the acceptance clock (Art. 10).
    filed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    submission_count: int = Field(default=1)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))  # why a change/cancellation
    # Change registration: the day the material change happened, as the registrant states it (Art. 9).
    changed_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    missing_items: list = Field(default_factory=list, sa_column=_json())
    refusal_reasons: list = Field(default_factory=list, sa_column=_json())
    late_review_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    query_code: str | None = Field(default=None, max_length=64, index=True)
    valid_from: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    valid_until: date | None = Field(default=None, sa_column=Column(Date, index=True, nullable=True))
    # Every deadline of the workflow, computed in official working days (DOMAIN §1 table). filing_due_on: of a
    # first registration, from operation start or delivery (Art. 9(1)); of a change, from ``changed_on`` (Art. 9).
    filing_due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    acceptance_due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    review_due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    notice_starts_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    notice_ends_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    processing_due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    renewal_opens_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # Set when a deadline was computed for a year without official calendar data (Mon–Fri only).
    provisional: bool = Field(default=False)
    accepted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    reviewed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    coded_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class RegistrationSubmission(RegistryTable, table=True):
    """Evidence preservation (存证): what was submitted, its SHA-256 digest and the server's receipt time."""

    __tablename__ = "registration_submissions"
    __table_args__ = (UniqueConstraint("registration_id", "seq"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    registration_id: str = Field(max_length=32)
    seq: int
    materials: dict = Field(sa_column=_json())
    digest: str = Field(max_length=64)
    received_at: datetime = Field(sa_column=_ts())
    submitted_by: str = Field(max_length=64)


class RegistrationEvent(RegistryTable, table=True):
    """One step of the state machine: from, to, the action, the actor and the stated reasons."""

    __tablename__ = "registration_events"
    __table_args__ = (Index("ix_registration_events_registration_id_at", "registration_id", "at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    registration_id: str = Field(max_length=32)
    action: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    actor: str = Field(max_length=64)
    actor_org: str | None = Field(default=None, max_length=64)
    detail: dict = Field(default_factory=dict, sa_column=_json())
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Objection(RegistryTable, table=True):
    """A real-name objection lodged with evidence during public notice (Art. 12)."""

    __tablename__ = "objections"
    __table_args__ = (Index("ix_objections_registration_id_filed_at", "registration_id", "filed_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    registration_id: str = Field(max_length=32)
    objector_name: str = Field(max_length=100)
    objector_id_number: str = Field(max_length=64)  # real name: identity document or USCC
    contact: str = Field(max_length=200)
    objector_subject: str | None = Field(default=None, max_length=64)  # the account, if logged in
    grounds: str = Field(sa_column=Column(Text, nullable=False))
    evidence: list = Field(default_factory=list, sa_column=_json())
    evidence_digest: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=20, index=True)  # pending | upheld | dismissed
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_by: str | None = Field(default=None, max_length=64)
    filed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class CodeCounter(RegistryTable, table=True):
    """The next serial of one code series; the row is locked while a code is drawn (several replicas)."""

    __tablename__ = "code_counters"

    series: str = Field(primary_key=True, max_length=40)
    next_value: int = Field(default=1, sa_column=Column(Integer, nullable=False))


class IssuedCode(RegistryTable, table=True):
    """Every query code ever issued: the primary key makes a duplicate impossible and a code never returns."""

    __tablename__ = "issued_codes"

    code: str = Field(primary_key=True, max_length=64)
    registration_id: str = Field(max_length=32)
    subject_type: str = Field(max_length=10)
    subject_id: str = Field(max_length=32, index=True)
    issued_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class HolidayYear(RegistryTable, table=True):
    """A year of official calendar data loaded by an administrator (overrides the packaged calendar)."""

    __tablename__ = "holiday_years"

    year: int = Field(primary_key=True)
    source: str = Field(default="", max_length=500)
    loaded_by: str = Field(max_length=64)
    loaded_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class HolidayDay(RegistryTable, table=True):
    """A day that departs from Monday–Friday: a holiday on a weekday, or a weekend made a working day (调休)."""

    __tablename__ = "holiday_days"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    year: int = Field(index=True)
    working: bool
    name: str = Field(default="", sa_column=Column(String(100), nullable=False))
