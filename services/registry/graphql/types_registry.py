"""GraphQL types of registration: organizations, resources, products, registrations and their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from services.kernel.timeutil import as_utc

from ..ledger.canonical import to_json
from .relay import Node, to_global_id

__all__ = ["Deadlines", "Organization", "Product", "Registration", "RegistrationEvent", "Resource", "organization"]


@strawberry.type(description="An organization, as the registry knows it from the records that name it.")
class Organization(Node):
    db_id: str
    name: str | None


async def organization(info: Info, org_id: str | None) -> Organization | None:
    if not org_id:
        return None
    return Organization(id=to_global_id("Organization", org_id), db_id=org_id,
                        name=await info.context.loaders.org_name.load(org_id))


def _ts(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _subject_fields(row: Any, snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    data = {**{k: getattr(row, k) for k in row.__class__.model_fields}, **(snapshot or {})}
    return {
        "db_id": row.id, "org_id": data["org_id"], "name": data["name"], "description": data.get("description") or "",
        "status": data["status"], "region_code": data.get("region_code") or "", "domain": data.get("domain") or "",
        "version": data["version"], "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at),
        "content": to_json({k: v for k, v in data.items() if k not in ("created_at", "updated_at")}),
    }


@strawberry.type
class SubjectBase:
    db_id: str
    org_id: strawberry.Private[str]
    name: str
    description: str
    status: str
    region_code: str
    domain: str
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    content: JSON = strawberry.field(description="Every registered field, as stored (or as it stood at asOf).")
    as_of: datetime | None = None
    exact: bool = strawberry.field(default=True, description="False when asOf could only be approximated.")

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization(info, self.org_id)


@strawberry.type(description="A public data resource (DOMAIN.md §1, Art. 9(1)).")
class Resource(SubjectBase, Node):
    sharing_attribute: str
    opening_attribute: str
    grading: str

    @classmethod
    def of(cls, row: Any, snapshot: dict | None = None, **extra: Any) -> Resource:
        fields = _subject_fields(row, snapshot)
        c = fields["content"]
        return cls(id=to_global_id("Resource", row.id), sharing_attribute=c.get("sharing_attribute") or "",
                   opening_attribute=c.get("opening_attribute") or "", grading=c.get("grading") or "",
                   **fields, **extra)


@strawberry.type(description="A data product or service made from public data resources.")
class Product(SubjectBase, Node):
    form: str
    use_type: str
    agreement_db_id: str | None

    @classmethod
    def of(cls, row: Any, snapshot: dict | None = None, **extra: Any) -> Product:
        fields = _subject_fields(row, snapshot)
        c = fields["content"]
        return cls(id=to_global_id("Product", row.id), form=c.get("form") or "", use_type=c.get("use_type") or "",
                   agreement_db_id=c.get("agreement_id"), **fields, **extra)


@strawberry.type(description="Deadlines of the workflow in official working days (DOMAIN.md §1 table).")
class Deadlines:
    filing_due_on: date | None
    acceptance_due_on: date | None
    review_due_on: date | None
    notice_starts_on: date | None
    notice_ends_on: date | None
    processing_due_on: date | None
    renewal_opens_on: date | None
    valid_until: date | None
    provisional: bool


@strawberry.type(description="One step of a registration's state machine.")
class RegistrationEvent:
    action: str
    from_state: str | None
    to_state: str
    actor: str
    actor_org: str | None
    detail: JSON
    at: datetime


@strawberry.type(description="A registration application and, once coded, the registration in force (Arts. 8–15).")
class Registration(Node):
    db_id: str
    subject_type: str
    subject_id: str
    type: str
    state: str
    org_id: strawberry.Private[str]
    data_name: str
    query_code: str | None
    valid_from: date | None
    created_at: datetime
    row: strawberry.Private[Any]

    @classmethod
    def of(cls, row: Any) -> Registration:
        return cls(id=to_global_id("Registration", row.id), db_id=row.id, subject_type=row.subject_type,
                   subject_id=row.subject_id, type=row.type, state=row.state, org_id=row.org_id,
                   data_name=row.data_name, query_code=row.query_code, valid_from=row.valid_from,
                   created_at=as_utc(row.created_at), row=row)

    @strawberry.field
    def deadlines(self) -> Deadlines:
        r = self.row
        return Deadlines(filing_due_on=r.filing_due_on, acceptance_due_on=r.acceptance_due_on,
                         review_due_on=r.review_due_on, notice_starts_on=r.notice_starts_on,
                         notice_ends_on=r.notice_ends_on, processing_due_on=r.processing_due_on,
                         renewal_opens_on=r.renewal_opens_on, valid_until=r.valid_until, provisional=r.provisional)

    @strawberry.field(description="Every step, oldest first.")
    async def history(self, info: Info) -> list[RegistrationEvent]:
        events = await info.context.loaders.registration_events.load(self.db_id)
        return [RegistrationEvent(action=e.action, from_state=e.from_state, to_state=e.to_state, actor=e.actor,
                                  actor_org=e.actor_org, detail=to_json(e.detail), at=as_utc(e.at)) for e in events]

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization(info, self.org_id)

    @strawberry.field
    async def subject(self, info: Info) -> Resource | Product | None:
        loader = info.context.loaders.subject(self.subject_type)
        row = await loader.load(self.subject_id) if loader else None
        if row is None:
            return None
        return Resource.of(row) if self.subject_type == "resource" else Product.of(row)
