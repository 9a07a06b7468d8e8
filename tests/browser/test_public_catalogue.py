"""The public catalogue in a real browser (issue 16): a visitor searches from the home page, opens a dataset and
its organization; axe-core finds no accessibility violation on any of these pages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from .story import product_past_its_notice, shot

pytestmark = pytest.mark.e2e


def _no_axe_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_visitor_searches_the_catalogue_and_opens_a_dataset_and_its_organization(system, chromium, artifacts):
    product_id, _ = product_past_its_notice(system, "城市出行热力指数", close=True)
    page = chromium.new_context(locale="zh-CN").new_page()
    page.goto(system.urls["console"])
    assert page.locator(".figures").is_visible()
    _no_axe_violations(page)
    page.get_by_label("搜索已登记的数据资源和产品").fill("热力")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state("load")
    assert "q=" in page.url and page.get_by_text("共 1 条").is_visible()
    _no_axe_violations(page)
    shot(page, artifacts, "14-catalogue-search")
    page.get_by_role("link", name="城市出行热力指数").click()
    page.wait_for_url(f"**/datasets/{product_id}")
    assert page.get_by_role("heading", level=1, name="城市出行热力指数").is_visible()
    _no_axe_violations(page)
    shot(page, artifacts, "15-dataset")
    page.locator("dl.record-facts a").first.click()
    page.wait_for_url("**/organizations/**")
    assert page.get_by_role("link", name="城市出行热力指数").is_visible()
    _no_axe_violations(page)
