"""The records a change feed page touched, in their current state: the registry's published contract with the
services that mirror it (scoring reads nothing else; issue 13).

Events say *what* changed; a consumer needs the record *as it is now*. ``records_for`` expands a page of events
into the keys it touched and loads each kind in one batch:

    resource / product          the subject (a product with its price records, both layers)
    registration                the registration (deadlines, receipts, events, validity) and its subject, whose
                                status coding, cancelling or revoking changes without an entry of its own
    price.*_set (on a product)  the product with its prices
    agreement                   the agreement with its data scope and product list
    annual_report               the report with revenue, per-product figures and the yearly check
    compliance_record           the finding with its rule, severity and status

A bulk import is one entry for many resources (``resource.imported``, subject: the organization): its
resources are read page by page from ``/events/resources?org_id=``, with the same record type.
A key whose record no longer exists is served with ``record: null`` (gone).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import china_today

from ..compliance.models import ComplianceRecord
from ..compliance.schemas import RecordOut
from ..operation.agreement_views import agreements_out
from ..operation.models import Agreement, AnnualReport
from ..operation.report_schemas import ReportOut
from ..operation.schemas import AgreementOut
from ..pricing.models import PriceRecord
from ..pricing.schemas import PriceOut
from ..registration.models import Product, Registration, RegistrationEvent, RegistrationSubmission, Resource
from ..registration.overdue import renewals_filed
from ..registration.schemas import ProductOut, RegistrationOut, ResourceOut
from ..registration.views import registration_view

__all__ = [
    "BULK_IMPORT",
    "KINDS",
    "FeedRecord",
    "ProductWithPrices",
    "ResourceRecord",
    "imported_resources",
    "keys_of",
    "load",
    "records_for",
]

BULK_IMPORT = "resource.imported"
Key = tuple[str, str]


class ProductWithPrices(ProductOut):
    prices: list[PriceOut] = Field(description="Ceiling and operator price records, oldest first.")


class _Record(BaseModel):
    id: str
    deleted: bool = Field(description="The record no longer exists; `record` is null.")


class ResourceRecord(_Record):
    kind: Literal["resource"] = "resource"
    record: ResourceOut | None


class ProductRecord(_Record):
    kind: Literal["product"] = "product"
    record: ProductWithPrices | None


class RegistrationRecord(_Record):
    kind: Literal["registration"] = "registration"
    record: RegistrationOut | None


class AgreementRecord(_Record):
    kind: Literal["agreement"] = "agreement"
    record: AgreementOut | None


class AnnualReportRecord(_Record):
    kind: Literal["annual_report"] = "annual_report"
    record: ReportOut | None


class ComplianceRecordRecord(_Record):
    kind: Literal["compliance_record"] = "compliance_record"
    record: RecordOut | None


FeedRecord = Annotated[
    ResourceRecord | ProductRecord | RegistrationRecord | AgreementRecord | AnnualReportRecord
    | ComplianceRecordRecord,
    Field(discriminator="kind"),
]
RECORD_TYPES: dict[str, type[_Record]] = {t.model_fields["kind"].default: t for t in (
    ResourceRecord, ProductRecord, RegistrationRecord, AgreementRecord, AnnualReportRecord, ComplianceRecordRecord)}
# Ledger subject types whose entries are about one record of that kind.
KINDS = tuple(RECORD_TYPES)


def keys_of(events: Iterable[dict[str, Any]]) -> list[Key]:
    """The records a page of events touched, in first-touched order, each once."""
    seen: dict[Key, None] = {}
    for event in events:
        subject_type, subject_id = event["subject_type"], event["subject_id"]
        if event["action"] == BULK_IMPORT or subject_type not in KINDS:
            continue
        seen[(subject_type, subject_id)] = None
    return list(seen)


async def _resources(session: AsyncSession, ids: list[str]) -> dict[str, Any]:
    rows = (await session.scalars(select(Resource).where(Resource.id.in_(ids)))).all()
    return {r.id: ResourceOut.model_validate(r, from_attributes=True) for r in rows}


async def _products(session: AsyncSession, ids: list[str]) -> dict[str, Any]:
    rows = (await session.scalars(select(Product).where(Product.id.in_(ids)))).all()
    prices: dict[str, list[PriceOut]] = defaultdict(list)
    for p in (await session.scalars(select(PriceRecord).where(PriceRecord.product_id.in_(ids))
                                    .order_by(PriceRecord.effective_from, PriceRecord.id))).all():
        prices[p.product_id].append(PriceOut.model_validate(p, from_attributes=True))
    return {r.id: ProductWithPrices.model_validate({**r.model_dump(), "prices": prices[r.id]}) for r in rows}


async def _registrations(session: AsyncSession, ids: list[str]) -> dict[str, Any]:
    rows = (await session.scalars(select(Registration).where(Registration.id.in_(ids)))).all()
    submissions: dict[str, list] = defaultdict(list)
    for s in (await session.scalars(select(RegistrationSubmission).where(
            RegistrationSubmission.registration_id.in_(ids)).order_by(RegistrationSubmission.seq))).all():
        submissions[s.registration_id].append(s)
    events: dict[str, list] = defaultdict(list)
    for e in (await session.scalars(select(RegistrationEvent).where(RegistrationEvent.registration_id.in_(ids))
                                    .order_by(RegistrationEvent.at, RegistrationEvent.id))).all():
        events[e.registration_id].append(e)
    today = china_today()
    renewed = await renewals_filed(session, [r.id for r in rows])
    return {r.id: RegistrationOut.model_validate(registration_view(r, submissions[r.id], events[r.id], today,
                                                                   renewal_filed=r.id in renewed),
                                                 from_attributes=True) for r in rows}


async def _agreements(session: AsyncSession, ids: list[str]) -> dict[str, Any]:
    rows = list((await session.scalars(select(Agreement).where(Agreement.id.in_(ids)))).all())
    return {a.id: a for a in await agreements_out(session, rows)}


async def _reports(session: AsyncSession, ids: list[str]) -> dict[str, Any]:
    rows = (await session.scalars(select(AnnualReport).where(AnnualReport.id.in_(ids)))).all()
    return {r.id: ReportOut.model_validate(r, from_attributes=True) for r in rows}


async def _findings(session: AsyncSession, ids: list[str]) -> dict[str, Any]:
    rows = (await session.scalars(select(ComplianceRecord).where(ComplianceRecord.id.in_(ids)))).all()
    return {r.id: RecordOut.model_validate(r.model_dump()) for r in rows}


LOADERS = {"resource": _resources, "product": _products, "registration": _registrations,
           "agreement": _agreements, "annual_report": _reports, "compliance_record": _findings}


async def load(session: AsyncSession, keys: list[Key]) -> list[_Record]:
    """The current state of each key (one query per kind and table), in the order given."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, record_id in keys:
        by_kind[kind].append(record_id)
    found: dict[Key, Any] = {}
    for kind, ids in by_kind.items():
        for record_id, record in (await LOADERS[kind](session, ids)).items():
            found[(kind, record_id)] = record
    return [RECORD_TYPES[kind](id=record_id, deleted=(kind, record_id) not in found,
                               record=found.get((kind, record_id))) for kind, record_id in keys]


async def records_for(session: AsyncSession, events: list[dict[str, Any]]) -> list[_Record]:
    """The records a page of events touched, with a registration's subject read along with it."""
    keys = keys_of(events)
    first = await load(session, keys)
    subjects = [(r.record.subject_type, r.record.subject_id) for r in first
                if isinstance(r, RegistrationRecord) and r.record is not None]
    extra = [k for k in dict.fromkeys(subjects) if k not in set(keys)]
    return first + (await load(session, extra) if extra else [])


async def imported_resources(session: AsyncSession, org_id: str, after: str | None,
                             limit: int) -> tuple[list[ResourceRecord], str | None]:
    """An organization's resources by id (a bulk import's records), ``limit`` at a time."""
    query = select(Resource).where(Resource.org_id == org_id)
    if after:
        query = query.where(Resource.id > after)
    rows = (await session.scalars(query.order_by(Resource.id).limit(limit + 1))).all()
    page = [ResourceRecord(id=r.id, deleted=False, record=ResourceOut.model_validate(r, from_attributes=True))
            for r in rows[:limit]]
    return page, (page[-1].id if len(rows) > limit else None)
