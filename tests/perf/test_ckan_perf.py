"""CKAN action API benchmark (issue 15): ``package_search`` over N public datasets costs at most 4x a by-id read
(``package_show``) of the same API, both measured in one run against the registry as a process.

Two searches are measured: the listing a harvester starts with (no query, CKAN's default sort, the total and
the first 10 datasets) and a Chinese keyword search (about 1 dataset in 40 matches, ranked, its total). N is
20,000 by default; PDR_BENCH_CKAN_DATASETS raises it (the issue's figure is 100,000).

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_ckan_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import asyncio
import os
import random
from datetime import timedelta
from urllib.parse import quote

import asyncpg
import httpx
import pytest

from services.kernel.timeutil import new_id, utcnow
from services.registry.catalog.sync import entry_row
from tests.databases import BACKEND
from tests.perf.harness import best_alternating, wrk

SECONDS = int(os.environ.get("PDR_BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("PDR_BENCH_ROUNDS", "3"))
DATASETS = int(os.environ.get("PDR_BENCH_CKAN_DATASETS", "20000"))
pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="registry benchmarks run on PostgreSQL "
                                "(PDR_TEST_DB=postgresql)")

DOMAINS = ["交通", "企业", "医疗", "教育", "环境", "气象", "人口", "社保", "税务", "住房", "农业", "水利", "能源",
           "文旅", "应急", "公安", "民政", "财政", "商务", "市场", "统计", "自然资源", "科技", "工信", "人社",
           "卫健", "体育", "海关", "金融", "林业", "电力", "通信", "邮政", "港口", "航空", "铁路", "公路", "地铁",
           "规划", "城管"]
TOPICS = ["登记信息", "许可信息", "监测数据", "统计数据", "基础信息", "业务办理", "处罚信息", "名录", "地理信息",
          "服务记录", "流量数据", "预警信息", "设施信息", "档案信息", "评价数据"]


def _entries(count: int, seed: int = 15) -> list[dict]:
    """Registered resources of 50 organizations, as the catalogue indexes them (catalog/sync.py)."""
    rnd = random.Random(seed)
    start = utcnow() - timedelta(days=400)
    rows = []
    for i in range(count):
        domain = rnd.choice(DOMAINS)
        moment = start + timedelta(seconds=rnd.randrange(400 * 86400))
        rows.append(entry_row({
            "id": new_id(), "org_id": f"org-{i % 50:02d}", "org_name": f"第{i % 50}数据局",
            "name": f"{rnd.choice(DOMAINS)}{rnd.choice(TOPICS)}（{i}）", "description": f"{domain}领域的{rnd.choice(TOPICS)}",
            "region_code": rnd.choice(["110000", "310000", "440100", "330100"]), "domain": domain,
            "update_frequency": "monthly", "sharing_attribute": "conditional", "opening_attribute": "unconditional",
            "grading": "general", "status": "registered", "created_at": moment, "updated_at": moment,
        }, "resource", tsv=True))
    return rows


async def _seed(url: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    placeholders = ", ".join(f"${i + 1}::tsvector" if name == "tsv" else f"${i + 1}" for i, name in enumerate(columns))
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.executemany(f"INSERT INTO catalog_entries ({', '.join(columns)}) VALUES ({placeholders})",
                               [tuple(row[name] for name in columns) for row in rows])
        await conn.execute("VACUUM ANALYZE catalog_entries")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def catalogue(system) -> dict:
    rows = _entries(DATASETS)
    asyncio.run(_seed(system.databases["registry"].url, rows))
    return {"some_id": rows[DATASETS // 2]["subject_id"]}


def _action(system, action: str, **params) -> str:
    query = "&".join(f"{key}={quote(str(value))}" for key, value in params.items())
    return f"{system.urls['registry']}/api/3/action/{action}?{query}"


@pytest.mark.parametrize(("label", "params"), [
    ("listing (no query, default sort, count + first 10)", {}),
    ("keyword '交通' (ranked, count + first 10)", {"q": "交通"}),
])
def test_package_search_costs_at_most_4x_a_package_show(system, catalogue, label, params):
    show = _action(system, "package_show", id=catalogue["some_id"])
    search = _action(system, "package_search", rows=10, **params)
    first = httpx.get(search).json()["result"]
    assert len(first["results"]) == 10 and first["count"] >= (DATASETS if not params else DATASETS // 60)
    assert httpx.get(show).json()["result"]["id"] == catalogue["some_id"]
    wrk(show, seconds=1)
    wrk(search, seconds=1)
    by_id, searched = best_alternating(lambda: wrk(show, seconds=SECONDS), lambda: wrk(search, seconds=SECONDS),
                                       rounds=ROUNDS)
    cost = by_id / searched
    print(f"\npackage_show: {by_id:.0f} req/s; package_search {label} over {DATASETS} datasets "
          f"({first['count']} matches): {searched:.0f} req/s; search costs {cost:.2f}x a by-id read (target <= 4)")
    assert cost <= 4.0
