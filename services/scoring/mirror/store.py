"""Writing registry records into the local mirror, idempotently: applying the same event twice, or an older
event after a newer one, leaves the mirror as it was (at-least-once delivery from the feed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import utcnow

from ..records import RegistryRecord, RegistryRef

__all__ = ["SUBJECT_KEYS", "apply_record", "record_attributes", "references"]

# Fields naming the product or resource a record is about, in the order tried.
SUBJECT_KEYS = ("subject_id", "product_id", "resource_id")


def record_attributes(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    org = payload.get("org_id") or payload.get("operator_org_id") or payload.get("registrant_org_id")
    region = payload.get("region_code") or None
    subject = next((payload[k] for k in SUBJECT_KEYS if payload.get(k)), None)
    return {"org_id": str(org)[:64] if org else None, "region_code": str(region)[:6] if region else None,
            "subject_id": str(subject)[:64] if subject else None}


def references(kind: str, payload: dict[str, Any] | None) -> set[str]:
    """The products and resources a product (its sources) or an agreement (its scope) names."""
    if not payload or kind not in ("product", "agreement"):
        return set()
    refs = {str(i) for i in payload.get("resource_ids") or [] if isinstance(i, str)}
    if kind == "agreement":
        refs |= {str(i["resource_id"]) for i in payload.get("resources") or []
                 if isinstance(i, dict) and i.get("resource_id")}
        refs |= {str(i) for i in payload.get("product_ids") or [] if isinstance(i, str)}
    return {r[:64] for r in refs}


async def _replace_refs(session: AsyncSession, kind: str, record_id: str, payload: dict[str, Any] | None) -> None:
    if kind not in ("product", "agreement"):
        return
    await session.execute(delete(RegistryRef).where(RegistryRef.kind == kind, RegistryRef.record_id == record_id))
    refs = references(kind, payload)
    if refs:
        await session.execute(insert(RegistryRef), [{"kind": kind, "record_id": record_id, "ref_id": r}
                                                    for r in sorted(refs)])


async def apply_record(session: AsyncSession, kind: str, record_id: str, payload: dict[str, Any] | None,
                       seq: int) -> bool:
    """Upsert (or mark deleted, for ``payload is None``); returns whether the mirror changed."""
    row = (await session.execute(
        select(RegistryRecord).where(RegistryRecord.kind == kind, RegistryRecord.record_id == record_id)
    )).scalar_one_or_none()
    if row is not None and row.seq > seq:
        return False  # a newer copy is already here: this event was delivered late
    if row is None:
        if payload is None:
            return False
        row = RegistryRecord(kind=kind, record_id=record_id)
        session.add(row)
    elif payload is not None and row.payload == payload and not row.deleted:
        row.seq = seq
        return False  # redelivery of what we already have
    if payload is None:
        row.deleted = True
    else:
        row.payload, row.deleted = payload, False
        for key, value in record_attributes(kind, payload).items():
            setattr(row, key, value)
    row.seq = seq
    row.updated_at = utcnow()
    await session.flush()
    await _replace_refs(session, kind, record_id, payload)
    return True
