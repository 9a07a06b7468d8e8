"""The ledger API: signed tree heads, entries, RFC 9162 proofs checked by the independent reference code."""

from __future__ import annotations

import base64
import hashlib

import pytest
import rfc8785

from services.registry.ledger import merkle
from services.registry.ledger.sth import verify_tree_head
from tests.unit.ledger import reference

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


async def _leaf_inputs(client, headers, size: int) -> list[bytes]:
    response = await client.get("/ledger/entries", params={"start": 0, "end": size - 1}, headers=headers)
    assert response.status_code == 200, response.text
    return [_unb64(e["leaf_input"]) for e in response.json()["entries"]]


async def test_empty_ledger_has_the_empty_tree_hash_signed_by_the_registry_key(registry_client, ledger):
    sth = (await registry_client.get("/ledger/sth")).json()
    jwks = (await registry_client.get("/.well-known/jwks.json")).json()
    assert sth["tree_size"] == 0
    assert _unb64(sth["root_hash"]).hex().startswith("e3b0c442")
    assert verify_tree_head(sth, jwks).tree_size == 0


async def test_tree_head_root_equals_the_rfc_hash_of_the_served_leaf_inputs(registry_client, ledger, callers):
    await ledger.append(11)
    sth = (await registry_client.get("/ledger/sth")).json()
    jwks = (await registry_client.get("/.well-known/jwks.json")).json()
    verify_tree_head(sth, jwks)
    leaves = await _leaf_inputs(registry_client, callers["auditor"], 11)
    assert sth["tree_size"] == 11
    assert _unb64(sth["root_hash"]) == reference.mth(leaves)


async def test_tree_head_with_a_changed_field_fails_signature_check(registry_client, ledger):
    await ledger.append(2)
    sth = (await registry_client.get("/ledger/sth")).json()
    jwks = (await registry_client.get("/.well-known/jwks.json")).json()
    forged = {**sth, "tree_size": 1}
    with pytest.raises(ValueError, match="does not match the tree head"):
        verify_tree_head(forged, jwks)


async def test_entry_leaf_input_is_rfc8785_canonical_json_of_the_entry(registry_client, ledger, callers):
    await ledger.append(1, subject_type="agreement", subject_id="a-1", action="agreement.signed",
                        data={"price": "12.50", "term_years": 5, "名称": "协议"})
    entry = (await registry_client.get("/ledger/entries", params={"start": 0, "end": 0},
                                       headers=callers["auditor"])).json()["entries"][0]
    raw = _unb64(entry["leaf_input"])
    import json
    document = json.loads(raw)
    assert rfc8785.dumps(document) == raw
    assert document["sequence"] == entry["sequence"] == 1 and entry["leaf_index"] == 0
    assert document["actor"] == {"subject": "user-1", "org": "org-1"}
    assert document["data"] == {"price": "12.50", "term_years": 5, "名称": "协议"}
    assert _unb64(entry["leaf_hash"]) == hashlib.sha256(b"\x00" + raw).digest()


async def test_entries_are_served_in_ranges_of_at_most_one_thousand(registry_client, ledger, callers):
    await ledger.append(5)
    body = (await registry_client.get("/ledger/entries", params={"start": 2, "end": 10},
                                      headers=callers["admin"])).json()
    assert [e["leaf_index"] for e in body["entries"]] == [2, 3, 4]
    bad = await registry_client.get("/ledger/entries", params={"start": 4, "end": 1}, headers=callers["admin"])
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")


async def test_inclusion_proof_for_every_leaf_matches_rfc_path(registry_client, ledger, callers):
    await ledger.append(13)
    leaves = await _leaf_inputs(registry_client, callers["auditor"], 13)
    for size in (1, 7, 8, 13):
        root = reference.mth(leaves[:size])
        for m in range(size):
            body = (await registry_client.get("/ledger/proof/inclusion", params={"leaf_index": m, "tree_size": size},
                                              headers=callers["auditor"])).json()
            path = [_unb64(h) for h in body["inclusion_path"]]
            assert path == reference.path(m, leaves[:size])
            assert merkle.verify_inclusion(merkle.leaf_hash(leaves[m]), m, size, path, root)


async def test_consistency_proof_links_an_old_tree_head_to_the_new_one(registry_client, ledger, callers):
    await ledger.append(6)
    old = (await registry_client.get("/ledger/sth")).json()
    await ledger.append(9)
    new = (await registry_client.get("/ledger/sth")).json()
    body = (await registry_client.get("/ledger/proof/consistency", params={"first": 6, "second": 15},
                                      headers=callers["auditor"])).json()
    path = [_unb64(h) for h in body["consistency_path"]]
    leaves = await _leaf_inputs(registry_client, callers["auditor"], 15)
    assert path == reference.proof(6, leaves)
    assert merkle.verify_consistency(6, 15, _unb64(old["root_hash"]), _unb64(new["root_hash"]), path)


@pytest.mark.parametrize("params", [
    {"leaf_index": 3, "tree_size": 3}, {"leaf_index": 0, "tree_size": 99}, {"leaf_index": -1, "tree_size": 2},
    {"leaf_index": 0, "tree_size": 0}, {"leaf_index": "x", "tree_size": 2},
])
async def test_inclusion_proof_outside_the_tree_is_a_problem_not_a_crash(registry_client, ledger, callers, params):
    await ledger.append(3)
    response = await registry_client.get("/ledger/proof/inclusion", params=params, headers=callers["auditor"])
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("params", [{"first": 4, "second": 3}, {"first": 1, "second": 50}, {"first": 0, "second": 2}])
async def test_consistency_proof_with_impossible_sizes_is_refused(registry_client, ledger, callers, params):
    await ledger.append(3)
    response = await registry_client.get("/ledger/proof/consistency", params=params, headers=callers["auditor"])
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_rolled_back_change_leaves_no_ledger_entry(apps, registry_client, ledger):
    from services.registry.ledger.service import record

    await ledger.append(2)
    with pytest.raises(RuntimeError):  # noqa: PT012 (the transaction and the failure inside it are the case)
        async with apps.registry.state.db.sessions.begin() as session:
            await record(session, None, "resource.created", "resource", "gone", {})
            raise RuntimeError("the change itself failed")
    await ledger.append(1)
    sth = (await registry_client.get("/ledger/sth")).json()
    assert sth["tree_size"] == 3  # gap-free: the rolled-back append did not consume a sequence
