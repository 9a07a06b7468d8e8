"""Value scores of products and resources: computed from the mirror, refreshed when their records change."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.pagination import encode_cursor, keyset_page
from services.kernel.timeutil import utcnow

from ..digest import digest
from ..records import ProductScore, RegistryRecord, RegistryRef
from .inputs import RecordSet, build_inputs
from .value import ValueRules, score_value

__all__ = ["list_scores", "load_all", "read_all", "refresh_scores", "rescore_all", "score_records", "write_scores"]

DEFAULT_RULES = ValueRules()  # frozen: one instance serves every call


def _group(rows: list[RegistryRecord]) -> dict[str, list[dict[str, Any]]]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if not row.deleted:
            by_kind[row.kind].append({"id": row.record_id, **row.payload})
    return by_kind


async def read_all(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """Every live mirrored record as payload dicts by kind: three columns, no ORM objects (bulk rescoring)."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    result = await session.execute(select(RegistryRecord.kind, RegistryRecord.record_id, RegistryRecord.payload)
                                   .where(RegistryRecord.deleted.is_(False)))
    for kind, record_id, payload in result:
        by_kind[kind].append({"id": record_id, **payload})
    return by_kind


async def load_all(session: AsyncSession) -> RecordSet:
    return RecordSet(await read_all(session))


async def _load_for(session: AsyncSession, subjects: set[tuple[str, str]]) -> RecordSet:
    """The subjects and every record their scores read, by index: five queries whatever their number."""
    ids = {i for _, i in subjects}
    rows = list((await session.execute(select(RegistryRecord).where(
        RegistryRecord.kind.in_(("product", "resource")), RegistryRecord.record_id.in_(ids)))).scalars())
    orgs = {r.org_id for r in rows if r.org_id}
    source_ids = {s for r in rows if r.kind == "product" for s in r.payload.get("resource_ids") or []}
    rows += (await session.execute(select(RegistryRecord).where(
        RegistryRecord.kind == "resource", RegistryRecord.record_id.in_(source_ids - ids)))).scalars()
    # Agreements naming a subject (whoever signed them), registrations and compliance records about it, and
    # the annual reports of its organization.
    naming = select(RegistryRef.record_id).where(RegistryRef.kind == "agreement", RegistryRef.ref_id.in_(ids))
    rows += (await session.execute(select(RegistryRecord).where(or_(
        (RegistryRecord.kind == "agreement") & RegistryRecord.record_id.in_(naming),
        RegistryRecord.kind.in_(("registration", "compliance_record")) & RegistryRecord.subject_id.in_(ids),
        (RegistryRecord.kind == "annual_report") & RegistryRecord.org_id.in_(orgs))))).scalars()
    # A resource's breadth counts the products built on it, whoever operates them.
    dependents = dict((await session.execute(select(RegistryRef.ref_id, func.count()).where(
        RegistryRef.kind == "product", RegistryRef.ref_id.in_(ids)).group_by(RegistryRef.ref_id))).all())
    unique = {(r.kind, r.record_id): r for r in rows}
    return RecordSet(_group(list(unique.values())), dependents)


def score_records(records: RecordSet, subjects: list[tuple[str, dict[str, Any]]], as_of: date,
                  rules: ValueRules = DEFAULT_RULES) -> list[dict[str, Any]]:
    """Pure: one score document per (kind, payload), with the SHA-256 of the inputs it was computed from."""
    out = []
    day = as_of.isoformat()
    # A resource feeds many products: hash it once and let each product's snapshot name its digest.
    resource_digests: dict[str, str] = {}
    for kind, record in subjects:
        inputs = build_inputs(records, kind, record, as_of)
        sources = []
        for source in inputs.resources:
            d = resource_digests.get(source["id"])
            if d is None:
                d = resource_digests[source["id"]] = digest(source)
            sources.append(d)
        snapshot = {"kind": kind, "record": record, "resources": sources, "as_of": day,
                    "open_compliance": inputs.open_compliance, "corrections": inputs.corrections,
                    "agreements": inputs.agreements, "volume": inputs.volume, "revenue": inputs.revenue,
                    "dependents": inputs.dependents}
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


async def write_scores(session: AsyncSession, scored: list[dict[str, Any]], seq: int = 0) -> None:
    """Replace every stored value score by ``scored`` in bulk (one DELETE, batched INSERTs)."""
    now = utcnow()
    await session.execute(delete(ProductScore))
    rows = [{"subject_kind": d["kind"], "subject_id": d["id"], "org_id": d["org_id"], "name": d["name"],
             "total": d["total"], "quality": d["quality"], "demand": d["demand"], "breadth": d["breadth"],
             "inputs_digest": d["inputs_digest"], "source_seq": seq, "computed_at": now} for d in scored]
    for start in range(0, len(rows), 5000):
        await session.execute(insert(ProductScore), rows[start:start + 5000])


async def rescore_all(session: AsyncSession, as_of: date | None = None) -> int:
    """Recompute the value score of every mirrored product and resource (after a model or rules change)."""
    by_kind = await read_all(session)
    records = RecordSet(by_kind)
    subjects = [(kind, r) for kind in ("product", "resource") for r in by_kind.get(kind, [])]
    scored = score_records(records, subjects, as_of or utcnow().date())
    await write_scores(session, scored)
    return len(scored)
