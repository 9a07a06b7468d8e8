"""The public catalogue read by offset, as CKAN's clients page it: a slice in a chosen order and its total.

The catalogue's own search (catalog/search.py) pages by keyset and has no total; CKAN's ``package_search``
pages by ``start``/``rows`` and reports ``count``. The slice is drawn from the same rows, with the same
visibility clause (only what the public sees: DOMAIN §1 Art. 19, issue 18), the same filters and the same
full-text match and title tier as that search, so a CKAN client and the catalogue never disagree about what
is published. Ordering by ``metadata_modified`` walks ``ix_catalog_entries_status_updated`` (migration 0009).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Integer, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.rows import Statement

from ..catalog import records
from ..catalog import search as catalog_search
from ..catalog.cjk import parse_query
from ..catalog.models import CatalogEntry
from ..catalog.records import PUBLIC, RECORD_COLUMNS
from ..catalog.schemas import SearchFilters

__all__ = ["SORT_KEYS", "entry_by_id", "organizations", "slice_of"]

E = CatalogEntry.__table__.c
# CKAN's sortable fields and the column each stands for ("score" is the catalogue's title tier).
SORT_KEYS = {"metadata_modified": E.updated_at, "metadata_created": E.created_at, "title_string": E.name,
             "name": E.subject_id, "id": E.subject_id}


def _base(dialect: str, filters: tuple[str, ...], has_query: bool) -> list:
    return catalog_search.matching(dialect, filters, PUBLIC, has_query)


def _keys(columns, order: tuple[tuple[str, bool], ...], tier=None) -> list:
    """ORDER BY keys over ``columns`` (a table's or a subquery's), ending in seq for a total order."""
    keys = []
    for field, descending in order:
        if field == "score":
            if tier is not None:  # the title tier first (catalog/search.py's ranking); without a query all tie
                keys.append(tier.desc() if not descending else tier.asc())
            continue
        column = columns[SORT_KEYS[field].name]
        keys.append(column.desc() if descending else column.asc())
    last_descending = order[-1][1] if order else True
    keys.append(columns.seq.desc() if last_descending else columns.seq.asc())  # pages never overlap
    return keys


def _page(stmt):
    return stmt.limit(bindparam("lim", type_=Integer, literal_execute=True)).offset(
        bindparam("start", type_=Integer))


@lru_cache(maxsize=256)
def _slice_statement(dialect: str, filters: tuple[str, ...], has_query: bool,
                     order: tuple[tuple[str, bool], ...]) -> Statement:
    where = _base(dialect, filters, has_query)
    if not has_query:  # the listing walks an index for its page (and counts apart, over an index only)
        return Statement(_page(select(*RECORD_COLUMNS).where(*where).order_by(*_keys(E, order))))
    # A search reads every match to rank it: the matches' sort keys alone (narrow rows) are ranked and counted
    # in one pass, and only the page's rows are read whole.
    tier = case((catalog_search.match_conditions(dialect)[1], 0), else_=1).label("tier")
    hits = select(E.seq, *{column.name: column for column in SORT_KEYS.values()}.values(), tier).where(*where)
    hits = hits.cte("hits")
    page = _page(select(hits).order_by(*_keys(hits.c, order, hits.c.tier))).subquery("page")
    total = select(func.count()).select_from(hits).scalar_subquery().label("total")
    return Statement(select(*RECORD_COLUMNS, total).join_from(CatalogEntry.__table__, page, E.seq == page.c.seq)
                     .order_by(*_keys(page.c, order, page.c.tier)))


def _params(db: Database, filters: SearchFilters) -> tuple[str, tuple[str, ...], bool, dict]:
    dialect = db.engine.dialect.name
    names, _visibility, params = catalog_search.filter_params(filters, None)
    query = parse_query(filters.q or "")
    if query:
        params.update(catalog_search.query_params(dialect, query))
    return dialect, names, bool(query), params


async def slice_of(db: Database, filters: SearchFilters, *, order: Sequence[tuple[str, bool]], start: int,
                   rows: int) -> tuple[int, list[dict]]:
    """How many public records match ``filters``, and those (``RECORD_COLUMNS``) from ``start`` to
    ``start + rows`` in ``order`` ((field, descending) pairs of ``SORT_KEYS`` or ``score``)."""
    dialect, names, has_query, params = _params(db, filters)
    records = [] if rows == 0 else await db.rows.fetch_all(_slice_statement(dialect, names, has_query, tuple(order)),
                                                           {**params, "lim": rows, "start": start})
    if records and has_query:
        total = records[0]["total"]
        for record in records:
            del record["total"]
        return total, records
    if start == 0 and len(records) < rows:  # the whole result is on this page
        return len(records), records
    (row,) = await db.rows.fetch_all(catalog_search.count_statement(dialect, names, PUBLIC, has_query), params)
    return row["n"], records


async def entry_by_id(db: Database, subject_id: str) -> dict | None:
    """The public record (``RECORD_COLUMNS``) of one resource or product, on the driver connection."""
    return await records.by_id(db, subject_id)


async def organizations(session: AsyncSession, org_ids: Sequence[str] | None = None) -> list[dict]:
    """Every organization with a public entry: its id, the name its entries carry and how many it publishes."""
    stmt = (select(E.org_id, func.max(E.org_name).label("org_name"), func.count().label("package_count"),
                   func.min(E.created_at).label("created_at"))
            .where(*catalog_search.where_clauses((), PUBLIC)).group_by(E.org_id))
    if org_ids is not None:
        stmt = stmt.where(E.org_id.in_(list(org_ids)))
    return [dict(row) for row in (await session.execute(stmt)).mappings().all()]
