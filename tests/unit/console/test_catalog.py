"""The public catalogue in the console (issue 16): the home page's search, facets, page links and figures, the
public page of one record and of one organization, the site-owner footer, and the product form's resources."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest_asyncio

from services.console.main import create_app
from services.registry.catalog.figures import FigureCache
from services.registry.registration.models import Product, Resource
from tests.api.operation.world import build_world

from .conftest import CONSOLE, _Hosts, console_settings


@pytest_asyncio.fixture(loop_scope="session")
async def uncached(apps):
    apps.registry.state.catalog_figures = FigureCache(ttl=0)
    yield
    apps.registry.state.catalog_figures = None


async def publish(apps, count: int, *, org: str = "org-a", org_name: str = "市交通委", name: str = "公交线路数据",
                  status: str = "registered") -> list[str]:
    ids = []
    async with apps.registry.state.db.sessions.begin() as session:
        for n in range(count):
            row = Resource(org_id=org, org_name=org_name, name=f"{name}{n:02d}", description="线路与站点",
                           status=status, region_code="110000", domain="交通", sharing_attribute="conditional",
                           opening_attribute="unconditional", grading="general")
            session.add(row)
            await session.flush()
            ids.append(row.id)
    return ids


async def a_product(apps) -> str:
    async with apps.registry.state.db.sessions.begin() as session:
        row = Product(org_id="org-b", org_name="数据运营公司", name="出行热力指数API", description="按小时发布",
                      status="registered", form="api", use_type="industry", region_code="310000")
        session.add(row)
        await session.flush()
        return row.id


def links(page: str, pattern: str) -> list[str]:
    return [unescape(m) for m in re.findall(pattern, page)]


async def test_the_home_page_searches_browses_by_facet_and_pages_with_links(apps, browser, uncached):
    await publish(apps, 12)
    await publish(apps, 1, name="气象观测数据")
    await publish(apps, 1, name="草稿资源", status="draft")
    product = await a_product(apps)
    home = (await browser.page("/")).text
    for figure in ('<dt>已登记数据资源</dt><dd>13</dd>', '<dt>已登记数据产品和服务</dt><dd>1</dd>'):
        assert figure in home, figure
    assert "共 14 条" in home and "第 1 页，共 2 页" in home and "草稿资源" not in home
    assert len(links(home, r'<h3><a href="(/datasets/[^"]+)"')) == 10
    assert 'href="/organizations/org-a">市交通委</a>' in home  # names, never ids
    second = (await browser.page(links(home, r'href="([^"]+)" rel="next"')[0])).text
    assert "第 2 页，共 2 页" in second and len(links(second, r'<h3><a href="(/datasets/[^"]+)"')) == 4
    assert 'rel="next"' not in second
    back = (await browser.page(links(second, r'href="([^"]+)" rel="prev"')[0])).text
    assert links(back, r'<h3><a href="(/datasets/[^"]+)"') == links(home, r'<h3><a href="(/datasets/[^"]+)"')
    # A facet value is a link with its count; following it narrows the results and shows how to undo it.
    assert re.search(r'>数据产品和服务</a> <span class="count">1</span>', home)
    narrowed = (await browser.page(links(home, r'<a href="(/\?kind=product)">')[0])).text
    assert links(narrowed, r'<h3><a href="(/datasets/[^"]+)"') == [f"/datasets/{product}"]
    assert 'aria-label="取消筛选：类别"' in narrowed and "共 1 条" in narrowed
    in_beijing = (await browser.page(links(home, r'<a href="(/\?region=110000)">北京市</a>')[0])).text
    assert "行政区划: 北京市 ×" in in_beijing and "共 13 条" in in_beijing  # the region by name, not its code
    found = (await browser.page("/?q=气象")).text
    assert "气象观测数据00" in found and "公交线路数据" not in found.split('class="results"')[1].split("</ol>")[0]
    assert "没有符合条件" in (await browser.page("/?q=不存在的词语")).text
    english = (await browser.page("/?lang=en")).text
    assert "Registered data resources" in english and "Page 1 of 2" in english


async def test_a_forged_filter_or_cursor_is_a_page_not_found(browser):
    for url in ("/?grading=secret", "/?cursor=forged", "/?kind=person"):
        assert (await browser.get(url)).status_code == 404, url


async def test_a_dataset_page_shows_the_record_with_its_organization_by_name(apps, browser):
    (resource,) = await publish(apps, 1, name="地铁客流数据")
    (draft,) = await publish(apps, 1, name="未登记资源", status="draft")
    page = (await browser.page(f"/datasets/{resource}")).text
    assert "地铁客流数据00</h1>" in page and "线路与站点" in page
    assert 'href="/organizations/org-a">市交通委</a>' in page
    for label in ("无条件", "有条件", "一般", "交通", "数据资源", "北京市"):
        assert label in page, label
    assert f"/catalog/resources/{resource}" in page  # the machine-readable record (DCAT-AP)
    for missing in (draft, "0" * 32):
        assert (await browser.get(f"/datasets/{missing}")).status_code == 404


async def test_an_organization_page_lists_its_registered_resources_and_products_by_name(apps, browser):
    await publish(apps, 2, name="公交线路数据")
    await publish(apps, 1, name="草稿资源", status="draft")
    page = (await browser.page("/organizations/org-a")).text
    assert ">市交通委</h1>" in page and "已登记数据资源 2 项，数据产品和服务 0 项" in page
    assert "公交线路数据00" in page and "公交线路数据01" in page and "草稿资源" not in page
    assert 'href="/?org=org-a"' in page
    assert (await browser.get("/organizations/org-nobody")).status_code == 404


async def test_the_footer_shows_the_site_owner_lines_only_when_configured(apps, browser):
    demo = (await browser.page("/")).text  # the tests' console is a demo one: marked demo values
    assert "主办单位：某市数据局（演示）" in demo and "网站标识码" in demo
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">京ICP备00000000号（演示）</a>' in demo
    for owner, shown, hidden in (
            ({"sponsor": "北京市数据局", "contact": "010-88888888", "site_code": "1100000001",
              "icp": "京ICP备12345678号"}, ["主办单位：北京市数据局", "联系方式：010-88888888", "网站标识码：1100000001",
                                        "京ICP备12345678号"], ["公网安备", "演示"]),
            ({"sponsor": "内网数据局", "icp": "京ICP备1号", "icp_url": "", "public_security": "京公网安备11010502030001号"},
             ["<li>京ICP备1号</li>", 'href="https://beian.mps.gov.cn/#/query/webSearch?code=11010502030001"'],
             ["beian.miit"]),
            ({}, [], ["主办单位", "网站标识码", "beian"])):
        app = create_app(console_settings(demo=False, site_owner=owner), transport=_Hosts(apps))
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=CONSOLE) as client:
            page = (await client.get("/lookup")).text
        for text in shown:
            assert text in page, text
        for text in hidden:
            assert text not in page, text


async def test_the_new_product_form_offers_the_resources_of_the_operators_agreement_in_force(
        apps, browser, registry_client, people):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await browser.login(w.operator.username)
    form = (await browser.page("/workspace/products/new")).text
    assert "暂无可选数据资源" not in form
    assert f'name="resource_ids" value="{w.resource_id}"' in form and "公交到站数据" in form
    typed = {"name": "", "description": "实时到站预测", "form": "api", "use_type": "industry",
             "region_code": "110000", "scenarios": "出行服务", "resource_ids": w.resource_id}
    refused = await browser.submit("/workspace/products", typed)
    assert refused.status_code == 422 and 'id="e-name"' in refused.text
    # What was typed stays, the chosen resource stays ticked.
    assert "实时到站预测" in refused.text and "出行服务" in refused.text
    assert f'value="{w.resource_id}" checked' in refused.text
    created = await browser.submit("/workspace/products", typed | {"name": "到站预测API"})
    assert created.status_code == 303, created.text
    product = (await registry_client.get(created.headers["location"].replace("/workspace", ""),
                                         headers=w.operator.headers)).json()
    assert product["resource_ids"] == [w.resource_id]
