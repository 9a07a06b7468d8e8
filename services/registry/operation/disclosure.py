"""Public disclosure of authorized operation (spec Arts. 18–19), computed from the live tables at read time.

Nothing is copied: the agreement, its plan, its data scope and product list, the registrations' codes and the
price records are read as they stand, so the writes that change them (amendments, transitions, prices,
registrations) change the disclosure in the same transaction. Five queries per page, whatever its size.

An agreement is public once activated: active, suspended, expired, or terminated after activation (a
termination before activation is told apart by the ledger, which records every activation).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.pagination import Listed, Sorts, page_of
from services.kernel.problems import NotFound
from services.kernel.timeutil import china_today

from ..ledger.models import LedgerEntry
from ..pricing.current import prices_in_force
from ..pricing.price_list import price_item
from ..registration.models import IssuedCode, Product, Resource
from .disclosure_schemas import AuthorizationOut, DisclosedProductOut, DisclosedResourceOut, OrgRef
from .models import Agreement, AgreementProduct, AgreementResource, Plan

__all__ = ["SORTS", "authorization", "authorizations", "every_authorization", "latest_codes"]


def _activated():
    return exists().where(LedgerEntry.action == "agreement.active", LedgerEntry.subject_type == "agreement",
                          LedgerEntry.subject_id == Agreement.id)


def _public():
    return select(Agreement, Plan).join(Plan, Plan.id == Agreement.plan_id).where(or_(
        Agreement.status.in_(("active", "suspended", "expired")),
        and_(Agreement.status == "terminated", _activated())))


async def latest_codes(session: AsyncSession, subject_ids: list[str]) -> dict[str, str]:
    """The latest registration query code of each subject that has one (codes are never reused)."""
    if not subject_ids:
        return {}
    rows = await session.execute(select(IssuedCode.subject_id, IssuedCode.code)
                                 .where(IssuedCode.subject_id.in_(subject_ids)).order_by(IssuedCode.issued_at))
    return dict(rows.all())  # ordered by time: the last one wins


async def _disclose(session: AsyncSession, rows: list[tuple[Agreement, Plan]], today: date) -> list[AuthorizationOut]:
    ids = [a.id for a, _ in rows]
    if not ids:
        return []
    scope: dict[str, list[Resource]] = defaultdict(list)
    for aid, resource in (await session.execute(
            select(AgreementResource.agreement_id, Resource)
            .join(Resource, Resource.id == AgreementResource.resource_id)
            .where(AgreementResource.agreement_id.in_(ids)).order_by(Resource.id))).all():
        scope[aid].append(resource)
    products: dict[str, list[Product]] = defaultdict(list)
    for aid, product in (await session.execute(
            select(AgreementProduct.agreement_id, Product).join(Product, Product.id == AgreementProduct.product_id)
            .where(AgreementProduct.agreement_id.in_(ids)).order_by(Product.id))).all():
        products[aid].append(product)
    product_ids = sorted({p.id for ps in products.values() for p in ps})
    codes = await latest_codes(session, sorted({r.id for rs in scope.values() for r in rs}) + product_ids)
    prices = await prices_in_force(session, today, product_ids)

    def product_out(p: Product) -> DisclosedProductOut:
        price = prices.get((p.id, "operator"))
        line = price_item(p, price, prices.get((p.id, "ceiling"))) \
            if price is not None or p.use_type == "public_welfare" else None
        return DisclosedProductOut(product_id=p.id, name=p.name, description=p.description, use_type=p.use_type,
                                   form=p.form, conditions_of_use=p.conditions_of_use, query_code=codes.get(p.id),
                                   registered=p.status == "registered", price=line)

    return [AuthorizationOut(
        agreement_id=a.id, name=plan.name, region_code=a.region_code, authorizer_name=plan.authorizer_name,
        implementing_body=OrgRef(org_id=plan.implementing_org_id, name=plan.implementing_org_name),
        operator=OrgRef(org_id=a.operator_org_id, name=a.operator_org_name), mode=a.mode, starts_on=a.starts_on,
        ends_on=a.ends_on, status=a.status, version=a.version,
        data_scope=[DisclosedResourceOut(resource_id=r.id, name=r.name, holder_name=r.org_name,
                                         query_code=codes.get(r.id), registered=r.status == "registered")
                    for r in scope[a.id]],
        products=[product_out(p) for p in products[a.id]], prices_as_of=today) for a, plan in rows]


# The orders of the public authorizations: by agreement (the default), by the first or the last day of the term.
SORTS = Sorts({"id": (Agreement.id,), "starts_on": (Agreement.starts_on, Agreement.id),
               "ends_on": (Agreement.ends_on, Agreement.id)}, default="id")


async def authorizations(session: AsyncSession, *, cursor: str | None, limit: int, region_code: str | None,
                         status: str | None, sort: str | None = None) -> Listed[AuthorizationOut]:
    """One page of public authorizations, cursor-paged and sorted as the other public lists are."""
    query = _public()
    if region_code:
        query = query.where(Agreement.region_code == region_code)
    if status:
        query = query.where(Agreement.status == status)
    listed = await page_of(session, query, SORTS, sort, cursor, limit)
    items = await _disclose(session, [tuple(row) for row in listed.rows], china_today())
    return Listed(items, listed.next_cursor, listed.total)


async def authorization(session: AsyncSession, agreement_id: str) -> AuthorizationOut:
    row = (await session.execute(_public().where(Agreement.id == agreement_id))).first()
    if row is None:
        raise NotFound("No authorized operation is disclosed under this id.", slug="authorization-not-found")
    return (await _disclose(session, [tuple(row)], china_today()))[0]


async def every_authorization(session: AsyncSession, page: int = 200) -> list[AuthorizationOut]:
    """All public authorizations (for the DCAT catalog): a few per region, so read page by page into one list."""
    out: list[AuthorizationOut] = []
    cursor: str | None = None
    while True:
        listed = await authorizations(session, cursor=cursor, limit=page, region_code=None, status=None)
        out += listed.rows
        cursor = listed.next_cursor
        if cursor is None:
            return out
