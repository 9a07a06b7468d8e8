"""Catalog search: the engine's own full-text index over CJK-bigram text, ranked, filtered, keyset-paged.

Ranked pages are cut after the last (score, seq) seen, unranked ones after the last seq: no OFFSET, so a
deep page costs what the first does. Scores are "higher is better" on both engines (FTS5's bm25 is negated).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, column, func, literal_column, or_, select, table, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.pagination import decode_cursor, encode_cursor
from services.kernel.security import Principal

from ..registration.access import is_overseer
from .cjk import parse_query
from .models import CatalogEntry
from .schemas import CatalogHit, FacetCount, Facets, SearchFilters, SearchPage

__all__ = ["PUBLIC_STATUSES", "facets", "search"]

E = CatalogEntry.__table__.c
_FTS = table("catalog_fts", column("rowid"))  # SQLite's FTS5 table (migration 0003)
# What the public sees: a registration in force. Drafts and ended registrations stay with the parties (Art. 19).
PUBLIC_STATUSES = ("registered",)
_FILTER_COLUMNS = {
    "kind": E.subject_type, "region": E.region_code, "org": E.org_id, "domain": E.domain,
    "sharing": E.sharing_attribute, "opening": E.opening_attribute, "grading": E.grading, "status": E.status,
    "form": E.form,
}
_HIT_COLUMNS = [E.seq, E.subject_type, E.subject_id, E.name, E.description, E.org_id, E.org_name, E.region_code,
                E.domain, E.sharing_attribute, E.opening_attribute, E.grading, E.form, E.use_type, E.status,
                E.updated_at]


def _visible(viewer: Principal | None):
    # The registration body and auditors see every entry (Arts. 6, 19), as they do every registration.
    if viewer is not None and is_overseer(viewer):
        return None
    public = E.status.in_(PUBLIC_STATUSES)
    if viewer is not None and viewer.org and not viewer.client:
        return or_(public, E.org_id == viewer.org)  # an organization sees its own drafts
    return public


def _where(filters: SearchFilters, viewer: Principal | None) -> list:
    clauses = [col == getattr(filters, name) for name, col in _FILTER_COLUMNS.items()
               if getattr(filters, name) is not None]
    visible = _visible(viewer)
    if visible is not None:
        clauses.append(visible)
    return clauses


def _matched(session: AsyncSession, q: str | None, columns: list) -> tuple[Select, Any] | None:
    """A select over entries matching ``q`` with a ``score`` column (or None when q has no words)."""
    query = parse_query(q or "")
    if not query:
        return None
    if session.get_bind().dialect.name == "postgresql":
        tsv, tsq = literal_column("catalog_entries.tsv"), text("CAST(:tsq AS tsquery)")
        score = func.ts_rank(tsv, tsq)
        stmt = select(*columns, score.label("score")).where(tsv.op("@@")(tsq))
        return stmt.params(tsq=query.tsquery()), score
    score = -func.bm25(literal_column("catalog_fts"), 10.0, 1.0)
    stmt = (select(*columns, score.label("score"))
            .select_from(CatalogEntry.__table__.join(_FTS, _FTS.c.rowid == E.seq))
            .where(text("catalog_fts MATCH :match")))
    return stmt.params(match=query.fts5()), score


async def search(session: AsyncSession, filters: SearchFilters, viewer: Principal | None, *,
                 cursor: str | None, limit: int) -> SearchPage:
    matched = _matched(session, filters.q, _HIT_COLUMNS)
    if matched is None:
        stmt, score = select(*_HIT_COLUMNS, literal_column("NULL").label("score")), None
    else:
        stmt, score = matched
    stmt = stmt.where(*_where(filters, viewer))
    if score is None:
        if cursor:
            stmt = stmt.where(E.seq < int(decode_cursor(cursor, 1)[0]))
        stmt = stmt.order_by(E.seq.desc())
    else:
        if cursor:
            last_score, last_seq = decode_cursor(cursor, 2)
            stmt = stmt.where(or_(score < float(last_score), and_(score == float(last_score), E.seq < int(last_seq))))
        stmt = stmt.order_by(score.desc(), E.seq.desc())
    rows = (await session.execute(stmt.limit(limit + 1))).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last.seq] if score is None else [last.score, last.seq])
    return SearchPage(items=[_hit(r) for r in page], next_cursor=next_cursor)


def _hit(row) -> CatalogHit:
    m = row._mapping
    return CatalogHit(kind=m["subject_type"], id=m["subject_id"], **{
        k: m[k] for k in ("name", "description", "org_id", "org_name", "region_code", "domain", "sharing_attribute",
                          "opening_attribute", "grading", "form", "use_type", "status", "updated_at")},
        score=m["score"])


_FACETS = {"region": E.region_code, "org": E.org_id, "domain": E.domain, "sharing": E.sharing_attribute,
           "opening": E.opening_attribute, "grading": E.grading, "status": E.status, "form": E.form,
           "kind": E.subject_type}


async def facets(session: AsyncSession, filters: SearchFilters, viewer: Principal | None) -> Facets:
    """Counts per value of every filter dimension over the current result set, in one query."""
    matched = _matched(session, filters.q, [E.seq])
    base = matched[0] if matched else select(E.seq)
    hits = (select(*_FACETS.values(), E.org_name).join_from(CatalogEntry.__table__, base.where(
        *_where(filters, viewer)).subquery("m"), literal_column("m.seq") == E.seq)).cte("hits")
    parts = [select(literal_column(f"'{name}'").label("dim"), hits.c[col.name].label("value"),
                    func.max(hits.c.org_name).label("label"), func.count().label("n")).group_by(hits.c[col.name])
             for name, col in _FACETS.items()]
    counts: dict[str, list[FacetCount]] = {name: [] for name in _FACETS}
    for dim, value, label, n in (await session.execute(union_all(*parts))).all():
        if value:
            counts[dim].append(FacetCount(value=value, label=label if dim == "org" else None, count=n))
    total = sum(f.count for f in counts["kind"])
    for name in counts:
        counts[name].sort(key=lambda f: (-f.count, f.value))
    return Facets(total=total, **counts)
