"""Public routes without login (spec Arts. 18–19): authorized operations, their scope, term, products and prices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.kernel.db import SessionDep
from services.kernel.pagination import Page

from . import disclosure
from .disclosure_schemas import AuthorizationOut, PublicStatus
from .http import problems

__all__ = ["router"]

router = APIRouter(prefix="/public", tags=["public"], responses=problems(400, 404, 422))
AgreementId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]
Region = Annotated[str | None, Query(pattern=r"^[1-9][0-9]{5}$", description="The authorizer's division code")]


@router.get("/authorizations", response_model=Page[AuthorizationOut], operation_id="list_public_authorizations")
async def list_authorizations(session: SessionDep, cursor: Annotated[str | None, Query(max_length=200)] = None,
                              limit: Annotated[int, Query(ge=1, le=200)] = 50, region_code: Region = None,
                              status: PublicStatus | None = None,
                              sort: disclosure.SORTS.query() = None):  # type: ignore[valid-type]
    """Authorized operations (Art. 18) with the operator's products and prices (Art. 19), without login."""
    listed = await disclosure.authorizations(session, cursor=cursor, limit=limit, region_code=region_code,
                                             status=status, sort=sort)
    return listed.page()


@router.get("/authorizations/{agreement_id}", response_model=AuthorizationOut, operation_id="get_public_authorization")
async def one_authorization(agreement_id: AgreementId, session: SessionDep):
    """One authorized operation: who, by whom, mode, data scope, term, status, products and prices."""
    return await disclosure.authorization(session, agreement_id)
