"""Resources and products: descriptions written by their owners, editable while they are drafts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.pagination import Listed, Sorts, page_of
from services.kernel.problems import Conflict, NotFound, Unprocessable
from services.kernel.security import Principal
from services.kernel.timeutil import utcnow

from ..ledger.service import record
from .access import can_read, ensure_author, ensure_owner, ensure_readable, is_overseer, is_public
from .models import Product, Registration, Resource
from .schemas import ProductIn, ProductPatch, ResourceIn, ResourcePatch

__all__ = [
    "MODELS", "SORTS", "create_subject", "list_subjects", "read_subject", "snapshot", "subject_or_404",
    "update_subject",
    "validate_changes",
]

MODELS: dict[str, type[Resource] | type[Product]] = {"resource": Resource, "product": Product}
PATCHES = {"resource": ResourcePatch, "product": ProductPatch}
# Columns that make up a subject's registered content (what a version snapshot keeps and diffs compare).
UNDER_REVIEW = ("submitted", "under_review", "in_notice")
NULLABLE = {"operation_started_on", "delivered_at"}
BOOKKEEPING = {"id", "org_id", "org_name", "status", "version", "created_at", "updated_at", "agreement_id",
               "agreement_ends_on", "data_updated_on"}


def snapshot(subject: Resource | Product) -> dict[str, Any]:
    data = subject.model_dump(mode="json")
    return {key: value for key, value in data.items() if key not in BOOKKEEPING}


def _apply(subject: Resource | Product, fields: dict[str, Any]) -> None:
    joint = fields.pop("joint_registrants", None)
    if joint is not None:
        subject.joint_org_ids = [j["org_id"] for j in joint]
        subject.joint_org_names = [j["org_name"] for j in joint]
    for key, value in fields.items():
        setattr(subject, key, value)


def _require_values(fields: dict[str, Any], prefix: str = "") -> None:
    required = sorted(k for k, v in fields.items() if v is None and k not in NULLABLE)
    if required:
        raise Unprocessable("Required fields cannot be cleared.", slug="required-field",
                            errors=[{"field": prefix + k, "message": "required"} for k in required])


async def _check_resources_exist(session: AsyncSession, viewer: Principal | None, ids: list[str] | None) -> None:
    """A product cites resources its operator may know of: public ones, or drafts it is a registrant of. Another
    organization's draft is refused exactly as an id that does not exist (Arts. 6, 19): no existence oracle."""
    if not ids:
        return
    rows = (await session.execute(select(Resource.id, Resource.org_id, Resource.joint_org_ids, Resource.status)
                                  .where(Resource.id.in_(ids)))).all()
    found = {r.id for r in rows if is_public(r.status) or can_read(viewer, r.org_id, r.joint_org_ids)}
    missing = sorted(set(ids) - found)
    if missing:
        raise Unprocessable("A product may only use resources known to the registry.", slug="unknown-resource",
                            errors=[{"field": "resource_ids", "message": f"unknown resource {m}"} for m in missing])


async def create_subject(session: AsyncSession, principal: Principal, subject_type: str,
                         data: ResourceIn | ProductIn) -> Resource | Product:
    ensure_author(principal, subject_type)
    fields = data.model_dump(mode="python", exclude_unset=False)
    fields = {k: v for k, v in fields.items() if v is not None or k == "joint_registrants"}
    if principal.org in {j["org_id"] for j in fields.get("joint_registrants") or []}:
        raise Unprocessable("The owner is not its own joint registrant.", slug="joint-registrant-is-owner")
    if subject_type == "product":
        await _check_resources_exist(session, principal, fields.get("resource_ids"))
    joint = fields.pop("joint_registrants", None) or []
    subject = MODELS[subject_type](org_id=principal.org, org_name=principal.org_name or principal.org, **fields)
    _apply(subject, {"joint_registrants": joint})
    session.add(subject)
    await session.flush()
    # The full content goes to the ledger, so auditors can rebuild a draft as it stood at any moment.
    await record(session, principal, f"{subject_type}.created", subject_type, subject.id,
                 {"name": subject.name, "org_id": subject.org_id, "status": subject.status,
                  "snapshot": snapshot(subject)})
    return subject


async def subject_or_404(session: AsyncSession, subject_type: str, subject_id: str, *,
                         for_update: bool = False) -> Resource | Product:
    query = select(MODELS[subject_type]).where(MODELS[subject_type].id == subject_id)
    if for_update:
        query = query.with_for_update()
    subject = (await session.scalars(query)).first()
    if subject is None:
        raise NotFound(f"No such {subject_type}.", slug=f"{subject_type}-not-found")
    return subject


async def read_subject(db: Database, principal: Principal, subject_type: str, subject_id: str) -> dict[str, Any]:
    """The hot read of one subject by id: one keyed statement, no unit of work (kernel.rows)."""
    table = MODELS[subject_type].__table__
    row = await db.rows.fetch_by_key(table, table.c.id, subject_id)
    if row is None:
        raise NotFound(f"No such {subject_type}.", slug=f"{subject_type}-not-found")
    ensure_readable(principal, row["org_id"], row["joint_org_ids"], subject_type)
    return row


async def validate_changes(session: AsyncSession, subject_type: str, changes: dict[str, Any], *,
                           viewer: Principal | None = None) -> dict[str, Any]:
    """Proposed content of a change or correction, validated like an edit; returns the normalized fields.
    ``viewer`` is the registrant proposing them: the resources a product may cite are those it may know of."""
    try:
        patch = PATCHES[subject_type].model_validate(changes)
    except ValueError as exc:
        errors = [{"field": "changes." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                  for e in getattr(exc, "errors", list)()]
        raise Unprocessable("The proposed changes are invalid.", slug="invalid-changes", errors=errors) from None
    fields = patch.model_dump(mode="json", exclude_unset=True)
    if not fields:
        raise Unprocessable("A change or correction must change at least one field.", slug="no-changes")
    _require_values(fields, prefix="changes.")
    if subject_type == "product":
        await _check_resources_exist(session, viewer, fields.get("resource_ids"))
    return fields


async def update_subject(session: AsyncSession, principal: Principal, subject_type: str, subject_id: str,
                         data: ResourcePatch | ProductPatch) -> Resource | Product:
    subject = await subject_or_404(session, subject_type, subject_id, for_update=True)
    ensure_owner(principal, subject_type, subject.org_id, subject.joint_org_ids, subject_type)
    if subject.status != "draft":
        raise Conflict(f"A {subject.status} {subject_type} changes only through a change or correction "
                       "registration.", slug="subject-not-draft", current_state=subject.status)
    # What the registration body reviews is what gets registered: no edits while it is in their hands
    # (a registration returned for supplement may be corrected, then resubmitted).
    busy = (await session.scalars(select(Registration.state).where(
        Registration.subject_type == subject_type, Registration.subject_id == subject.id,
        Registration.state.in_(UNDER_REVIEW)))).first()
    if busy:
        raise Conflict(f"The {subject_type} is under registration ({busy}); it cannot be edited now.",
                       slug="registration-in-progress", current_state=busy)
    fields = data.model_dump(mode="python", exclude_unset=True)
    if principal.org in {j["org_id"] for j in fields.get("joint_registrants") or []}:
        raise Unprocessable("The owner is not its own joint registrant.", slug="joint-registrant-is-owner")
    if subject_type == "product":
        await _check_resources_exist(session, principal, fields.get("resource_ids"))
    _require_values(fields)
    _apply(subject, fields)
    subject.updated_at = utcnow()
    await session.flush()
    await record(session, principal, f"{subject_type}.updated", subject_type, subject.id,
                 {"fields": sorted(fields), "status": subject.status, "snapshot": snapshot(subject)})
    return subject


# The orders a list of subjects offers. Ids are time-ordered (timeutil.new_id): by id is by creation.
SORTS = {kind: Sorts({"id": (model.id,), "name": (model.name, model.id), "updated_at": (model.updated_at, model.id)},
                     default="id") for kind, model in MODELS.items()}


async def list_subjects(session: AsyncSession, principal: Principal, subject_type: str, *, cursor: str | None,
                        limit: int, status: str | None = None, sort: str | None = None) -> Listed[Any]:
    """Overseers list every subject; an organization lists those it owns (joint ones are reached by id)."""
    model = MODELS[subject_type]
    query = select(model)
    if not is_overseer(principal):
        if principal.client or not principal.org:
            return Listed([], None, 0)
        query = query.where(model.org_id == principal.org)
    if status:
        query = query.where(model.status == status)
    return await page_of(session, query, SORTS[subject_type], sort, cursor, limit, scalars=True)
