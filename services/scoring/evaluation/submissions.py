"""Indicator values submitted with an evidence document (for indicators whose source is ``submitted``)."""

from __future__ import annotations

import base64
import binascii
import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Unprocessable
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..indicators.store import get_system
from ..records import SubmittedValue

__all__ = ["list_submitted", "submit_value"]

MAX_EVIDENCE = 1_000_000


async def submit_value(session: AsyncSession, principal: Principal, data) -> SubmittedValue:
    system, _ = await get_system(session, data.model_version)
    indicator = next((i for _, i in system.indicators if i.code == data.indicator_code), None)
    if indicator is None or indicator.source.kind != "submitted":
        raise Unprocessable(f"{data.indicator_code!r} is not a submitted indicator of model {data.model_version}.",
                            slug="not-a-submitted-indicator")
    try:
        evidence = base64.b64decode(data.evidence_base64, validate=True)
    except (binascii.Error, ValueError):
        raise Unprocessable("evidence_base64 is not valid base64.", slug="bad-evidence") from None
    if not evidence or len(evidence) > MAX_EVIDENCE:
        raise Unprocessable(f"The evidence document must be 1 byte to {MAX_EVIDENCE} bytes.", slug="bad-evidence")
    row = (await session.execute(select(SubmittedValue).where(
        SubmittedValue.subject_kind == data.subject_kind, SubmittedValue.subject_id == data.subject_id,
        SubmittedValue.period == data.period, SubmittedValue.indicator_code == data.indicator_code,
    ))).scalar_one_or_none()
    if row is None:
        row = SubmittedValue(subject_kind=data.subject_kind, subject_id=data.subject_id, period=data.period,
                             indicator_code=data.indicator_code, value=0.0, evidence_name="", evidence_media_type="",
                             evidence_sha256="", evidence=b"", submitted_by=principal.subject)
        session.add(row)
    # A resubmission replaces the value; runs already made keep the old one in their snapshot (with its digest).
    row.value, row.evidence = data.value, evidence
    row.evidence_name, row.evidence_media_type = data.evidence_name, data.evidence_media_type
    row.evidence_sha256 = hashlib.sha256(evidence).hexdigest()
    row.submitted_by, row.submitted_org, row.submitted_at = principal.subject, principal.org, utcnow()
    await session.flush()
    return row


async def list_submitted(session: AsyncSession, subject_kind: str, subject_id: str,
                         period: str | None) -> list[SubmittedValue]:
    query = select(SubmittedValue).where(SubmittedValue.subject_kind == subject_kind,
                                         SubmittedValue.subject_id == subject_id)
    if period:
        query = query.where(SubmittedValue.period == period)
    return list((await session.execute(query.order_by(SubmittedValue.period, SubmittedValue.indicator_code)))
                .scalars())
