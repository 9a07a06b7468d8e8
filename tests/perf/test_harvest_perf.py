"""DCAT harvest benchmark (issue 15): a full harvest of N public datasets through the paged export takes at most
2x the time of the catalogue's own search paging over the same set, both measured in one run against the
registry as a process.

- harvest: GET /catalog.ttl at its default page size (500), then every page its Link rel=next names, to the end;
- baseline: GET /catalog/search (no query: every public entry, newest first) at its largest page (100), then
  every page its next_cursor names, to the end.

Each side reads every response body whole; neither parses it (the comparison is of what the registry serves,
not of a client's RDF parser). N is 20,000 by default; PDR_BENCH_HARVEST_DATASETS raises it (the issue's
figure is 100,000). The rounds alternate and each side keeps its best (harness.best_alternating).

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_harvest_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import timedelta

import asyncpg
import httpx
import pytest

from services.kernel.timeutil import new_id, utcnow
from services.registry.catalog.sync import entry_row
from tests.databases import BACKEND
from tests.perf.harness import best_alternating

ROUNDS = int(os.environ.get("PDR_BENCH_ROUNDS", "3"))
DATASETS = int(os.environ.get("PDR_BENCH_HARVEST_DATASETS", "20000"))
pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="registry benchmarks run on PostgreSQL "
                                "(PDR_TEST_DB=postgresql)")
DOMAINS = ["交通", "企业", "医疗", "教育", "环境", "气象", "人口", "社保", "税务", "住房"]
REGIONS = ["110000", "310000", "440100", "330106"]


def _entries(count: int) -> list[dict]:
    """Registered resources of 50 organizations, and a product of form api in ten (a data service)."""
    start = utcnow() - timedelta(days=400)
    rows = []
    for i in range(count):
        moment = start + timedelta(seconds=i * 60)
        kind = "product" if i % 10 == 0 else "resource"
        rows.append(entry_row({
            "id": new_id(), "org_id": f"org-{i % 50:02d}", "org_name": f"第{i % 50}数据局",
            "name": f"{DOMAINS[i % 10]}数据（{i}）", "description": f"{DOMAINS[i % 10]}领域的登记数据，第{i}条",
            "region_code": REGIONS[i % 4], "domain": DOMAINS[i % 10], "update_frequency": "monthly",
            "sharing_attribute": "conditional", "opening_attribute": "unconditional", "grading": "general",
            "form": "api" if kind == "product" else "", "use_type": "industry" if kind == "product" else "",
            "status": "registered", "created_at": moment, "updated_at": moment,
        }, kind))
    return rows


async def _seed(url: str, rows: list[dict]) -> None:
    columns = [name for name in rows[0] if name != "tsv"]
    placeholders = ", ".join(f"${i + 1}" for i in range(len(columns)))
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.executemany(f"INSERT INTO catalog_entries ({', '.join(columns)}) VALUES ({placeholders})",
                               [tuple(row[name] for name in columns) for row in rows])
        await conn.execute("VACUUM ANALYZE catalog_entries")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def catalogue(system) -> str:
    asyncio.run(_seed(system.databases["registry"].url, _entries(DATASETS)))
    return system.urls["registry"]


def _harvest(client: httpx.Client, base: str) -> tuple[int, int]:
    url, pages, size = f"{base}/catalog.ttl", 0, 0
    while url:
        response = client.get(url)
        response.raise_for_status()
        pages, size = pages + 1, size + len(response.content)
        url = response.links.get("next", {}).get("url")
    return pages, size


def _search(client: httpx.Client, base: str) -> tuple[int, int]:
    cursor, pages, seen = None, 0, 0
    while True:
        response = client.get(f"{base}/catalog/search", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        response.raise_for_status()
        page = response.json()
        pages, seen = pages + 1, seen + len(page["items"])
        if not (cursor := page["next_cursor"]):
            return pages, seen


def _rate(work, client, base) -> float:
    """Datasets per second of one full pass."""
    started = time.perf_counter()
    work(client, base)
    return DATASETS / (time.perf_counter() - started)


def test_a_full_harvest_takes_at_most_2x_the_catalogues_own_search_paging(catalogue):
    with httpx.Client(timeout=120) as client:
        pages, size = _harvest(client, catalogue)
        assert pages == -(-DATASETS // 500)
        search_pages, seen = _search(client, catalogue)
        assert seen == DATASETS
        harvested, searched = best_alternating(lambda: _rate(_harvest, client, catalogue),
                                               lambda: _rate(_search, client, catalogue), rounds=ROUNDS)
    ratio = searched / harvested
    print(f"\nharvest of {DATASETS} datasets: {pages} Turtle pages, {size / 1e6:.1f} MB, "
          f"{DATASETS / harvested:.2f} s; search paging: {search_pages} pages, {DATASETS / searched:.2f} s; "
          f"harvest takes {ratio:.2f}x the search paging (target <= 2)")
    assert ratio <= 2.0
