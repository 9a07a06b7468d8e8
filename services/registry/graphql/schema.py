"""The Query root, the schema with its extensions, and the FastAPI router mounted at ``/graphql``."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from services.kernel.problems import BadRequest
from services.kernel.timeutil import as_utc

from . import timetravel
from .context import context_getter
from .extensions import ProblemAwareMasking, QueryLogger
from .http import AuditRouter, problem_responses
from .limits import DEFAULT_PAGE, OperationLimits, ParseLimits, PlainArguments
from .permissions import IsAdmin, IsAuditorOrAdmin
from .queries import filtered, organizations_page, paginate_filtered
from .relay import Connection, Node, from_global_id
from .settings import GraphQLSettings
from .types_ledger import LedgerEntry, QueryLogEntry
from .types_operation import Agreement, AnnualReport, ComplianceRecord, Plan, PriceRecord, load_subject
from .types_registry import Organization, Product, Registration, Resource, organization

__all__ = ["build_schema", "graphql_router"]

AUDIT = [IsAuditorOrAdmin]
LEDGER_SEQUENCE = re.compile("[0-9]{1,18}")  # a BIGINT; str.isdigit() also takes "²" and 5,000 digits


@strawberry.input(description="Filters; each connection accepts the ones that apply to it (others are refused).")
class Filter:
    organization: str | None = None
    region: str | None = None
    status: str | None = strawberry.field(default=None, description="Status or state; for ledger entries the "
                                          "action; for prices the kind.")
    rule: str | None = None
    severity: str | None = None
    type: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    subject: str | None = None
    year: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filters(f: Filter | None) -> dict[str, Any]:
    values = asdict(f) if f is not None else {}
    for key in ("since", "until"):
        if values.get(key) is not None:
            values[key] = as_utc(values[key])
    return values


async def _connection(info: Info, name: str, f: Filter | None, first: int, after: str | None, wrap) -> Connection:
    return await paginate_filtered(info, name, _filters(f), first, after, wrap)


def _at(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


@strawberry.type
class Query:
    @strawberry.field(permission_classes=AUDIT, description="Any object by its global id (Relay).")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, db_id = from_global_id(id)
        subject_types = {"Resource": "resource", "Product": "product", "Agreement": "agreement", "Plan": "plan",
                         "Registration": "registration", "PriceRecord": "price_record",
                         "AnnualReport": "annual_report", "ComplianceRecord": "compliance_record"}
        if type_name in subject_types:
            if type_name == "ComplianceRecord":
                row = await info.context.loaders.compliance_record.load(db_id)
                return ComplianceRecord.of(row) if row else None
            return await load_subject(info, subject_types[type_name], db_id)
        if type_name == "Organization":
            return await organization(info, db_id)
        if type_name == "LedgerEntry":
            if not LEDGER_SEQUENCE.fullmatch(db_id):
                raise BadRequest("Not a node id this API issued.", slug="bad-node-id")
            from ..ledger.models import LedgerEntry as Row
            row = await info.context.session.get(Row, int(db_id))
            return LedgerEntry.of(row) if row else None
        raise BadRequest(f"No node type {type_name}.", slug="bad-node-id")

    @strawberry.field(permission_classes=AUDIT)
    async def organization(self, info: Info, id: str) -> Organization | None:
        result = await organization(info, id)
        return result if result and result.name is not None else None

    @strawberry.field(permission_classes=AUDIT, description="Every organization the registry's records name, by id.")
    async def organizations(self, info: Info, first: int = DEFAULT_PAGE, after: str | None = None
                            ) -> Connection[Organization]:
        return await organizations_page(info, first, after)

    @strawberry.field(permission_classes=AUDIT, description="A resource; with asOf, as it stood then.")
    async def resource(self, info: Info, id: str, as_of: datetime | None = None) -> Resource | None:
        row = await info.context.loaders.resource.load(id)
        if row is None:
            return None
        return Resource.of(row) if as_of is None else await timetravel.subject_as_of(info, "resource", row, _at(as_of))

    @strawberry.field(permission_classes=AUDIT, description="A product; with asOf, as it stood then.")
    async def product(self, info: Info, id: str, as_of: datetime | None = None) -> Product | None:
        row = await info.context.loaders.product.load(id)
        if row is None:
            return None
        return Product.of(row) if as_of is None else await timetravel.subject_as_of(info, "product", row, _at(as_of))

    @strawberry.field(permission_classes=AUDIT, description="An agreement; with asOf, as it stood then.")
    async def agreement(self, info: Info, id: str, as_of: datetime | None = None) -> Agreement | None:
        row = await info.context.loaders.agreement.load(id)
        if row is None:
            return None
        return Agreement.of(row) if as_of is None else await timetravel.agreement_as_of(info, row, _at(as_of))

    @strawberry.field(permission_classes=AUDIT, description="Prices of a product; with asOf, as shown then.")
    async def prices(self, info: Info, product_id: str, as_of: datetime | None = None) -> list[PriceRecord]:
        if as_of is not None:
            return await timetravel.prices_as_of(info, product_id, _at(as_of))
        query, _ = filtered("prices", {"subject_id": product_id})
        from ..pricing.models import PriceRecord as Row
        rows = (await info.context.session.scalars(query.order_by(Row.layer, Row.effective_from))).all()
        return [PriceRecord.of(r) for r in rows]

    @strawberry.field(permission_classes=AUDIT)
    async def registration(self, info: Info, id: str) -> Registration | None:
        row = await info.context.loaders.registration.load(id)
        return Registration.of(row) if row else None

    @strawberry.field(permission_classes=AUDIT)
    async def resources(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                        after: str | None = None) -> Connection[Resource]:
        return await _connection(info, "resources", filter, first, after, Resource.of)

    @strawberry.field(permission_classes=AUDIT)
    async def products(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                       after: str | None = None) -> Connection[Product]:
        return await _connection(info, "products", filter, first, after, Product.of)

    @strawberry.field(permission_classes=AUDIT)
    async def registrations(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                            after: str | None = None) -> Connection[Registration]:
        return await _connection(info, "registrations", filter, first, after, Registration.of)

    @strawberry.field(permission_classes=AUDIT)
    async def plans(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                    after: str | None = None) -> Connection[Plan]:
        return await _connection(info, "plans", filter, first, after, Plan.of)

    @strawberry.field(permission_classes=AUDIT)
    async def agreements(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                         after: str | None = None) -> Connection[Agreement]:
        return await _connection(info, "agreements", filter, first, after, Agreement.of)

    @strawberry.field(permission_classes=AUDIT)
    async def price_records(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                            after: str | None = None) -> Connection[PriceRecord]:
        return await _connection(info, "prices", filter, first, after, PriceRecord.of)

    @strawberry.field(permission_classes=AUDIT)
    async def annual_reports(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                             after: str | None = None) -> Connection[AnnualReport]:
        return await _connection(info, "reports", filter, first, after, AnnualReport.of)

    @strawberry.field(permission_classes=AUDIT)
    async def compliance_records(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                                 after: str | None = None) -> Connection[ComplianceRecord]:
        return await _connection(info, "compliance", filter, first, after, ComplianceRecord.of)

    @strawberry.field(permission_classes=AUDIT, description="Ledger entries, newest first.")
    async def ledger_entries(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                             after: str | None = None) -> Connection[LedgerEntry]:
        return await _connection(info, "ledger", filter, first, after, LedgerEntry.of)

    # Nullable: an auditor may ask for it beside other fields, and its refusal then nulls only this field.
    @strawberry.field(permission_classes=[IsAdmin], description="Operations run by auditors and admins, newest "
                      "first; admins only (null with an error for an auditor).")
    async def query_log(self, info: Info, filter: Filter | None = None, first: int = DEFAULT_PAGE,
                        after: str | None = None) -> Connection[QueryLogEntry] | None:
        return await _connection(info, "query_log", filter, first, after, QueryLogEntry.of)


class AuditSchema(strawberry.Schema):
    """Logs only unexpected errors: refusals, bad queries and our problem types are the caller's business."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        unexpected = [e for e in errors if ProblemAwareMasking.is_unexpected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: GraphQLSettings) -> strawberry.Schema:
    # Factories, not instances: Strawberry builds fresh extensions for every operation.
    extensions: list[Any] = [
        lambda: ParseLimits(settings),
        lambda: AddValidationRules([OperationLimits(settings)]),
        PlainArguments,
        ProblemAwareMasking,
        lambda: QueryLogger(settings),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return AuditSchema(query=Query, extensions=extensions, config=StrawberryConfig(auto_camel_case=True),
                             types=[Resource, Product, Agreement, Plan, Registration, PriceRecord, AnnualReport,
                                    ComplianceRecord, LedgerEntry, Organization, QueryLogEntry])


def graphql_router(demo: bool, settings: GraphQLSettings | None = None) -> AuditRouter:
    resolved = (settings or GraphQLSettings()).resolved(demo)
    # GraphQL describes itself (introspection), so it stays out of the REST OpenAPI document.
    router = AuditRouter(build_schema(resolved), resolved, path="/graphql", context_getter=context_getter(resolved),
                         graphql_ide="graphiql" if resolved.graphiql else None, include_in_schema=False)
    for route in router.routes:
        if hasattr(route, "methods"):  # the HTTP routes, not the websocket one
            route.endpoint = problem_responses(route.endpoint)
    return router
