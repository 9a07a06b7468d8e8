"""Models of the public face of registration and of objections (Art. 12)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.kernel.text import Line, Name, Text

from .schemas import Attachment, Deadlines, Instant

__all__ = ["CertificateOut", "CodeLookupOut", "DeadlineSweepOut", "NoticeOut", "ObjectionIn", "ObjectionOut",
           "RegistrationSummary"]


class NoticeOut(BaseModel):
    """Only what Art. 12 allows: registrant names, registration type, data name, short description."""

    id: str
    registrant_names: list[str]
    type: str
    data_name: str
    short_description: str
    notice_starts_on: date | None
    notice_ends_on: date | None


class CodeLookupOut(BaseModel):
    query_code: str
    subject_type: str
    data_name: str
    registrant_names: list[str]
    registration_type: str
    state: str
    in_force: bool
    valid_from: date | None
    valid_until: date | None


class CertificateOut(BaseModel):
    certificate: str = Field(description="Compact JWS (ES256); verify with the registry's /.well-known/jwks.json")
    query_code: str
    valid_until: date


class ObjectionIn(BaseModel):
    """A real-name objection (Art. 12): who objects, how to reach them, the grounds and the evidence."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    objector_name: Annotated[str, Name(max_length=100)]
    objector_id_number: Annotated[str, Field(pattern=r"^[0-9A-Za-z\-]+$"), Line(min_length=6, max_length=64)]
    contact: Annotated[str, Line(min_length=3, max_length=200)]
    grounds: Annotated[str, Text(min_length=1, max_length=4000)]
    evidence: Annotated[list[Attachment], Field(min_length=1, max_length=50)]


class ObjectionOut(BaseModel):
    id: str
    registration_id: str
    objector_name: str
    objector_id_number: str | None
    contact: str | None
    grounds: str
    evidence: list[dict]
    evidence_digest: str
    status: str
    decision_reason: str | None
    filed_at: Instant
    decided_at: Instant | None


class RegistrationSummary(BaseModel):
    id: str
    subject_type: str
    subject_id: str
    subject_version: int
    type: str
    state: str
    org_id: str
    registrant_names: list[str]
    data_name: str
    previous_id: str | None
    materials_digest: str
    submitted_at: Instant
    filed_at: Instant
    query_code: str | None
    valid_from: date | None
    valid_until: date | None
    deadlines: Deadlines
    overdue: list[str]
    created_at: Instant


class DeadlineSweepOut(BaseModel):
    closed: list[str]
    expired: list[str]
