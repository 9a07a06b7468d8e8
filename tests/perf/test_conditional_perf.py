"""Conditional GET benchmark (issue 15, item 4): a catalogue search answered 304 costs at most half the full
answer, on PostgreSQL, against a real registry process, both sides measured with wrk in the same run.

The full side is a page of 100 hits for a common word; the conditional side is the same request with the page's
ETag in If-None-Match. The search route asks for the catalogue's version key first (kernel.conditional
.not_modified), so the 304 spares the search and the serialization, not only the transfer.

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_conditional_perf.py -q -s -p no:randomly
(PDR_BENCH_CONDITIONAL_ROWS raises the catalogue from its default of 3,000 rows.)
"""

from __future__ import annotations

import asyncio
import os
from urllib.parse import quote

import httpx
import pytest

from services.registry.catalog.importer import Owner
from tests.databases import BACKEND
from tests.perf.harness import best_alternating, wrk
from tests.perf.test_registry_perf import _import, catalogue_csv

SECONDS = int(os.environ.get("PDR_BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("PDR_BENCH_ROUNDS", "3"))
ROWS = int(os.environ.get("PDR_BENCH_CONDITIONAL_ROWS", "3000"))
pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="registry benchmarks run on PostgreSQL "
                                "(PDR_TEST_DB=postgresql)")


@pytest.fixture(scope="module")
def agency(system) -> dict:
    token = system.token("agency2")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{system.urls['registry']}/me", headers=headers).json()
    owner = Owner(me["org"], me["org_name"], me["region"])
    _, report = asyncio.run(_import(system.databases["registry"].url, catalogue_csv(ROWS), owner))
    assert report.created == ROWS, report.errors[:5]
    return {"headers": headers}


def test_a_conditional_get_answered_304_costs_at_most_half_the_full_response(system, agency):
    url = f"{system.urls['registry']}/catalog/search?q={quote('交通')}&limit=100"
    full = httpx.get(url, headers=agency["headers"])
    assert full.status_code == 200 and len(full.json()["items"]) == 100
    conditional_headers = {**agency["headers"], "If-None-Match": full.headers["etag"]}
    assert httpx.get(url, headers=conditional_headers).status_code == 304
    # wrk's script writes each header as a Lua string: the tag's own quotes are escaped there.
    conditional_headers["If-None-Match"] = full.headers["etag"].replace('"', '\\"')
    wrk(url, seconds=1, headers=agency["headers"])
    wrk(url, seconds=1, headers=conditional_headers)
    full_rps, not_modified_rps = best_alternating(
        lambda: wrk(url, seconds=SECONDS, headers=agency["headers"]),
        lambda: wrk(url, seconds=SECONDS, headers=conditional_headers), rounds=ROUNDS)
    cost = full_rps / not_modified_rps  # a 304's cost relative to the full answer's
    print(f"\nfull search page: {full_rps:.0f} req/s ({len(full.content)} bytes), 304: {not_modified_rps:.0f} req/s,"
          f" a 304 costs {cost:.2f}x the full response (bar 0.5x)")
    assert cost <= 0.5
