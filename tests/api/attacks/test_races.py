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


async def test_an_idempotent_answer_is_stored_before_the_client_sees_it(apps):
    """A retry sent the moment the 201 arrives must be replayed, not told the first attempt is in progress."""
    from services.kernel.idempotency import IdempotencyMiddleware
    from services.registry.models import idempotency

    async def created(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"id": "r1"}'})

    middleware = IdempotencyMiddleware(created, table=idempotency)
    scope = {"type": "http", "method": "POST", "path": "/resources", "query_string": b"", "app": apps.registry,
             "client": ("192.0.2.1", 5000), "headers": [(b"idempotency-key", b"race-1")]}

    async def body():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    retried: list[int] = []

    async def client_send(message):
        if message["type"] == "http.response.start" and not retried:
            retried.append(0)
            replay: list[dict] = []

            async def collect(reply):
                replay.append(reply)

            await middleware(dict(scope), body, collect)  # the retry, while the first answer is in flight
            retried[0] = replay[0]["status"]
            assert (b"idempotent-replayed", b"true") in replay[0]["headers"]

    await middleware(dict(scope), body, client_send)
    assert retried == [201]
