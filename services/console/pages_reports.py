"""A run's report for authorities, auditors and administrators: the peers ranked, the dimension bars, a radar per
subject, the change against the previous period and what moved the score; the PDF and XLSX downloads.

Charts and downloads are the scoring service's own, passed through with the user's token (the browser never
holds one); the downloads come in the page's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from .i18n import request_language
from .protection import verify_csrf
from .session import require_roles, token_for
from .upstream import ApiError
from .web import render

__all__ = ["router"]

router = APIRouter(prefix="/oversight/runs", dependencies=[
    Depends(verify_csrf), Depends(require_roles("authority", "auditor", "admin"))])
RunId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,64}$")]
# An SVG shown through <img> runs no script; this CSP keeps it so when opened on its own.
SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
               "Cache-Control": "private, max-age=60"}
DOWNLOADS = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


async def _upstream(request: Request, path: str, **params: str) -> Response:
    answer = await request.app.state.upstream.raw("scoring", "GET", path, token=await token_for(request, "scoring"),
                                                  params=params)
    if answer.status_code != 200:
        try:
            problem = answer.json()
        except ValueError:
            problem = {}
        raise ApiError(answer.status_code, problem if isinstance(problem, dict) else {})
    return answer


@router.get("/{run_id}", response_class=HTMLResponse)
async def report(request: Request, run_id: RunId):
    token = await token_for(request, "scoring")
    data = await request.app.state.upstream.call("scoring", "GET", f"/evaluation-runs/{run_id}/report", token=token)
    return render(request, "report.html", r=data)


@router.get("/{run_id}/comparison.svg")
async def comparison(request: Request, run_id: RunId):
    answer = await _upstream(request, f"/evaluation-runs/{run_id}/comparison", format="svg")
    return Response(answer.content, media_type="image/svg+xml", headers=SVG_HEADERS)


@router.get("/{run_id}/report.{extension}")
async def download(request: Request, run_id: RunId, extension: Annotated[str, Path(pattern=r"^(pdf|xlsx)$")]):
    answer = await _upstream(request, f"/evaluation-runs/{run_id}/report", format=extension,
                             lang=request_language(request))
    disposition = answer.headers.get("content-disposition") or f'attachment; filename="report-{run_id}.{extension}"'
    return Response(answer.content, media_type=DOWNLOADS[extension],
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})
