"""Depth and cost limits, error masking that keeps our problem types, introspection as a setting."""

from __future__ import annotations

import pytest
from graphql import parse

from services.registry.graphql.limits import operation_cost
from services.registry.graphql.schema import build_schema, graphql_router
from services.registry.graphql.settings import GraphQLSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_too_deep_a_query_is_refused(gql):
    seven_deep = "{ complianceRecords { edges { node { agreement { plan { organization { name } } } } } } }"
    assert "errors" not in await gql(seven_deep)  # the default limit is 10
    shallow = build_schema(GraphQLSettings(max_depth=4))
    result = await shallow.execute(seven_deep)
    assert result.errors and result.errors[0].extensions == {"code": "QUERY_TOO_DEEP", "value": 6, "limit": 4}


async def test_too_costly_a_query_is_refused_before_it_runs(gql):
    costly = ("{ agreements(first: 100) { edges { node { resources { name organization { name } } products {"
              " name organization { name } } versions { version } plan { name } } } } "
              "complianceRecords(first: 100) { edges { node { subject { ... on Product { name } } } } } }")
    schema = build_schema(GraphQLSettings(max_cost=500))
    result = await schema.execute(costly)
    assert result.errors and result.errors[0].extensions["code"] == "QUERY_TOO_COSTLY"
    document = parse("{ agreements(first: 5) { edges { node { dbId plan { name } } } } }")
    # agreements 1 + per item (edges, node, dbId, plan, name) 5 x 5
    assert operation_cost(document.definitions[0].selection_set, {}, max_page=100) == 26


async def test_variables_are_priced_at_the_page_limit():
    document = parse("query($n: Int!) { agreements(first: $n) { edges { node { dbId } } } }")
    assert operation_cost(document.definitions[0].selection_set, {}, max_page=100) == 1 + 3 * 100


async def test_our_problem_types_are_shown_and_other_errors_masked(gql):
    result = await gql("{ resources(first: 5000) { edges { node { name } } } }")
    error = result["errors"][0]
    assert error["extensions"]["type"].endswith("/bad-page-size") and error["extensions"]["status"] == 400
    result = await gql('{ complianceRecords(filter: {region: "310000"}) { edges { node { id } } } }')
    assert result["errors"][0]["extensions"]["type"].endswith("/unknown-filter")
    result = await gql('{ ledgerEntries(after: "%s") { edges { node { sequence } } } }' % "W10")
    assert result["errors"][0]["extensions"]["type"].endswith("/bad-cursor")


async def test_unexpected_errors_are_masked(gql, world, monkeypatch):
    from services.registry.graphql import types_operation

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret connection string postgres://admin:pw@db")

    monkeypatch.setattr(types_operation, "catalog", broken)
    await world.findings(1)
    result = await gql("{ complianceRecords { edges { node { rule { id } } } } }")
    assert result["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in str(result)


async def test_introspection_follows_the_setting(gql):
    assert "errors" in await gql("{ __schema { queryType { name } } }")  # the test app is not the demo
    on = build_schema(GraphQLSettings(introspection=True, graphiql=True))
    result = await on.execute("{ __schema { queryType { name } } }")
    assert not result.errors and result.data["__schema"]["queryType"]["name"] == "Query"


async def test_graphiql_is_on_in_the_demo_and_off_otherwise():
    assert graphql_router(demo=True).graphql_ide == "graphiql"
    assert graphql_router(demo=False).graphql_ide is None
    assert graphql_router(demo=False, settings=GraphQLSettings(graphiql=True)).graphql_ide == "graphiql"


async def test_malformed_http_requests_get_problem_json(registry_client, callers):
    response = await registry_client.post("/graphql", content=b"{not json", headers={
        **callers["auditor"], "content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/bad-json")
