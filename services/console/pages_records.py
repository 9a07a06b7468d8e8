"""Workspace records: agreements, prices and compliance findings of the user's organization; bulk import.

Bulk import sends the whole sheet to the registry's ``/catalog/import`` in one call (the registry validates
and writes it in one transaction); the console runs that call as a background job and the page polls the
job with htmx, so a large sheet shows its progress (received, validating, done with counts) instead of a
page that hangs.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from .i18n import N_
from .protection import verify_csrf
from .session import require_roles, token_for
from .upstream import ApiError
from .web import render

__all__ = ["router"]

router = APIRouter(prefix="/workspace", dependencies=[
    Depends(verify_csrf), Depends(require_roles("operator", "agency"))])
JobId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
STATUS = Annotated[str | None, Query(pattern=r"^(open|resolved|waived)$")]
JOBS_KEPT_SECONDS = 3600


async def _call(request: Request, method: str, path: str, **kwargs: Any) -> Any:
    return await request.app.state.upstream.call("registry", method, path, token=await token_for(request), **kwargs)


def _org(request: Request) -> str:
    return (request.session.get("user") or {}).get("org") or ""


@router.get("/agreements", response_class=HTMLResponse)
async def agreements(request: Request):
    try:
        items, denied = await _call(request, "GET", "/operation/agreements", params={"limit": 100}), False
    except ApiError as exc:
        if exc.status != 403:
            raise
        # The registry shows agreements to their parties and implementing bodies; say so, not "error".
        items, denied = [], True
    return render(request, "agreements.html", items=items, denied=denied)


@router.get("/prices", response_class=HTMLResponse)
async def prices(request: Request):
    """The organization's prices in force, as the public sees them (明码标价)."""
    await token_for(request)
    items = await request.app.state.upstream.call("registry", "GET", "/price-list",
                                                  params={"operator_org_id": _org(request), "limit": 200})
    return render(request, "prices.html", items=items, after=None, next_after=None, own=True)


@router.get("/findings", response_class=HTMLResponse)
async def findings(request: Request, status: STATUS = None):
    params = {"limit": 200, **({"status": status} if status else {})}
    items = await _call(request, "GET", "/compliance/records", params=params)
    return render(request, "findings.html", items=items, status=status, action="/workspace/findings",
                  rule_id="", subject_id="")


def _jobs(request: Request) -> dict[str, dict]:
    jobs = request.app.state.import_jobs
    now = time.monotonic()
    for key in [k for k, j in jobs.items() if now - j["started"] > JOBS_KEPT_SECONDS and j["state"] != "running"]:
        jobs.pop(key, None)
    return jobs


@router.get("/import", response_class=HTMLResponse)
async def import_page(request: Request):
    await token_for(request)
    return render(request, "import.html", job=None, errors={})


async def _run_import(app: Any, job: dict, token: str, name: str, data: bytes, dry_run: bool) -> None:
    job["state"] = "running"
    job["step"] = N_("import.step_validating")
    try:
        job["report"] = await app.state.upstream.call(
            "registry", "POST", "/catalog/import", token=token, params={"dry_run": str(dry_run).lower()},
            files={"file": (name, data)})
        job["state"] = "done"
    except ApiError as exc:
        job["state"], job["error"] = "failed", exc.summary
        job["errors"] = exc.problem.get("errors") or []
    job["step"] = N_("import.step_done") if job["state"] == "done" else N_("import.step_failed")
    job["finished"] = time.monotonic()


@router.post("/import", response_class=HTMLResponse)
async def start_import(request: Request):
    token = await token_for(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "import.html", status_code=422, job=None, errors={"file": N_("form.file_required")})
    data = await upload.read(request.app.state.settings.upload_max_bytes + 1)
    if len(data) > request.app.state.settings.upload_max_bytes:
        return render(request, "import.html", status_code=422, job=None, errors={"file": N_("form.file_too_large")})
    job_id = secrets.token_urlsafe(12)
    job = {"id": job_id, "owner": _org(request), "user": request.session["user"]["name"], "state": "queued",
           "step": N_("import.step_received"), "name": upload.filename[:200], "size": len(data),
           "dry_run": form.get("dry_run") == "on", "started": time.monotonic(), "report": None, "errors": []}
    _jobs(request)[job_id] = job
    job["task"] = asyncio.create_task(_run_import(request.app, job, token, job["name"], data, job["dry_run"]))
    template = "import_progress.html" if request.headers.get("hx-request") == "true" else "import.html"
    return render(request, template, status_code=202, job=job, errors={})


@router.get("/import/{job_id}", response_class=HTMLResponse)
async def import_progress(request: Request, job_id: JobId):
    await token_for(request)
    job = _jobs(request).get(job_id)
    # A job is seen only by the user who started it.
    if job is None or job["user"] != request.session["user"]["name"] or job["owner"] != _org(request):
        raise ApiError(404, {"title": "Not found"})
    template = "import_progress.html" if request.headers.get("hx-request") == "true" else "import.html"
    return render(request, template, job=job, errors={})
