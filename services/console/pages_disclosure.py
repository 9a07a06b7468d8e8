"""Public pages, no login (spec Arts. 18–19): who is authorized to operate which data, and one authorization with
its data scope, term and the operator's products, terms of use and prices."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from .protection import verify_csrf
from .web import render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])
PAGE = 20
STATUSES = ("active", "suspended", "expired", "terminated")
Cursor = Annotated[str | None, Query(max_length=200)]
Region = Annotated[str, Query(pattern=r"^([1-9][0-9]{5})?$")]
Status = Annotated[Literal["", "active", "suspended", "expired", "terminated"], Query()]
AgreementId = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$")]


@router.get("/authorizations", response_class=HTMLResponse)
async def authorizations(request: Request, region_code: Region = "", status: Status = "", cursor: Cursor = None):
    filters = {k: v for k, v in (("region_code", region_code), ("status", status)) if v}
    params = {"limit": PAGE, **filters, **({"cursor": cursor} if cursor else {})}
    page = await request.app.state.upstream.call("registry", "GET", "/public/authorizations", params=params)
    return render(request, "authorizations.html", items=page["items"], next_cursor=page.get("next_cursor"),
                  filters=filters, statuses=STATUSES, paged=bool(cursor))


@router.get("/authorizations/{agreement_id}", response_class=HTMLResponse)
async def authorization(request: Request, agreement_id: AgreementId):
    item = await request.app.state.upstream.call("registry", "GET", f"/public/authorizations/{agreement_id}")
    return render(request, "authorization.html", a=item)
