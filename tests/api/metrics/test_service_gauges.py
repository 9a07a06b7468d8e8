"""Issue 7: /metrics shows the ledger's size on the registry and the scoring consumer's feed lag."""

from __future__ import annotations

import re

from services.scoring.mirror.consumer import sync_once


def gauge(text: str, name: str) -> float:
    match = re.search(rf"^{name}\{{[^}}]*\}} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{name} not on /metrics"
    return float(match.group(1))


async def test_ledger_size_and_feed_lag_follow_the_registry(apps, people, registry_client, scoring_client,
                                                            scoring_machine_client):
    agency = await people.person("agency")
    for n in range(3):
        response = await registry_client.post("/resources", headers=agency.headers, json={
            "name": f"交通流量数据{n}", "sharing_attribute": "unconditional", "opening_attribute": "conditional",
            "grading": "general", "region_code": "110000", "update_frequency": "daily"})
        assert response.status_code == 201, response.text
    size = gauge((await registry_client.get("/metrics")).text, "pdr_ledger_entries")
    assert size >= 3
    assert gauge((await scoring_client.get("/metrics")).text, "pdr_feed_lag_events") == size
    scoring = apps.scoring.state
    await sync_once(scoring.db, scoring.registry, scoring.refresh)
    assert gauge((await scoring_client.get("/metrics")).text, "pdr_feed_lag_events") == 0
