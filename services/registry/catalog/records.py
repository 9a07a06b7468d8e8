"""The public records of the catalogue as rows: what the DCAT export, the CKAN API and the records' own IRIs read.

A record is a registered entry of ``catalog_entries`` (only those: the public record, DOMAIN §1 Arts. 12, 19)
with its subject's latest query code (the certificate's, Art. 14) and a product's application scenarios, read in
one statement on the driver connection (``kernel.rows``): a harvest page of a thousand records is one round
trip and no ORM rows.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, bindparam, func, select

from services.kernel.db import Database
from services.kernel.rows import Statement

from ..registration.models import IssuedCode, Product
from . import search
from .models import CatalogEntry

__all__ = ["ENTRY_COLUMNS", "PUBLIC", "RECORD_COLUMNS", "by_id", "in_order", "summary"]

E = CatalogEntry.__table__.c
PUBLIC = "public"  # catalog/search.py's visibility for a caller who is no party
ENTRY_COLUMNS = [E.seq, E.subject_type, E.subject_id, E.org_id, E.org_name, E.name, E.description, E.region_code,
                 E.domain, E.update_frequency, E.sharing_attribute, E.opening_attribute, E.grading, E.form,
                 E.use_type, E.created_at, E.updated_at]
# Evaluated for the rows returned only: the latest query code and a product's scenarios (its tags besides the
# domain).
_CODES, _PRODUCTS = IssuedCode.__table__.c, Product.__table__.c
RECORD_COLUMNS = [
    *ENTRY_COLUMNS,
    select(_CODES.code).where(_CODES.subject_id == E.subject_id).order_by(_CODES.issued_at.desc()).limit(1)
    .scalar_subquery().label("query_code"),
    select(_PRODUCTS.scenarios).where(_PRODUCTS.id == E.subject_id, E.subject_type == "product")
    .scalar_subquery().label("scenarios"),
]


@lru_cache(maxsize=1)
def _by_id() -> Statement:
    return Statement(select(*RECORD_COLUMNS).where(E.subject_id == bindparam("subject_id"),
                                                   *search.where_clauses((), PUBLIC)))


async def by_id(db: Database, subject_id: str) -> dict | None:
    """The public record of one resource or product (``RECORD_COLUMNS``), or None."""
    rows = await db.rows.fetch_all(_by_id(), {"subject_id": subject_id})
    return rows[0] if rows else None


@lru_cache(maxsize=4)
def _in_order(after: bool, offset: bool) -> Statement:
    stmt = select(*RECORD_COLUMNS).where(*search.where_clauses((), PUBLIC))
    if after:
        stmt = stmt.where(E.seq > bindparam("after", type_=Integer))
    stmt = stmt.order_by(E.seq).limit(bindparam("lim", type_=Integer, literal_execute=True))
    return Statement(stmt.offset(bindparam("start", type_=Integer)) if offset else stmt)


async def in_order(db: Database, *, after: int | None, start: int | None, limit: int) -> list[dict]:
    """Up to ``limit`` public records in registration order (seq): after a seq (keyset) or from the ``start``-th."""
    params: dict = {"lim": limit}
    if after is not None:
        params["after"] = after
    if start:
        params["start"] = start
    return await db.rows.fetch_all(_in_order(after is not None, bool(start)), params)


_SUMMARY = Statement(select(func.count().label("n"), func.max(E.updated_at).label("modified"))
                     .where(*search.where_clauses((), PUBLIC)))


async def summary(db: Database) -> tuple[int, datetime | None]:
    """How many public records the catalogue holds, and when the newest change among them was made."""
    (row,) = await db.rows.fetch_all(_SUMMARY, {})
    return row["n"], row["modified"]
