"""GraphQL types of authorized operation, pricing and compliance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from services.kernel.timeutil import as_utc

from ..compliance.catalog import catalog
from ..ledger.canonical import to_json
from .relay import Node, to_global_id
from .types_registry import Organization, Product, Registration, Resource, organization

__all__ = ["Agreement", "AnnualReport", "ComplianceRecord", "Plan", "PriceRecord", "Rule", "Subject"]


@strawberry.type(description="An implementation plan (DOMAIN.md §2, Art. 9).")
class Plan(Node):
    db_id: str
    name: str
    region_code: str
    authorizer_name: str
    mode: str
    status: str
    version: int
    approval_date: date | None
    filed_on: date | None
    items: JSON
    org_id: strawberry.Private[str]

    @classmethod
    def of(cls, row: Any) -> Plan:
        return cls(id=to_global_id("Plan", row.id), db_id=row.id, name=row.name, region_code=row.region_code,
                   authorizer_name=row.authorizer_name, mode=row.mode, status=row.status, version=row.version,
                   approval_date=row.approval_date, filed_on=row.filed_on, items=to_json(row.items),
                   org_id=row.implementing_org_id)

    @strawberry.field(description="The implementing body.")
    async def organization(self, info: Info) -> Organization | None:
        return await organization(info, self.org_id)


@strawberry.type
class AgreementVersion:
    version: int
    reason: str
    snapshot: JSON
    created_by: str
    created_at: datetime


@strawberry.type(description="An operation agreement (DOMAIN.md §2, Arts. 13–14).")
class Agreement(Node):
    db_id: str
    status: str
    mode: str
    region_code: str
    starts_on: date
    ends_on: date
    signed_on: date | None
    filed_on: date | None
    version: int
    terms: JSON
    plan_id: strawberry.Private[str]
    operator_org_id: strawberry.Private[str]
    implementing_org_id: strawberry.Private[str]
    as_of: datetime | None = None
    exact: bool = True

    @classmethod
    def of(cls, row: Any, snapshot: dict | None = None, **extra: Any) -> Agreement:
        data = {**{k: getattr(row, k) for k in row.__class__.model_fields}, **(snapshot or {})}
        return cls(id=to_global_id("Agreement", row.id), db_id=row.id, status=data["status"], mode=data["mode"],
                   region_code=data["region_code"], starts_on=_day(data["starts_on"]), ends_on=_day(data["ends_on"]),
                   signed_on=_day(data.get("signed_on")), filed_on=_day(data.get("filed_on")),
                   version=data["version"], terms=to_json(data.get("terms") or {}), plan_id=row.plan_id,
                   operator_org_id=row.operator_org_id, implementing_org_id=row.implementing_org_id, **extra)

    @strawberry.field(description="The operator.")
    async def organization(self, info: Info) -> Organization | None:
        return await organization(info, self.operator_org_id)

    @strawberry.field
    async def implementing_organization(self, info: Info) -> Organization | None:
        return await organization(info, self.implementing_org_id)

    @strawberry.field
    async def plan(self, info: Info) -> Plan | None:
        row = await info.context.loaders.plan.load(self.plan_id)
        return Plan.of(row) if row else None

    @strawberry.field(description="Resources in the agreement's data scope.")
    async def resources(self, info: Info) -> list[Resource]:
        ids = await info.context.loaders.agreement_resource_ids.load(self.db_id)
        return [Resource.of(r) for r in await info.context.loaders.resource.load_many(ids) if r]

    @strawberry.field
    async def products(self, info: Info) -> list[Product]:
        ids = await info.context.loaders.agreement_product_ids.load(self.db_id)
        return [Product.of(p) for p in await info.context.loaders.product.load_many(ids) if p]

    @strawberry.field(description="Every version of the agreement, oldest first.")
    async def versions(self, info: Info) -> list[AgreementVersion]:
        rows = await info.context.loaders.agreement_versions.load(self.db_id)
        return [AgreementVersion(version=v.version, reason=v.reason, snapshot=to_json(v.snapshot),
                                 created_by=v.created_by, created_at=as_utc(v.created_at)) for v in rows]


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@strawberry.type(description="One dated price: a ceiling, or an operator's specific or trial price (DOMAIN.md §3).")
class PriceRecord(Node):
    db_id: str
    product_id: str
    layer: str
    kind: str
    billing_unit: str
    tiers: JSON
    unit_price: Decimal
    effective_from: date
    effective_to: date | None
    basis: str
    set_by_org: strawberry.Private[str]
    as_of: datetime | None = None

    @classmethod
    def of(cls, row: Any, **extra: Any) -> PriceRecord:
        return cls(id=to_global_id("PriceRecord", row.id), db_id=row.id, product_id=row.product_id,
                   layer=row.layer, kind=row.kind, billing_unit=row.billing_unit, tiers=to_json(row.tiers),
                   unit_price=row.unit_price, effective_from=row.effective_from, effective_to=row.effective_to,
                   basis=row.basis, set_by_org=row.set_by_org, **extra)

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization(info, self.set_by_org)

    @strawberry.field
    async def product(self, info: Info) -> Product | None:
        row = await info.context.loaders.product.load(self.product_id)
        return Product.of(row) if row else None


@strawberry.type(description="An operator's annual report (DOMAIN.md §3, due by 31 March).")
class AnnualReport(Node):
    db_id: str
    year: int
    business_overview: str
    operating_cost: Decimal
    revenue: Decimal
    profit: Decimal
    products: JSON
    price_adjustments: JSON
    deviation: str | None
    who_adjusts: str | None
    submitted_at: datetime
    org_id: strawberry.Private[str]

    @classmethod
    def of(cls, row: Any) -> AnnualReport:
        return cls(id=to_global_id("AnnualReport", row.id), db_id=row.id, year=row.year,
                   business_overview=row.business_overview, operating_cost=row.operating_cost, revenue=row.revenue,
                   profit=row.profit, products=to_json(row.products), price_adjustments=to_json(row.price_adjustments),
                   deviation=row.deviation, who_adjusts=row.who_adjusts, submitted_at=as_utc(row.submitted_at),
                   org_id=row.operator_org_id)

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization(info, self.org_id)


@strawberry.type(description="A compliance rule of the catalog (DOMAIN.md §5).")
class Rule:
    id: str
    title: str
    citation: str
    severity: str
    subject: str


Subject = Annotated[Resource | Product | Agreement | Registration | Plan | PriceRecord | AnnualReport,
                    strawberry.union("Subject")]


async def load_subject(info: Info, subject_type: str, subject_id: str) -> Any:
    loader = info.context.loaders.subject(subject_type)
    row = await loader.load(subject_id) if loader else None
    wrap = {"resource": Resource.of, "product": Product.of, "agreement": Agreement.of, "plan": Plan.of,
            "registration": Registration.of, "price_record": PriceRecord.of, "annual_report": AnnualReport.of}
    return wrap[subject_type](row) if row is not None and subject_type in wrap else None


@strawberry.type(description="A finding: one rule broken by one subject.")
class ComplianceRecord(Node):
    db_id: str
    rule_id: str
    severity: str
    status: str
    subject_type: str
    subject_id: str
    detail: str
    facts: JSON
    detected_at: datetime
    resolved_at: datetime | None
    waived_reason: str | None
    waived_at: datetime | None
    org_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, row: Any) -> ComplianceRecord:
        return cls(id=to_global_id("ComplianceRecord", row.id), db_id=row.id, rule_id=row.rule_id,
                   severity=row.severity, status=row.status, subject_type=row.subject_type, subject_id=row.subject_id,
                   detail=row.detail, facts=to_json(row.facts), detected_at=as_utc(row.detected_at),
                   resolved_at=as_utc(row.resolved_at) if row.resolved_at else None, waived_reason=row.waived_reason,
                   waived_at=as_utc(row.waived_at) if row.waived_at else None, org_id=row.org_id)

    @strawberry.field
    def rule(self) -> Rule | None:
        r = catalog().get(self.rule_id)
        return Rule(id=r.id, title=r.title, citation=r.citation, severity=r.severity, subject=r.subject) if r else None

    @strawberry.field
    async def subject(self, info: Info) -> Subject | None:
        return await load_subject(info, self.subject_type, self.subject_id)

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization(info, self.org_id)

    @strawberry.field(description="The agreement the finding is about: the subject itself, the product's "
                                  "agreement, or the first agreement naming the resource.")
    async def agreement(self, info: Info) -> Agreement | None:
        row = await info.context.loaders.agreement_for_subject.load((self.subject_type, self.subject_id))
        return Agreement.of(row) if row else None
