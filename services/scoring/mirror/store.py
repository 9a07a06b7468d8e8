"""Writing registry records into the local mirror in bulk and idempotently: applying the same page twice, or an
older page after a newer one, leaves the mirror as it was (at-least-once delivery from the feed).

A mirrored payload is the record as the contract validated it (``contract.py``), so every key read later is a
declared field; the organization, region and subject columns come from the typed record, never from guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import utcnow

from ..contract import Agreement, Product, Record
from ..records import RegistryRecord, RegistryRef

__all__ = ["Change", "apply_records", "references"]


@dataclass(frozen=True)
class Change:
    kind: str
    record_id: str
    before: dict[str, Any] | None  # the mirrored payload it replaced (None: new)
    after: Record | None  # None: gone at the registry


def references(record: Record | None) -> set[str]:
    """The resources (and products) a product is made from or an agreement covers: indexed, not scanned."""
    if isinstance(record, Product):
        return set(record.resource_ids)
    if isinstance(record, Agreement):
        return {i.resource_id for i in record.resources} | set(record.product_ids)
    return set()


def _columns(record: Record) -> dict[str, Any]:
    return {"org_id": record.owner, "region_code": record.region, "subject_id": record.about}


async def _existing(session: AsyncSession, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    by_kind: dict[str, list[str]] = {}
    for kind, record_id in keys:
        by_kind.setdefault(kind, []).append(record_id)
    rows = (await session.execute(select(
        RegistryRecord.kind, RegistryRecord.record_id, RegistryRecord.payload, RegistryRecord.seq,
        RegistryRecord.deleted).where(or_(*(and_(RegistryRecord.kind == kind, RegistryRecord.record_id.in_(ids))
                                            for kind, ids in by_kind.items()))))).all()
    return {(r.kind, r.record_id): r for r in rows}


async def apply_records(session: AsyncSession, items: list[tuple[str, str, Record | None, int]]) -> list[Change]:
    """Upsert each (kind, id, record, seq) — ``None`` marks it deleted — as of feed position ``seq``."""
    latest = {(kind, record_id): (record, seq) for kind, record_id, record, seq in items}  # the last copy wins
    if not latest:
        return []
    existing = await _existing(session, list(latest))
    now = utcnow()
    inserts, updates, gone, changes = [], [], [], []
    for (kind, record_id), (record, seq) in latest.items():
        row = existing.get((kind, record_id))
        if row is not None and row.seq > seq:
            continue  # a newer copy is already here: this page was delivered late
        payload = record.model_dump(mode="json") if record is not None else None
        if record is None:
            if row is None or row.deleted:
                continue
            # A deleted record keeps its last payload: runs and scores computed from it may cite it.
            gone.append({"b_kind": kind, "b_id": record_id, "seq": seq, "deleted": True, "updated_at": now})
        elif row is None:
            inserts.append({"kind": kind, "record_id": record_id, "payload": payload, "seq": seq, "deleted": False,
                            "updated_at": now, **_columns(record)})
        elif row.payload == payload and not row.deleted:
            continue  # redelivery of what we already have
        else:
            updates.append({"b_kind": kind, "b_id": record_id, "payload": payload, "seq": seq, "deleted": False,
                            "updated_at": now, **_columns(record)})
        changes.append(Change(kind, record_id, row.payload if row is not None else None, record))
    table = RegistryRecord.__table__
    if inserts:
        await session.execute(insert(table), inserts)
    for batch in (updates, gone):
        if batch:
            await session.execute(update(table).where(table.c.kind == bindparam("b_kind"),
                                                      table.c.record_id == bindparam("b_id")), batch)
    await _replace_refs(session, [c for c in changes if c.kind in ("product", "agreement")])
    return changes


async def _replace_refs(session: AsyncSession, changes: list[Change]) -> None:
    if not changes:
        return
    for kind in ("product", "agreement"):
        ids = [c.record_id for c in changes if c.kind == kind]
        if ids:
            await session.execute(delete(RegistryRef).where(RegistryRef.kind == kind, RegistryRef.record_id.in_(ids)))
    rows = [{"kind": c.kind, "record_id": c.record_id, "ref_id": ref} for c in changes
            for ref in sorted(references(c.after))]
    if rows:
        await session.execute(insert(RegistryRef), rows)
