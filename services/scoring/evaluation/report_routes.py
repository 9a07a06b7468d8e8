"""A run's report for a data bureau: JSON, or a PDF or XLSX download."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from services.kernel.db import SessionDep
from services.kernel.security import CurrentPrincipal

from ..access import must_read, owner_filter
from .history import previous_evaluations
from .names import Names
from .report import RunReport, build_report
from .report_labels import Lang
from .report_pdf import to_pdf
from .report_xlsx import to_xlsx
from .routes import ERRORS
from .service import get_run

__all__ = ["router"]

router = APIRouter(tags=["evaluations"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS = {200: {"description": "The report (JSON, or a PDF or XLSX attachment with format=pdf|xlsx)",
                   "content": {"application/json": {}, "application/pdf": {}, XLSX: {}}}}


@router.get("/evaluation-runs/{run_id}/report", responses={**ERRORS, **DOWNLOADS}, response_model=RunReport)
async def run_report(run_id: str, session: SessionDep, principal: CurrentPrincipal, names: Names,
                     format: Annotated[Literal["json", "pdf", "xlsx"], Query()] = "json",
                     lang: Annotated[Lang, Query(description="Language of the PDF and XLSX")] = "zh",
                     ) -> RunReport | Response:
    """A run's report: ranking, dimension scores, change against the previous period, what moved the score."""
    run, rows = await get_run(session, run_id)
    if owner_filter(principal) is not None:
        must_read(principal, None)  # a report shows every peer: for those who see all organizations
    previous = await previous_evaluations(session, run.subject_kind, run.period, [e.subject_id for e in rows])
    report = build_report(run, rows, previous)
    named = await names.of(rows)
    for row in report.rows:
        row.subject_name = named.get(row.subject_id, row.subject_name)
    if format == "json":
        return report
    # Rendering is CPU work (charts rasterized, fonts subset): off the event loop.
    body = await run_in_threadpool(to_pdf if format == "pdf" else to_xlsx, report, lang)
    media_type = "application/pdf" if format == "pdf" else XLSX
    name = f"evaluation-report-{report.period}-{report.run_id}.{format}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
