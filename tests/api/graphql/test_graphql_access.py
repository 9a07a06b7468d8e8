"""Only auditors and admins read through GraphQL (DOMAIN.md §1, Arts. 6 and 19); everyone else gets an
authorization error and no data. The query log is for admins only, and every query is logged."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUERY = "query Findings($first: Int!) { complianceRecords(first: $first) { edges { node { ruleId } } } }"
ALLOWED = {"admin", "auditor"}
EVERYONE = ("admin", "authority", "registrar", "agency", "operator", "auditor", "anonymous", "feed_client",
            "read_client")


@pytest.mark.parametrize("caller", EVERYONE)
async def test_only_auditors_and_admins_get_data(gql, world, caller):
    await world.findings(2)
    result = await gql(QUERY, {"first": 5}, as_=caller)
    if caller in ALLOWED:
        assert "errors" not in result
        assert len(result["data"]["complianceRecords"]["edges"]) == 2
    else:
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("caller", EVERYONE)
async def test_query_log_is_readable_by_admins_only(gql, caller):
    result = await gql("{ queryLog(first: 5) { edges { node { subject } } } }", as_=caller)
    if caller == "admin":
        assert "errors" not in result
    else:
        assert result["data"] is None and result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_every_auditor_query_is_logged_with_operation_and_variables(gql, world):
    await world.findings(1)
    await gql(QUERY, {"first": 3}, as_="auditor")
    log = await gql("""{ queryLog(first: 10) { edges { node {
        subject roles operationName operationType query variables allowed at } } } }""", as_="admin")
    entries = [e["node"] for e in log["data"]["queryLog"]["edges"]]
    auditor_entry = next(e for e in entries if e["roles"] == ["auditor"])
    assert auditor_entry["operationName"] == "Findings"
    assert auditor_entry["operationType"] == "query"
    assert auditor_entry["variables"] == {"first": 3}
    assert "complianceRecords" in auditor_entry["query"] and auditor_entry["allowed"] is True


async def test_refused_queries_are_logged_as_not_allowed(gql):
    await gql(QUERY, {"first": 1}, as_="operator")
    log = await gql('{ queryLog(first: 10) { edges { node { roles allowed } } } }', as_="admin")
    assert {"roles": ["operator"], "allowed": False} in [e["node"] for e in log["data"]["queryLog"]["edges"]]


async def test_a_bad_token_is_refused_before_graphql_runs(registry_client):
    response = await registry_client.post("/graphql", json={"query": "{ __typename }"},
                                          headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
