"""The public catalogue in a real browser (issue 16): a visitor searches from the home page, opens a dataset and
its organization; axe-core finds no accessibility violation on any of these pages."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe

from .story import shot

pytestmark = pytest.mark.e2e


def _registered_product(system, name: str) -> str:
    """A product walked through the registry's API to its code; the registry in demo mode closes the notice on a
    named date (services/registry/registration/deps.py)."""
    def auth(user: str) -> dict:
        return {"Authorization": f"Bearer {system.token(user)['access_token']}"}

    registry, operator, registrar = system.urls["registry"], auth("operator"), auth("registrar")
    product = httpx.post(f"{registry}/products", headers=operator, json={
        "name": name, "description": "按小时发布的道路拥堵热力指数", "form": "api", "use_type": "industry",
        "region_code": "110000", "scenarios": ["物流路径规划"]}).json()
    filed = httpx.post(f"{registry}/registrations", headers=operator, json={
        "subject_type": "product", "subject_id": product["id"], "type": "first",
        "attachments": [{"name": "存证.pdf", "sha256": "cd" * 32}]}).json()
    for action, body in (("accept", None), ("approve", {})):
        answer = httpx.post(f"{registry}/registrations/{filed['id']}/{action}", headers=registrar, json=body)
        assert answer.status_code == 200, answer.text
    after = date.fromisoformat(answer.json()["deadlines"]["notice_ends_on"]) + timedelta(days=1)
    closed = httpx.post(f"{registry}/registrations/{filed['id']}/close-notice",
                        headers={**registrar, "X-PDR-Demo-Date": after.isoformat()})
    assert closed.status_code == 200, closed.text
    return product["id"]


def _no_axe_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_visitor_searches_the_catalogue_and_opens_a_dataset_and_its_organization(system, chromium, artifacts):
    product_id = _registered_product(system, "城市出行热力指数")
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
