"""Scores follow the registry through its change feed: stored cursor, at-least-once delivery applied
idempotently, stale results served while the registry is down, catch-up when it returns (issue 6)."""

from sqlalchemy import update

from services.scoring.records import FeedState

from .support import product, resource, sync


async def test_feed_events_are_applied_and_the_cursor_is_stored(apps, registry, scoring_client, callers):
    org = callers["operator"].org_id
    registry.put("resource", resource("r1", org))
    registry.put("product", product("p1", org, ["r1"]))
    report = await sync(scoring_client, callers)
    # resource, product, and the product's price records (read with it, /products/{id}/prices)
    assert report["cursor"] == 2 and report["changed"] == 3 and report["stale"] is False
    score = await scoring_client.get("/value-scores/product/p1", headers=callers["admin"].headers)
    assert score.status_code == 200, score.text
    assert score.json()["quality"]["consistency"] == 1.0 and score.json()["freshness"]["stale"] is False
    again = await sync(scoring_client, callers)
    assert again["cursor"] == 2 and again["applied"] == 0


async def test_many_events_about_one_record_cost_one_fetch(apps, registry, scoring_client, callers):
    org = callers["operator"].org_id
    for version in range(5):
        registry.put("resource", resource("r1", org, scale=f"v{version}"))
    await sync(scoring_client, callers)
    assert registry.fetches == 1


async def test_redelivered_events_change_nothing(apps, registry, scoring_client, callers):
    """At-least-once: a page delivered twice (cursor not stored before a crash) is applied as a no-op."""
    org = callers["operator"].org_id
    registry.put("resource", resource("r1", org))
    registry.put("product", product("p1", org, ["r1"]))
    await sync(scoring_client, callers)
    before = (await scoring_client.get("/value-scores/product/p1", headers=callers["admin"].headers)).json()
    async with apps.scoring.state.db.sessions.begin() as session:
        await session.execute(update(FeedState).values(cursor=0))
    report = await sync(scoring_client, callers)
    assert report["applied"] == 3 and report["changed"] == 0 and report["cursor"] == 2
    after = (await scoring_client.get("/value-scores/product/p1", headers=callers["admin"].headers)).json()
    assert after["inputs_digest"] == before["inputs_digest"] and after["total"] == before["total"]


async def test_registry_down_keeps_last_scores_marked_stale_then_catches_up(apps, registry, scoring_client, callers):
    org = callers["operator"].org_id
    registry.put("resource", resource("r1", org))
    registry.put("product", product("p1", org, ["r1"]))
    await sync(scoring_client, callers)
    registry.down = True
    registry.put("product", product("p1", org, ["r1"], scenarios=["credit", "tax", "health", "transport"]))
    down = await sync(scoring_client, callers)
    assert down["stale"] is True and down["failures"] == 1 and "down" in down["last_error"]
    served = await scoring_client.get("/value-scores/product/p1", headers=callers["admin"].headers)
    assert served.status_code == 200
    assert served.json()["breadth"]["count"] == 2 and served.json()["freshness"]["stale"] is True
    registry.down = False
    back = await sync(scoring_client, callers)
    assert back["stale"] is False and back["cursor"] == 3
    fresh = (await scoring_client.get("/value-scores/product/p1", headers=callers["admin"].headers)).json()
    assert fresh["breadth"]["count"] == 4 and fresh["freshness"]["stale"] is False


async def test_a_removed_record_loses_its_score(apps, registry, scoring_client, callers):
    org = callers["operator"].org_id
    registry.put("product", product("p1", org, []))
    await sync(scoring_client, callers)
    registry.remove("product", "p1")
    await sync(scoring_client, callers)
    gone = await scoring_client.get("/value-scores/product/p1", headers=callers["admin"].headers)
    assert gone.status_code == 404


async def test_without_a_feed_the_registry_rest_lists_are_read(apps, registry, scoring_client, callers):
    registry.feed = False
    registry.records[("product", "p9")] = product("p9", callers["operator"].org_id, [])
    report = await sync(scoring_client, callers)
    assert report["mode"] == "rest" and report["changed"] == 2  # the product and its prices
    assert (await scoring_client.get("/value-scores/product/p9", headers=callers["admin"].headers)).status_code == 200


async def test_only_admins_authorities_and_scoring_writers_trigger_a_sync(apps, registry, scoring_client, callers):
    for name, expected in (("admin", 200), ("authority", 200), ("registrar", 403), ("agency", 403),
                           ("operator", 403), ("auditor", 403), ("anonymous", 401), ("client:reader", 403),
                           ("client:feeder", 403)):
        response = await scoring_client.post("/sync", headers=callers[name].headers)
        assert response.status_code == expected, (name, response.text)
    status = await scoring_client.get("/sync", headers=callers["agency"].headers)
    assert status.status_code == 200 and status.json()["mode"] == "feed"


async def test_a_registration_event_rereads_the_subject_whose_status_it_changed(apps, registry, scoring_client,
                                                                                callers):
    """Coding a registration (DOMAIN §1, Art. 8) makes its resource registered; the registry ledgers only the
    registration, so the consumer reads the resource again with it."""
    org = callers["agency"].org_id
    registry.put("resource", resource("r1", org, status="draft"))
    await sync(scoring_client, callers)
    draft = (await scoring_client.get("/value-scores/resource/r1", headers=callers["agency"].headers)).json()
    registry.records[("resource", "r1")] = resource("r1", org, status="registered")
    registry.put("registration", {"id": "g1", "org_id": org, "subject_type": "resource", "subject_id": "r1",
                                  "type": "first", "state": "registered"})
    await sync(scoring_client, callers)
    coded = (await scoring_client.get("/value-scores/resource/r1", headers=callers["agency"].headers)).json()
    assert draft["quality"]["conformity"] == 0.3 and coded["quality"]["conformity"] == 1.0
