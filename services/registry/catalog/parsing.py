"""Parsing an uploaded catalogue off the event loop, in the registry's import worker (issue 18).

A CSV, XLSX or DCAT catalog is parsed in a worker process (kernel.worker) with the file limits of
``ImportLimits`` checked while it streams, an address-space limit and a time limit: a pathological file is
refused there while the service goes on answering, and what the parse allocated dies with the worker's memory,
not the service's. Only the rows come back (cells as tuples, which pickle small), with the file's digest.

    parse_upload(worker, filename, data, dcat=…)   → Parsed        in the service
    parse_file(filename, data, dcat, limits)       → Parsed        in the worker (or in-process, for tests)
    start_import_worker / stop_import_worker                       the registry's lifespan hooks
    ImportWorker                                                   the routes' dependency
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from services.kernel.problems import Unprocessable
from services.kernel.worker import BoundedWorker, WorkerLimits, WorkRefused

from .dcat_import import sheet_from_dcat
from .limits import MIB, ImportLimits
from .sheets import Sheet, read_sheet

__all__ = ["ImportWorker", "Parsed", "import_worker", "parse_file", "parse_upload", "start_import_worker",
           "stop_import_worker"]

# Imported by each worker as it starts, so no parse pays for them.
PRELOAD = ("services.registry.catalog.parsing", "openpyxl", "rdflib.plugins.parsers.notation3",
           "rdflib.plugins.parsers.jsonld", "rdflib.plugins.parsers.rdfxml")


@dataclass
class Parsed:
    sheet: Sheet
    digest: str  # SHA-256 of the file, recorded in the ledger with the import


def parse_file(filename: str, data: bytes, dcat: bool, limits: ImportLimits) -> Parsed:
    sheet = sheet_from_dcat(filename, data, limits) if dcat else read_sheet(filename, data, limits)
    return Parsed(sheet, hashlib.sha256(data).hexdigest())


async def parse_upload(worker: BoundedWorker, filename: str, data: bytes, *, dcat: bool,
                       limits: ImportLimits | None = None) -> Parsed:
    """The rows of an upload, parsed in ``worker``; a Problem when the file is refused."""
    try:
        return await worker.run(parse_file, filename, data, dcat, limits or ImportLimits())
    except WorkRefused as refused:
        raise Unprocessable(f"The file could not be read within the import's limits: {refused.detail}.",
                            slug="import-too-costly", limit=refused.reason) from None


def import_worker(settings) -> BoundedWorker:
    """A worker for the registry's ``import_*`` settings (the CLI makes one for a command)."""
    return BoundedWorker(WorkerLimits(memory_bytes=settings.import_worker_memory_mb * MIB,
                                      seconds=settings.import_parse_seconds, workers=settings.import_workers),
                         preload=PRELOAD)


async def start_import_worker(app: FastAPI) -> None:
    app.state.import_worker = import_worker(app.state.settings)  # its processes start at the first import


async def stop_import_worker(app: FastAPI) -> None:
    await app.state.import_worker.close()


def _worker(request: Request) -> BoundedWorker:
    return request.app.state.import_worker


ImportWorker = Annotated[BoundedWorker, Depends(_worker)]
