"""Value scores of products and resources: computed from the mirror, refreshed when their records change."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.pagination import encode_cursor, keyset_page
from services.kernel.timeutil import china_today, utcnow

from ..contract import Product, Record, Subject
from ..digest import digest
from ..mirror.reads import typed_records
from ..records import ProductScore, RegistryRecord, RegistryRef
from .inputs import ValueRecords, build_inputs
from .value import ValueRules, score_value

__all__ = ["list_scores", "read_all", "refresh_scores", "rescore_all", "score_records", "write_scores"]

DEFAULT_RULES = ValueRules()  # frozen: one instance serves every call


async def read_all(session: AsyncSession) -> list[Record]:
    """Every live mirrored record, typed: two columns, no ORM objects (bulk rescoring)."""
    return await typed_records(session, RegistryRecord.deleted.is_(False))


async def _load_for(session: AsyncSession, subjects: set[tuple[str, str]]) -> tuple[list[Record], dict[str, int]]:
    """The subjects and every record their scores read, by index: seven queries whatever their number."""
    ids = {i for _, i in subjects}
    live = RegistryRecord.deleted.is_(False)
    found = await typed_records(session, live, RegistryRecord.kind.in_(("product", "resource")),
                                RegistryRecord.record_id.in_(ids))
    orgs = {r.owner for r in found if r.owner}
    source_ids = {s for r in found if isinstance(r, Product) for s in r.resource_ids}
    sources = await typed_records(session, live, RegistryRecord.kind == "resource",
                                  RegistryRecord.record_id.in_(source_ids - ids))
    # Agreements naming a subject (whoever signed them), registrations and compliance records about it, and
    # the annual reports of its organization: one query each, on its own index (as one OR they scan the table).
    naming = select(RegistryRef.record_id).where(RegistryRef.kind == "agreement", RegistryRef.ref_id.in_(ids))
    related: list[Record] = []
    for where in ((RegistryRecord.kind == "agreement", RegistryRecord.record_id.in_(naming)),
                  (RegistryRecord.kind.in_(("registration", "compliance_record")), RegistryRecord.subject_id.in_(ids)),
                  (RegistryRecord.kind == "annual_report", RegistryRecord.org_id.in_(orgs))):
        related += await typed_records(session, live, *where)
    # A resource's breadth counts the products built on it, whoever operates them.
    dependents = dict((await session.execute(select(RegistryRef.ref_id, func.count()).where(
        RegistryRef.kind == "product", RegistryRef.ref_id.in_(ids)).group_by(RegistryRef.ref_id))).all())
    return found + sources + related, dependents


def score_records(records: ValueRecords, subjects: list[Subject],
                  rules: ValueRules = DEFAULT_RULES) -> list[dict[str, Any]]:
    """Pure: one score document per product or resource, with the SHA-256 of the inputs it was computed from."""
    out = []
    day = records.as_of.isoformat()
    # A resource feeds many products: hash it once and let each product's snapshot name its digest.
    resource_digests: dict[str, str] = {}
    for subject in subjects:
        inputs = build_inputs(records, subject)
        sources = []
        for source in inputs.resources:
            d = resource_digests.get(source.id)
            if d is None:
                d = resource_digests[source.id] = digest(source.model_dump(mode="json"))
            sources.append(d)
        kind = "product" if isinstance(subject, Product) else "resource"
        snapshot = {"kind": kind, "record": subject.model_dump(mode="json"), "resources": sources, "as_of": day,
                    "open_compliance": inputs.open_compliance, "corrections": inputs.corrections,
                    "agreements": inputs.agreements, "volume": inputs.volume, "revenue": inputs.revenue,
                    "dependents": inputs.dependents}
        out.append({"kind": kind, "id": subject.id, "org_id": subject.org_id, "name": subject.name[:200],
                    "as_of": day, "inputs_digest": digest(snapshot), **score_value(inputs, rules)})
    return out



async def refresh_scores(session: AsyncSession, subjects: set[tuple[str, str]], seq: int = 0) -> int:
    """Recompute the scores of these products/resources (a deleted one loses its score)."""
    if not subjects:
        return 0
    found, dependents = await _load_for(session, subjects)
    records = ValueRecords(found, china_today(), dependents)
    present = [s for s in (*records.products.values(), *records.resources.values())
               if ("product" if isinstance(s, Product) else "resource", s.id) in subjects]
    scored = score_records(records, present)
    # Replaced whole (a deleted subject's score goes with the rest): two DELETEs and one INSERT, not one ORM
    # object per score.
    for kind in {k for k, _ in subjects}:
        await session.execute(delete(ProductScore).where(
            ProductScore.subject_kind == kind, ProductScore.subject_id.in_({i for k, i in subjects if k == kind})))
    if scored:
        await session.execute(insert(ProductScore), _rows(scored, seq))
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


def _rows(scored: list[dict[str, Any]], seq: int) -> list[dict[str, Any]]:
    now = utcnow()
    return [{"subject_kind": d["kind"], "subject_id": d["id"], "org_id": d["org_id"], "name": d["name"],
             "total": d["total"], "quality": d["quality"], "demand": d["demand"], "breadth": d["breadth"],
             "inputs_digest": d["inputs_digest"], "source_seq": seq, "computed_at": now} for d in scored]


async def write_scores(session: AsyncSession, scored: list[dict[str, Any]], seq: int = 0) -> None:
    """Replace every stored value score by ``scored`` in bulk (one DELETE, batched INSERTs)."""
    await session.execute(delete(ProductScore))
    rows = _rows(scored, seq)
    for start in range(0, len(rows), 5000):
        await session.execute(insert(ProductScore), rows[start:start + 5000])


async def rescore_all(session: AsyncSession, as_of: date | None = None) -> int:
    """Recompute the value score of every mirrored product and resource (after a model or rules change)."""
    records = ValueRecords(await read_all(session), as_of or china_today())
    scored = score_records(records, [*records.products.values(), *records.resources.values()])
    await write_scores(session, scored)
    return len(scored)
