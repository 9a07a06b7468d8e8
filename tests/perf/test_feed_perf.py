"""Benchmark (issue 13): catching up a 100,000-event registry feed from zero costs at most 3x the time the
registry takes to serve those feed pages.

The registry's database holds a year of history written in bulk (tests/perf/registry_history.py: agencies'
resources and their registrations, operators' products, prices, registrations, plans, agreements and reports,
findings; one ledger entry per step as ``record()`` writes it), then one bulk import of IMPORT_ROWS catalogue rows
through the real importer (a single ``resource.imported`` entry). The apps run in-process on one event loop, as
in the API tests; scoring reaches the registry over HTTP through its gateway, with its own client-credentials
token. Both sides are measured in the same run, in alternating stretches of CHUNK pages (the consumer's stretch
first, then the registry serving the same pages, then the other way round), so a burst of load from a neighbour
on this 2-core machine lands on both sides alike rather than deciding the ratio:

- baseline: the registry serving every page the consumer needs: ``GET /events?after=…&limit=500&include=records``
  from 0 to the end, and ``GET /events/resources?org_id=…`` for the bulk import, through the same client and
  token, the bodies read and discarded;
- measured: scoring's ``sync_once`` from cursor 0 until it has caught up (each page validated against the
  contract, applied to the mirror, value scores refreshed, evaluations flagged, cursor stored, one transaction
  per page), the registry serving it meanwhile.

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_feed_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import hashlib
import os
import time

import orjson
import pytest
from sqlalchemy import func, select

from services.kernel.security import Principal
from services.registry.catalog.importer import Owner, import_sheet
from services.registry.catalog.sheets import read_sheet
from services.registry.ledger.models import LedgerEntry
from services.scoring.mirror.consumer import FEED, sync_once
from services.scoring.records import FeedState, ProductScore, RegistryRecord
from tests.databases import BACKEND
from tests.perf.registry_history import history, write
from tests.perf.test_registry_perf import catalogue_csv

pytestmark = pytest.mark.perf
EVENTS = int(os.environ.get("PDR_BENCH_FEED_EVENTS", "100000"))
IMPORT_ROWS = int(os.environ.get("PDR_BENCH_FEED_IMPORT_ROWS", "2000"))
PAGE = 500
CHUNK = 20  # pages per stretch


async def _seed(apps) -> tuple[int, str]:
    """The registry's history, then a bulk import; returns the ledger's size and the importing organization."""
    world = history(EVENTS - 1)
    async with apps.registry.state.db.sessions.begin() as session:
        await write(session, world)
    org, name, region = world.agencies[0]
    data = catalogue_csv(IMPORT_ROWS, seed=13)
    owner = Owner(org, name, region, Principal(subject="agency-0", org=org, roles=frozenset({"agency"})))
    async with apps.registry.state.db.sessions.begin() as session:
        report = await import_sheet(session, read_sheet("catalogue.csv", data), owner,
                                    digest=hashlib.sha256(data).hexdigest())
    assert report.created == IMPORT_ROWS, report.errors[:3]
    async with apps.registry.state.db.sessions() as session:
        size = await session.scalar(select(func.count()).select_from(LedgerEntry))
    return size, org


async def _serve(client, pages: range, size: int, importer: str) -> float:
    """These pages as the consumer reads them, fetched and discarded."""
    started = time.perf_counter()
    for after in (n * PAGE for n in pages):
        response = await client.get("/events", params={"after": after, "limit": PAGE, "include": "records"})
        assert response.status_code == 200, response.text[:300]
        if after < size <= after + PAGE:  # the import is the last entry
            cursor = None
            while True:
                page = await client.get("/events/resources", params={
                    "org_id": importer, "limit": PAGE, **({"after": cursor} if cursor else {})})
                assert page.status_code == 200, page.text[:300]
                if not (cursor := orjson.loads(page.content)["next_after"]):
                    break
    return time.perf_counter() - started


async def _sync(state, pages: range) -> float:
    started = time.perf_counter()
    for _ in pages:
        report = await sync_once(state.db, state.registry, state.refresh, PAGE)
        assert report.error is None, report.error
    return time.perf_counter() - started


async def test_catching_up_100k_feed_events_costs_at_most_3x_serving_them(apps, registry_client,
                                                                         scoring_machine_client):
    started = time.perf_counter()
    size, importer = await _seed(apps)
    seeded = time.perf_counter() - started
    state = apps.scoring.state
    client = state.registry.client  # the gateway's client: same transport, same token
    pages = -(-size // PAGE)
    serve = sync = 0.0
    for n, first in enumerate(range(0, pages, CHUNK)):
        stretch = range(first, min(first + CHUNK, pages))
        if n % 2:
            serve += await _serve(client, stretch, size, importer)
            sync += await _sync(state, stretch)
        else:
            sync += await _sync(state, stretch)
            serve += await _serve(client, stretch, size, importer)
    async with state.db.sessions() as session:
        cursor = (await session.get(FeedState, FEED)).cursor
        mirrored = await session.scalar(select(func.count()).select_from(RegistryRecord))
        scores = await session.scalar(select(func.count()).select_from(ProductScore))
    assert cursor == size
    ratio = sync / serve
    print(f"\nfeed perf ({BACKEND}): {size:,} ledger entries seeded in {seeded:.1f} s ({IMPORT_ROWS:,} resources in "
          f"one bulk import); the registry serving {pages} pages: {serve:.2f} s ({size / serve:,.0f} events/s); "
          f"scoring catching up from 0: {sync:.2f} s ({size / sync:,.0f} events/s), {mirrored:,} records mirrored, "
          f"{scores:,} value scores; ratio {ratio:.2f} (limit 3.00)")
    assert ratio <= 3.0
