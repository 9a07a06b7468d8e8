"""Where writes saturate (issue 19, item 4): registrations per second with 1, 4 and 16 concurrent writers.

Every registry write appends to the ledger under its head row (``SELECT … FOR UPDATE``): the ledger is gap-free
and ordered by design, so writers serialize there. This benchmark files first registrations (each one: the
resource described, then its registration filed: two ledger appends, two committed transactions, the statutory
deadlines computed) against the registry as a process on PostgreSQL, with 1, 4 and 16 writers at once, and
reports the rate at each and where it flattens. The ratios (4 and 16 writers against 1, in the same run) are
what is asserted: more writers must never make the registry slower in total (no lock convoy, no retry storm).

It then states the national load this carries. The assumption (override with PDR_BENCH_NATIONAL_PER_YEAR):
2,000,000 registrations a year across every province, prefecture and county (about 3,000 registering units
filing some 650 each), 250 working days, a peak day ten times the average, all of it in 8 office hours.

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_write_saturation.py -q -s -p no:randomly
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest

from tests.databases import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="registry benchmarks run on PostgreSQL "
                                "(PDR_TEST_DB=postgresql)")
LEVELS = (1, 4, 16)
PER_WRITER = {1: 60, 4: 30, 16: 12}  # filings per writer at each level (about 60-200 in all)
NATIONAL_PER_YEAR = int(os.environ.get("PDR_BENCH_NATIONAL_PER_YEAR", "2000000"))
SHA = "ab" * 32


def _resource(n: int) -> dict:
    return {"name": f"写入压测数据{n}", "description": "并发登记测试", "sharing_attribute": "conditional",
            "opening_attribute": "unconditional", "grading": "general", "region_code": "110000",
            "update_frequency": "daily", "domain": "交通"}


async def _writer(client: httpx.AsyncClient, headers: dict, first: int, count: int) -> None:
    for n in range(first, first + count):
        resource = await client.post("/resources", json=_resource(n), headers=headers)
        assert resource.status_code == 201, resource.text
        filed = await client.post("/registrations", headers=headers, json={
            "subject_type": "resource", "subject_id": resource.json()["id"], "type": "first",
            "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]})
        assert filed.status_code == 201, filed.text


async def _rate(base: str, headers: dict, writers: int, start: int) -> float:
    """Registrations filed per second by ``writers`` at once."""
    count = PER_WRITER[writers]
    limits = httpx.Limits(max_connections=writers + 2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(_writer(client, headers, start + i * count, count) for i in range(writers)))
        return writers * count / (time.perf_counter() - began)


def test_more_writers_never_file_fewer_registrations_a_second(system):
    headers = {"Authorization": f"Bearer {system.token('agency2')['access_token']}"}
    base = system.urls["registry"]
    asyncio.run(_rate(base, headers, 1, 0))  # warm: connections, statement caches, the first ledger pages
    rates: dict[int, float] = {}
    start = 1_000
    for level in LEVELS:
        rates[level] = asyncio.run(_rate(base, headers, level, start))
        start += 1_000
    peak_per_second = NATIONAL_PER_YEAR / 250 * 10 / (8 * 3600)
    best = max(rates.values())
    print("\nregistrations filed per second (each: describe + file, two ledger appends): "
          + ", ".join(f"{n} writer{'s' if n > 1 else ''} {rate:.1f}" for n, rate in rates.items())
          + f"; 4 vs 1: {rates[4] / rates[1]:.2f}x, 16 vs 4: {rates[16] / rates[4]:.2f}x"
          + f"\nnational peak ({NATIONAL_PER_YEAR:,}/year, peak day 10x, 8 hours): {peak_per_second:.2f}/s; "
          + f"one registry worker carries {best:.1f}/s, a margin of {best / peak_per_second:.0f}x")
    assert rates[4] >= 0.9 * rates[1], rates
    assert rates[16] >= 0.9 * rates[4], rates
