"""Public routes without login (Art. 12): current notices, objections, lookup and certificate by query code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from services.kernel.conditional import last_modified
from services.kernel.pagination import Page

from ..routing import AuthorizeFirst
from . import objections, public
from .certificate import sign_certificate
from .deps import PROBLEMS, PublicCtxDep
from .public_schemas import CertificateOut, CodeLookupOut, NoticeOut, ObjectionIn, ObjectionOut

__all__ = ["public_router"]

public_router = APIRouter(prefix="/public", tags=["public"], route_class=AuthorizeFirst, responses={
    k: v for k, v in PROBLEMS.items() if k in (400, 404, 409, 422)})
Code = Annotated[str, Path(min_length=2, max_length=64, pattern=r"^[0-9A-Za-z\-]+$")]
Id = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


@public_router.get("/notices", response_model=Page[NoticeOut], operation_id="list_public_notices")
async def current_notices(ctx: PublicCtxDep, cursor: Annotated[str | None, Query(max_length=200)] = None,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50,
                          q: Annotated[str | None, Query(max_length=100)] = None,
                          sort: public.NOTICE_SORTS.query() = None):  # type: ignore[valid-type]
    """Registrations in public notice now: registrant, type, data name and short description only."""
    return (await public.current_notices(ctx, cursor=cursor, limit=limit, q=q, sort=sort)).page()


@public_router.get("/notices/{registration_id}", response_model=NoticeOut, operation_id="get_public_notice")
async def one_notice(registration_id: Id, ctx: PublicCtxDep):
    """One running public notice (the same four public fields and its dates)."""
    return await public.notice(ctx, registration_id)


@public_router.post("/notices/{registration_id}/objections", status_code=201, response_model=ObjectionOut)
async def file_objection(registration_id: Id, body: ObjectionIn, ctx: PublicCtxDep):
    """Lodge a real-name objection with evidence during the notice (Art. 12)."""
    objection = await objections.file_objection(ctx, registration_id, body)
    return objections.objection_view(objection, full=False)


@public_router.get("/codes/{code}", response_model=CodeLookupOut, operation_id="lookup_registration_code")
async def lookup_code(code: Code, ctx: PublicCtxDep, response: Response):
    """Look up a registration query code: what is registered, by whom, and whether it is in force."""
    found = await public.lookup_code(ctx, code)
    last_modified(response, found.pop("updated_at"))
    return found


@public_router.get("/codes/{code}/certificate", response_model=CertificateOut, operation_id="get_certificate_by_code")
async def code_certificate(code: Code, ctx: PublicCtxDep, request: Request):
    """The signed certificate of the registration in force under a query code."""
    registration = await public.in_force_by_code(ctx, code)
    token = sign_certificate(registration, request.app.state.signer, request.app.state.settings.audience)
    return {"certificate": token, "query_code": registration.query_code, "valid_until": registration.valid_until}
