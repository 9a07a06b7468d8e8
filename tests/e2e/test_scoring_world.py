"""End to end (issue 13): the two-region world built over HTTP against the real services as processes; the
scoring service's own background consumer mirrors it through the registry's feed; every computed indicator of
every organization, for the past and the current year, equals what the registry's REST API counts."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from services.kernel.timeutil import china_today
from tests.scoring_world import build_world, expected_facts
from tests.system import start_system

pytestmark = pytest.mark.e2e
ORGS = ("bj-empty", "bj-agency", "sh-agency", "bj-operator", "sh-operator")


@pytest.fixture(scope="module")
def dated_system(tmp_path_factory):
    """The real services, the registry taking X-PDR-Demo-Date (as under `pdr up --demo`), scoring polling its
    feed every half second."""
    running = start_system(tmp_path_factory.mktemp("scoring-world"), {
        "PDR_REGISTRY_DEMO": "true", "PDR_SCORING_FEED_POLL_SECONDS": "0.5"})
    yield running
    running.stop()


async def _caught_up(scoring: httpx.AsyncClient, registry: httpx.AsyncClient, headers: dict, seconds: float = 60):
    """Wait until the background consumer's cursor reaches the registry's signed tree head."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        head = (await registry.get("/ledger/sth")).json()["tree_size"]
        state = (await scoring.get("/sync", headers=headers)).json()
        assert state["last_error"] is None, state
        if state["cursor"] >= head:
            return state
        await asyncio.sleep(0.5)
    raise AssertionError("scoring did not catch up with the registry's feed")


async def test_every_indicator_of_a_two_region_world_equals_the_registrys_count(dated_system):
    urls = dated_system.urls
    admin_auth = {"Authorization": f"Bearer {dated_system.token('admin', 'pdr-auth')['access_token']}"}
    async with httpx.AsyncClient(base_url=urls["auth"], timeout=30) as auth, \
            httpx.AsyncClient(base_url=urls["registry"], timeout=30) as registry, \
            httpx.AsyncClient(base_url=urls["scoring"], timeout=60) as scoring:
        world = await build_world(auth, registry, admin_auth)
        bureau = world.parties["bj-body"].scoring
        state = await _caught_up(scoring, registry, world.parties["admin"].scoring)
        assert state["mode"] == "feed" and state["stale"] is False
        ids = [world.org(k) for k in ORGS]
        for year in (2025, china_today().year):
            created = await scoring.post("/evaluation-runs", headers=bureau, json={
                "subject_kind": "organization", "subject_ids": ids, "period": str(year)})
            assert created.status_code == 201, created.text
            run = created.json()
            assert run["provisional"] is (year == china_today().year)
            for key in ORGS:
                values = run["inputs"]["subjects"][world.org(key)]["values"]
                for code, expected in (await expected_facts(registry, world, key, year)).items():
                    assert values[code] == pytest.approx(expected), (year, key, code, values[code], expected)
        grades = {e["subject_id"]: (e["total"], e["grade"]) for e in run["evaluations"]}
        assert len({total for total, _ in grades.values()}) == len(ORGS)
        regions = await scoring.post("/evaluation-runs", headers=bureau, json={
            "subject_kind": "region", "subject_ids": ["110000", "310000"], "period": str(year)})
        assert regions.status_code == 201, regions.text
        assert [e["subject_id"] for e in regions.json()["evaluations"]] == ["310000", "110000"]
