"""Who may read the ledger (DOMAIN.md §1, Arts. 6 and 19: registration contents are confidential to the
parties, the registration body and auditors): auditors, admins and registry:feed clients; tree heads are public."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

EXPECTED = {
    "admin": 200, "auditor": 200, "feed_client": 200,
    "authority": 403, "registrar": 403, "agency": 403, "operator": 403, "read_client": 403,
    "anonymous": 401,
}
PATHS = [
    ("/ledger/entries", {"start": 0, "end": 1}),
    ("/ledger/proof/inclusion", {"leaf_index": 0, "tree_size": 2}),
    ("/ledger/proof/consistency", {"first": 1, "second": 2}),
    ("/ledger/evidence/resource/r0", {}),
    ("/events", {"after": 0}),
    ("/events/stream", {"after": 0, "duration": 0}),
]


async def test_ledger_reads_are_for_auditors_admins_and_feed_clients_only(registry_client, ledger, callers):
    await ledger.append(2)
    for caller, expected in EXPECTED.items():
        for path, params in PATHS:
            response = await registry_client.get(path, params=params, headers=callers[caller])
            assert response.status_code == expected, (caller, path, response.text)
            if expected != 200:
                assert response.headers["content-type"].startswith("application/problem+json")


async def test_every_caller_may_fetch_the_signed_tree_head(registry_client, ledger, callers):
    await ledger.append(1)
    for caller, headers in callers.items():
        response = await registry_client.get("/ledger/sth", headers=headers)
        assert response.status_code == 200, caller
        assert response.json()["tree_size"] == 1
