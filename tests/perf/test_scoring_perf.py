"""Benchmark (issue 6): scoring 100,000 products takes at most 2x the time to read their inputs.

Both figures are measured in the same run on the same migrated scoring database (SQLite by default,
PostgreSQL with PDR_TEST_DB=postgresql): the read is the bulk read of the mirrored registry records the
scores need (100,000 products, 20,000 resources, registrations, compliance records, agreements, annual
reports); the scoring is indexing those records, computing every product's GB/T 36344 quality, demand and
breadth, and hashing each product's inputs (SHA-256). Writing the 100,000 scores back is measured and printed
too, as information.

Run: .venv/bin/pytest tests/perf/test_scoring_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, date, datetime

from sqlalchemy import insert

from services.kernel.db import Database
from services.scoring.products.inputs import RecordSet
from services.scoring.products.service import read_all, score_records, write_scores
from services.scoring.records import RegistryRecord
from tests.databases import TestDatabase

PRODUCTS, RESOURCES, ORGS = 100_000, 20_000, 500
NOW = datetime(2025, 12, 31, tzinfo=UTC)
FREQUENCIES = ["realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]


def _records() -> list[dict]:
    rng = random.Random(6)
    rows: list[dict] = []

    def add(kind: str, rid: str, payload: dict) -> None:
        rows.append({"kind": kind, "record_id": rid, "org_id": payload.get("org_id"),
                     "region_code": payload.get("region_code"), "subject_id": payload.get("subject_id"),
                     "payload": payload, "seq": 1, "deleted": False, "updated_at": NOW})

    for i in range(RESOURCES):
        add("resource", f"r{i}", {
            "org_id": f"org{i % ORGS}", "name": f"资源{i}", "description": "d", "data_items": [{"name": "x"}] * 3,
            "scale": "1 GB", "update_frequency": rng.choice(FREQUENCIES), "quality": "q",
            "sharing_attribute": "conditional", "opening_attribute": rng.choice(["unconditional", "conditional",
                                                                               "not"]),
            "grading": "general", "source": "s", "lawful_basis": "l", "security_assessment": {"risk": "low"},
            "region_code": "310000", "status": "registered", "updated_at": f"2025-{rng.randint(1, 12):02d}-01T00:00:00Z"})
    for i in range(PRODUCTS):
        add("product", f"p{i}", {
            "org_id": f"org{i % ORGS}", "name": f"产品{i}", "description": "d", "form": "api",
            "resource_ids": [f"r{rng.randrange(RESOURCES)}" for _ in range(rng.randint(1, 3))],
            "scenarios": [f"s{k}" for k in range(rng.randint(0, 6))], "use_type": "industry",
            "conditions_of_use": "c", "delivered_at": "2025-02-01", "region_code": "310000",
            "status": rng.choice(["registered", "registered", "draft"]), "updated_at": "2025-06-01T00:00:00Z"})
        if i % 5 == 0:
            add("registration", f"g{i}", {"org_id": f"org{i % ORGS}", "subject_type": "product",
                                          "subject_id": f"p{i}", "type": rng.choice(["first", "correction"])})
        if i % 20 == 0:
            add("compliance_record", f"c{i}", {"org_id": f"org{i % ORGS}", "subject_type": "product",
                                               "subject_id": f"p{i}", "status": "open", "severity": "soft"})
    for a in range(2_000):
        add("agreement", f"a{a}", {"operator_org_id": f"org{a % ORGS}", "org_id": f"org{a % ORGS}",
                                   "status": "active", "product_ids": [f"p{rng.randrange(PRODUCTS)}" for _ in range(20)],
                                   "resources": [{"resource_id": f"r{rng.randrange(RESOURCES)}"} for _ in range(5)]})
    for o in range(ORGS):
        add("annual_report", f"ar{o}", {"org_id": f"org{o}", "year": 2025, "revenue": "1000000.00", "products": [
            {"product_id": f"p{rng.randrange(PRODUCTS)}", "volume": rng.randint(0, 10**6), "revenue": "5000.00"}
            for _ in range(100)]})
    return rows


async def _bench(tmp_path) -> dict[str, float]:
    db_info = await TestDatabase("scoring", tmp_path).create()
    db = Database(db_info.url)
    try:
        rows = _records()
        async with db.sessions.begin() as session:
            for start in range(0, len(rows), 5000):
                await session.execute(insert(RegistryRecord), rows[start:start + 5000])
        figures = {}
        async with db.sessions() as session:
            t0 = time.perf_counter()
            by_kind = await read_all(session)
            figures["read"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        records = RecordSet(by_kind)
        scored = score_records(records, [("product", r) for r in by_kind["product"]], as_of=date(2025, 12, 31))
        figures["score"] = time.perf_counter() - t0
        async with db.sessions.begin() as session:
            t0 = time.perf_counter()
            await write_scores(session, scored)
        figures["write"] = time.perf_counter() - t0
        figures["scored"] = len(scored)
        figures["records"] = len(rows)
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
