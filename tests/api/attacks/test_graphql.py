"""GraphQL abuse (issue 18): every probe is refused early, with a 4xx problem or a GraphQL error naming why,
never a 500 or "Unexpected error.", and the query log grows by a bounded amount whatever was sent.

The GraphQL API is the auditors' (DOMAIN.md §1, Arts. 6 and 19); its query log records what they ran. The
attack run found a refused 5 MB query adding 5.2 MB to that log, bodies that Python's ``json`` turns into a 500
(invalid UTF-8, 10,000-deep, 5,000 digits), and crafted ``after`` cursors answered "Unexpected error.".
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time

import pytest
from sqlalchemy import select

from services.registry.graphql.models import QueryLog
from services.registry.graphql.schema import build_schema
from services.registry.graphql.settings import GraphQLSettings
from tests.api.graphql.conftest import gql, statements  # noqa: F401  (pytest fixtures)
from tests.api.ledger.conftest import callers, ledger  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIMITS = GraphQLSettings()
PROBLEMS = "https://pdr.example.gov.cn/problems/"
CHEAP = 2.0  # seconds: every refusal here takes milliseconds; a slow machine gets a wide margin
TYPENAME = "{ __typename }"


class QueryLogSize:
    """Rows and characters (query text, variables as JSON, names) the query log holds."""

    def __init__(self, app) -> None:
        self.app = app

    async def rows(self) -> list[QueryLog]:
        async with self.app.state.db.sessions() as session:
            return list((await session.scalars(select(QueryLog).order_by(QueryLog.at, QueryLog.id))).all())

    async def measure(self) -> tuple[int, int]:
        rows = await self.rows()
        return len(rows), sum(len(r.query) + len(json.dumps(r.variables)) + len(r.operation_name or "")
                              for r in rows)


@pytest.fixture
def log(apps, clean) -> QueryLogSize:
    return QueryLogSize(apps.registry)


async def post(client, headers, body: bytes | str) -> tuple[object, float]:
    content = body.encode() if isinstance(body, str) else body
    started = time.perf_counter()
    response = await client.post("/graphql", content=content, headers={**headers, "content-type": "application/json"})
    return response, time.perf_counter() - started


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == PROBLEMS + slug and body["status"] == status, body
    return body


async def still_answers(client, headers) -> None:
    """The same client is served after the refusal (a 500 from an unhandled error drops the connection)."""
    response = await client.post("/graphql", json={"query": TYPENAME}, headers=headers)
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- Oversized queries: refused before parsing, logged as an excerpt + digest + reason ---------------------


async def test_a_query_longer_than_the_limit_is_refused_before_parsing_and_logged_as_an_excerpt(
        registry_client, callers, log):
    query = "query Huge { __typename " + "a " * 100_000 + "}"  # 200 KB: under the 256 KiB body limit
    response, took = await post(registry_client, callers["auditor"], json.dumps({"query": query, "variables": {
        "filter": {"organization": "x" * 5_000}}}))
    body = assert_problem(response, 413, "query-too-long")
    assert body["limit"] == LIMITS.max_query_length and took < CHEAP
    (row,) = await log.rows()
    assert row.refusal == "query-too-long" and row.allowed and row.subject
    assert row.query == query[:LIMITS.log_excerpt]
    assert row.query_sha256 == hashlib.sha256(query.encode()).hexdigest() and row.query_length == len(query)
    assert set(row.variables) == {"$omitted"}  # 5,000 characters of variables are not kept either
    assert (await log.measure())[1] < 2 * LIMITS.log_excerpt
    await still_answers(registry_client, callers["auditor"])


async def test_admins_read_the_excerpt_digest_and_reason_of_a_refusal(registry_client, callers, gql, log):
    query = "{ __typename " + "a " * 15_000 + "}"
    response, _ = await post(registry_client, callers["auditor"], json.dumps({"query": query}))
    assert_problem(response, 413, "query-too-long")
    result = await gql("{ queryLog(first: 1) { edges { node { query querySha256 queryLength refusal allowed } } } }",
                       as_="admin")
    assert result["data"]["queryLog"]["edges"][0]["node"] == {
        "query": query[:LIMITS.log_excerpt], "querySha256": hashlib.sha256(query.encode()).hexdigest(),
        "queryLength": len(query), "refusal": "query-too-long", "allowed": True}


async def test_a_long_query_sent_by_get_is_refused_the_same_way(registry_client, callers, log):
    query = "{ __typename " + "a " * 15_000 + "}"
    response = await registry_client.get("/graphql", params={"query": query}, headers=callers["auditor"])
    assert_problem(response, 413, "query-too-long")
    (row,) = await log.rows()
    assert row.refusal == "query-too-long" and len(row.query) == LIMITS.log_excerpt


async def test_a_5_mb_query_is_refused_before_it_is_read_and_not_logged(registry_client, callers, log):
    response, took = await post(registry_client, callers["auditor"], json.dumps({"query": "{ " + "a " * 2_500_000 + "}"}))
    assert_problem(response, 413, "content-too-large")
    assert took < CHEAP and await log.measure() == (0, 0)


async def test_a_refused_callers_long_query_is_logged_as_an_excerpt(registry_client, callers, log):
    query = "{ __typename " + "a " * 100_000 + "}"
    response, _ = await post(registry_client, callers["operator"], json.dumps({"query": query}))
    assert_problem(response, 403, "role-required")
    (row,) = await log.rows()
    assert row.refusal == "role-required" and not row.allowed
    assert row.query == query[:LIMITS.log_excerpt] and row.query_length == len(query)
    assert row.query_sha256 == hashlib.sha256(query.encode()).hexdigest()


async def test_a_query_refused_while_validating_keeps_an_excerpt_and_its_reason(gql, log):
    # 40 fragments each spreading the next twice: 2^40 fields in 1.6 KB
    laughs = "query Laughs { ...F0 } " + " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40)) + " fragment F40 on Query { __typename }"
    started = time.perf_counter()
    result = await gql(laughs)
    assert time.perf_counter() - started < CHEAP
    assert result["data"] is None and result["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    (row,) = await log.rows()
    assert row.refusal == "QUERY_TOO_COSTLY" and row.operation_name == "Laughs" and row.allowed
    assert row.query == laughs[:LIMITS.log_excerpt] and row.query_length == len(laughs)


async def test_a_query_that_does_not_parse_keeps_an_excerpt_and_its_reason(gql, log):
    nested = "{" + "a{" * 3_000 + "b" + "}" * 3_001
    result = await gql(nested)
    assert "nested too deeply" in result["errors"][0]["message"]
    (row,) = await log.rows()
    assert row.refusal == "GRAPHQL_PARSE_FAILED" and row.operation_type == "invalid"
    assert len(row.query) == LIMITS.log_excerpt and row.query_length == len(nested)


async def test_an_operation_that_ran_keeps_its_whole_text(gql, log):
    query = "query Small($f: Filter) { resources(filter: $f) { edges { node { id } } } }"
    result = await gql(query, {"f": {"organization": "org-1"}})
    assert "errors" not in result
    (row,) = await log.rows()
    assert row.refusal is None and row.query == query and row.variables == {"f": {"organization": "org-1"}}


async def test_a_nul_in_a_query_is_logged_without_breaking_the_log(gql, log):
    result = await gql("{ __typename }\u0000")
    assert result["errors"][0]["message"].startswith("Syntax Error")
    (row,) = await log.rows()  # PostgreSQL text holds no NUL: the log shows U+FFFD, the digest has the original
    assert row.query == "{ __typename }\ufffd"
    assert row.query_sha256 == hashlib.sha256("{ __typename }\u0000".encode()).hexdigest()


# --- Bodies Python's json turns into a 500 ----------------------------------------------------------------

MALFORMED = {
    "invalid UTF-8": b'{"query": "{ __typename }", "operationName": "\xff"}',
    "a lone surrogate": b'{"query": "{ __typename }", "operationName": "\\ud800"}',
    "10,000-deep JSON": b'{"query": "{ __typename }", "variables": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "900-deep variables": b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 900 + b"]" * 900 + b"}}",
    "variables past the depth limit": b'{"query": "{ __typename }", "variables": {"a": ' + b'{"b": ' * 10
                                      + b"1" + b"}" * 10 + b"}}",
    "a 5,000-digit number": b'{"query": "{ __typename }", "variables": {"n": ' + b"9" * 5_000 + b"}}",
    "a number past a double": b'{"query": "{ __typename }", "variables": {"n": 1e400}}',
    "not JSON": b"{not json",
    "a bare number": b"5",
    "null": b"null",
    "a string": b'"{ __typename }"',
}


@pytest.mark.parametrize("name", MALFORMED)
async def test_a_malformed_body_is_a_400_problem(registry_client, callers, log, name):
    response, took = await post(registry_client, callers["auditor"], MALFORMED[name])
    assert_problem(response, 400, "bad-json")
    assert took < CHEAP and await log.measure() == (0, 0)
    await still_answers(registry_client, callers["auditor"])


@pytest.mark.parametrize("name", ["invalid UTF-8", "10,000-deep JSON", "a 5,000-digit number"])
async def test_a_malformed_body_from_a_refused_caller_is_a_403_logged_without_its_body(
        registry_client, callers, log, name):
    response, _ = await post(registry_client, callers["operator"], MALFORMED[name])
    assert_problem(response, 403, "role-required")
    (row,) = await log.rows()
    assert row.query == "" and row.variables == {} and row.refusal == "role-required"


async def test_deep_variables_sent_by_get_are_a_400_problem(registry_client, callers, log):
    response = await registry_client.get("/graphql", headers=callers["auditor"], params={
        "query": TYPENAME, "variables": "[" * 10_000 + "]" * 10_000})
    assert_problem(response, 400, "bad-json")
    assert await log.measure() == (0, 0)


async def test_an_operation_name_that_is_not_a_string_is_a_400_problem(registry_client, callers, log):
    response, _ = await post(registry_client, callers["auditor"],
                             json.dumps({"query": TYPENAME, "operationName": {"a": 1}}))
    assert_problem(response, 400, "bad-request")
    assert await log.measure() == (0, 0)


async def test_a_batch_of_1000_operations_is_refused_as_a_whole(registry_client, callers, log):
    response, took = await post(registry_client, callers["auditor"], json.dumps([{"query": TYPENAME}] * 1_000))
    body = assert_problem(response, 400, "bad-request")
    assert body["detail"] == "Batching is not enabled"
    assert took < CHEAP and await log.measure() == (0, 0)


# --- Crafted cursors and ids ------------------------------------------------------------------------------

CONNECTIONS = ["organizations", "resources", "products", "registrations", "plans", "agreements", "priceRecords",
               "annualReports", "complianceRecords", "ledgerEntries", "queryLog"]
CURSORS = {
    "an object": "W3siYSI6MX1d",  # [{"a":1}]
    "a float past every key": b64("[1e30]"),
    "a number past BIGINT": b64("[" + "9" * 30 + "]"),
    "null": b64("[null]"),
    "a boolean": b64("[true]"),
    "a NUL": b64('["\\u0000"]'),
    "an overlong id": b64(json.dumps(["x" * 300])),
    "two keys": b64("[1, 2]"),
    "not base64 JSON": "!!!",
}


@pytest.mark.parametrize("field", CONNECTIONS)
async def test_a_crafted_after_cursor_is_a_bad_cursor_error_on_every_connection(gql, field):
    for name, cursor in CURSORS.items():
        result = await gql("query($after: String) { %s(after: $after) { edges { cursor } } }" % field,
                           {"after": cursor}, as_="admin")
        (error,) = result["errors"]
        assert error["message"] == "The cursor is not one this service issued.", (name, error)
        assert error["extensions"]["type"] == PROBLEMS + "bad-cursor" and error["extensions"]["status"] == 400
        assert result["data"] in (None, {field: None})


async def test_a_string_cursor_on_the_ledger_sequence_is_a_bad_cursor(gql):
    result = await gql('{ ledgerEntries(after: "%s") { edges { cursor } } }' % b64('["abc"]'))
    assert result["errors"][0]["extensions"]["type"] == PROBLEMS + "bad-cursor"


async def test_a_cursor_a_connection_issued_still_pages(gql, ledger):
    sequences = await ledger.append(3)
    first = await gql("{ ledgerEntries(first: 2) { edges { node { sequence } } pageInfo { endCursor } } }")
    cursor = first["data"]["ledgerEntries"]["pageInfo"]["endCursor"]
    rest = await gql('{ ledgerEntries(first: 2, after: "%s") { edges { node { sequence } } } }' % cursor)
    assert [e["node"]["sequence"] for e in rest["data"]["ledgerEntries"]["edges"]] == [min(sequences)]


NODE_IDS = {
    "a superscript sequence": b64("LedgerEntry:²"),
    "a 5,000-digit sequence": b64("LedgerEntry:" + "9" * 5_000),
    "a sequence past BIGINT": b64("LedgerEntry:" + "9" * 30),
    "a NUL id": b64("Resource:a\u0000b"),
    "an overlong id": b64("Resource:" + "x" * 300),
    "no id": b64("Resource:"),
    "not base64": "%%%",
}


@pytest.mark.parametrize("name", NODE_IDS)
async def test_a_crafted_node_id_is_a_bad_node_id_error(gql, name):
    result = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": NODE_IDS[name]})
    (error,) = result["errors"]
    assert error["extensions"]["type"] == PROBLEMS + "bad-node-id", error
    assert result["data"] == {"node": None}


CONTROL = {"NUL": "\u0000", "ESC": "\u001b", "a line break": "\n", "RIGHT-TO-LEFT OVERRIDE": "\u202e"}


@pytest.mark.parametrize("name", CONTROL)
async def test_a_control_character_in_an_argument_is_refused_before_any_query(gql, statements, name):
    char = CONTROL[name]
    by_variable = await gql("query($f: Filter) { resources(filter: $f) { edges { node { id } } } }",
                            {"f": {"organization": f"org{char}1"}})
    literal = await gql('{ resource(id: "%s") { name } }' % json.dumps(f"r{char}1")[1:-1])
    for result in (by_variable, literal):
        assert result["data"] is None
        assert result["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "reason": "control-character"}
    assert not [s for s in statements if "resources" in s and "graphql_query_log" not in s]


# --- Shape of the operation: depth, cost, aliases, fragments, introspection, tokens -----------------------


async def test_a_query_deeper_than_the_limit_is_refused(gql):
    deep = "{ complianceRecords { edges { node { agreement { plan { organization { " + "name " + "} } } } } } }"
    assert "errors" not in await gql(deep)
    schema = build_schema(GraphQLSettings(max_depth=4))
    result = await schema.execute(deep)
    assert result.errors[0].extensions == {"code": "QUERY_TOO_DEEP", "value": 6, "limit": 4}


async def test_more_aliases_than_the_limit_are_refused(gql):
    many = "{ " + " ".join(f"a{i}: __typename" for i in range(LIMITS.max_aliases + 1)) + " }"
    result = await gql(many)
    assert result["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    enough = "{ " + " ".join(f"a{i}: __typename" for i in range(LIMITS.max_aliases)) + " }"
    assert "errors" not in await gql(enough)


async def test_aliased_pages_are_priced_together(gql):
    pages = "{ " + " ".join(f"p{i}: resources(first: 100) {{ edges {{ node {{ name organization {{ name }} }} }} }}"
                            for i in range(60)) + " }"
    result = await gql(pages)
    assert result["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


@pytest.mark.parametrize("fragments", [20, 40, 60])
async def test_fragments_spreading_each_other_are_measured_once_each(gql, fragments):
    laughs = "query { ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}"
                                         for i in range(fragments)) + f" fragment F{fragments} on Query {{ __typename }}"
    started = time.perf_counter()
    result = await gql(laughs)
    assert time.perf_counter() - started < CHEAP
    assert result["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_a_long_chain_of_fragments_is_refused_without_unexpected_error(gql):
    chain = "query { ...F0 } " + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(500)) \
        + " fragment F500 on Query { __typename }"
    assert len(chain) < LIMITS.max_query_length
    result = await gql(chain)
    assert result["data"] is None and result["errors"]
    assert all(e["message"] != "Unexpected error." for e in result["errors"])


async def test_a_fragment_cycle_is_refused(gql):
    result = await gql("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert result["errors"][0]["message"] == "Cannot spread fragment 'A' within itself via 'B'."


async def test_an_unknown_fragment_is_refused(gql):
    result = await gql("{ ...Nowhere }")
    assert result["errors"][0]["message"] == "Unknown fragment 'Nowhere'."


async def test_introspection_is_refused_outside_the_demo(gql):
    result = await gql("{ __schema { types { name } } }")
    assert "introspection" in result["errors"][0]["message"].lower()


async def test_introspection_in_the_demo_is_one_schema_per_operation():
    from graphql import get_introspection_query

    demo = build_schema(GraphQLSettings(introspection=True))
    assert not (await demo.execute(get_introspection_query(descriptions=True))).errors  # what GraphiQL sends
    three = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(3)) + " }"
    result = await demo.execute(three)
    assert result.errors[0].extensions["code"] == "TOO_MUCH_INTROSPECTION"
    deep = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    assert (await demo.execute(deep)).errors[0].message == "Maximum introspection depth exceeded"


async def test_the_parser_stops_at_the_token_limit():
    schema = build_schema(GraphQLSettings(max_tokens=50))
    result = await schema.execute("{ " + "__typename " * 60 + "}")
    assert "more than 50 tokens" in result.errors[0].message


async def test_refused_inputs_in_a_burst_stay_cheap_and_the_log_bounded(registry_client, callers, log):
    """Twenty of the worst inputs at once: each answered with its refusal, the log growing by excerpts only."""
    big = json.dumps({"query": "{ __typename " + "a " * 100_000 + "}"})
    bodies = [big, MALFORMED["10,000-deep JSON"], MALFORMED["a 5,000-digit number"], MALFORMED["invalid UTF-8"]] * 5
    started = time.perf_counter()
    answers = await asyncio.gather(*[post(registry_client, callers["auditor"], body) for body in bodies])
    assert time.perf_counter() - started < 5 * CHEAP
    assert sorted(response.status_code for response, _ in answers) == [400] * 15 + [413] * 5
    rows, size = await log.measure()
    assert rows == 5 and size <= 5 * (LIMITS.log_excerpt + 10)
