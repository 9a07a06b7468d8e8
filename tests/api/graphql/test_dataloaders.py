"""DataLoaders everywhere: a page of compliance records with subject, organization, agreement and rule costs a
constant number of SQL statements, whatever the page size (the issue's bound: at most 6)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = """query Page($first: Int!) {
  complianceRecords(first: $first) {
    edges { node {
      ruleId severity status
      rule { id title citation severity }
      subject { __typename ... on Product { name form organization { name } } ... on Resource { name grading } }
      organization { dbId name }
      agreement { dbId status endsOn organization { name } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _statements_for(gql, statements, first: int) -> int:
    statements.clear()
    result = await gql(PAGE, {"first": first})
    assert "errors" not in result, result
    edges = result["data"]["complianceRecords"]["edges"]
    assert len(edges) == first
    assert all(e["node"]["subject"] and e["node"]["organization"]["name"] and e["node"]["agreement"]
               and e["node"]["rule"] for e in edges)
    # Only statements that read or write tables the query touches; token checks never reach the database.
    return len(statements)


async def test_page_of_compliance_records_costs_the_same_few_statements_for_10_and_100_items(gql, world,
                                                                                             statements):
    await world.findings(100)
    ten = await _statements_for(gql, statements, 10)
    hundred = await _statements_for(gql, statements, 100)
    assert ten == hundred
    assert hundred <= 6, "\n".join(s[:60] for s in statements)
