"""Public pages of authorized operation (spec Arts. 18–19): the list and one authorization, without login, in
Chinese and English, showing only what the registry discloses."""

from __future__ import annotations

from services.kernel.timeutil import china_today
from services.registry.registration.models import Product
from tests.api.operation.world import build_world, set_status


def flat(price: str) -> dict:
    return {"billing_unit": "per_call", "unit_price": price, "effective_from": str(china_today()), "basis": "核算"}


async def operated(registry_client, people, apps) -> tuple[object, dict]:
    w = await build_world(registry_client, people, apps)
    await set_status(apps, Product, w.product_id, conditions_of_use="仅限物流企业，不得转售")
    agreement = await w.agreement()
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.05"), 201)
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.04"), 201)
    return w, agreement


async def test_the_home_page_and_the_navigation_link_the_disclosure(browser):
    page = (await browser.page("/")).text
    assert page.count('href="/authorizations"') == 2 and "授权运营公开" in page


async def test_the_list_shows_who_operates_what_for_what_term_in_both_languages(browser, registry_client, people,
                                                                               apps):
    _, agreement = await operated(registry_client, people, apps)
    page = (await browser.page("/authorizations")).text
    assert f'href="/authorizations/{agreement["id"]}"' in page
    for text in ("运营公司", "交通数据授权运营实施方案", "北京市人民政府", "分领域授权", "2025年3月1日 – 2028年2月28日", "履行中"):
        assert text in page, text
    english = (await browser.page("/authorizations?lang=en")).text
    assert "Authorized operation disclosed" in english and "By domain" in english and "Active" in english
    suspended = (await browser.page("/authorizations?status=suspended&region_code=110000&lang=zh")).text
    assert agreement["id"] not in suspended and "没有符合条件的授权运营" in suspended


async def test_one_authorization_shows_scope_products_terms_and_prices_but_no_confidential_terms(
        browser, registry_client, people, apps):
    _, agreement = await operated(registry_client, people, apps)
    page = (await browser.page(f"/authorizations/{agreement['id']}")).text
    for text in ("公交到站数据", "交通委", "物流路径API", "仅限物流企业，不得转售", "¥0.04", "¥0.05", "按调用量",
                 "具体收费标准", "产业发展、行业发展", "未登记"):
        assert text in page, text
    for secret in ("30% to the authorizer", "中标通知书", "京数协备", "成本核算"):
        assert secret not in page, secret
    english = (await browser.page(f"/authorizations/{agreement['id']}?lang=en")).text
    assert "Data scope" in english and "Terms of use" in english and "per call" in english


async def test_an_unknown_authorization_is_not_found(browser):
    answer = await browser.get("/authorizations/" + "0" * 32)
    assert answer.status_code == 404
    assert (await browser.get("/authorizations/not-an-id")).status_code in (404, 422)
