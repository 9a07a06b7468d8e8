"""What auditors read: Relay pages with cursors and filters, node(id), registrations with history and
deadlines, ledger entries whose inclusion proofs check against the signed tree head."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest

from services.kernel.timeutil import utcnow
from services.registry.ledger import merkle
from services.registry.registration.models import Registration, RegistrationEvent

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_pages_follow_cursors_without_gaps_or_repeats(gql, world):
    findings = await world.findings(7)
    seen, after = [], None
    while True:
        page = (await gql("""query($after: String) { complianceRecords(first: 3, after: $after) {
            totalCount edges { node { dbId } } pageInfo { hasNextPage endCursor } } }""", {"after": after}))
        connection = page["data"]["complianceRecords"]
        assert connection["totalCount"] == 7
        seen += [e["node"]["dbId"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == sorted(f.id for f in findings)


async def test_compliance_records_filter_by_rule_severity_status_organization_subject_and_time(gql, world):
    findings = await world.findings(6)
    async def ids(filter_: dict) -> set[str]:
        result = await gql("query($f: Filter) { complianceRecords(filter: $f, first: 100) { edges { node { dbId } } } }",
                           {"f": filter_})
        assert "errors" not in result, result
        return {e["node"]["dbId"] for e in result["data"]["complianceRecords"]["edges"]}

    priced = {f.id for f in findings if f.rule_id == "PRICE-ABOVE-CEILING"}
    assert await ids({"rule": "PRICE-ABOVE-CEILING"}) == priced
    assert await ids({"severity": "hard"}) == priced
    assert await ids({"status": "open"}) == {f.id for f in findings}
    assert await ids({"organization": "op-2"}) == {findings[2].id}
    assert await ids({"subjectType": "resource", "subjectId": findings[0].subject_id}) == {findings[0].id}
    now = utcnow()
    assert await ids({"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()}) \
        == {f.id for f in findings}
    assert await ids({"since": (now + timedelta(hours=1)).isoformat()}) == set()


async def test_node_resolves_every_global_id_it_hands_out(gql, world):
    await world.findings(2)
    page = await gql("""{ complianceRecords { edges { node { id agreement { id } organization { id }
        subject { __typename ... on Product { id } ... on Resource { id } } } } } }""")
    # The finding about a product: ids made in the same millisecond do not sort in the order they were made.
    (node,) = [e["node"] for e in page["data"]["complianceRecords"]["edges"]
               if e["node"]["subject"]["__typename"] == "Product"]
    for global_id, typename in ((node["id"], "ComplianceRecord"), (node["agreement"]["id"], "Agreement"),
                                (node["organization"]["id"], "Organization"), (node["subject"]["id"], "Product")):
        result = await gql("query($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id})
        assert result["data"]["node"] == {"__typename": typename, "id": global_id}
    bad = await gql('{ node(id: "not-ours") { id } }')
    assert bad["errors"][0]["extensions"]["type"].endswith("/bad-node-id")


async def test_registration_shows_its_history_and_deadlines(gql, world, apps):
    registration = Registration(subject_type="resource", subject_id="res-1", type="first", state="under_review",
                                org_id="agency-1", data_name="企业登记信息", materials_digest="0" * 64,
                                submitted_at=utcnow(), created_by="u1", acceptance_due_on=date(2026, 3, 4),
                                review_due_on=date(2026, 4, 1), provisional=True)
    await world.add(registration)
    await world.add(RegistrationEvent(registration_id=registration.id, action="submit", to_state="submitted",
                                      actor="u1", actor_org="agency-1", at=utcnow() - timedelta(days=2)),
                    RegistrationEvent(registration_id=registration.id, action="accept", from_state="submitted",
                                      to_state="under_review", actor="r1", actor_org="body", detail={"note": "ok"}))
    result = await gql("""query($f: Filter) { registrations(filter: $f) { edges { node { dataName state
        deadlines { acceptanceDueOn reviewDueOn provisional } history { action fromState toState actor detail } } } } }""",
                       {"f": {"organization": "agency-1", "status": "under_review"}})
    node = result["data"]["registrations"]["edges"][0]["node"]
    assert node["deadlines"] == {"acceptanceDueOn": "2026-03-04", "reviewDueOn": "2026-04-01", "provisional": True}
    assert [h["action"] for h in node["history"]] == ["submit", "accept"]
    assert node["history"][1] == {"action": "accept", "fromState": "submitted", "toState": "under_review",
                                  "actor": "r1", "detail": {"note": "ok"}}


async def test_ledger_entries_carry_inclusion_proofs_that_check_against_the_signed_tree_head(gql, ledger,
                                                                                            registry_client):
    await ledger.append(9)
    await ledger.append(2, subject_type="agreement", subject_id="agr-7", action="agreement.signed")
    sth = (await registry_client.get("/ledger/sth")).json()
    result = await gql("""{ ledgerEntries(first: 20, filter: {subjectType: "agreement"}) { edges { node {
        sequence leafIndex action subjectId actor { subject org } leafInput
        inclusionProof { treeSize leafHash path } } } } }""")
    entries = [e["node"] for e in result["data"]["ledgerEntries"]["edges"]]
    assert [e["sequence"] for e in entries] == [11, 10]  # newest first
    root = base64.b64decode(sth["root_hash"])
    for entry in entries:
        proof = entry["inclusionProof"]
        leaf = merkle.leaf_hash(base64.b64decode(entry["leafInput"]))
        assert proof["treeSize"] == sth["tree_size"] == 11
        assert merkle.verify_inclusion(leaf, entry["leafIndex"], 11, [base64.b64decode(p) for p in proof["path"]], root)


async def test_inclusion_proof_for_an_older_tree_size_and_an_impossible_one(gql, ledger):
    await ledger.append(5)
    result = await gql("{ ledgerEntries(first: 5) { edges { node { leafIndex inclusionProof(treeSize: 3) { treeSize } } } } }")
    # Newest first: items 0 and 1 are leaves 4 and 3, which a tree of 3 entries does not contain.
    assert result["data"] is None
    assert {(e["path"][2], e["path"][-1]) for e in result["errors"]} <= {(0, "inclusionProof"), (1, "inclusionProof")}
    assert all(e["extensions"]["type"].endswith("/leaf-out-of-range") for e in result["errors"])
    older = await gql("{ ledgerEntries(first: 3, after: \"WzRd\") { edges { node { leafIndex inclusionProof(treeSize: 3) {"
                      " treeSize path } } } } }")
    assert [e["node"]["leafIndex"] for e in older["data"]["ledgerEntries"]["edges"]] == [2, 1, 0]


async def test_organizations_are_those_the_records_name_paged_by_id(gql, world):
    await world.findings(3)
    first = (await gql("{ organizations(first: 2) { totalCount edges { node { dbId name } } pageInfo { endCursor hasNextPage } } }"))
    connection = first["data"]["organizations"]
    ids = [e["node"]["dbId"] for e in connection["edges"]]
    assert connection["totalCount"] == 4  # three operators and the implementing body
    assert ids == sorted(ids) and connection["pageInfo"]["hasNextPage"]
    rest = await gql("query($a: String) { organizations(first: 10, after: $a) { edges { node { dbId } } } }",
                     {"a": connection["pageInfo"]["endCursor"]})
    assert ids + [e["node"]["dbId"] for e in rest["data"]["organizations"]["edges"]] == \
        sorted(["impl-org", "op-0", "op-1", "op-2"])
