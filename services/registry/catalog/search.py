"""Catalog search: the engine's own full-text index over CJK-bigram text, ranked, filtered, keyset-paged.

Ranking: entries whose *title* holds every query term come first, then entries that match elsewhere; within
each tier the newest first. Scoring every match (ts_rank, bm25) would cost one heap visit per match, about
5,000 for a common word in 100,000 resources, on every page; the tiers keep a page's cost in proportion to
the page, since each tier is read newest-first and stops after ``limit`` rows, and the second tier is read
only when the first runs out within the page. The cursor is the last (tier, seq) seen: no OFFSET anywhere,
so page 1,000 costs what page 1 does. A page is a read on the driver connection (``kernel.rows``), no
unit of work.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.pagination import decode_cursor, encode_cursor
from services.kernel.problems import BadRequest
from services.kernel.regions import region_label
from services.kernel.rows import Statement
from services.kernel.security import Principal

from ..registration.access import is_overseer
from .cjk import Query, parse_query
from .models import CatalogEntry, CatalogState
from .schemas import FacetCount, Facets, SearchFilters

__all__ = ["PUBLIC_STATUSES", "SORTS", "TIER_SCORES", "count_statement", "facets", "filter_params",
           "match_conditions", "matching", "query_params", "search", "version", "where_clauses"]

E = CatalogEntry.__table__.c
_FTS = table("catalog_fts", column("rowid"), column("catalog_fts"))  # SQLite's FTS5 table (migration 0003)
# What the public sees: a registration in force. Drafts and ended registrations stay with the parties (Art. 19).
PUBLIC_STATUSES = ("registered",)
# The score a hit reports: 1.0 when every term is in the title, 0.5 when the match is elsewhere.
TIER_SCORES = (1.0, 0.5)
_FILTER_COLUMNS = {
    "kind": E.subject_type, "region": E.region_code, "org": E.org_id, "domain": E.domain,
    "sharing": E.sharing_attribute, "opening": E.opening_attribute, "grading": E.grading, "status": E.status,
    "form": E.form,
}
_HIT_COLUMNS = [E.seq, E.subject_type, E.subject_id, E.name, E.description, E.org_id, E.org_name, E.region_code,
                E.domain, E.sharing_attribute, E.opening_attribute, E.grading, E.form, E.use_type, E.status,
                E.updated_at]


def _visibility(viewer: Principal | None) -> str:
    # The registration body and auditors see every entry (Arts. 6, 19), as they do every registration; an
    # organization sees its own drafts besides what the public sees.
    if viewer is not None and is_overseer(viewer):
        return "all"
    return "own" if viewer is not None and viewer.org and not viewer.client else "public"


def where_clauses(shape_filters: tuple[str, ...], visibility: str) -> list[ColumnElement]:
    clauses = [_filter(name) for name in shape_filters]
    if visibility != "all":
        # The statuses are ours and few: rendered in the statement, where the planner sees them.
        public = or_(*(E.status == literal(status, literal_execute=True) for status in PUBLIC_STATUSES))
        clauses.append(public if visibility == "public" else or_(public, E.org_id == bindparam("viewer_org")))
    return clauses


def _matches(name: str) -> ColumnElement:
    # Rendered into the statement, not bound: a prepared statement's generic plan cannot see how common the
    # words are and picks a bitmap scan over every match, where the newest-first index walk stops after a page.
    # The text is ours (cjk.Query: word characters and CJK only) and SQLAlchemy quotes it.
    tsquery = cast(bindparam(name, type_=String, literal_execute=True), TSQUERY)
    return E.tsv.op("@@", return_type=Boolean)(tsquery)


def _fts(name: str) -> ColumnElement:
    return E.seq.in_(select(_FTS.c.rowid).where(_FTS.c.catalog_fts.op("MATCH")(bindparam(name))))


def match_conditions(dialect: str) -> tuple[ColumnElement, ColumnElement, ColumnElement]:
    """(matches anywhere, title holds every term, matches but not all in the title) on entries."""
    if dialect == "postgresql":
        in_title = _matches("q_title")
        return _matches("q_all"), in_title, and_(_matches("q_all"), not_(in_title))
    return _fts("q_all"), _fts("q_title"), _fts("q_rest")


def query_params(dialect: str, query: Query) -> dict[str, str]:
    if dialect == "postgresql":
        return {"q_all": query.tsquery(), "q_title": query.tsquery("A")}
    title = query.fts5("title_tokens")
    return {"q_all": query.fts5(), "q_title": title, "q_rest": f"({query.fts5()}) NOT ({title})"}


@lru_cache(maxsize=512)
def _statement(dialect: str, tier: int | None, after: bool, filters: tuple[str, ...], visibility: str) -> Statement:
    """One tier's page (``tier`` None: every visible entry, unranked), built and compiled once per shape: a
    catalog search is served by a handful of shapes."""
    stmt = select(*_HIT_COLUMNS).where(*where_clauses(filters, visibility))
    if tier is not None:
        stmt = stmt.where(match_conditions(dialect)[1 + tier])
    if after:
        stmt = stmt.where(E.seq < bindparam("after", type_=Integer))
    # The limit is in the statement too: with it the planner chooses the newest-first walk for a common word.
    return Statement(stmt.order_by(E.seq.desc()).limit(bindparam("lim", type_=Integer, literal_execute=True)))


# The orders a search offers: relevance (the default: title matches first, then the newest), or a field of the
# hits, ascending or with ``-`` descending, each a keyset on (field, seq) walked by an index for the public.
SORTS = ("relevance", "updated_at", "-updated_at", "name", "-name")
_SORT_COLUMNS = {"updated_at": E.updated_at, "name": E.name}


@lru_cache(maxsize=512)
def _sorted_statement(dialect: str, sort: str, after: bool, filters: tuple[str, ...], visibility: str,
                      has_query: bool) -> Statement:
    """A page of every match in a field's order (the ranking tiers play no part)."""
    key, descending = _SORT_COLUMNS[sort.lstrip("-")], sort.startswith("-")
    stmt = select(*_HIT_COLUMNS).where(*matching(dialect, filters, visibility, has_query))
    if after:
        row = tuple_(key, E.seq)
        last = tuple_(bindparam("after_key", type_=key.type), bindparam("after", type_=Integer))
        stmt = stmt.where(row < last if descending else row > last)
    order = [key.desc(), E.seq.desc()] if descending else [key.asc(), E.seq.asc()]
    return Statement(stmt.order_by(*order).limit(bindparam("lim", type_=Integer, literal_execute=True)))


def matching(dialect: str, filters: tuple[str, ...], visibility: str, has_query: bool) -> list[ColumnElement]:
    """The conditions of every entry a search matches, in any order: filters, visibility and the full text."""
    where = where_clauses(filters, visibility)
    if has_query:
        where.append(match_conditions(dialect)[0])
    return where


@lru_cache(maxsize=512)
def count_statement(dialect: str, filters: tuple[str, ...], visibility: str, has_query: bool) -> Statement:
    """How many entries a search (or a CKAN ``package_search``) matches: its total."""
    return Statement(select(func.count().label("n")).select_from(CatalogEntry.__table__)
                     .where(*matching(dialect, filters, visibility, has_query)))


def _filter(name: str) -> ColumnElement:
    if name == "modified_since":
        return E.updated_at >= bindparam("f_modified_since", type_=E.updated_at.type)
    if name == "modified_until":
        return E.updated_at <= bindparam("f_modified_until", type_=E.updated_at.type)
    return _FILTER_COLUMNS[name] == bindparam(f"f_{name}")


def filter_params(filters: SearchFilters, viewer: Principal | None) -> tuple[tuple[str, ...], str, dict]:
    names = tuple(name for name in (*_FILTER_COLUMNS, "modified_since", "modified_until")
                  if getattr(filters, name) is not None)
    params = {f"f_{name}": getattr(filters, name) for name in names}
    visibility = _visibility(viewer)
    if visibility == "own":
        params["viewer_org"] = viewer.org
    return names, visibility, params


_VERSION = Statement(select(CatalogState.__table__.c.version))


async def version(db: Database) -> int:
    """What every search page is a function of, besides its URL and viewer: the catalogue's version, which
    every insert, update and delete of an entry moves in its own transaction (catalog/sync.py). The tag of a
    conditional search (kernel.conditional.not_modified), read by key without running the search (counting the
    entries instead cost a scan of the table on every search: 40 ms at 100,000)."""
    rows = await db.rows.fetch_all(_VERSION, {})
    return rows[0]["version"] if rows else 0


async def search(db: Database, filters: SearchFilters, viewer: Principal | None, *,
                 cursor: str | None, limit: int, sort: str | None = None, count: bool = False) -> dict:
    """A page of hits (``SearchPage``), the cursor of the next one and, on the first page, the total: free when
    the page holds every hit, else counted only when asked (``count``): counting 5,000 matches of a common word
    costs more than the page (tests/perf/test_registry_perf.py); /catalog/facets counts with its facets."""
    dialect = db.engine.dialect.name
    names, visibility, params = filter_params(filters, viewer)
    query = parse_query(filters.q or "")
    if query:
        params.update(query_params(dialect, query))
    if sort and sort != "relevance":
        page = await _sorted(db, dialect, sort, names, visibility, bool(query), params, cursor, limit)
    else:
        page = await _ranked(db, dialect, names, visibility, query, params, cursor, limit)
    if cursor is None:
        if page["next_cursor"] is None:
            page["total"] = len(page["items"])
        elif count:
            page["total"] = (await db.rows.fetch_all(count_statement(dialect, names, visibility, bool(query)),
                                                     params))[0]["n"]
    return page


async def _sorted(db: Database, dialect: str, sort: str, names: tuple[str, ...], visibility: str, has_query: bool,
                  params: dict, cursor: str | None, limit: int) -> dict:
    key = _SORT_COLUMNS[sort.lstrip("-")]
    if cursor:
        named, params["after_key"], params["after"] = decode_cursor(cursor, [str, key, E.seq])
        if named != sort:  # a cursor of another order
            raise BadRequest("The cursor is not one this service issued.", slug="bad-cursor")
    params["lim"] = limit + 1
    statement = _sorted_statement(dialect, sort, cursor is not None, names, visibility, has_query)
    rows = await db.rows.fetch_all(statement, params)
    for row in rows:
        row["tier"] = None
    return _page(rows, limit, lambda last: [sort, _cursor_value(last[key.name]), last["seq"]])


def _cursor_value(value):
    return value.isoformat() if isinstance(value, datetime) else value


async def _ranked(db: Database, dialect: str, names: tuple[str, ...], visibility: str, query, params: dict,
                  cursor: str | None, limit: int) -> dict:
    tier, after = (0, None) if query else (None, None)
    if cursor:
        if query:
            tier, after = decode_cursor(cursor, [int, E.seq])
            if tier not in (0, 1):
                raise BadRequest("The cursor is not one this service issued.", slug="bad-cursor")
        else:
            (after,) = decode_cursor(cursor, [E.seq])
        params["after"] = after
    rows: list[dict] = []
    while True:
        params["lim"] = limit + 1 - len(rows)
        statement = _statement(dialect, tier, after is not None, names, visibility)
        for row in await db.rows.fetch_all(statement, params):
            row["tier"] = tier
            rows.append(row)
        if len(rows) > limit or tier in (None, 1):
            break
        tier, after = 1, None  # the title tier ran out within this page: the other matches follow
    return _page(rows, limit, (lambda last: [last["tier"], last["seq"]]) if query else (lambda last: [last["seq"]]))


def _page(rows: list[dict], limit: int, key) -> dict:
    page = rows[:limit]
    next_cursor = encode_cursor(key(page[-1])) if len(rows) > limit else None
    return {"items": [_hit(row) for row in page], "next_cursor": next_cursor}


def _hit(row: dict) -> dict:
    """A ``CatalogHit``, which the response model validates and serializes."""
    tier = row.pop("tier")
    del row["seq"]
    row["kind"], row["id"] = row.pop("subject_type"), row.pop("subject_id")
    row["score"] = None if tier is None else TIER_SCORES[tier]
    return row


_FACETS = {"region": E.region_code, "org": E.org_id, "domain": E.domain, "sharing": E.sharing_attribute,
           "opening": E.opening_attribute, "grading": E.grading, "status": E.status, "form": E.form,
           "kind": E.subject_type}


async def facets(session: AsyncSession, filters: SearchFilters, viewer: Principal | None) -> Facets:
    """Counts per value of every filter dimension over the current result set, in one query."""
    dialect = session.get_bind().dialect.name
    names, visibility, params = filter_params(filters, viewer)
    where = where_clauses(names, visibility)
    query = parse_query(filters.q or "")
    if query:
        where.append(match_conditions(dialect)[0])
        params.update(query_params(dialect, query))
    hits = select(*_FACETS.values(), E.org_name).where(*where).cte("hits")
    parts = [select(literal_column(f"'{name}'").label("dim"), hits.c[col.name].label("value"),
                    func.max(hits.c.org_name).label("label"), func.count().label("n")).group_by(hits.c[col.name])
             for name, col in _FACETS.items()]
    counts: dict[str, list[FacetCount]] = {name: [] for name in _FACETS}
    for dim, value, label, n in (await session.execute(union_all(*parts), params)).all():
        if value:
            # People read names: an organization's as its entries carry it, a region's from GB/T 2260.
            named = label if dim == "org" else region_label(value) if dim == "region" else None
            counts[dim].append(FacetCount(value=value, label=named, count=n))
    total = sum(f.count for f in counts["kind"])
    for found in counts.values():
        found.sort(key=lambda f: (-f.count, f.value))
    return Facets(total=total, **counts)
