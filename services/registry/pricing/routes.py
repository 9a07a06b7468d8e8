"""HTTP routes of pricing: yields and revenue caps (authorities), ceilings and prices, the public price list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.kernel.db import SessionDep
from services.kernel.links import link_next
from services.kernel.pagination import NextLink
from services.kernel.security import CurrentPrincipal, OptionalPrincipal, Principal, require_roles

from ..operation.callers import PriceAuthority
from ..operation.http import PUBLIC_ERRORS, READ_ERRORS, WRITE_ERRORS, After, Limit
from ..routing import AuthorizeFirst
from . import caps, prices
from .callers import CeilingSetter, PriceSetter
from .price_list import price_list
from .schemas import PriceIn, PriceListItem, PriceOut, QuoteIn, QuoteOut, RevenueCapIn, RevenueCapOut, YieldIn, YieldOut

__all__ = ["router"]

router = APIRouter(tags=["pricing"], route_class=AuthorizeFirst)
CapReader = Annotated[Principal, require_roles("admin", "auditor", "authority", "operator")]
Person = Annotated[Principal, require_roles("admin", "authority", "registrar", "agency", "operator", "auditor")]
ProductId = Annotated[str, Query(max_length=32)]


def _price(row) -> PriceOut:
    return PriceOut.model_validate(row.model_dump())


@router.post("/pricing/treasury-yields", status_code=201, responses=WRITE_ERRORS)
async def set_yield(principal: PriceAuthority, data: YieldIn, session: SessionDep) -> YieldOut:
    """Enter or correct a year's average 10-year treasury yield (a designated price authority)."""
    return YieldOut.model_validate((await caps.set_yield(session, principal, data)).model_dump())


@router.get("/pricing/treasury-yields", responses=READ_ERRORS)
async def list_yields(session: SessionDep, _: Person) -> list[YieldOut]:
    """Treasury yields entered so far."""
    return [YieldOut.model_validate(y.model_dump()) for y in await caps.list_yields(session)]


@router.post("/pricing/revenue-caps", status_code=201, responses=WRITE_ERRORS)
async def set_revenue_cap(principal: PriceAuthority, data: RevenueCapIn, session: SessionDep) -> RevenueCapOut:
    """Set an operator's maximum allowed revenue for a review cycle of at most 3 years."""
    return RevenueCapOut.model_validate((await caps.set_revenue_cap(session, principal, data)).model_dump())


@router.get("/pricing/revenue-caps", responses=READ_ERRORS)
async def list_caps(session: SessionDep, principal: CapReader, pages: NextLink, after: After = None,
                    limit: Limit = 100) -> list[RevenueCapOut]:
    """Revenue caps the caller may see: the price authority's own, an operator's own, all for supervisors."""
    rows = await caps.list_caps(session, principal, after=after, limit=limit)
    return [RevenueCapOut.model_validate(c.model_dump()) for c in pages.after(rows, limit)]


@router.get("/pricing/revenue-caps/{cap_id}", responses=READ_ERRORS)
async def get_cap(cap_id: str, session: SessionDep, principal: CapReader) -> RevenueCapOut:
    """One revenue cap."""
    return RevenueCapOut.model_validate((await caps.get_cap(session, principal, cap_id)).model_dump())


@router.post("/products/{product_id}/ceilings", status_code=201, responses=WRITE_ERRORS)
async def set_ceiling(product_id: CeilingSetter, data: PriceIn, session: SessionDep,
                      principal: CurrentPrincipal) -> PriceOut:
    """Set the ceiling price of a product (the authorizer, through its implementing body)."""
    return _price(await prices.set_ceiling(session, principal, product_id, data))


@router.post("/products/{product_id}/prices", status_code=201, responses=WRITE_ERRORS)
async def set_price(product_id: PriceSetter, data: PriceIn, session: SessionDep,
                    principal: CurrentPrincipal) -> PriceOut:
    """Set the operator's specific (or trial) price, never above the ceiling."""
    return _price(await prices.set_price(session, principal, product_id, data))


@router.get("/products/{product_id}/prices", responses=PUBLIC_ERRORS)
async def price_history(product_id: str, session: SessionDep, principal: OptionalPrincipal) -> list[PriceOut]:
    """Every ceiling and price record of a product, oldest first (public once the product is; before, to those
    who may know of it)."""
    return [_price(r) for r in await prices.price_history(session, product_id, principal)]


@router.post("/products/{product_id}/quote", responses=PUBLIC_ERRORS, operation_id="quote_price")
async def quote(product_id: str, data: QuoteIn, session: SessionDep) -> QuoteOut:
    """Price a use type and quantity with its tier breakdown (public)."""
    return await prices.quote_product(session, product_id, data)


@router.get("/price-list", responses=PUBLIC_ERRORS)
async def public_price_list(session: SessionDep, request: Request, response: Response, after: After = None,
                            limit: Limit = 100,
                            operator_org_id: Annotated[str | None, Query(max_length=64)] = None) -> list[PriceListItem]:
    """Prices in force today for every product (明码标价), without login; next page in the Link header."""
    items, next_after = await price_list(session, operator_org_id=operator_org_id, after=after, limit=limit)
    if next_after:
        link_next(request, response, after=next_after, limit=limit)
    return items
