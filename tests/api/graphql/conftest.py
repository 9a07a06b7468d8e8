"""GraphQL fixtures: rows written through the ORM as the registry's services write them, a GraphQL caller,
and a statement counter on the registry's engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy import event

from services.registry.compliance.models import ComplianceRecord
from services.registry.operation.models import Agreement, AgreementResource, OperatorSelection, Plan
from services.registry.registration.models import Product, Resource
from tests.api.ledger.conftest import Ledger, callers, ledger  # noqa: F401  (shared fixtures)

__all__ = ["World"]


class World:
    """Organizations' records: resources, plans, agreements, products, and findings about them."""

    def __init__(self, app) -> None:
        self.app = app

    async def add(self, *rows) -> None:
        async with self.app.state.db.sessions.begin() as session:
            session.add_all(rows)

    @staticmethod
    def agreement_rows(operator: str = "op-org", implementing: str = "impl-org", region: str = "310000",
                       status: str = "active") -> tuple[Plan, OperatorSelection, Agreement]:
        plan = Plan(name="上海市公共数据授权运营实施方案", region_code=region, authorizer_name="上海市人民政府",
                    implementing_org_id=implementing, implementing_org_name="上海市大数据中心", mode="whole",
                    status="filed", created_by="u")
        selection = OperatorSelection(plan_id=plan.id, operator_org_id=operator, operator_org_name="运营公司",
                                      method="open_tender", decided_on=date(2025, 4, 1), recorded_by="u")
        agreement = Agreement(plan_id=plan.id, selection_id=selection.id, implementing_org_id=implementing,
                              operator_org_id=operator, operator_org_name="运营公司", region_code=region,
                              mode="whole", starts_on=date(2025, 5, 1), ends_on=date(2028, 4, 30), status=status,
                              created_by="u")
        return plan, selection, agreement

    async def add_in_order(self, rows: list) -> None:
        """Parents before children: the operation tables have foreign keys but no ORM relationships."""
        order = [Plan, OperatorSelection, Agreement, Resource, Product, AgreementResource, ComplianceRecord]
        async with self.app.state.db.sessions.begin() as session:
            for model in order:
                session.add_all([r for r in rows if type(r) is model])
                await session.flush()

    async def agreement(self, **kw) -> Agreement:
        rows = self.agreement_rows(**kw)
        await self.add_in_order(list(rows))
        return rows[-1]

    async def findings(self, count: int) -> list[ComplianceRecord]:
        """``count`` findings, each about its own product or resource under its own agreement and organization."""
        rows = []
        for i in range(count):
            *parents, agreement = self.agreement_rows(operator=f"op-{i}")
            rows += [*parents, agreement]
            if i % 2:
                subject = Product(org_id=f"op-{i}", org_name=f"运营公司{i}", name=f"产品{i}", form="api",
                                  use_type="industry", agreement_id=agreement.id, status="registered")
                kind = "product"
            else:
                subject = Resource(org_id=f"op-{i}", org_name=f"运营公司{i}", name=f"资源{i}", sharing_attribute="conditional",
                                   opening_attribute="conditional", grading="general", region_code="310000",
                                   status="registered")
                kind = "resource"
                rows.append(AgreementResource(agreement_id=agreement.id, resource_id=subject.id))
            rows.append(subject)
            rows.append(ComplianceRecord(rule_id="PRICE-ABOVE-CEILING" if i % 2 else "REG-FIRST-LATE",
                                         severity="hard" if i % 2 else "soft", subject_type=kind,
                                         subject_id=subject.id, org_id=f"op-{i}", detail=f"finding {i}",
                                         facts={"price": str(Decimal("1.50") + i)}))
        await self.add_in_order(rows)
        return [r for r in rows if isinstance(r, ComplianceRecord)]


@pytest_asyncio.fixture(loop_scope="session")
async def world(apps, clean) -> World:
    return World(apps.registry)


class GraphQL:
    def __init__(self, client, headers_of: dict) -> None:
        self.client = client
        self.callers = headers_of

    async def __call__(self, query: str, variables: dict | None = None, as_: str = "auditor") -> dict:
        """An operation run by a caller GraphQL admits: 200, with data and perhaps GraphQL errors."""
        response = await self.post(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, query: str, variables: dict | None = None, as_: str = "auditor"):
        """The raw HTTP answer, for callers refused at the door."""
        return await self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                      headers=self.callers[as_])


@pytest_asyncio.fixture(loop_scope="session")
async def gql(registry_client, callers) -> GraphQL:  # the imported fixture
    return GraphQL(registry_client, callers)


@pytest.fixture
def statements(apps):
    """Counts SQL statements the registry sends to its database while the test runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement != "BEGIN IMMEDIATE":  # SQLite's transaction start (kernel.db), a round trip PostgreSQL's
            seen.append(statement)         # driver folds into the first statement: count queries alike on both

    engine = apps.registry.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)
