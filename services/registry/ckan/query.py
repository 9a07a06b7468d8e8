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

from ..catalog import search as catalog_search
from ..catalog.cjk import parse_query
from ..catalog.models import CatalogEntry
from ..catalog.schemas import SearchFilters
from ..registration.models import IssuedCode, Product

__all__ = ["ENTRY_COLUMNS", "RECORD_COLUMNS", "SORT_KEYS", "entry_by_id", "organizations", "slice_of"]

E = CatalogEntry.__table__.c
ENTRY_COLUMNS = [E.seq, E.subject_type, E.subject_id, E.org_id, E.org_name, E.name, E.description, E.region_code,
                 E.domain, E.update_frequency, E.sharing_attribute, E.opening_attribute, E.grading, E.form,
                 E.use_type, E.created_at, E.updated_at]
# CKAN's sortable fields and the column each stands for ("score" is the catalogue's title tier).
SORT_KEYS = {"metadata_modified": E.updated_at, "metadata_created": E.created_at, "title_string": E.name,
             "name": E.subject_id, "id": E.subject_id}
# What a package shows besides the entry, read in the same statement (evaluated for the rows returned only):
# the subject's latest query code (the certificate's, DOMAIN §1 Art. 14, as the DCAT export gives it) and a
# product's application scenarios (its tags besides the domain).
_CODES, _PRODUCTS = IssuedCode.__table__.c, Product.__table__.c
RECORD_COLUMNS = [
    *ENTRY_COLUMNS,
    select(_CODES.code).where(_CODES.subject_id == E.subject_id).order_by(_CODES.issued_at.desc()).limit(1)
    .scalar_subquery().label("query_code"),
    select(_PRODUCTS.scenarios).where(_PRODUCTS.id == E.subject_id, E.subject_type == "product")
    .scalar_subquery().label("scenarios"),
]
PUBLIC = "public"  # catalog/search.py's visibility for a caller who is no party: CKAN callers are all that


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


@lru_cache(maxsize=1)
def _by_id_statement() -> Statement:
    return Statement(select(*RECORD_COLUMNS).where(E.subject_id == bindparam("subject_id"),
                                                   *catalog_search.where_clauses((), PUBLIC)))


async def entry_by_id(db: Database, subject_id: str) -> dict | None:
    """The public record (``RECORD_COLUMNS``) of one resource or product, on the driver connection."""
    rows = await db.rows.fetch_all(_by_id_statement(), {"subject_id": subject_id})
    return rows[0] if rows else None


async def organizations(session: AsyncSession, org_ids: Sequence[str] | None = None) -> list[dict]:
    """Every organization with a public entry: its id, the name its entries carry and how many it publishes."""
    stmt = (select(E.org_id, func.max(E.org_name).label("org_name"), func.count().label("package_count"),
                   func.min(E.created_at).label("created_at"))
            .where(*catalog_search.where_clauses((), PUBLIC)).group_by(E.org_id))
    if org_ids is not None:
        stmt = stmt.where(E.org_id.in_(list(org_ids)))
    return [dict(row) for row in (await session.execute(stmt)).mappings().all()]
