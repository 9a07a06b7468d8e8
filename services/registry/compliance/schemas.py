"""Response and request models of compliance records."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.kernel.text import Text

from ..operation.schemas import Instant

__all__ = ["ComplianceSweepOut", "RecordOut", "RuleOut", "SweepIn", "WaiverIn"]


class RuleOut(BaseModel):
    id: str
    title: str
    citation: str
    severity: str
    subject: str


class RecordOut(BaseModel):
    id: str
    rule_id: str
    severity: str
    subject_type: str
    subject_id: str
    org_id: str | None
    org_name: str | None = Field(default=None, description="The answerable organization's name, as the registry's "
                                 "records of it carry it (none when no record names it).")
    detail: str
    facts: dict
    status: str
    detected_at: Instant
    resolved_at: Instant | None
    waived_by: str | None
    waived_reason: str | None
    waived_at: Instant | None


class WaiverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Text(min_length=1, max_length=5000)]


class SweepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Evaluate deadlines as of this day (China time); today by default.
    on: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2200, 12, 31))] | None = None


class ComplianceSweepOut(BaseModel):
    checked_rules: int
    opened: int
    resolved: int
    open_now: int
    expired_agreements: int
