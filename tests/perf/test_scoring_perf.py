"""Benchmark (issue 6): scoring 100,000 products takes at most 2x the time to read their inputs.

Both figures are measured in the same run on the same migrated scoring database (SQLite by default,
PostgreSQL with PDR_TEST_DB=postgresql), on a generated mirror whose payloads validate against the scoring
contract (tests/perf/scoring_mirror.py): 500 organizations with 100,000 products, 20,000 resources, 20,000
registrations, 5,000 findings, 2,000 agreements and an annual report each of 100 product lines. The read is
``read_all``, the bulk read of the mirrored records as typed contract records; the scoring is indexing those
records (``ValueRecords``), computing every product's GB/T 36344 quality, demand and breadth, and hashing each
product's inputs (SHA-256). Writing the 100,000 scores back is measured and printed too, as information.

Run: .venv/bin/pytest tests/perf/test_scoring_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import insert

from services.kernel.db import Database
from services.scoring.contract import Product
from services.scoring.products.inputs import ValueRecords
from services.scoring.products.service import read_all, score_records, write_scores
from services.scoring.records import RegistryRecord
from tests.databases import TestDatabase
from tests.perf.scoring_mirror import Shape, mirror, mirror_rows, today

pytestmark = pytest.mark.perf
ORGS = 500
SHAPE = Shape(resources=40, products=200, registrations=40, agreements=4, reports=1, findings=10, report_lines=100)
PRODUCTS = ORGS * SHAPE.products


async def _seed(db: Database) -> int:
    rows = mirror_rows(mirror(ORGS, SHAPE, seed=6))
    async with db.sessions.begin() as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(RegistryRecord), rows[start:start + 5000])
    return len(rows)


async def _bench(tmp_path) -> dict[str, float]:
    db_info = await TestDatabase("scoring", tmp_path).create()
    db = Database(db_info.url)
    try:
        records = await _seed(db)
        figures = {}
        async with db.sessions() as session:
            t0 = time.perf_counter()
            typed = await read_all(session)
            figures["read"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        indexed = ValueRecords(typed, today())
        scored = score_records(indexed, [r for r in typed if isinstance(r, Product)])
        figures["score"] = time.perf_counter() - t0
        async with db.sessions.begin() as session:
            t0 = time.perf_counter()
            await write_scores(session, scored)
        figures["write"] = time.perf_counter() - t0
        figures["scored"] = len(scored)
        figures["records"] = records
        return figures
    finally:
        await db.dispose()
        await db_info.drop()


def test_scoring_100k_products_takes_at_most_twice_reading_their_inputs(tmp_path):
    figures = asyncio.run(_bench(tmp_path))
    ratio = figures["score"] / figures["read"]
    print(f"\nscoring perf: {figures['records']:,} mirrored records; read {figures['read']:.2f} s; "
          f"score {int(figures['scored']):,} products {figures['score']:.2f} s "
          f"({figures['score'] / figures['scored'] * 1e6:.1f} µs each); ratio score/read {ratio:.2f} (limit 2.00); "
          f"write scores {figures['write']:.2f} s (not in the ratio)")
    assert figures["scored"] == PRODUCTS
    assert ratio <= 2.0
