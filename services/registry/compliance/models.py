"""A finding: one rule broken by one subject, open until its cause goes away or someone waives it.

At most one live (open or waived) finding exists per rule and subject: a partial unique index makes a second
sweep, or two replicas sweeping at once, unable to duplicate it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index, Text, text
from sqlmodel import Field

from services.kernel.timeutil import new_id, utcnow

from ..tables import RegistryTable

__all__ = ["ComplianceRecord"]

LIVE = "status IN ('open', 'waived')"


class ComplianceRecord(RegistryTable, table=True):
    __tablename__ = "compliance_records"
    __table_args__ = (
        Index("uq_compliance_records_live", "rule_id", "subject_type", "subject_id", unique=True,
              sqlite_where=text(LIVE), postgresql_where=text(LIVE)),
        Index("ix_compliance_records_org_detected", "org_id", "detected_at"),
        Index("ix_compliance_records_status_detected", "status", "detected_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    rule_id: str = Field(max_length=40)
    severity: str = Field(max_length=10)
    subject_type: str = Field(max_length=20)
    subject_id: str = Field(max_length=64)
    org_id: str | None = Field(default=None, max_length=64)  # the organization answerable for the finding
    detail: str = Field(sa_column=Column(Text, nullable=False))
    facts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=10)  # open | resolved | waived
    detected_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    waived_by: str | None = Field(default=None, max_length=64)
    waived_by_org: str | None = Field(default=None, max_length=64)
    waived_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    waived_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
