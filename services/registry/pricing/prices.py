"""Ceiling and specific prices as dated records, the public price list and quotes (DOMAIN §3).

A price is never edited: a change is a new record from a day not in the past; the open-ended record before it
is closed at that day, so periods of one layer never overlap and what was charged on any past day stays known.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.problems import Conflict, Forbidden, NotFound, Unprocessable
from services.kernel.security import Principal
from services.kernel.timeutil import add_years, china_today

from ..compliance.catalog import refuse
from ..compliance.engine import on_write
from ..ledger.service import record
from ..operation.models import Agreement, AgreementProduct
from ..registration.access import can_read, is_public
from ..registration.models import Product
from .current import prices_in_force
from .models import PriceRecord
from .schemas import PriceIn, QuoteIn, QuoteOut
from .tiers import Tier, TierError, highest_unit_price, never_above, quote, validate_tiers

__all__ = ["must_own", "must_set_ceiling", "price_history", "quote_product", "set_ceiling", "set_price", "tiers_of",
           "visible_product"]

IN_FORCE = ("signed", "filed", "active", "suspended")


def tiers_of(record: PriceRecord) -> list[Tier]:
    return [Tier(t["up_to"], Decimal(t["unit_price"])) for t in record.tiers]


def _tiers(data: PriceIn) -> list[Tier]:
    tiers = [Tier(None, data.unit_price)] if data.tiers is None else [Tier(t.up_to, t.unit_price) for t in data.tiers]
    try:
        return validate_tiers(tiers)
    except TierError as exc:
        raise Unprocessable(str(exc), slug="invalid-tiers") from None


async def _product(session: AsyncSession, product_id: str) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.", slug="product-not-found")
    return product


def _refuse_welfare_fee(product: Product, tiers: list[Tier]) -> None:
    if product.use_type == "public_welfare" and highest_unit_price(tiers) > 0:
        raise refuse("PRICE-WELFARE-FEE", "a product for public governance or public welfare is free",
                     product_id=product.id)


async def _insert(session: AsyncSession, principal: Principal, product: Product, layer: str, kind: str,
                  data: PriceIn, tiers: list[Tier]) -> PriceRecord:
    if data.effective_from < china_today():
        raise Unprocessable("A price takes effect today or later; history is never rewritten.",
                            slug="effective-in-past")
    existing = (await session.scalars(select(PriceRecord).where(
        PriceRecord.product_id == product.id, PriceRecord.layer == layer).with_for_update())).all()
    for old in existing:
        if old.effective_from >= data.effective_from:
            raise Conflict(f"A {layer} price already takes effect on {old.effective_from}; periods never overlap.",
                           slug="price-period-overlap", record_id=old.id)
        if old.effective_to is not None and old.effective_to > data.effective_from:
            raise Conflict(f"The {layer} price {old.id} runs until {old.effective_to}; periods never overlap.",
                           slug="price-period-overlap", record_id=old.id)
    for old in existing:
        if old.effective_to is None:
            old.effective_to = data.effective_from  # close the open period at its successor's first day
    row = PriceRecord(product_id=product.id, layer=layer, kind=kind, billing_unit=data.billing_unit,
                      tiers=[{"up_to": t.up_to, "unit_price": str(t.unit_price)} for t in tiers],
                      unit_price=highest_unit_price(tiers), effective_from=data.effective_from,
                      effective_to=data.effective_to, basis=data.basis, set_by=principal.subject,
                      set_by_org=principal.org or "", set_by_org_name=principal.org_name or "")
    session.add(row)
    await session.flush()
    await record(session, principal, f"price.{kind}_set", "product", product.id,
                 {"price_record_id": row.id, **data.model_dump(mode="json"), "kind": kind})
    await on_write(session, principal, "product", {product.id})
    return row


async def visible_product(session: AsyncSession, principal: Principal | None, product_id: str):
    """The product as a caller may know of it: public once past its draft or once its operator has priced it
    (明码标价), else only to its registrants, the registration body, auditors and the implementing body of an
    agreement that lists it (which sets its ceiling; DOMAIN §1, §3, Arts. 6, 19). Another organization's
    unpriced draft is 404, as an id that does not exist."""
    row = (await session.execute(select(Product.id, Product.org_id, Product.joint_org_ids, Product.status)
                                 .where(Product.id == product_id))).first()
    if row is None or not (is_public(row.status) or can_read(principal, row.org_id, row.joint_org_ids)
                           or await session.scalar(select(PriceRecord.id).where(PriceRecord.product_id == row.id)
                                                   .limit(1)) is not None
                           or await _implements(session, principal, row.id)):
        raise NotFound("No such product.", slug="product-not-found")
    return row


async def _implements(session: AsyncSession, principal: Principal | None, product_id: str) -> bool:
    if principal is None or principal.client or not principal.org:
        return False
    return await session.scalar(select(Agreement.id).join(
        AgreementProduct, AgreementProduct.agreement_id == Agreement.id).where(
        AgreementProduct.product_id == product_id, Agreement.implementing_org_id == principal.org).limit(1)) is not None


async def must_set_ceiling(session: AsyncSession, principal: Principal, product_id: str) -> None:
    """The authorizer's ceiling: set by the implementing body of an agreement in force that lists the product."""
    managers = set((await session.scalars(select(Agreement.implementing_org_id).join(
        AgreementProduct, AgreementProduct.agreement_id == Agreement.id).where(
        AgreementProduct.product_id == product_id, Agreement.status.in_(IN_FORCE)))).all())
    if principal.client or not principal.has_role("authority") or principal.org not in managers:
        await visible_product(session, principal, product_id)
        raise Forbidden("Only the implementing body of an agreement in force covering this product sets its "
                        "ceiling.", slug="not-authorizer")


async def must_own(session: AsyncSession, principal: Principal, product_id: str) -> None:
    """The operator's price: set by the operator that owns the product."""
    product = await visible_product(session, principal, product_id)
    if principal.client or not principal.has_role("operator") or principal.org != product.org_id:
        raise Forbidden("Only the operator that owns this product sets its price.", slug="not-owner")


async def set_ceiling(session: AsyncSession, principal: Principal, product_id: str, data: PriceIn) -> PriceRecord:
    product = await _product(session, product_id)
    await must_set_ceiling(session, principal, product.id)
    tiers = _tiers(data)
    _refuse_welfare_fee(product, tiers)
    return await _insert(session, principal, product, "ceiling", "ceiling", data, tiers)


async def _first_year_of_operation(session: AsyncSession, operator_org_id: str) -> date | None:
    starts = (await session.scalars(select(Agreement.starts_on).where(
        Agreement.operator_org_id == operator_org_id, Agreement.signed_on.is_not(None)))).all()
    return min(starts) if starts else None


async def set_price(session: AsyncSession, principal: Principal, product_id: str, data: PriceIn) -> PriceRecord:
    """The operator's specific price — a trial price while it has not operated a full year — never above the ceiling."""
    product = await _product(session, product_id)
    await must_own(session, principal, product.id)
    tiers = _tiers(data)
    _refuse_welfare_fee(product, tiers)
    if highest_unit_price(tiers) > 0:
        ceilings = await prices_in_force(session, data.effective_from, [product.id], "ceiling")
        ceiling = ceilings.get((product.id, "ceiling"))
        if ceiling is None:
            raise refuse("PRICE-ABOVE-CEILING", f"no ceiling price is in force on {data.effective_from}",
                         product_id=product.id)
        if ceiling.billing_unit != data.billing_unit:
            raise refuse("PRICE-ABOVE-CEILING", f"the ceiling is set per {ceiling.billing_unit}",
                         product_id=product.id, ceiling_record_id=ceiling.id)
        if not never_above(tiers, tiers_of(ceiling)):
            raise refuse("PRICE-ABOVE-CEILING", f"the price exceeds the ceiling {ceiling.unit_price} per "
                         f"{ceiling.billing_unit}", product_id=product.id, ceiling_record_id=ceiling.id)
    started = await _first_year_of_operation(session, product.org_id)
    kind = "trial" if started is None or data.effective_from < add_years(started, 1) else "specific"
    return await _insert(session, principal, product, "operator", kind, data, tiers)


async def price_history(session: AsyncSession, product_id: str,
                        principal: Principal | None = None) -> list[PriceRecord]:
    await visible_product(session, principal, product_id)
    q = select(PriceRecord).where(PriceRecord.product_id == product_id).order_by(
        PriceRecord.layer, PriceRecord.effective_from)
    return list((await session.scalars(q)).all())


async def quote_product(session: AsyncSession, product_id: str, data: QuoteIn) -> QuoteOut:
    await visible_product(session, None, product_id)
    product = await _product(session, product_id)
    on = data.on or china_today()
    if product.use_type == "public_welfare" or data.use_type == "public_welfare":
        reason = "public governance and public-welfare use is free (发改价格〔2025〕65号)"
        return QuoteOut(product_id=product.id, use_type=data.use_type, on=on, billing_unit=None,
                        quantity=data.quantity, lines=[], total=Decimal("0.00"), price_record_id=None, kind=None,
                        free_reason=reason)
    price = (await prices_in_force(session, on, [product.id], "operator")).get((product.id, "operator"))
    if price is None:
        raise Conflict(f"No price is in force for this product on {on}.", slug="no-price")
    result = quote(tiers_of(price), data.quantity, data.already_used)
    return QuoteOut(product_id=product.id, use_type=data.use_type, on=on, billing_unit=price.billing_unit,
                    quantity=data.quantity, lines=[vars(line) for line in result.lines], total=result.total,
                    price_record_id=price.id, kind=price.kind)
