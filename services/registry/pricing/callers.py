"""Who may write a product's prices, as dependencies solved before the body is (see operation/callers.py).

An unknown product, and another organization's unpriced draft, are 404; a product the caller may know of but
not price is 403; whatever the body holds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kernel.db import SessionDep
from services.kernel.security import CurrentPrincipal

from .prices import must_own, must_set_ceiling

__all__ = ["CeilingSetter", "PriceSetter"]


async def _ceiling_setter(product_id: str, principal: CurrentPrincipal, session: SessionDep) -> str:
    await must_set_ceiling(session, principal, product_id)
    return product_id


async def _price_setter(product_id: str, principal: CurrentPrincipal, session: SessionDep) -> str:
    await must_own(session, principal, product_id)
    return product_id


CeilingSetter = Annotated[str, Depends(_ceiling_setter)]
PriceSetter = Annotated[str, Depends(_price_setter)]
