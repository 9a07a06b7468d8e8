"""The registration body's queue and decisions (DOMAIN §1, Arts. 10–13).

Waiting for acceptance (3 working days), formal review (20) and notice end (10), each sorted by its due
date with overdue ones marked; accept, return with every missing item at once, refuse with reasons,
approve (a late review records why), close an ended notice, and decide objections.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .i18n import N_
from .protection import verify_csrf
from .session import require_roles, token_for
from .upstream import ApiError
from .web import render

__all__ = ["QUEUES", "router"]

router = APIRouter(prefix="/registrar", dependencies=[
    Depends(verify_csrf), Depends(require_roles("registrar", "admin"))])
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$")]
Action = Annotated[str, Path(pattern=r"^(accept|return|refuse|approve|close-notice)$")]
Decision = Annotated[str, Path(pattern=r"^(uphold|dismiss)$")]
# queue → (registration state, the due date that orders it)
QUEUES = (("acceptance", "submitted", "acceptance_due_on"), ("review", "under_review", "review_due_on"),
          ("notice", "in_notice", "notice_ends_on"))


async def _call(request: Request, method: str, path: str, **kwargs: Any) -> Any:
    return await request.app.state.upstream.call("registry", method, path, token=await token_for(request), **kwargs)


async def _all(request: Request, state: str) -> list[dict]:
    items, cursor = [], None
    for _ in range(10):  # 2,000 open registrations per queue are more than a screen can show anyway
        page = await _call(request, "GET", "/registrations",
                           params={"state": state, "limit": 200, **({"cursor": cursor} if cursor else {})})
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items


def _by_deadline(items: list[dict], due_field: str) -> list[dict]:
    return sorted(items, key=lambda r: (r["deadlines"].get(due_field) or "9999-12-31", r["submitted_at"]))


@router.get("", response_class=HTMLResponse)
async def queue(request: Request):
    queues = []
    for name, state, due_field in QUEUES:
        queues.append({"name": name, "due_field": due_field,
                       "items": _by_deadline(await _all(request, state), due_field)})
    return render(request, "registrar_queue.html", queues=queues)


@router.get("/registrations/{registration_id}", response_class=HTMLResponse)
async def review_page(request: Request, registration_id: Id):
    return await _review_view(request, registration_id)


async def _review_view(request: Request, registration_id: str, errors: dict | None = None,
                       form: dict | None = None, status: int = 200):
    registration = await _call(request, "GET", f"/registrations/{registration_id}")
    objections = await _call(request, "GET", f"/registrations/{registration_id}/objections")
    return render(request, "registrar_review.html", status_code=status, r=registration, objections=objections,
                  errors=errors or {}, form=form or {})


def _parse_missing(text: str) -> list[dict[str, str]]:
    """One missing item a line, ``item: reason`` (the reason is optional)."""
    items = []
    for line in text.splitlines():
        item, _, reason = line.partition("：" if "：" in line else ":")
        if item.strip():
            items.append({"item": item.strip()[:200], "reason": reason.strip()[:200]})
    return items


@router.post("/registrations/{registration_id}/{action}", response_class=HTMLResponse)
async def decide(request: Request, registration_id: Id, action: Action):
    raw = await request.form()
    form = {k: str(raw.get(k, "")).strip()[:4000] for k in ("missing_items", "reasons", "late_reason")}
    body: dict[str, Any] | None = None
    if action == "return":
        body = {"missing_items": _parse_missing(form["missing_items"])}
    elif action == "refuse":
        body = {"reasons": [line.strip()[:1000] for line in form["reasons"].splitlines() if line.strip()]}
    elif action == "approve":
        body = {"late_reason": form["late_reason"][:2000]} if form["late_reason"] else {}
    try:
        await _call(request, "POST", f"/registrations/{registration_id}/{action}", json=body)
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        errors = exc.field_errors()
        if "missing_items" not in errors and action == "return" and not body["missing_items"]:
            errors["missing_items"] = N_("form.required")
        errors["_"] = exc.summary
        return await _review_view(request, registration_id, errors, form, 422)
    return RedirectResponse(f"/registrar/registrations/{registration_id}", status_code=303)


@router.post("/objections/{objection_id}/{decision}", response_class=HTMLResponse)
async def decide_objection(request: Request, objection_id: Id, decision: Decision):
    """Uphold (the registration is terminated) or dismiss (it continues) an objection, with the reason (Art. 12)."""
    raw = await request.form()
    registration_id = str(raw.get("registration_id", ""))
    reason = str(raw.get("reason", "")).strip()[:2000]
    try:
        await _call(request, "POST", f"/objections/{objection_id}/{decision}", json={"reason": reason})
    except ApiError as exc:
        if exc.status not in (400, 409, 422) or not registration_id.isalnum():
            raise
        # The decision's field is one form per objection on the page: the API's ``reason`` is this one's.
        field = f"reason_{objection_id}"
        errors = {(field if key == "reason" else key): message for key, message in exc.field_errors().items()}
        if not reason:
            errors.setdefault(field, N_("form.required"))
        errors["_"] = exc.summary
        return await _review_view(request, registration_id, errors, {field: reason}, 422)
    target = f"/registrar/registrations/{registration_id}" if registration_id.isalnum() else "/registrar"
    return RedirectResponse(target, status_code=303)
