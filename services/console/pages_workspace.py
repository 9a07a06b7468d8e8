"""Operator and agency workspace: their resources and products, and registrations filed for them.

Draft a subject, submit its first registration, supplement a returned one, file a change, renewal or
cancellation (DOMAIN §1, Art. 9, 15). Validation messages are the API's own problem+json ``errors``, shown
next to the field they name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .i18n import N_
from .protection import verify_csrf
from .session import require_roles, token_for
from .uploads import FileTooLarge, attachments_from
from .upstream import ApiError
from .web import is_htmx, render, roles_of

__all__ = ["router"]

router = APIRouter(prefix="/workspace", dependencies=[
    Depends(verify_csrf), Depends(require_roles("operator", "agency"))])
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$")]
SubjectType = Annotated[str, Path(pattern=r"^(resource|product)$")]
OWNER = {"resource": "agency", "product": "operator"}
PRODUCT_FORMS = ("dataset", "api", "model", "report", "application")
USE_TYPES = ("industry", "public_welfare")
ATTRIBUTES = ("unconditional", "conditional", "not")
GRADINGS = ("general", "important", "core")
FREQUENCIES = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular", "static")
# The fields of the new-resource and new-product forms (resource_form.html, product_form.html).
FORM_FIELDS = {
    "resource": {"name", "description", "region_code", "domain", "sharing_attribute", "opening_attribute", "grading",
                 "update_frequency", "data_items", "scale", "quality", "source", "lawful_basis"},
    "product": {"name", "description", "form", "use_type", "region_code", "domain", "scenarios", "conditions_of_use",
                "delivered_at", "resource_ids"},
}
# Fields a change or correction form offers: the ones a registrant most often needs to amend.
CHANGEABLE = ("name", "description")


async def _call(request: Request, method: str, path: str, **kwargs: Any) -> Any:
    return await request.app.state.upstream.call("registry", method, path, token=await token_for(request), **kwargs)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _subject_body(subject_type: str, form: dict[str, str], resource_ids: list[str]) -> dict[str, Any]:
    """Form fields to the API's body; empty optional fields are left out so the API's defaults apply."""
    keep = ("name", "description", "region_code", "domain")
    body: dict[str, Any] = {k: form[k] for k in keep if form.get(k)}
    if subject_type == "product":
        body |= {"form": form.get("form"), "use_type": form.get("use_type"),
                 "scenarios": _lines(form.get("scenarios", "")), "resource_ids": resource_ids}
        for k in ("conditions_of_use", "delivered_at"):
            if form.get(k):
                body[k] = form[k]
    else:
        body |= {k: form.get(k) for k in ("sharing_attribute", "opening_attribute", "grading", "update_frequency")}
        for k in ("scale", "quality", "source", "lawful_basis"):
            if form.get(k):
                body[k] = form[k]
        body["data_items"] = [{"name": n[:100]} for n in _lines(form.get("data_items", ""))]
    return body


@router.get("", response_class=HTMLResponse)
async def workspace(request: Request):
    registrations = await _call(request, "GET", "/registrations", params={"limit": 100})
    resources = await _call(request, "GET", "/resources", params={"limit": 100})
    products = await _call(request, "GET", "/products", params={"limit": 100})
    return render(request, "workspace.html", resources=resources["items"], products=products["items"],
                  registrations=registrations["items"])


# Registration routes come before the subject routes: "/registrations/x" would match "/{subject_type}s/x".
@router.get("/registrations/{registration_id}", response_class=HTMLResponse)
async def registration_page(request: Request, registration_id: Id):
    return await _registration_view(request, registration_id)


async def _registration_view(request: Request, registration_id: str, errors: dict | None = None, status: int = 200):
    registration = await _call(request, "GET", f"/registrations/{registration_id}")
    return render(request, "registration.html", status_code=status, r=registration, errors=errors or {},
                  back=f"/workspace/{registration['subject_type']}s/{registration['subject_id']}")


@router.post("/registrations/{registration_id}/resubmit", response_class=HTMLResponse)
async def resubmit(request: Request, registration_id: Id):
    """Supplement a returned registration with the missing materials (the acceptance clock restarts, Art. 10)."""
    raw = await request.form()
    body: dict[str, Any] = {"reason": str(raw.get("reason", "")).strip()[:4000] or None}
    try:
        body["attachments"] = await attachments_from(raw, "attachments", request.app.state.settings.upload_max_bytes)
        await _call(request, "POST", f"/registrations/{registration_id}/resubmit", json=body)
    except FileTooLarge:
        return await _registration_view(request, registration_id, {"attachments": N_("form.file_too_large")}, 422)
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        return await _registration_view(request, registration_id,
                                       exc.field_errors() | {"_": exc.summary}, 422)
    return RedirectResponse(f"/workspace/registrations/{registration_id}", status_code=303)


@router.post("/registrations/{registration_id}/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, registration_id: Id):
    try:
        await _call(request, "POST", f"/registrations/{registration_id}/withdraw")
    except ApiError as exc:
        if exc.status != 409:
            raise
        return await _registration_view(request, registration_id, {"_": exc.summary}, 409)
    target = f"/workspace/registrations/{registration_id}"
    if is_htmx(request):
        return HTMLResponse("", headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _citable_resources(request: Request) -> list[dict[str, str]]:
    """What a new product may be built on: the resources of the operator's agreements in force (Arts. 13, 16),
    which an agency owns and the agreement grants, and any resource the caller's organization owns itself.
    (``GET /resources`` alone lists only owned ones: an operator, owning none, was offered nothing.)"""
    found: dict[str, str] = {}
    if "operator" in roles_of(request):
        for agreement in await _call(request, "GET", "/operation/agreements", params={"status": "active"}):
            for item in agreement["resources"]:
                found.setdefault(item["resource_id"], item.get("resource_name") or item["resource_id"])
    for res in (await _call(request, "GET", "/resources", params={"limit": 200}))["items"]:
        found.setdefault(res["id"], res["name"])
    return [{"id": rid, "name": name} for rid, name in found.items()]


async def _subject_form(request: Request, subject_type: str, form: dict, errors: dict, status: int = 200):
    resources = await _citable_resources(request) if subject_type == "product" else []
    return render(request, f"{subject_type}_form.html", status_code=status, form=form, errors=errors,
                  resources=resources, forms=PRODUCT_FORMS, use_types=USE_TYPES, attributes=ATTRIBUTES,
                  gradings=GRADINGS, frequencies=FREQUENCIES)


@router.get("/{subject_type}s/new", response_class=HTMLResponse)
async def new_subject(request: Request, subject_type: SubjectType):
    await token_for(request)
    defaults = {"region_code": (request.session.get("user") or {}).get("region") or ""}
    return await _subject_form(request, subject_type, defaults, {})


@router.post("/{subject_type}s", response_class=HTMLResponse)
async def create_subject(request: Request, subject_type: SubjectType):
    """Draft a resource or product; nothing is filed until its first registration is submitted."""
    raw = await request.form()
    form = {k: str(v).strip()[:4000] for k, v in raw.items() if isinstance(v, str) and k != "resource_ids"}
    resource_ids = [str(v) for v in raw.getlist("resource_ids") if isinstance(v, str)][:100]
    form["resource_ids"] = resource_ids
    try:
        body = _subject_body(subject_type, form, resource_ids)
        subject = await _call(request, "POST", f"/{subject_type}s", json=body)
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        errors = exc.field_errors()
        if not errors or set(errors) - FORM_FIELDS[subject_type]:
            errors["_"] = exc.summary  # a refusal that no field of the form can show is said above the form
        return await _subject_form(request, subject_type, form, errors, 422)
    return RedirectResponse(f"/workspace/{subject_type}s/{subject['id']}", status_code=303)


@router.get("/{subject_type}s/{subject_id}", response_class=HTMLResponse)
async def subject_page(request: Request, subject_type: SubjectType, subject_id: Id):
    return await _subject_view(request, subject_type, subject_id)


async def _subject_view(request: Request, subject_type: str, subject_id: str, errors: dict | None = None,
                        form: dict | None = None, status: int = 200):
    subject = await _call(request, "GET", f"/{subject_type}s/{subject_id}")
    registrations = (await _call(request, "GET", "/registrations", params={"subject_id": subject_id}))["items"]
    # Registered versions (the subject's history as the registry keeps it, one per coded registration).
    versions = await _call(request, "GET", f"/{subject_type}s/{subject_id}/versions")
    in_force = next((r for r in registrations if r["state"] == "registered"), None)
    open_one = next((r for r in registrations if r["state"] in ("submitted", "returned", "under_review",
                                                                "in_notice")), None)
    can_file = OWNER[subject_type] in roles_of(request)
    return render(request, "subject.html", status_code=status, subject=subject, subject_type=subject_type,
                  registrations=registrations, in_force=in_force, open_one=open_one, can_file=can_file,
                  changeable=CHANGEABLE, errors=errors or {}, form=form or {}, versions=versions)


@router.post("/{subject_type}s/{subject_id}/registrations", response_class=HTMLResponse)
async def file_registration(request: Request, subject_type: SubjectType, subject_id: Id):
    """Submit a first, change, correction, renewal or cancellation registration with its materials."""
    raw = await request.form()
    kind = str(raw.get("type", ""))
    form = {k: str(raw.get(k, "")).strip()[:4000] for k in ("type", "reason", *(f"change_{c}" for c in CHANGEABLE))}
    body: dict[str, Any] = {"subject_type": subject_type, "subject_id": subject_id, "type": kind,
                            "reason": form["reason"]}
    if kind in ("change", "correction"):
        body["changes"] = {c: form[f"change_{c}"] for c in CHANGEABLE if form[f"change_{c}"]}
    try:
        body["attachments"] = await attachments_from(raw, "attachments", request.app.state.settings.upload_max_bytes)
        registration = await _call(request, "POST", "/registrations", json=body)
    except FileTooLarge:
        return await _subject_view(request, subject_type, subject_id, {"attachments": N_("form.file_too_large")},
                                   form, 422)
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        errors = {("change_" + k if k == "changes" else k): v for k, v in exc.field_errors().items()}
        errors.setdefault("_", exc.summary)
        return await _subject_view(request, subject_type, subject_id, errors, form, 422)
    return RedirectResponse(f"/workspace/registrations/{registration['id']}", status_code=303)
