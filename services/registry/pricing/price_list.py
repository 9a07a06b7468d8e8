"""The public price list (明码标价, DOMAIN §3): what each product costs today, readable without login.

Public-welfare products appear as free; industry products appear with the operator's price in force and the
ceiling above it. Two queries per page whatever its size.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import china_today

from ..registration.models import Product
from .current import in_force, prices_in_force
from .models import PriceRecord
from .schemas import PriceListItem

__all__ = ["price_item", "price_list"]


def price_item(product: Product, price: PriceRecord | None, ceiling: PriceRecord | None) -> PriceListItem:
    """A product's line in the price list: free for public welfare, else the operator's price in force (if any)
    with the ceiling above it. The public disclosure of authorized operation shows the same line."""
    free = product.use_type == "public_welfare"
    shown = None if free else price
    return PriceListItem(
        product_id=product.id, product_name=product.name, operator_org_id=product.org_id,
        operator_org_name=product.org_name, use_type=product.use_type, free=free,
        kind=None if shown is None else shown.kind, billing_unit=None if shown is None else shown.billing_unit,
        tiers=[] if shown is None else shown.tiers,
        unit_price=Decimal("0.00") if shown is None else shown.unit_price,
        effective_from=None if price is None else price.effective_from,
        effective_to=None if price is None else price.effective_to,
        ceiling_unit_price=None if ceiling is None else ceiling.unit_price)


async def price_list(session: AsyncSession, *, operator_org_id: str | None, after: str | None,
                     limit: int) -> tuple[list[PriceListItem], str | None]:
    today = china_today()
    q = (select(Product, PriceRecord)
         .outerjoin(PriceRecord, and_(PriceRecord.product_id == Product.id, PriceRecord.layer == "operator",
                                      in_force(today)))
         .where(or_(PriceRecord.id.is_not(None),
                    and_(Product.use_type == "public_welfare", Product.status == "registered"))))
    if operator_org_id:
        q = q.where(Product.org_id == operator_org_id)
    if after:
        q = q.where(Product.id > after)
    rows = (await session.execute(q.order_by(Product.id).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    ceilings = await prices_in_force(session, today, [p.id for p, _ in rows], "ceiling")
    items = [price_item(product, price, ceilings.get((product.id, "ceiling"))) for product, price in rows]
    return items, (rows[-1][0].id if more and rows else None)
