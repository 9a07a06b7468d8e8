"""Benchmark (issue 13): evaluating 1,000 organizations on the published default model costs at most 2x reading
their inputs.

One migrated scoring database (PostgreSQL with PDR_TEST_DB=postgresql, else SQLite) holds a generated mirror
(tests/perf/scoring_mirror.py): 1,000 organizations in 15 cities, each with 10 resources, 10 products (with
prices), 10 registrations, 10 agreements as operator, 3 annual reports and 10 findings, every payload as the
contract validates it. In the same run, alternating, best of ROUNDS each:

- baseline: reading their inputs: the rows ``load_facts`` selects for those organizations (their live records and
  every agreement), fetched as (kind, payload) with the payload decoded as its JSON column type, and nothing
  more done with them;
- measured: ``run_evaluation`` of the 1,000 organizations for the current year on the default model, in one
  session, its flush of the run and the 1,000 evaluations included (rolled back after each round).

``load_facts`` fetches the payloads as JSON text and lets pydantic-core parse and validate them in one pass; how
long fetching that text alone takes is printed too (information, not in the ratio).

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_evaluation_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from sqlalchemy import func, insert, or_, select

from services.kernel.db import Database
from services.kernel.security import Principal
from services.scoring.evaluation.service import run_evaluation
from services.scoring.indicators.loader import DEFAULT_VERSION
from services.scoring.mirror.reads import mirrored_payloads
from services.scoring.records import Evaluation, RegistryRecord
from tests.databases import BACKEND, TestDatabase
from tests.perf.scoring_mirror import mirror, mirror_rows, today

ORGS = int(os.environ.get("PDR_BENCH_EVAL_ORGS", "1000"))
ROUNDS = int(os.environ.get("PDR_BENCH_ROUNDS", "3"))
pytestmark = pytest.mark.perf
AUTHORITY = Principal(subject="bench-authority", org="bench-bureau", roles=frozenset({"authority"}))


def _inputs(orgs: list[str]) -> tuple:
    """What ``load_facts`` selects."""
    return RegistryRecord.deleted.is_(False), or_(RegistryRecord.org_id.in_(orgs), RegistryRecord.kind == "agreement")


async def _read_inputs(db: Database, orgs: list[str]) -> tuple[float, int]:
    async with db.sessions() as session:
        started = time.perf_counter()
        rows = (await session.execute(select(RegistryRecord.kind, RegistryRecord.payload).where(*_inputs(orgs)))).all()
        return time.perf_counter() - started, len(rows)


async def _fetch_text(db: Database, orgs: list[str]) -> float:
    async with db.sessions() as session:
        started = time.perf_counter()
        await mirrored_payloads(session, *_inputs(orgs))
        return time.perf_counter() - started


async def _evaluate(db: Database, orgs: list[str]) -> tuple[float, int]:
    async with db.sessions() as session:
        started = time.perf_counter()
        run = await run_evaluation(session, AUTHORITY, subject_kind="organization", subject_ids=orgs,
                                   period=str(today().year), model_version=DEFAULT_VERSION)
        elapsed = time.perf_counter() - started
        stored = await session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.run_id == run.id))
        await session.rollback()
        return elapsed, stored


async def _seed(db: Database) -> tuple[list[str], int]:
    """The mirror's rows, written in bulk; none is kept in memory, so neither side's garbage collections
    traverse them."""
    rows = mirror_rows(mirror(ORGS))
    async with db.sessions.begin() as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(RegistryRecord), rows[start:start + 5000])
    return sorted({r["org_id"] for r in rows}), len(rows)


async def _bench(tmp_path) -> dict[str, float]:
    db_info = await TestDatabase("scoring", tmp_path).create()
    db = Database(db_info.url)
    try:
        started = time.perf_counter()
        orgs, records = await _seed(db)
        figures: dict[str, float] = {"records": records, "seeded": time.perf_counter() - started}
        reads, evaluations, texts = [], [], []
        await _read_inputs(db, orgs)  # warm the cache and the connection alike for both sides
        for _ in range(ROUNDS):
            seconds, figures["rows"] = await _read_inputs(db, orgs)
            reads.append(seconds)
            seconds, stored = await _evaluate(db, orgs)
            evaluations.append(seconds)
            assert stored == len(orgs)
            texts.append(await _fetch_text(db, orgs))
        figures["orgs"], figures["read"], figures["evaluate"] = len(orgs), min(reads), min(evaluations)
        figures["text"] = min(texts)
        return figures
    finally:
        await db.dispose()
        await db_info.drop()


def test_evaluating_1000_organizations_costs_at_most_twice_reading_their_inputs(tmp_path):
    f = asyncio.run(_bench(tmp_path))
    ratio = f["evaluate"] / f["read"]
    print(f"\nevaluation perf ({BACKEND}): {f['records']:,.0f} mirrored records seeded in {f['seeded']:.1f} s; "
          f"read the inputs of {f['orgs']:,.0f} organizations ({f['rows']:,.0f} rows) {f['read']:.2f} s; "
          f"run_evaluation {f['evaluate']:.2f} s ({f['orgs'] / f['evaluate']:,.0f} organizations/s); "
          f"ratio {ratio:.2f} (limit 2.00); best of {ROUNDS}; fetching the payloads as text alone {f['text']:.2f} s")
    assert ratio <= 2.0
