"""The change feed: a consumer that stores its last sequence never misses nor double-applies an event."""

from __future__ import annotations

import asyncio
import json

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_feed_serves_the_documented_event_shape(registry_client, ledger, callers):
    await ledger.append(1, subject_type="registration", subject_id="reg-9", action="registration.accepted",
                        data={"state": "accepted"})
    body = (await registry_client.get("/events", headers=callers["feed_client"])).json()
    assert body["last_sequence"] == 1 and body["has_more"] is False
    event = body["events"][0]
    assert set(event) == {"sequence", "time", "action", "subject_type", "subject_id", "actor", "data"}
    assert event["action"] == "registration.accepted" and event["subject_id"] == "reg-9"
    assert event["actor"] == {"subject": "user-1", "org": "org-1"} and event["data"] == {"state": "accepted"}
    assert event["time"].endswith("Z")


async def test_consumer_resuming_from_its_last_sequence_sees_every_event_exactly_once(registry_client, ledger,
                                                                                         callers):
    await ledger.append(7)
    applied, after = [], 0
    for _ in range(10):
        page = (await registry_client.get("/events", params={"after": after, "limit": 3},
                                          headers=callers["feed_client"])).json()
        applied += [e["sequence"] for e in page["events"]]
        after = page["last_sequence"]
        if not page["has_more"]:
            break
        if len(applied) == 3:
            await ledger.append(2)  # new events arrive while the consumer is paging
    assert applied == list(range(1, 10))


async def test_long_poll_returns_as_soon_as_an_event_is_appended(registry_client, ledger, callers):
    await ledger.append(1)
    poll = asyncio.create_task(registry_client.get("/events", params={"after": 1, "wait": 10},
                                                   headers=callers["auditor"]))
    await asyncio.sleep(0.3)
    assert not poll.done()
    await ledger.append(1)
    response = await asyncio.wait_for(poll, timeout=5)
    assert [e["sequence"] for e in response.json()["events"]] == [2]


async def test_long_poll_with_nothing_new_answers_an_empty_page_after_the_wait(registry_client, ledger, callers):
    await ledger.append(1)
    response = await registry_client.get("/events", params={"after": 1, "wait": 0.3}, headers=callers["admin"])
    assert response.json() == {"events": [], "last_sequence": 1, "has_more": False, "records": None}


async def test_server_sent_events_resume_after_last_event_id(registry_client, ledger, callers):
    await ledger.append(4)
    response = await registry_client.get("/events/stream", params={"duration": 0.5},
                                         headers={**callers["feed_client"], "Last-Event-ID": "2"})
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in response.text.split("\n\n") if f.startswith("id:")]
    ids = [int(f.split("\n")[0].removeprefix("id: ")) for f in frames]
    assert ids == [3, 4]
    data = json.loads(frames[0].split("\n")[2].removeprefix("data: "))
    assert data["sequence"] == 3


@pytest.mark.parametrize(("params", "headers"), [
    ({"limit": 0}, {}), ({"limit": 1001}, {}), ({"after": -1}, {}), ({"wait": 61}, {}), ({"after": "x"}, {}),
])
async def test_bad_feed_parameters_are_problems(registry_client, callers, params, headers):
    response = await registry_client.get("/events", params=params, headers={**callers["auditor"], **headers})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_bad_last_event_id_is_a_problem(registry_client, callers):
    response = await registry_client.get("/events/stream", params={"duration": 0},
                                         headers={**callers["auditor"], "Last-Event-ID": "abc"})
    assert response.status_code == 400
