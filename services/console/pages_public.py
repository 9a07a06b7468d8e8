"""Public pages, no login (Art. 12): current notices, a notice with its objection form, code lookup, prices.
The home page and the catalogue are pages_catalog.py."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile

from .certificates import registry_jwks, verify_certificate
from .i18n import N_
from .protection import verify_csrf
from .uploads import FileTooLarge, digest_upload
from .upstream import ApiError, Upstream
from .web import is_htmx, render

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(verify_csrf)])
PAGE = 20
Cursor = Annotated[str | None, Query(max_length=200)]
SearchText = Annotated[str, Query(max_length=100)]
RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$")]


def _upstream(request: Request) -> Upstream:
    return request.app.state.upstream


@router.get("/notices", response_class=HTMLResponse)
async def notices(request: Request, q: SearchText = "", cursor: Cursor = None):
    q = q.strip()
    params = {"limit": PAGE, **({"cursor": cursor} if cursor else {}), **({"q": q} if q else {})}
    page = await _upstream(request).call("registry", "GET", "/public/notices", params=params)
    items, next_cursor = page["items"], page.get("next_cursor")
    template = "notices_rows.html" if is_htmx(request) else "notices.html"
    return render(request, template, notices=items, q=q, next_cursor=next_cursor,
                  paged=bool(cursor))


async def _notice(request: Request, registration_id: str) -> dict:
    return await _upstream(request).call("registry", "GET", f"/public/notices/{registration_id}")


@router.get("/notices/{registration_id}", response_class=HTMLResponse)
async def notice(request: Request, registration_id: RegistrationId):
    return render(request, "notice.html", notice=await _notice(request, registration_id), form={}, errors={})


@router.post("/notices/{registration_id}/objections", response_class=HTMLResponse)
async def file_objection(request: Request, registration_id: RegistrationId):
    """A real-name objection: the evidence file is hashed here and only its name and SHA-256 are sent."""
    form = await request.form()
    fields = {k: str(form.get(k, "")).strip()[:4000] for k in
              ("objector_name", "objector_id_number", "contact", "grounds", "evidence_description")}
    errors: dict[str, str] = {}
    evidence = form.get("evidence")
    digest = None
    if not isinstance(evidence, UploadFile) or not evidence.filename:
        errors["evidence"] = N_("form.evidence_required")
    else:
        try:
            digest = await digest_upload(evidence, request.app.state.settings.upload_max_bytes)
        except FileTooLarge:
            errors["evidence"] = N_("form.file_too_large")
    notice_view = await _notice(request, registration_id)
    if not errors:
        body: dict[str, Any] = {k: fields[k] for k in ("objector_name", "objector_id_number", "contact", "grounds")}
        body["evidence"] = [{"name": evidence.filename[:200], "sha256": digest[0],
                             "description": fields["evidence_description"][:200]}]
        try:
            objection = await _upstream(request).call(
                "registry", "POST", f"/public/notices/{registration_id}/objections", json=body)
        except ApiError as exc:
            if exc.status not in (400, 409, 422):
                raise
            errors = exc.field_errors() or {"_": exc.summary}
        else:
            return render(request, "objection_filed.html", notice=notice_view, objection=objection,
                          size=digest[1])
    template = "objection_form.html" if is_htmx(request) else "notice.html"
    return render(request, template, status_code=422, notice=notice_view, form=fields, errors=errors)


@router.get("/lookup", response_class=HTMLResponse)
async def lookup(request: Request, code: Annotated[str, Query(max_length=64)] = ""):
    code = code.strip()
    context: dict[str, Any] = {"code": code, "result": None, "verdict": None, "certificate": None, "jwks": None}
    if code:
        try:
            context["result"] = await _upstream(request).call("registry", "GET",
                                                              f"/public/codes/{quote(code, safe='')}")
        except ApiError as exc:
            if exc.status not in (404, 422, 400):
                raise
            context["not_found"] = True
    result = context["result"]
    if result and result["in_force"]:
        cert = await _upstream(request).call("registry", "GET", f"/public/codes/{quote(code, safe='')}/certificate")
        context["certificate"] = cert["certificate"]
        context["verdict"] = await verify_certificate(request.app, cert["certificate"], result["query_code"])
        context["jwks"] = await registry_jwks(request.app)
    return render(request, "lookup.html", **context)


@router.get("/prices", response_class=HTMLResponse)
async def prices(request: Request, after: Cursor = None):
    params = {"limit": PAGE, **({"after": after} if after else {})}
    items = await _upstream(request).call("registry", "GET", "/price-list", params=params)
    return render(request, "prices.html", items=items, after=after,
                  next_after=items[-1]["product_id"] if len(items) == PAGE else None)


@router.get("/lang/{lang}", include_in_schema=False)
async def switch_language(request: Request, lang: str, back: Annotated[str, Query(max_length=500)] = "/"):
    if lang in ("zh", "en"):
        request.session["lang"] = lang
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)
