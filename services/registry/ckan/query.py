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

__all__ = ["ENTRY_COLUMNS", "SORT_KEYS", "count", "entry_by_id", "organizations", "query_codes", "scenarios",
           "slice_of"]

E = CatalogEntry.__table__.c
ENTRY_COLUMNS = [E.seq, E.subject_type, E.subject_id, E.org_id, E.org_name, E.name, E.description, E.region_code,
                 E.domain, E.update_frequency, E.sharing_attribute, E.opening_attribute, E.grading, E.form,
                 E.use_type, E.created_at, E.updated_at]
# CKAN's sortable fields and the column each stands for ("score" is the catalogue's title tier).
SORT_KEYS = {"metadata_modified": E.updated_at, "metadata_created": E.created_at, "title_string": E.name,
             "name": E.subject_id, "id": E.subject_id}
PUBLIC = "public"  # catalog/search.py's visibility for a caller who is no party: CKAN callers are all that


def _base(dialect: str, filters: tuple[str, ...], has_query: bool) -> list:
    where = catalog_search._where(filters, PUBLIC)
    if has_query:
        where.append(catalog_search._conditions(dialect)[0])
    return where


@lru_cache(maxsize=256)
def _slice_statement(dialect: str, filters: tuple[str, ...], has_query: bool,
                     order: tuple[tuple[str, bool], ...]) -> Statement:
    keys = []
    for field, descending in order:
        if field == "score":
            if has_query:  # the title tier first (catalog/search.py's ranking); without a query all score alike
                tier = case((catalog_search._conditions(dialect)[1], 0), else_=1)
                keys.append(tier.desc() if not descending else tier.asc())
            continue
        column = SORT_KEYS[field]
        keys.append(column.desc() if descending else column.asc())
    last_descending = order[-1][1] if order else True
    keys.append(E.seq.desc() if last_descending else E.seq.asc())  # a total order, so pages never overlap
    stmt = (select(*ENTRY_COLUMNS).where(*_base(dialect, filters, has_query)).order_by(*keys)
            .limit(bindparam("lim", type_=Integer, literal_execute=True)).offset(bindparam("start", type_=Integer)))
    return Statement(stmt)


@lru_cache(maxsize=256)
def _count_statement(dialect: str, filters: tuple[str, ...], has_query: bool) -> Statement:
    return Statement(select(func.count().label("n")).select_from(CatalogEntry.__table__)
                     .where(*_base(dialect, filters, has_query)))


def _params(db: Database, filters: SearchFilters) -> tuple[str, tuple[str, ...], bool, dict]:
    dialect = db.engine.dialect.name
    names, _visibility, params = catalog_search._filter_params(filters, None)
    query = parse_query(filters.q or "")
    if query:
        params.update(catalog_search._query_params(dialect, query))
    return dialect, names, bool(query), params


async def slice_of(db: Database, filters: SearchFilters, *, order: Sequence[tuple[str, bool]], start: int,
                   rows: int) -> list[dict]:
    """Public entries ``start`` to ``start + rows`` matching ``filters``, in ``order`` ((field, descending)
    pairs of ``SORT_KEYS`` or ``score``)."""
    if rows == 0:
        return []
    dialect, names, has_query, params = _params(db, filters)
    statement = _slice_statement(dialect, names, has_query, tuple(order))
    return await db.rows.fetch_all(statement, {**params, "lim": rows, "start": start})


async def count(db: Database, filters: SearchFilters) -> int:
    dialect, names, has_query, params = _params(db, filters)
    (row,) = await db.rows.fetch_all(_count_statement(dialect, names, has_query), params)
    return row["n"]


async def entry_by_id(session: AsyncSession, subject_id: str) -> dict | None:
    """The public entry of one resource or product."""
    stmt = select(*ENTRY_COLUMNS).where(E.subject_id == subject_id, *catalog_search._where((), PUBLIC))
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def query_codes(session: AsyncSession, subject_ids: list[str]) -> dict[str, str]:
    """The latest query code of each subject (the certificate's code, DOMAIN §1 Art. 14), as the DCAT export
    gives it."""
    if not subject_ids:
        return {}
    rows = await session.execute(select(IssuedCode.subject_id, IssuedCode.code)
                                 .where(IssuedCode.subject_id.in_(subject_ids)).order_by(IssuedCode.issued_at))
    return {subject_id: code for subject_id, code in rows.all()}  # ordered by time: the last one wins


async def scenarios(session: AsyncSession, product_ids: list[str]) -> dict[str, list]:
    """The application scenarios declared for each product (its CKAN tags besides the domain)."""
    if not product_ids:
        return {}
    rows = await session.execute(select(Product.id, Product.scenarios).where(Product.id.in_(product_ids)))
    return {product_id: list(items or []) for product_id, items in rows.all()}


async def organizations(session: AsyncSession, org_ids: Sequence[str] | None = None) -> list[dict]:
    """Every organization with a public entry: its id, the name its entries carry and how many it publishes."""
    stmt = (select(E.org_id, func.max(E.org_name).label("org_name"), func.count().label("package_count"),
                   func.min(E.created_at).label("created_at"))
            .where(*catalog_search._where((), PUBLIC)).group_by(E.org_id))
    if org_ids is not None:
        stmt = stmt.where(E.org_id.in_(list(org_ids)))
    return [dict(row) for row in (await session.execute(stmt)).mappings().all()]
