"""Bulk import endpoints: an agency's catalogue from CSV/XLSX, and a DCAT-AP catalog as pre-filled drafts."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile

from services.kernel.db import SessionDep
from services.kernel.problems import Forbidden, Unprocessable
from services.kernel.security import CurrentPrincipal, Principal

from .importer import Owner, import_sheet, load_file
from .schemas import ImportReport

__all__ = ["MAX_UPLOAD_BYTES", "import_router"]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "Not authenticated", **PROBLEM}, 403: {"description": "Not an agency", **PROBLEM},
          422: {"description": "Unreadable file or header", **PROBLEM}}
import_router = APIRouter(prefix="/catalog/import", tags=["catalog"])
DryRun = Annotated[bool, Query(description="Validate and report without writing")]


def _owner(principal: Principal) -> Owner:
    # An agency imports its own organization's resources only (Art. 5): the owner comes from the token.
    if principal.client or not principal.has_role("agency") or not principal.org:
        raise Forbidden("Only an agency imports resources, for its own organization.", slug="role-required")
    return Owner(principal.org, principal.org_name or principal.org, principal.region, principal)


async def _agency(principal: CurrentPrincipal) -> Principal:
    # A dependency, so a caller that is not an agency gets 403 before the form is validated (issue 18).
    _owner(principal)
    return principal


Agency = Annotated[Principal, Depends(_agency)]


async def _read(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Unprocessable(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", slug="import-too-large")
    return data


async def _import(session, principal: Principal, file: UploadFile, dry_run: bool, *, dcat: bool) -> ImportReport:
    owner = _owner(principal)
    data = await _read(file)
    sheet, schema = load_file(file.filename or "", data, dcat=dcat)
    return await import_sheet(session, sheet, owner, digest=hashlib.sha256(data).hexdigest(), dry_run=dry_run,
                              schema=schema)


@import_router.post("", response_model=ImportReport, responses=ERRORS)
async def import_catalogue(session: SessionDep, principal: Agency, file: Annotated[UploadFile, File()],
                           dry_run: DryRun = False) -> ImportReport:
    """Import resource drafts from a CSV or XLSX catalogue; invalid rows are reported, valid ones written."""
    return await _import(session, principal, file, dry_run, dcat=False)


@import_router.post("/dcat", response_model=ImportReport, responses=ERRORS)
async def import_dcat(session: SessionDep, principal: Agency, file: Annotated[UploadFile, File()],
                      dry_run: DryRun = False) -> ImportReport:
    """Pre-fill resource drafts from a DCAT-AP catalog (Turtle, JSON-LD or RDF/XML)."""
    return await _import(session, principal, file, dry_run, dcat=True)
