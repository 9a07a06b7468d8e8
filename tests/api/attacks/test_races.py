"""Races on the embedded default: concurrent writes of one thing make one thing, on SQLite as on PostgreSQL.

SQLite's deferred BEGIN let concurrent requests read the same state and then all write (six concurrent first
registrations of one draft made up to six open registrations). Write transactions now begin IMMEDIATE
(kernel.db), so each sees what the one before it committed, as row locks give on PostgreSQL.
"""

from __future__ import annotations

import asyncio

from tests.api.registration.conftest import SHA


async def test_six_concurrent_first_registrations_of_one_draft_open_one(people, flow, registry_client):
    agency = await people.person("agency")
    resource = await flow.resource(agency)
    payload = {"subject_type": "resource", "subject_id": resource["id"], "type": "first",
               "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]}
    answers = await asyncio.gather(*[
        registry_client.post("/registrations", json=payload, headers=agency.headers) for _ in range(6)])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 409, 409, 409, 409, 409], [answer.text for answer in answers]
    for refused in (answer for answer in answers if answer.status_code == 409):
        assert refused.headers["content-type"].startswith("application/problem+json")
    listed = await registry_client.get("/registrations", params={"subject_id": resource["id"]},
                                       headers=agency.headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    items = body["items"] if isinstance(body, dict) else body
    assert len([item for item in items if item["subject_id"] == resource["id"]]) == 1
