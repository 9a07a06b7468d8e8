"""Login through the auth service (password grant) and logout (the refresh token is revoked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .i18n import N_
from .protection import verify_csrf
from .session import log_in, log_out
from .upstream import ApiError
from .web import render

__all__ = ["landing_for", "router", "safe_next"]

router = APIRouter(dependencies=[Depends(verify_csrf)])
Next = Annotated[str, Query(max_length=500)]


def safe_next(target: str) -> str:
    """Only paths of this site: never an absolute or protocol-relative URL (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def landing_for(roles: list[str]) -> str:
    if {"registrar", "admin"} & set(roles):
        return "/registrar"
    if {"operator", "agency"} & set(roles):
        return "/workspace"
    if {"authority", "auditor"} & set(roles):
        return "/oversight/compliance"
    return "/"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: Next = ""):
    return render(request, "login.html", next=safe_next(next), form={}, errors={})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request):
    form = await request.form()
    username = str(form.get("username", "")).strip()[:100]
    password = str(form.get("password", ""))[:256]
    target = safe_next(str(form.get("next", ""))[:500])
    errors = {}
    if not username:
        errors["username"] = N_("form.required")
    if not password:
        errors["password"] = N_("form.required")
    if not errors:
        try:
            user = await log_in(request, request.app.state.upstream, username, password)
        except ApiError as exc:
            if exc.status >= 500:
                raise
            errors["_"] = N_("login.throttled") if exc.status == 429 else N_("login.failed")
        else:
            return RedirectResponse(target or landing_for(user["roles"]), status_code=303)
    return render(request, "login.html", status_code=401 if "_" in errors else 422, next=target,
                  form={"username": username}, errors=errors)


@router.post("/logout")
async def logout(request: Request):
    await log_out(request, request.app.state.upstream)
    return RedirectResponse("/", status_code=303)
