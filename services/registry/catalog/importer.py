"""Bulk import of an agency's resource catalogue: every row validated, valid rows written, invalid rows reported.

One transaction holds the whole import (the session dependency or the CLI commits it), so a failure writes
nothing. Rows are matched to the organization's existing resources by name, which makes a re-run idempotent:
an unchanged row is left alone, a changed draft is updated, a registered resource is reported and skipped
(it changes only through a change registration, Art. 9). Each batch of rows is validated and encoded in a
worker thread while the previous one is written (COPY on PostgreSQL, multi-row INSERT on SQLite), resources
and their catalog entries together; no per-row round trip.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.security import Principal
from services.kernel.timeutil import new_id, utcnow

from ..ledger.service import record
from ..registration.models import Resource
from ..registration.schemas import Name, ResourceIn, ResourcePatch
from .bulk import Prepared, write_prepared
from .models import CatalogEntry
from .schemas import ImportProblem, ImportReport
from .sheets import Sheet
from .sync import entry_row, mark_changed
from .vocab import ATTRIBUTE_ALIASES, FREQUENCY_ALIASES, GRADING_ALIASES

__all__ = ["BATCH", "FIELDS", "DraftIn", "Owner", "import_sheet", "schema_for"]

# Rows planned and written together. Each batch costs round trips and hand-overs between the worker thread
# and the event loop; at 4,000 rows they are a small part of its time (measured: 2,000 was ~7% slower).
BATCH = 4000
# Rows the worker plans between two moments it lets go of the GIL (see _Planner.plan).
YIELD_EVERY = 50
ANALYZE_AFTER = 10_000  # rows created by one import that make fresh planner statistics worth their second
# The columns a catalogue row describes, with the value a missing cell stands for.
FIELDS: dict[str, Any] = {"name": "", "description": "", "data_items": [], "scale": "", "update_frequency": "irregular",
                          "quality": "", "sharing_attribute": "", "opening_attribute": "", "grading": "",
                          "domain": "", "region_code": "", "source": "", "lawful_basis": ""}
_FIELD_NAMES = set(FIELDS)
_ITEM_SPLIT = re.compile(r"[;；、,，\n]+")
_ALIASES = {"sharing_attribute": ATTRIBUTE_ALIASES, "opening_attribute": ATTRIBUTE_ALIASES,
            "grading": GRADING_ALIASES, "update_frequency": FREQUENCY_ALIASES}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Owner:
    """The organization whose catalogue this is; ``principal`` is who imports (None from the CLI)."""

    org_id: str
    org_name: str
    region_code: str | None = None
    principal: Principal | None = None


def _normalized(names: tuple[str, ...], cells: tuple[str, ...], owner: Owner) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, cell in zip(names, cells, strict=False):  # a short row leaves the last columns empty
        if not cell:
            continue
        value: Any = cell
        aliases = _ALIASES.get(key)
        if aliases is not None:
            value = aliases.get(value, value.lower())
        if key == "data_items":
            value = [{"name": part.strip()} for part in _ITEM_SPLIT.split(value) if part.strip()]
        fields[key] = value
    if "region_code" not in fields and owner.region_code:
        fields["region_code"] = owner.region_code
    return fields


class DraftIn(ResourcePatch):
    """What a pre-filled draft needs: a name; the owner completes the rest before filing (DCAT-AP import)."""

    name: Name  # required here; text without control characters, as everywhere (kernel.text)


class _Planner:
    """Turns chunks of sheet rows into writes: validation, matching against existing resources, index rows and
    COPY payloads. Pure CPU work, so it runs in a worker thread while the previous chunk is being written."""

    def __init__(self, sheet: Sheet, owner: Owner, schema: type[ResourcePatch],
                 existing: dict[str, dict[str, Any]], postgres: bool) -> None:
        self.columns, self.owner, self.schema = sheet.columns, owner, schema
        self.existing, self.postgres = existing, postgres
        self.names = sheet.fields
        self.now = utcnow()
        self.first_row_of: dict[str, int] = {}
        self.problems: list[ImportProblem] = []
        self.invalid_rows: set[int] = set()
        self.created = self.updated = self.unchanged = self.skipped = 0

    def _valid(self, number: int, cells: tuple[str, ...]) -> dict[str, Any] | None:
        try:
            # The schema's text kinds refuse NUL and other control characters (kernel.text), so such a cell
            # makes its row invalid, reported like any other, and never reaches the database.
            data = self.schema.model_validate(_normalized(self.names, cells, self.owner))
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else None
                self.problems.append(ImportProblem(row=number, column=self.columns.get(field, field),
                                                   reason=err["msg"]))
            self.invalid_rows.add(number)
            return None
        if data.name in self.first_row_of:
            self.problems.append(ImportProblem(row=number, column=self.columns["name"], reason=(
                f"duplicate of row {self.first_row_of[data.name]}: names are unique")))
            self.invalid_rows.add(number)
            return None
        self.first_row_of[data.name] = number
        # A field left out (None) takes its default from FIELDS; the others keep FIELDS' order.
        return {**FIELDS, **data.model_dump(mode="json", include=_FIELD_NAMES, exclude_none=True)}

    def plan(self, chunk: list[tuple[int, tuple[str, ...]]]) -> _Batch:
        owner, updates = self.owner, []
        resources = Prepared(Resource.__table__, self.postgres)
        entries = Prepared(CatalogEntry.__table__, self.postgres)
        for i, (number, cells) in enumerate(chunk):
            if i % YIELD_EVERY == 0:
                # Let the event loop, which is feeding PostgreSQL the previous batch, take the GIL now. Otherwise
                # it waits out the 5 ms switch interval at every step of every COPY while the database idles
                # (profiled on 100,000 rows: ~12 s of writing for ~7 s of database work, ~8 s with this).
                time.sleep(0)
            fields = self._valid(number, cells)
            if fields is None:
                continue
            current = self.existing.get(fields["name"])
            if current is None:
                row = {**fields, "id": new_id(), "org_id": owner.org_id, "org_name": owner.org_name,
                       "joint_org_ids": [], "joint_org_names": [], "security_assessment": {},
                       "status": "draft", "version": 1, "created_at": self.now, "updated_at": self.now}
                # Encoded at once, so the row's dicts die young (see bulk.Prepared).
                resources.add(row)
                entries.add(entry_row(row, "resource", tsv=self.postgres))
            elif all(current[k] == v for k, v in fields.items()):
                self.unchanged += 1
            elif current["status"] != "draft":
                self.skipped += 1
                self.problems.append(ImportProblem(row=number, column=self.columns["name"], reason=(
                    f"resource is {current['status']}: it changes only through a change registration")))
            else:
                updates.append({**current, **fields, "updated_at": self.now, "org_id": owner.org_id,
                                "org_name": owner.org_name})
        self.created += len(resources)
        self.updated += len(updates)
        resources.finish()
        entries.finish()
        return _Batch(
            resources=resources,
            entries=entries,
            updates=updates,
            entry_updates=[{**_entry_changes(row, self.postgres), "b_id": row["id"]} for row in updates],
        )


@dataclass
class _Batch:
    resources: Prepared
    entries: Prepared
    updates: list[dict[str, Any]]
    entry_updates: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.resources) + len(self.updates)


def schema_for(*, dcat: bool) -> type[ResourcePatch]:
    """What the rows of an upload are validated with: a DCAT-AP catalog pre-fills drafts (only a name is
    required), a spreadsheet describes complete resources."""
    return DraftIn if dcat else ResourceIn


async def _existing(session: AsyncSession, org_id: str) -> dict[str, dict[str, Any]]:
    columns = [Resource.id, Resource.status, *(getattr(Resource, f) for f in FIELDS)]
    rows = await session.execute(select(*columns).where(Resource.org_id == org_id))
    return {row.name: dict(row._mapping) for row in rows}


async def _lock_org(session: AsyncSession, org_id: str) -> None:
    # Two imports of one organization at once would both see a name as new; PostgreSQL serializes them here.
    # (SQLite has a single writer: the second import's first write waits for the first to commit.)
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"catalog-import:{org_id}"})


async def import_sheet(session: AsyncSession, sheet: Sheet, owner: Owner, *, digest: str, dry_run: bool = False,
                       progress: Progress | None = None, schema: type[ResourcePatch] = ResourceIn) -> ImportReport:
    postgres = session.get_bind().dialect.name == "postgresql"
    await _lock_org(session, owner.org_id)
    planner = _Planner(sheet, owner, schema, await _existing(session, owner.org_id), postgres)
    writing: asyncio.Future | None = None
    try:
        for start in range(0, len(sheet.rows), BATCH):
            # Plan chunk k+1 in a thread while chunk k is written: the database works while Python does.
            batch = await asyncio.to_thread(planner.plan, sheet.rows[start:start + BATCH])
            if writing is not None:
                await writing
                writing = None
            if not dry_run and len(batch):
                writing = asyncio.ensure_future(_write(session, batch))
            if progress:
                progress(min(start + BATCH, len(sheet.rows)), len(sheet.rows))
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():
            with suppress(Exception):  # the error being raised is the one to report
                await writing
    if postgres and planner.created >= ANALYZE_AFTER:
        # After a bulk load the planner's statistics no longer describe the index (PostgreSQL docs, "Populating
        # a Database"); without them a search plans a scan of every match instead of the newest-first walk, and
        # reads by id keep plans made for a table of a few rows (a sequential scan of all of them). For resources
        # the new row count is what matters, and a small sample finds it (measured: ~1 s less than the default).
        await session.execute(text("ANALYZE catalog_entries (tsv, status, org_id)"))
        await session.execute(text("SET LOCAL default_statistics_target = 10"))
        await session.execute(text("ANALYZE resources (id, org_id)"))
        await session.execute(text("SET LOCAL default_statistics_target TO DEFAULT"))
    if not dry_run and planner.created + planner.updated:
        mark_changed(session.sync_session)
        await record(session, owner.principal, "resource.imported", "resource", owner.org_id, {
            "file_sha256": digest, "created": planner.created, "updated": planner.updated})
    planner.problems.sort(key=lambda p: p.row)
    return ImportReport(total_rows=len(sheet.rows), created=planner.created, updated=planner.updated,
                        unchanged=planner.unchanged, skipped=planner.skipped, invalid=len(planner.invalid_rows),
                        errors=planner.problems)


async def _write(session: AsyncSession, batch: _Batch) -> None:
    await write_prepared(session, batch.resources)
    await write_prepared(session, batch.entries)
    if batch.updates:
        # Executemany UPDATE: the SET clause is every key of the parameter dicts except the bound ``b_id``.
        resources, entries = Resource.__table__, CatalogEntry.__table__
        await session.execute(update(resources).where(resources.c.id == bindparam("b_id")), [
            {**{f: row[f] for f in FIELDS}, "updated_at": row["updated_at"], "b_id": row["id"]}
            for row in batch.updates])
        await session.execute(update(entries).where(entries.c.subject_type == "resource",
                                                    entries.c.subject_id == bindparam("b_id")), batch.entry_updates)


def _entry_changes(row: dict[str, Any], postgres: bool) -> dict[str, Any]:
    entry = entry_row(row, "resource", tsv=postgres)
    for key in ("subject_type", "subject_id", "created_at"):
        entry.pop(key)
    return entry
