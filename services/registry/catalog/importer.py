"""Bulk import of an agency's resource catalogue: every row validated, valid rows written, invalid rows reported.

One transaction holds the whole import (the session dependency or the CLI commits it), so a failure writes
nothing. Rows are matched to the organization's existing resources by name, which makes a re-run idempotent:
an unchanged row is left alone, a changed draft is updated, a registered resource is reported and skipped
(it changes only through a change registration, Art. 9). Writes are multi-row INSERTs in batches that also
fill the catalog index; no per-row round trip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, ValidationError
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.security import Principal
from services.kernel.timeutil import new_id, utcnow

from ..ledger.service import record
from ..registration.models import Resource
from ..registration.schemas import ResourceIn, ResourcePatch
from .models import CatalogEntry
from .schemas import ImportProblem, ImportReport
from .sheets import Sheet
from .sync import entry_row
from .vocab import ATTRIBUTE_ALIASES, FREQUENCY_ALIASES, GRADING_ALIASES

__all__ = ["BATCH", "FIELDS", "DraftIn", "Owner", "import_sheet", "validate_sheet"]

BATCH = 2000
# The columns a catalogue row describes, with the value a missing cell stands for.
FIELDS: dict[str, Any] = {"name": "", "description": "", "data_items": [], "scale": "", "update_frequency": "irregular",
                          "quality": "", "sharing_attribute": "", "opening_attribute": "", "grading": "",
                          "domain": "", "region_code": "", "source": "", "lawful_basis": ""}
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


def _normalized(raw: dict[str, str], owner: Owner) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if not value:
            continue
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

    name: Annotated[str, Field(min_length=1, max_length=200)]


def validate_sheet(sheet: Sheet, owner: Owner, schema: type[ResourcePatch] = ResourceIn,
                   ) -> tuple[list[tuple[int, dict[str, Any]]], list[ImportProblem]]:
    """(row number, resource fields) of every valid row, and one problem per invalid cell."""
    valid: list[tuple[int, dict[str, Any]]] = []
    problems: list[ImportProblem] = []
    first_row_of: dict[str, int] = {}
    for number, raw in sheet.rows:
        try:
            data = schema.model_validate(_normalized(raw, owner))
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else None
                problems.append(ImportProblem(row=number, column=sheet.columns.get(field, field), reason=err["msg"]))
            continue
        if data.name in first_row_of:
            problems.append(ImportProblem(row=number, column=sheet.columns["name"],
                                          reason=f"duplicate of row {first_row_of[data.name]}: names are unique"))
            continue
        first_row_of[data.name] = number
        dumped = data.model_dump(mode="json", include=set(FIELDS))
        valid.append((number, {key: dumped.get(key) if dumped.get(key) is not None else default
                               for key, default in FIELDS.items()}))
    return valid, problems


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
    valid, problems = validate_sheet(sheet, owner, schema)
    invalid_rows = len({p.row for p in problems})
    await _lock_org(session, owner.org_id)
    existing = await _existing(session, owner.org_id)
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged = skipped = 0
    for number, fields in valid:
        current = existing.get(fields["name"])
        if current is None:
            inserts.append({**fields, "id": new_id(), "org_id": owner.org_id, "org_name": owner.org_name,
                            "joint_org_ids": [], "joint_org_names": [], "security_assessment": {},
                            "status": "draft", "version": 1, "created_at": now, "updated_at": now})
        elif all(current[k] == v for k, v in fields.items()):
            unchanged += 1
        elif current["status"] != "draft":
            skipped += 1
            problems.append(ImportProblem(row=number, column=sheet.columns["name"], reason=(
                f"resource is {current['status']}: it changes only through a change registration")))
        else:
            updates.append({**current, **fields, "updated_at": now, "org_id": owner.org_id,
                            "org_name": owner.org_name})
    total = len(inserts) + len(updates)
    if not dry_run and total:
        await _write(session, inserts, updates, total, progress)
        await record(session, owner.principal, "resource.imported", "resource", owner.org_id, {
            "file_sha256": digest, "created": len(inserts), "updated": len(updates)})
    problems.sort(key=lambda p: p.row)
    return ImportReport(total_rows=len(sheet.rows), created=len(inserts), updated=len(updates), unchanged=unchanged,
                        skipped=skipped, invalid=invalid_rows, errors=problems)


async def _write(session: AsyncSession, inserts: list[dict], updates: list[dict], total: int,
                 progress: Progress | None) -> None:
    resources, entries = Resource.__table__, CatalogEntry.__table__
    done = 0
    for start in range(0, len(inserts), BATCH):
        batch = inserts[start:start + BATCH]
        await session.execute(insert(resources), batch)
        await session.execute(insert(entries), [entry_row(row, "resource") for row in batch])
        done += len(batch)
        if progress:
            progress(done, total)
    # Executemany UPDATE: the SET clause is every key of the parameter dicts except the bound ``b_id``.
    by_id = update(resources).where(resources.c.id == bindparam("b_id"))
    entry_by_id = update(entries).where(entries.c.subject_type == "resource", entries.c.subject_id == bindparam("b_id"))
    for start in range(0, len(updates), BATCH):
        batch = updates[start:start + BATCH]
        await session.execute(by_id, [{**{f: row[f] for f in FIELDS}, "updated_at": row["updated_at"],
                                       "b_id": row["id"]} for row in batch])
        await session.execute(entry_by_id, [{**_entry_changes(row), "b_id": row["id"]} for row in batch])
        done += len(batch)
        if progress:
            progress(done, total)


def _entry_changes(row: dict[str, Any]) -> dict[str, Any]:
    entry = entry_row(row, "resource")
    for key in ("subject_type", "subject_id", "created_at"):
        entry.pop(key)
    return entry
