"""Registry benchmarks (issue 3, quality bars), on PostgreSQL, each a ratio against a baseline of the same run.

- an authenticated GET of one resource by id reaches >= 40% of a bare FastAPI /ping served the same way;
- a Chinese keyword search over 100,000 resources costs at most 4x a lookup by id;
- a bulk import of 100,000 catalogue rows runs at >= 30% of a raw batched INSERT of the same rows.

The HTTP comparisons alternate their two sides and keep each one's best round (harness.best_alternating).

Run: PDR_TEST_DB=postgresql .venv/bin/pytest tests/perf/test_registry_perf.py -q -s -p no:randomly
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os
import random
import time
from urllib.parse import quote

import asyncpg
import httpx
import pytest

from services.kernel.db import Database
from services.registry.catalog.importer import Owner, import_sheet
from services.registry.catalog.sheets import read_sheet
from tests.databases import BACKEND
from tests.perf.harness import best_alternating, ping_server, wrk

SECONDS = int(os.environ.get("PDR_BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("PDR_BENCH_ROUNDS", "3"))
ROWS = int(os.environ.get("PDR_BENCH_IMPORT_ROWS", "100000"))
pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="registry benchmarks run on PostgreSQL "
                                "(PDR_TEST_DB=postgresql)")

# Realistic catalogue vocabulary: about 1 row in 40 mentions any one domain word (交通, 企业, …).
REGIONS = ["市", "区", "县", "开发区", "新区"]
DOMAINS = ["交通", "企业", "医疗", "教育", "环境", "气象", "人口", "社保", "税务", "住房", "农业", "水利", "能源",
           "文旅", "应急", "公安", "民政", "财政", "商务", "市场", "统计", "自然资源", "科技", "工信", "人社",
           "卫健", "体育", "海关", "金融", "林业", "电力", "通信", "邮政", "港口", "航空", "铁路", "公路", "地铁",
           "规划", "城管"]
TOPICS = ["登记信息", "许可信息", "监测数据", "统计数据", "基础信息", "业务办理", "处罚信息", "名录", "地理信息",
          "服务记录", "流量数据", "预警信息", "设施信息", "档案信息", "评价数据"]
HEADER = ["资源名称", "资源摘要", "数据项", "更新频率", "共享属性", "开放属性", "数据分级", "所属领域", "行政区划代码"]
FREQ = ["每日", "每月", "每季度", "每年", "实时", "不定期"]
ATTR = ["无条件", "有条件", "不予"]
GRADE = ["一般", "重要", "核心"]


def catalogue_csv(rows: int, seed: int = 7) -> bytes:
    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(rows):
        domain, other, topic = rnd.choice(DOMAINS), rnd.choice(DOMAINS), rnd.choice(TOPICS)
        name = f"{rnd.choice(REGIONS)}{domain}{topic}（{i:06d}）"
        description = f"{domain}部门汇聚的{topic}，含{other}相关字段，按{rnd.choice(FREQ)}更新，供政务共享使用。"
        writer.writerow([name, description, "统一编码;名称;日期;状态", rnd.choice(FREQ), rnd.choice(ATTR),
                         rnd.choice(ATTR), rnd.choice(GRADE), domain, "110000"])
    return out.getvalue().encode("utf-8")


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg", "postgresql")


async def _raw_insert_seconds(url: str, rows: list[dict]) -> float:
    """The baseline: the same resource rows, INSERTed in batches over one asyncpg connection into a table with
    the same columns and indexes as ``resources``."""
    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        await conn.execute("DROP TABLE IF EXISTS bench_resources")
        await conn.execute("CREATE TABLE bench_resources (LIKE resources INCLUDING ALL)")
        columns = list(rows[0])
        sql = (f"INSERT INTO bench_resources ({', '.join(columns)}) VALUES "
               f"({', '.join(f'${i + 1}' for i in range(len(columns)))})")
        json_columns = {"data_items", "joint_org_ids", "joint_org_names", "security_assessment"}
        records = [tuple(json.dumps(r[c], ensure_ascii=False) if c in json_columns else r[c] for c in columns)
                   for r in rows]
        started = time.perf_counter()
        async with conn.transaction():
            for start in range(0, len(records), 2000):
                await conn.executemany(sql, records[start:start + 2000])
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_resources")
        return elapsed
    finally:
        await conn.close()


async def _import(url: str, data: bytes, owner: Owner):
    db = Database(url)
    try:
        started = time.perf_counter()
        async with db.sessions.begin() as session:
            sheet = read_sheet("catalogue.csv", data)
            report = await import_sheet(session, sheet, owner, digest=hashlib.sha256(data).hexdigest(),
)
        return time.perf_counter() - started, report
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def agency(system) -> dict:
    # agency2 (上海市大数据中心): an organization whose name does not contain the benchmark keyword.
    token = system.token("agency2")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{system.urls['registry']}/me", headers=headers).json()
    return {"headers": headers, "org": me["org"], "org_name": me["org_name"], "region": me["region"]}


@pytest.fixture(scope="module")
def resource_id(system, agency) -> str:
    response = httpx.post(f"{system.urls['registry']}/resources", headers=agency["headers"], json={
        "name": "城市公共交通客流数据", "description": "地铁和公交每日客流", "sharing_attribute": "conditional",
        "opening_attribute": "unconditional", "grading": "general", "region_code": "110000",
        "update_frequency": "daily", "domain": "交通"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture(scope="module")
def imported(system, agency) -> dict:
    """Imports ROWS catalogue rows (the search corpus) and measures the raw INSERT baseline of the same rows."""
    url = system.databases["registry"].url
    data = catalogue_csv(ROWS)
    owner = Owner(agency["org"], agency["org_name"], agency["region"])
    import_seconds, report = asyncio.run(_import(url, data, owner))
    assert report.created == ROWS and report.invalid == 0, report.errors[:5]
    rows = asyncio.run(_resource_rows(url, agency["org"]))
    raw_seconds = asyncio.run(_raw_insert_seconds(url, rows))
    return {"import": import_seconds, "raw": raw_seconds}


async def _resource_rows(url: str, org: str) -> list[dict]:
    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        records = await conn.fetch("SELECT * FROM resources WHERE org_id = $1 AND name LIKE '%（%'", org)
    finally:
        await conn.close()
    rows = []
    for record in records:
        row = dict(record)
        row["id"] = "b" + row["id"][1:]  # a distinct key, same shape
        for key in ("data_items", "joint_org_ids", "joint_org_names", "security_assessment"):
            row[key] = json.loads(row[key]) if isinstance(row[key], str) else row[key]
        rows.append(row)
    return rows


def test_authenticated_get_of_one_resource_reaches_40_percent_of_bare_ping(system, agency, resource_id):
    url = f"{system.urls['registry']}/resources/{resource_id}"
    assert httpx.get(url, headers=agency["headers"]).status_code == 200
    with ping_server() as (ping_url, _):
        wrk(f"{ping_url}/ping", seconds=1)
        wrk(url, seconds=1, headers=agency["headers"])
        baseline, by_id = best_alternating(lambda: wrk(f"{ping_url}/ping", seconds=SECONDS),
                                           lambda: wrk(url, seconds=SECONDS, headers=agency["headers"]),
                                           rounds=ROUNDS)
    ratio = by_id / baseline
    print(f"\nbare /ping: {baseline:.0f} req/s; authenticated GET /resources/{{id}}: {by_id:.0f} req/s; "
          f"ratio {ratio:.2f} (target >= 0.40)")
    assert ratio >= 0.40


def test_bulk_import_runs_at_30_percent_of_raw_batched_insert(imported):
    ratio = imported["raw"] / imported["import"]
    print(f"\nimport of {ROWS} catalogue rows (CSV parse, validation, resources + search index): "
          f"{imported['import']:.2f} s ({ROWS / imported['import']:.0f} rows/s); raw batched INSERT of the same "
          f"rows: {imported['raw']:.2f} s ({ROWS / imported['raw']:.0f} rows/s); ratio {ratio:.2f} (target >= 0.30)")
    assert ratio >= 0.30


def test_chinese_keyword_search_over_100k_costs_at_most_4x_a_lookup_by_id(system, agency, resource_id, imported):
    base = system.urls["registry"]
    search = f"{base}/catalog/search?q={quote('交通')}&limit=20"
    first = httpx.get(search, headers=agency["headers"]).json()
    assert len(first["items"]) == 20 and first["next_cursor"]
    total = httpx.get(f"{base}/catalog/facets?q={quote('交通')}", headers=agency["headers"]).json()["total"]
    lookup = f"{base}/resources/{resource_id}"
    wrk(lookup, seconds=1, headers=agency["headers"])
    wrk(search, seconds=1, headers=agency["headers"])
    by_id, searched = best_alternating(lambda: wrk(lookup, seconds=SECONDS, headers=agency["headers"]),
                                       lambda: wrk(search, seconds=SECONDS, headers=agency["headers"]),
                                       rounds=ROUNDS)
    cost = by_id / searched
    print(f"\nGET by id: {by_id:.0f} req/s; search '交通' ({total} matches of {ROWS + 1}, ranked, first page): "
          f"{searched:.0f} req/s; search costs {cost:.2f}x a lookup (target <= 4)")
    assert cost <= 4.0
