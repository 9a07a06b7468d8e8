"""Bulk import endpoints: an agency's catalogue from CSV/XLSX, and a DCAT-AP catalog as pre-filled drafts.

The file is parsed in the import worker, within ``ImportLimits`` (parsing.py, limits.py); the rows are then
validated and written by the importer in the request's transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile

from services.kernel.db import SessionDep
from services.kernel.problems import ContentTooLarge, Forbidden
from services.kernel.security import CurrentPrincipal, Principal

from .importer import Owner, import_sheet, schema_for
from .limits import MIB, ImportLimits
from .parsing import ImportWorker, parse_upload
from .schemas import ImportReport

__all__ = ["MAX_UPLOAD_BYTES", "import_router"]

MAX_UPLOAD_BYTES = ImportLimits().max_bytes  # the largest file of any kind; each kind is held to its own
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: {"description": "Not authenticated", **PROBLEM}, 403: {"description": "Not an agency", **PROBLEM},
          413: {"description": "File over a limit: bytes, rows, columns, cells", **PROBLEM},
          422: {"description": "Unreadable, malformed or dangerous file or header", **PROBLEM},
          503: {"description": "The import workers are busy", **PROBLEM}}
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
        raise ContentTooLarge(f"The file is larger than {MAX_UPLOAD_BYTES // MIB} MiB.", slug="import-too-large")
    return data


async def _import(session, worker: ImportWorker, principal: Principal, file: UploadFile, dry_run: bool, *,
                  dcat: bool) -> ImportReport:
    owner = _owner(principal)
    parsed = await parse_upload(worker, file.filename or "", await _read(file), dcat=dcat)
    return await import_sheet(session, parsed.sheet, owner, digest=parsed.digest, dry_run=dry_run,
                              schema=schema_for(dcat=dcat))


@import_router.post("", response_model=ImportReport, responses=ERRORS)
async def import_catalogue(session: SessionDep, worker: ImportWorker, principal: Agency,
                           file: Annotated[UploadFile, File()], dry_run: DryRun = False) -> ImportReport:
    """Import resource drafts from a CSV or XLSX catalogue; invalid rows are reported, valid ones written."""
    return await _import(session, worker, principal, file, dry_run, dcat=False)


@import_router.post("/dcat", response_model=ImportReport, responses=ERRORS)
async def import_dcat(session: SessionDep, worker: ImportWorker, principal: Agency,
                      file: Annotated[UploadFile, File()], dry_run: DryRun = False) -> ImportReport:
    """Pre-fill resource drafts from a DCAT-AP catalog (Turtle, JSON-LD or RDF/XML)."""
    return await _import(session, worker, principal, file, dry_run, dcat=True)
