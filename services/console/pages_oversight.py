"""Authority and auditor views: compliance findings with filters; evaluations with the radar chart.

The radar chart is the scoring service's own SVG, passed through as an image (an <img> never runs script
in an SVG, and the response carries a sandboxing CSP of its own).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from .protection import verify_csrf
from .session import require_roles, token_for
from .upstream import ApiError
from .web import render

__all__ = ["router"]

router = APIRouter(prefix="/oversight", dependencies=[
    Depends(verify_csrf), Depends(require_roles("authority", "auditor", "admin", "registrar"))])
Id = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,64}$")]
Status = Annotated[str | None, Query(pattern=r"^(open|resolved|waived)?$")]
Filter = Annotated[str | None, Query(max_length=64, pattern=r"^[0-9A-Za-z_.:-]*$")]
Kind = Annotated[str | None, Query(pattern=r"^(organization|region)?$")]
Period = Annotated[str | None, Query(pattern=r"^(\d{4})?$")]
# The scoring service shows evaluations to authorities, auditors and administrators (not to registrars).
EVALUATORS = [Depends(require_roles("authority", "auditor", "admin"))]


async def _call(request: Request, service: str, path: str, **kwargs: Any) -> Any:
    return await request.app.state.upstream.call(service, "GET", path, token=await token_for(request, service),
                                                 **kwargs)


@router.get("/compliance", response_class=HTMLResponse)
async def findings(request: Request, status: Status = None, rule_id: Filter = None, subject_id: Filter = None):
    params = {"limit": 200, **{k: v for k, v in (("status", status), ("rule_id", rule_id),
                                                 ("subject_id", subject_id)) if v}}
    items = await _call(request, "registry", "/compliance/records", params=params)
    rules = await _call(request, "registry", "/compliance/rules")
    return render(request, "findings.html", items=items, status=status or "", rule_id=rule_id or "",
                  subject_id=subject_id or "", rules=rules, action="/oversight/compliance")


@router.get("/evaluations", response_class=HTMLResponse, dependencies=EVALUATORS)
async def evaluations(request: Request, subject_kind: Kind = None, subject_id: Filter = None, period: Period = None):
    params = {"limit": 100, **{k: v for k, v in (("subject_kind", subject_kind), ("subject_id", subject_id),
                                                 ("period", period)) if v}}
    page = await _call(request, "scoring", "/evaluations", params=params)
    return render(request, "evaluations.html", items=page["items"], subject_kind=subject_kind or "",
                  subject_id=subject_id or "", period=period or "")


@router.get("/evaluations/{evaluation_id}", response_class=HTMLResponse, dependencies=EVALUATORS)
async def evaluation(request: Request, evaluation_id: Id):
    item = await _call(request, "scoring", f"/evaluations/{evaluation_id}")
    return render(request, "evaluation.html", e=item)


@router.get("/evaluations/{evaluation_id}/radar.svg", dependencies=EVALUATORS)
async def radar(request: Request, evaluation_id: Id):
    answer = await request.app.state.upstream.raw("scoring", "GET", f"/evaluations/{evaluation_id}/radar",
                                                  token=await token_for(request, "scoring"),
                                                  params={"format": "svg"})
    if answer.status_code != 200:
        raise ApiError(answer.status_code, {"title": "Radar chart unavailable"})
    return Response(answer.content, media_type="image/svg+xml", headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "Cache-Control": "private, max-age=60"})
