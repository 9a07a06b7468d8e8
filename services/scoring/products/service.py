"""Value scores of products and resources: computed from the mirror, refreshed when their records change."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.pagination import encode_cursor, keyset_page
from services.kernel.timeutil import utcnow

from ..digest import digest
from ..records import ProductScore, RegistryRecord
from .inputs import RecordSet, build_inputs
from .value import ValueRules, score_value

__all__ = ["list_scores", "load_all", "refresh_scores", "score_records"]

RELATED = ("registration", "compliance_record", "agreement", "annual_report")


def _group(rows: list[RegistryRecord]) -> dict[str, list[dict[str, Any]]]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if not row.deleted:
            by_kind[row.kind].append({"id": row.record_id, **row.payload})
    return by_kind


async def load_all(session: AsyncSession) -> RecordSet:
    rows = (await session.execute(select(RegistryRecord).where(RegistryRecord.deleted.is_(False)))).scalars()
    return RecordSet(_group(list(rows)))


async def _load_for(session: AsyncSession, subjects: set[tuple[str, str]]) -> RecordSet:
    """The subjects and every record their scores read: four queries whatever the number of subjects."""
    ids = {i for _, i in subjects}
    rows = list((await session.execute(select(RegistryRecord).where(
        RegistryRecord.kind.in_(("product", "resource")), RegistryRecord.record_id.in_(ids)))).scalars())
    orgs = {r.org_id for r in rows if r.org_id}
    source_ids = {s for r in rows if r.kind == "product" for s in r.payload.get("resource_ids") or []}
    rows += (await session.execute(select(RegistryRecord).where(
        RegistryRecord.kind == "resource", RegistryRecord.record_id.in_(source_ids - ids)))).scalars()
    rows += (await session.execute(select(RegistryRecord).where(
        RegistryRecord.kind.in_(RELATED),
        or_(RegistryRecord.subject_id.in_(ids), RegistryRecord.org_id.in_(orgs))))).scalars()
    if any(k == "resource" for k, _ in subjects):
        # A resource's breadth counts the products built on it, whoever operates them.
        rows += (await session.execute(select(RegistryRecord).where(
            RegistryRecord.kind == "product", RegistryRecord.record_id.notin_(ids)))).scalars()
    unique = {(r.kind, r.record_id): r for r in rows}
    return RecordSet(_group(list(unique.values())))


def score_records(records: RecordSet, subjects: list[tuple[str, dict[str, Any]]], as_of: date,
                  rules: ValueRules = ValueRules()) -> list[dict[str, Any]]:
    """Pure: one score document per (kind, payload), with the SHA-256 of the inputs it was computed from."""
    out = []
    for kind, record in subjects:
        inputs = build_inputs(records, kind, record, as_of)
        snapshot = {**inputs.__dict__, "as_of": as_of.isoformat()}
        out.append({"kind": kind, "id": record["id"], "org_id": record.get("org_id"),
                    "name": str(record.get("name", ""))[:200], "as_of": as_of.isoformat(),
                    "inputs_digest": digest(snapshot), **score_value(inputs, rules)})
    return out


async def refresh_scores(session: AsyncSession, subjects: set[tuple[str, str]], seq: int = 0) -> int:
    """Recompute the scores of these products/resources (a deleted one loses its score)."""
    if not subjects:
        return 0
    records = await _load_for(session, subjects)
    present = [(kind, r) for kind in ("product", "resource") for r in records.by_kind.get(kind, [])
               if (kind, r["id"]) in subjects]
    scored = score_records(records, present, utcnow().date())
    existing = {(s.subject_kind, s.subject_id): s for s in (await session.execute(select(ProductScore).where(
        ProductScore.subject_id.in_({i for _, i in subjects})))).scalars()}
    for doc in scored:
        row = existing.pop((doc["kind"], doc["id"]), None) or ProductScore(subject_kind=doc["kind"],
                                                                            subject_id=doc["id"], total=0.0)
        row.org_id, row.name, row.total = doc["org_id"], doc["name"], doc["total"]
        row.quality, row.demand, row.breadth = doc["quality"], doc["demand"], doc["breadth"]
        row.inputs_digest, row.source_seq, row.computed_at = doc["inputs_digest"], seq, utcnow()
        session.add(row)
    for (kind, sid), row in existing.items():
        if (kind, sid) in subjects:
            await session.delete(row)
    await session.flush()
    return len(scored)


async def list_scores(session: AsyncSession, *, org: str | None, kind: str | None, cursor: str | None,
                      limit: int) -> tuple[list[ProductScore], str | None]:
    query = select(ProductScore)
    if org is not None:
        query = query.where(ProductScore.org_id == org)
    if kind is not None:
        query = query.where(ProductScore.subject_kind == kind)
    rows = list((await session.execute(keyset_page(
        query, [ProductScore.subject_kind, ProductScore.subject_id], cursor, limit))).scalars())
    next_cursor = encode_cursor([rows[limit - 1].subject_kind, rows[limit - 1].subject_id]) \
        if len(rows) > limit else None
    return rows[:limit], next_cursor
