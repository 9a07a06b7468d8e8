"""Feeds portals subscribe to (issue 15, item 5): Atom feeds of notices, new registrations and price changes
(RFC 4287, paged per RFC 5005), the sitemap's record list, and CSV/XLSX exports of the public catalogue and the
price list, formula-injection safe (OWASP "CSV Injection"). Public records only (Arts. 6, 12, 13, 19; DOMAIN §3).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import feedparser
import openpyxl
import pytest

from services.kernel.timeutil import china_today
from services.registry.pricing.models import PriceRecord
from services.registry.registration.models import (
    IssuedCode,
    Product,
    Registration,
    Resource,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

ATOM_NS = "{http://www.w3.org/2005/Atom}"
CONSOLE = "http://127.0.0.1:8004"  # the registry's console_url in the tests' settings (its default)
DANGEROUS = ("=HYPERLINK(\"http://evil.test\",\"点我\")", "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=1")


class World:
    def __init__(self, app) -> None:
        self.sessions = app.state.db.sessions
        self.serial = 0

    async def add(self, *rows):
        async with self.sessions.begin() as session:
            session.add_all(rows)
        return rows[0] if len(rows) == 1 else rows

    async def registration(self, data_name: str, *, state: str = "in_notice", starts: date | None = None,
                           ends: date | None = None, code: str | None = None, coded_at: datetime | None = None,
                           type: str = "first") -> Registration:
        self.serial += 1
        return await self.add(Registration(
            subject_type="resource", subject_id=f"subj{self.serial}", type=type, state=state, org_id="org-a",
            registrant_org_ids=["org-a"], registrant_names=["市数据局"], data_name=data_name,
            short_description=f"{data_name}的简介", materials={"secret": "材料内容"}, materials_digest="0" * 64,
            submitted_at=datetime.now(UTC), created_by="someone", reason="内部理由",
            notice_starts_on=starts, notice_ends_on=ends, query_code=code, coded_at=coded_at,
            valid_from=coded_at.date() if coded_at else None,
            valid_until=coded_at.date().replace(year=coded_at.year + 3) if coded_at else None))

    async def product(self, name: str, *, status: str = "registered", use_type: str = "industry") -> Product:
        return await self.add(Product(org_id="org-op", org_name="运营公司", name=name, form="api",
                                      use_type=use_type, status=status, region_code="310000"))

    async def price(self, product: Product, unit_price: str, *, layer: str = "operator", kind: str = "specific",
                    effective_from: date | None = None, created_at: datetime | None = None) -> PriceRecord:
        return await self.add(PriceRecord(
            product_id=product.id, layer=layer, kind=kind, billing_unit="per_call",
            tiers=[{"up_to": 1000, "unit_price": unit_price}, {"up_to": None, "unit_price": "0.01"}],
            unit_price=Decimal(unit_price), effective_from=effective_from or china_today() - timedelta(days=1),
            basis="成本核算", set_by="p", set_by_org="org-op",
            **({"created_at": created_at} if created_at else {})))

    async def resource(self, name: str, *, status: str = "registered", description: str = "") -> Resource:
        return await self.add(Resource(org_id="org-a", org_name="市数据局", name=name, description=description,
                                       status=status, region_code="110000", domain="交通", sharing_attribute="conditional",
                                       opening_attribute="unconditional", grading="general",
                                       update_frequency="monthly"))


@pytest.fixture
def world(apps, clean) -> World:
    return World(apps.registry)


def _rfc4287_required(xml: bytes) -> ElementTree.Element:
    """The elements RFC 4287 §4.1.1 and §4.1.2 require of a feed and of each entry, read without feedparser's
    leniency."""
    root = ElementTree.fromstring(xml)
    assert root.tag == f"{ATOM_NS}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM_NS}{name}") is not None, name
    assert [link.get("rel") for link in root.findall(f"{ATOM_NS}link")].count("self") == 1
    for entry in root.findall(f"{ATOM_NS}entry"):
        for name in ("id", "title", "updated", "summary"):
            assert (entry.find(f"{ATOM_NS}{name}").text or "").strip(), name
        alternates = {link.get("type"): link.get("href") for link in entry.findall(f"{ATOM_NS}link")
                      if link.get("rel", "alternate") == "alternate"}
        assert len(alternates) == len(entry.findall(f"{ATOM_NS}link")) == 2  # one per type (§4.1.2)
        assert alternates["text/html"].startswith(CONSOLE + "/")
        assert alternates["application/json"].startswith("http://registry.test/")
    return root


async def _feed(client, url: str):
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    _rfc4287_required(response.content)
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    return parsed


def _link(parsed, rel: str) -> str | None:
    return next((link.href for link in parsed.feed.links if link.rel == rel), None)


def _api(entry) -> str:
    return next(link.href for link in entry.links if link.type == "application/json")


def _page(entry) -> str:
    return next(link.href for link in entry.links if link.type == "text/html")


async def test_notice_feed_carries_running_notices_with_their_public_fields_only(registry_client, world):
    today = china_today()
    older = await world.registration("城市公交客流数据", starts=today - timedelta(days=3), ends=today + timedelta(days=2))
    newer = await world.registration("地铁站点客流数据", starts=today - timedelta(days=1), ends=today + timedelta(days=4))
    await world.registration("已结束公示的数据", starts=today - timedelta(days=10), ends=today - timedelta(days=1))
    await world.registration("尚在审核的数据", state="under_review")

    parsed = await _feed(registry_client, "/feeds/notices.atom")

    assert parsed.feed.id == "http://registry.test/feeds/notices.atom"
    assert parsed.feed.title == "公共数据资源登记公示" and parsed.feed.language == "zh-CN"
    assert _link(parsed, "self") == "http://registry.test/feeds/notices.atom" and _link(parsed, "next") is None
    assert parsed.feed.updated_parsed[:3] == (newer.notice_starts_on - timedelta(days=1)).timetuple()[:3]  # 00:00 +08
    assert [e.title for e in parsed.entries] == ["公示：地铁站点客流数据", "公示：城市公交客流数据"]
    first = parsed.entries[0]
    assert first.id == f"http://registry.test/feeds/notices.atom#{newer.id}"
    assert _api(first) == f"http://registry.test/public/notices/{newer.id}"
    assert _page(first) == f"{CONSOLE}/notices/{newer.id}"
    assert "市数据局" in first.summary and "首次登记" in first.summary and "地铁站点客流数据的简介" in first.summary
    assert f"{newer.notice_starts_on} 至 {newer.notice_ends_on}" in first.summary
    body = (await registry_client.get("/feeds/notices.atom")).text
    assert "材料内容" not in body and "内部理由" not in body and older.id in body


async def test_notice_feed_pages_by_next_links_until_every_notice_was_read_once(registry_client, world):
    today = china_today()
    made = [await world.registration(f"公示数据{i}", starts=today - timedelta(days=i % 3), ends=today + timedelta(days=3))
            for i in range(7)]
    url, seen, pages = "/feeds/notices.atom?limit=3", [], 0
    while url:
        parsed = await _feed(registry_client, url)
        pages += 1
        assert _link(parsed, "self") == "http://registry.test" + url
        assert parsed.feed.id == "http://registry.test/feeds/notices.atom"  # every page is the same feed
        seen += [e.id.rsplit("#", 1)[1] for e in parsed.entries]
        url = (_link(parsed, "next") or "").removeprefix("http://registry.test") or None
    assert pages == 3 and sorted(seen) == sorted(r.id for r in made) and len(seen) == 7
    expected = sorted(made, key=lambda r: (r.notice_starts_on, r.id), reverse=True)
    assert seen == [r.id for r in expected]


async def test_registration_feed_lists_registrations_given_a_code_newest_first(registry_client, world):
    now = datetime.now(UTC)
    first = await world.registration("气象观测数据", state="registered", code="PDR-2026-000001-A",
                                     coded_at=now - timedelta(days=2))
    change = await world.registration("气象观测数据（变更）", state="registered", code="PDR-2026-000002-B",
                                      coded_at=now - timedelta(hours=1), type="change")
    await world.registration("未赋码的数据", state="in_notice")

    parsed = await _feed(registry_client, "/feeds/registrations.atom")

    assert parsed.feed.title == "新增登记"
    assert [e.title for e in parsed.entries] == ["变更登记：气象观测数据（变更）（PDR-2026-000002-B）",
                                                 "首次登记：气象观测数据（PDR-2026-000001-A）"]
    assert [_api(e) for e in parsed.entries] == ["http://registry.test/public/codes/PDR-2026-000002-B",
                                                 "http://registry.test/public/codes/PDR-2026-000001-A"]
    assert _page(parsed.entries[0]) == f"{CONSOLE}/lookup?code=PDR-2026-000002-B"
    assert parsed.entries[1].id.endswith(f"#{first.id}") and parsed.entries[0].id.endswith(f"#{change.id}")
    assert datetime(*parsed.entries[0].updated_parsed[:6], tzinfo=UTC) == change.coded_at.replace(microsecond=0)
    assert f"有效期 {first.valid_from} 至 {first.valid_until}" in parsed.entries[1].summary


async def test_price_feed_shows_price_records_of_the_public_price_list_only(registry_client, world):
    now = datetime.now(UTC)
    listed = await world.product("出行指数API")
    draft = await world.product("草稿产品", status="draft")
    await world.price(listed, "0.50", layer="ceiling", kind="ceiling", created_at=now - timedelta(days=3))
    price = await world.price(listed, "0.05", created_at=now - timedelta(days=1))
    await world.price(draft, "9.00", layer="ceiling", kind="ceiling", created_at=now)  # not on the public list

    parsed = await _feed(registry_client, "/feeds/prices.atom?limit=1")
    assert [e.title for e in parsed.entries] == ["价格调整：出行指数API（具体价格 0.05 元）"]
    assert parsed.entries[0].id.endswith(f"#{price.id}")
    assert _api(parsed.entries[0]) == f"http://registry.test/products/{listed.id}/prices"
    assert _page(parsed.entries[0]) == f"{CONSOLE}/prices"
    assert "运营公司" in parsed.entries[0].summary and "按次" in parsed.entries[0].summary
    following = await _feed(registry_client, _link(parsed, "next").removeprefix("http://registry.test"))
    assert [e.title for e in following.entries] == ["价格调整：出行指数API（最高限价 0.50 元）"]
    assert _link(following, "next") is None
    assert "草稿产品" not in (await registry_client.get("/feeds/prices.atom")).text


async def test_an_empty_feed_is_still_valid_atom(registry_client, world):
    parsed = await _feed(registry_client, "/feeds/registrations.atom")
    assert parsed.entries == [] and parsed.feed.updated


@pytest.mark.parametrize("feed", ["notices", "registrations", "prices"])
async def test_a_crafted_cursor_is_a_400_problem(registry_client, world, feed):
    for cursor in ("W3siYSI6MX1d", "WzFlMzAsIngiXQ", "not-base64!"):
        response = await registry_client.get(f"/feeds/{feed}.atom", params={"cursor": cursor})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("bad-cursor")
    assert (await registry_client.get(f"/feeds/{feed}.atom", params={"limit": 201})).status_code == 422


def _read_csv(response) -> list[list[str]]:
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only after a byte-order mark
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


async def _catalog_world(world):
    names = [await world.resource(name) for name in DANGEROUS]
    plain = await world.resource("城市公交客流数据", description="第一行，含逗号\n第二行“引号”")
    await world.resource("未登记草稿", status="draft")
    await world.add(IssuedCode(code="PDR-2026-000009-Z", registration_id="r9", subject_type="resource",
                               subject_id=plain.id))
    return names, plain


async def test_catalog_csv_escapes_formulas_and_holds_registered_records_only(registry_client, world):
    _, plain = await _catalog_world(world)
    response = await registry_client.get("/catalog/export.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="catalog.csv"'
    header, *rows = _read_csv(response)
    assert header[:4] == ["类型", "标识", "登记编码", "名称"]
    names = [row[3] for row in rows]
    assert names == ["'" + name for name in DANGEROUS] + ["城市公交客流数据"]
    plain_row = rows[-1]
    assert plain_row[:3] == ["resource", plain.id, "PDR-2026-000009-Z"]
    assert plain_row[4] == "第一行，含逗号\n第二行“引号”"  # quoted by the writer, read back whole
    assert "未登记草稿" not in response.content.decode("utf-8-sig")


async def test_catalog_csv_streams_every_record_across_chunks(apps, world):
    from services.registry.syndication.exports import catalog_rows
    for i in range(5):
        await world.resource(f"数据集{i}")
    chunks = [chunk async for chunk in catalog_rows(apps.registry.state.db, chunk=2)]
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [row[3] for chunk in chunks for row in chunk] == [f"数据集{i}" for i in range(5)]


async def test_catalog_xlsx_keeps_formulas_as_text(registry_client, world):
    await _catalog_world(world)
    response = await registry_client.get("/catalog/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "公共数据目录"
    cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["'" + name for name in DANGEROUS] + ["城市公交客流数据"]
    assert {c.data_type for c in cells} == {"s"}  # not one formula
    assert sheet.max_row == 1 + len(DANGEROUS) + 1


async def test_catalog_xlsx_cuts_text_to_what_an_excel_cell_holds(registry_client, world):
    await world.resource("长简介数据", description="长" * 40_000 + "\x0b")
    response = await registry_client.get("/catalog/export.xlsx")
    description = openpyxl.load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=5).value
    assert description == "长" * 32_767
    csv_rows = _read_csv(await registry_client.get("/catalog/export.csv"))
    assert csv_rows[1][4] == "长" * 40_000 + "\x0b"  # CSV has no such limit: the text is whole


async def _price_world(world):
    paid = await world.product("=CMD|'/C calc'!A0")
    await world.price(paid, "0.50", layer="ceiling", kind="ceiling")
    await world.price(paid, "0.05")
    await world.product("公益数据服务", use_type="public_welfare")
    await world.product("未定价草稿", status="draft")
    return paid


async def test_price_list_csv_matches_the_price_list_with_formulas_escaped(registry_client, world):
    paid = await _price_world(world)
    header, *rows = _read_csv(await registry_client.get("/price-list.csv"))
    assert header == ["产品标识", "产品名称", "运营主体", "用途", "免费", "价格类型", "计费单位", "单价（元）",
                      "阶梯价格", "最高限价（元）", "生效日期", "截止日期（不含）"]
    listed = (await registry_client.get("/price-list")).json()
    assert [row[0] for row in rows] == [item["product_id"] for item in listed]
    by_name = {row[1]: row for row in rows}
    assert set(by_name) == {"'=CMD|'/C calc'!A0", "公益数据服务"}
    paid_row = by_name["'=CMD|'/C calc'!A0"]
    assert paid_row[0] == paid.id and paid_row[4] == "否" and paid_row[5] == "specific"
    assert paid_row[7:10] == ["0.05", "≤1000：0.05；其余：0.01", "0.50"]
    assert paid_row[10] == str(china_today() - timedelta(days=1)) and paid_row[11] == ""
    assert by_name["公益数据服务"][4] == "是" and by_name["公益数据服务"][7] == "0.00"


async def test_price_list_xlsx_types_prices_as_numbers_and_names_as_text(registry_client, world):
    await _price_world(world)
    response = await registry_client.get("/price-list.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    paid = rows["'=CMD|'/C calc'!A0"]
    assert paid[1].data_type == "s" and paid[7].value == pytest.approx(0.05) and paid[7].data_type == "n"
    assert paid[10].value == datetime.combine(china_today() - timedelta(days=1), datetime.min.time())
    assert set(rows) == {"'=CMD|'/C calc'!A0", "公益数据服务"}


async def test_sitemap_records_are_registered_entries_in_numbered_pages(registry_client, world):
    made = [await world.resource(f"登记数据{i}") for i in range(5)]
    await world.resource("草稿", status="draft")
    await world.add(IssuedCode(code="PDR-2026-000003-C", registration_id="r3", subject_type="resource",
                               subject_id=made[0].id))
    pages = [(await registry_client.get("/feeds/records", params={"page": p, "size": 2})).json() for p in (1, 2, 3, 4)]
    assert [page["total"] for page in pages] == [5] * 4
    assert [[i["subject_id"] for i in page["items"]] for page in pages] == [
        [made[0].id, made[1].id], [made[2].id, made[3].id], [made[4].id], []]
    assert pages[0]["items"][0]["query_code"] == "PDR-2026-000003-C" and pages[0]["items"][1]["query_code"] is None
    assert (await registry_client.get("/feeds/records", params={"size": 50_001})).status_code == 422


async def test_a_registration_walked_through_the_workflow_appears_in_both_feeds(apps, registry_client, people):
    from services.registry.registration.deps import registration_today

    operator, registrar = await people.person("operator"), await people.person("registrar")
    product = (await registry_client.post("/products", headers=operator.headers, json={
        "name": "出行热力指数", "description": "按小时发布的道路拥堵热力指数", "form": "api", "use_type": "industry",
        "region_code": "110000", "scenarios": ["物流路径规划"]})).json()
    filed = (await registry_client.post("/registrations", headers=operator.headers, json={
        "subject_type": "product", "subject_id": product["id"], "type": "first",
        "attachments": [{"name": "存证.pdf", "sha256": "cd" * 32}]})).json()
    for action in ("accept", "approve"):
        answer = await registry_client.post(f"/registrations/{filed['id']}/{action}",
                                            json={} if action == "approve" else None, headers=registrar.headers)
        assert answer.status_code == 200, answer.text
    notices = await _feed(registry_client, "/feeds/notices.atom")
    assert [e.title for e in notices.entries] == ["公示：出行热力指数"]
    assert "物流路径规划" not in notices.entries[0].summary and "存证.pdf" not in notices.entries[0].summary

    after = date.fromisoformat(answer.json()["deadlines"]["notice_ends_on"]) + timedelta(days=1)

    async def later() -> date:
        return after

    apps.registry.dependency_overrides[registration_today] = later
    try:
        closed = await registry_client.post(f"/registrations/{filed['id']}/close-notice", headers=registrar.headers)
        assert closed.status_code == 200, closed.text
        assert (await _feed(registry_client, "/feeds/notices.atom")).entries == []  # the notice is over
    finally:
        apps.registry.dependency_overrides.pop(registration_today, None)
    code = closed.json()["query_code"]
    registrations = await _feed(registry_client, "/feeds/registrations.atom")
    assert [e.title for e in registrations.entries] == [f"首次登记：出行热力指数（{code}）"]
    lookup = await registry_client.get(_api(registrations.entries[0]).removeprefix("http://registry.test"))
    assert lookup.status_code == 200 and lookup.json()["query_code"] == code
