"""Connections over each table, with their filters (routes hold no SQL: the queries live here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from services.kernel.pagination import decode_cursor, encode_cursor
from services.kernel.problems import BadRequest

from ..compliance.models import ComplianceRecord
from ..ledger.models import LedgerEntry
from ..operation.models import Agreement, AnnualReport, Plan
from ..organizations import org_names_query
from ..pricing.models import PriceRecord
from ..registration.models import Product, Registration, Resource
from .models import QueryLog
from .relay import Connection, Edge, PageInfo, paginate, to_global_id

__all__ = ["FILTERS", "filtered", "organizations_page", "paginate_filtered"]


def _where(query: Select, *conditions: Any) -> Select:
    return query.where(*[c for c in conditions if c is not None])


def _eq(column: Any, value: Any) -> Any:
    return None if value is None else column == value


def _range(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    return [None if start is None else column >= start, None if end is None else column < end]


def compliance(f: dict) -> Select:
    m = ComplianceRecord
    return _where(select(m), _eq(m.rule_id, f.get("rule")), _eq(m.severity, f.get("severity")),
                  _eq(m.status, f.get("status")), _eq(m.org_id, f.get("organization")),
                  _eq(m.subject_type, f.get("subject_type")), _eq(m.subject_id, f.get("subject_id")),
                  *_range(m.detected_at, f.get("since"), f.get("until")))


def subjects(model: Any):
    def build(f: dict) -> Select:
        return _where(select(model), _eq(model.org_id, f.get("organization")), _eq(model.status, f.get("status")),
                      _eq(model.region_code, f.get("region")),
                      *_range(model.created_at, f.get("since"), f.get("until")))
    return build


def registrations(f: dict) -> Select:
    m = Registration
    return _where(select(m), _eq(m.org_id, f.get("organization")), _eq(m.state, f.get("status")),
                  _eq(m.type, f.get("type")), _eq(m.subject_type, f.get("subject_type")),
                  _eq(m.subject_id, f.get("subject_id")), *_range(m.created_at, f.get("since"), f.get("until")))


def plans(f: dict) -> Select:
    m = Plan
    return _where(select(m), _eq(m.implementing_org_id, f.get("organization")), _eq(m.status, f.get("status")),
                  _eq(m.region_code, f.get("region")), *_range(m.created_at, f.get("since"), f.get("until")))


def agreements(f: dict) -> Select:
    m = Agreement
    org = f.get("organization")
    return _where(select(m), None if org is None else or_(m.operator_org_id == org, m.implementing_org_id == org),
                  _eq(m.status, f.get("status")), _eq(m.region_code, f.get("region")),
                  *_range(m.created_at, f.get("since"), f.get("until")))


def prices(f: dict) -> Select:
    m = PriceRecord
    return _where(select(m), _eq(m.product_id, f.get("subject_id")), _eq(m.set_by_org, f.get("organization")),
                  _eq(m.kind, f.get("status")), *_range(m.created_at, f.get("since"), f.get("until")))


def reports(f: dict) -> Select:
    m = AnnualReport
    return _where(select(m), _eq(m.operator_org_id, f.get("organization")), _eq(m.year, f.get("year")),
                  *_range(m.submitted_at, f.get("since"), f.get("until")))


def ledger(f: dict) -> Select:
    m = LedgerEntry
    return _where(select(m), _eq(m.action, f.get("status")), _eq(m.actor_org, f.get("organization")),
                  _eq(m.subject_type, f.get("subject_type")), _eq(m.subject_id, f.get("subject_id")),
                  *_range(m.recorded_at, f.get("since"), f.get("until")))


def query_log(f: dict) -> Select:
    m = QueryLog
    return _where(select(m), _eq(m.subject, f.get("subject")), _eq(m.org_id, f.get("organization")),
                  *_range(m.at, f.get("since"), f.get("until")))


TIME = {"since", "until"}
FILTERS = {
    "compliance": (compliance, ComplianceRecord.id,
                   {"rule", "severity", "status", "organization", "subject_type", "subject_id"} | TIME),
    "resources": (subjects(Resource), Resource.id, {"organization", "status", "region"} | TIME),
    "products": (subjects(Product), Product.id, {"organization", "status", "region"} | TIME),
    "registrations": (registrations, Registration.id,
                      {"organization", "status", "type", "subject_type", "subject_id"} | TIME),
    "plans": (plans, Plan.id, {"organization", "status", "region"} | TIME),
    "agreements": (agreements, Agreement.id, {"organization", "status", "region"} | TIME),
    "prices": (prices, PriceRecord.id, {"subject_id", "organization", "status"} | TIME),
    "reports": (reports, AnnualReport.id, {"organization", "year"} | TIME),
    "ledger": (ledger, LedgerEntry.sequence, {"status", "organization", "subject_type", "subject_id"} | TIME),
    "query_log": (query_log, QueryLog.id, {"subject", "organization"} | TIME),
}


def filtered(name: str, filters: dict) -> tuple[Select, Any]:
    """The filtered query and its keyset column; a filter this connection does not have is a bad request."""
    build, key, allowed = FILTERS[name]
    given = {k: v for k, v in filters.items() if v is not None}
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise BadRequest(f"This connection has no filter {', '.join(unknown)}; it has {', '.join(sorted(allowed))}.",
                         slug="unknown-filter")
    return build(given), key


async def paginate_filtered(info: Any, name: str, filters: dict, first: int, after: str | None, wrap: Any) -> Any:
    query, key = filtered(name, filters)
    return await paginate(info, query, key, first, after, wrap, descending=name in ("ledger", "query_log"))


async def organizations_page(info: Any, first: int, after: str | None) -> Any:
    """Organizations known from the records (one name each: the alphabetically first the records give)."""
    from .types_registry import Organization

    limit = info.context.settings.max_page
    if not 1 <= first <= limit:
        raise BadRequest(f"first must be between 1 and {limit}.", slug="bad-page-size")
    names = org_names_query().subquery()
    query = (select(names.c.org_id, func.min(names.c.org_name)).where(names.c.org_id.is_not(None))
             .group_by(names.c.org_id))
    if after:
        (value,) = decode_cursor(after, [names.c.org_id])
        query = query.having(names.c.org_id > value)
    rows = (await info.context.session.execute(query.order_by(names.c.org_id).limit(first + 1))).all()
    edges = [Edge(cursor=encode_cursor([org_id]), node=Organization(id=to_global_id("Organization", org_id),
                                                                      db_id=org_id, name=name))
             for org_id, name in rows[:first]]
    return Connection(edges=edges, page_info=PageInfo(has_next_page=len(rows) > first,
                                                      end_cursor=edges[-1].cursor if edges else None),
                      _count_query=select(names.c.org_id).where(names.c.org_id.is_not(None)).distinct())
