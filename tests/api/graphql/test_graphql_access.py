"""Only auditors and admins read through GraphQL (DOMAIN.md §1, Arts. 6 and 19). Everyone else is refused at the
door the way REST refuses (issue 14, item 7): no or a bad token → 401 problem+json with ``WWW-Authenticate``,
any other role or a machine client → 403 problem+json; no GraphQL runs and no data is shown. Errors inside an
authorized execution stay GraphQL errors in a 200 answer. The query log is for admins, and every query is
logged, refused ones too."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from services.kernel.problems import PROBLEM_BASE, install_problem_handlers
from services.registry.graphql.schema import graphql_router

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUERY = "query Findings($first: Int!) { complianceRecords(first: $first) { edges { node { ruleId } } } }"
ALLOWED = ("admin", "auditor")
REFUSED_ROLES = ("authority", "registrar", "agency", "operator", "feed_client", "read_client")
PROBLEM_JSON = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"] == PROBLEM_BASE + slug and body["status"] == status
    assert "data" not in body and "errors" not in body  # a refusal, not a GraphQL response
    return body


@pytest.mark.parametrize("caller", ALLOWED)
async def test_auditors_and_admins_get_data(gql, world, caller):
    await world.findings(2)
    result = await gql(QUERY, {"first": 5}, as_=caller)
    assert "errors" not in result
    assert len(result["data"]["complianceRecords"]["edges"]) == 2


async def test_an_anonymous_caller_gets_401_problem_with_www_authenticate(gql, registry_client):
    for response in (await gql.post(QUERY, {"first": 5}, as_="anonymous"),
                     await registry_client.get("/graphql", params={"query": "{ __typename }"})):
        body = assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert body["detail"] == "A bearer access token is required."


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Basic YXVkaXRvcjpwdw==", "Bearer ", "tampered"])
async def test_a_bad_token_gets_401_problem_before_graphql_runs(registry_client, callers, authorization):
    if authorization == "tampered":  # a real auditor token whose signature no longer matches
        token = callers["auditor"]["Authorization"].removeprefix("Bearer ")
        authorization = "Bearer " + token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = await registry_client.post("/graphql", json={"query": QUERY, "variables": {"first": 1}},
                                          headers={"Authorization": authorization})
    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("caller", REFUSED_ROLES)
async def test_every_role_without_access_gets_403_problem_and_no_data(gql, world, caller):
    await world.findings(1)
    body = assert_problem(await gql.post(QUERY, {"first": 5}, as_=caller), 403, "role-required")
    assert body["detail"] == "The GraphQL API is for the auditor and admin roles."


async def test_the_refusal_has_the_type_uri_of_a_rest_refusal(gql, registry_client, callers):
    rest = await registry_client.post("/compliance/sweep", json={}, headers=callers["operator"])  # admins only
    graphql = await gql.post(QUERY, {"first": 1}, as_="operator")
    assert rest.status_code == graphql.status_code == 403
    assert rest.json()["type"] == graphql.json()["type"]


async def test_even_typename_and_introspection_need_an_auditor(gql):
    assert_problem(await gql.post("{ __typename }", as_="anonymous"), 401, "unauthorized")
    assert_problem(await gql.post("{ __schema { queryType { name } } }", as_="operator"), 403, "role-required")


async def test_an_auditor_asking_for_the_query_log_gets_a_graphql_error_in_a_200(gql, world):
    await world.findings(1)
    result = await gql("{ complianceRecords(first: 5) { edges { node { ruleId } } } "
                       "queryLog(first: 5) { edges { node { subject } } } }", as_="auditor")
    assert len(result["data"]["complianceRecords"]["edges"]) == 1  # what the auditor may read is answered
    assert result["data"]["queryLog"] is None
    [error] = result["errors"]
    assert error["path"] == ["queryLog"] and error["extensions"]["code"] == "FORBIDDEN"


async def test_an_auditor_field_error_with_a_problem_type_stays_a_graphql_error(gql):
    result = await gql('{ ledgerEntries(after: "W10") { edges { node { sequence } } } }', as_="auditor")
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["type"] == PROBLEM_BASE + "bad-cursor"


@pytest.mark.parametrize("caller", ["admin", "auditor", *REFUSED_ROLES, "anonymous"])
async def test_query_log_is_readable_by_admins_only(gql, caller):
    query = "{ queryLog(first: 5) { edges { node { subject } } } }"
    if caller == "admin":
        assert "errors" not in await gql(query, as_=caller)
    elif caller == "auditor":
        assert (await gql(query, as_=caller))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    else:
        assert (await gql.post(query, as_=caller)).status_code in (401, 403)


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
    assert (await gql.post(QUERY, {"first": 1}, as_="operator")).status_code == 403
    log = await gql("{ queryLog(first: 10) { edges { node { roles allowed operationName operationType "
                    "variables } } } }", as_="admin")
    assert {"roles": ["operator"], "allowed": False, "operationName": "Findings", "operationType": "query",
            "variables": {"first": 1}} in [e["node"] for e in log["data"]["queryLog"]["edges"]]


async def test_graphiql_page_is_served_to_anyone_but_its_operations_need_an_auditor(apps, callers):
    # The demo's GraphQL router (GraphiQL and introspection on) over the test registry's database and keys.
    demo = FastAPI()
    install_problem_handlers(demo)
    demo.state.db, demo.state.verifier = apps.registry.state.db, apps.registry.state.verifier
    demo.include_router(graphql_router(demo=True))
    introspection = {"query": "{ __schema { queryType { name } } }"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=demo), base_url="http://registry.test") as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert_problem(await client.post("/graphql", json=introspection), 401, "unauthorized")
        schema = await client.post("/graphql", json=introspection, headers=callers["auditor"])
        assert schema.status_code == 200 and schema.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_a_field_error_beside_fields_still_reading_leaves_a_clean_200(gql, world):
    # A non-null field's error nulls the whole answer and GraphQL cancels its siblings mid-statement; the
    # request's session must survive that, so the answer is still the GraphQL error, not a 500.
    await world.findings(3)
    for _ in range(5):
        result = await gql('{ resources(first: 50) { edges { node { name organization { name } } } } '
                           'complianceRecords(first: 50) { edges { node { ruleId subject { __typename } } } } '
                           'ledgerEntries(after: "W10") { edges { node { sequence } } } }', as_="auditor")
        assert result["data"] is None
        assert [e["extensions"]["type"] for e in result["errors"]] == [PROBLEM_BASE + "bad-cursor"]
