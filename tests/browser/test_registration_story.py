"""The whole story of issue 8 in a real browser: an operator drafts and submits a product, a registrar
accepts and approves it, the notice appears publicly, an objection is filed and dismissed, the code is issued
and the public lookup verifies the certificate (DOMAIN §1, Arts. 8, 10–13)."""

from __future__ import annotations

import re

import pytest

from .story import log_in, log_out, product_past_its_notice, shot, state_of

pytestmark = pytest.mark.e2e
PRODUCT = "城市出行热力指数（浏览器测试）"
ENDED = "城市出行热力指数（浏览器测试，公示期满）"


def _close_an_ended_notice(page, system, base: str) -> None:
    """The registrar closes a notice that has ended: a product approved weeks ago, as no step may be dated after
    today (a notice approved today runs 10 working days, Art. 12); a code is issued."""
    _, ended = product_past_its_notice(system, ENDED, close=False)
    page.goto(f"{base}/registrar/registrations/{ended}")
    page.get_by_role("button", name="公示期满，赋码").click()


def test_product_registration_from_draft_to_verified_certificate(system, chromium, artifacts, evidence_file):  # noqa: PLR0915 (one story, step by step)
    base = system.urls["console"]
    staff = chromium.new_context(locale="zh-CN")
    page = staff.new_page()

    # The operator drafts a product; the registry's own validation messages show next to the field.
    log_in(page, base, "operator")
    assert page.url.endswith("/workspace")
    shot(page, artifacts, "01-operator-workspace")
    page.get_by_role("link", name="新建数据产品").click()
    page.get_by_label("名称").fill(PRODUCT)
    page.get_by_label("描述", exact=True).fill("按小时发布的道路拥堵热力指数")
    page.get_by_label("产品形态").select_option("api")
    page.get_by_label("行政区划代码").fill("12345")
    page.get_by_label("应用场景").fill("物流路径规划\n城市交通治理")
    page.get_by_role("button", name="保存草稿").click()
    region_error = page.locator("#e-region_code")
    assert region_error.is_visible(), page.content()
    assert page.get_by_label("行政区划代码").get_attribute("aria-invalid") == "true"
    shot(page, artifacts, "02-product-form-validation")
    page.get_by_label("行政区划代码").fill("110000")
    page.get_by_role("button", name="保存草稿").click()
    assert page.locator("#subject-status").inner_text() == "草稿"

    # ... and submits its first registration with a material (hashed in the console, Art. 7 evidence).
    page.get_by_label("申请材料").set_input_files(str(evidence_file))
    page.get_by_role("button", name="提交登记").click()
    assert state_of(page) == "submitted"
    shot(page, artifacts, "03-registration-submitted")
    log_out(page)

    # The registrar finds it in the acceptance queue, accepts and approves it: public notice starts.
    log_in(page, base, "registrar")
    assert page.url.endswith("/registrar")
    page.locator("#queue-acceptance").get_by_role("link", name=PRODUCT).click()
    shot(page, artifacts, "04-registrar-review")
    page.get_by_role("button", name="受理", exact=True).click()
    assert state_of(page) == "under_review"
    page.get_by_role("button", name="审核通过", exact=True).click()
    assert state_of(page) == "in_notice"
    review_url = page.url

    # Anyone sees the notice (four public fields only) and files a real-name objection with evidence.
    public = chromium.new_context(locale="zh-CN").new_page()
    public.goto(f"{base}/notices")
    public.get_by_label("搜索数据名称、登记主体或描述").fill("热力指数（浏览器")
    public.get_by_role("button", name="搜索").click()
    public.get_by_role("link", name=PRODUCT).click()
    shot(public, artifacts, "05-public-notice")
    assert "物流路径规划" not in public.content()  # scenarios are not among the public fields (Art. 12)
    public.get_by_label("异议人姓名或单位名称").fill("张三")
    public.get_by_label("证件号码").fill("110101199003077777")
    public.get_by_label("联系方式").fill("zhangsan@example.cn")
    public.get_by_label("异议理由").fill("该产品使用的数据来源存疑。")
    public.locator("#f-evidence").set_input_files(str(evidence_file))
    public.get_by_role("button", name="提交异议").click()
    public.get_by_text("异议已提交").wait_for()
    shot(public, artifacts, "06-objection-filed")

    # The registrar re-examines and dismisses the objection; the notice runs its 10 working days (Art. 12).
    page.goto(review_url)
    objection = page.locator("article.objection")
    assert "张三" in objection.inner_text()
    objection.get_by_label("复核意见").fill("经复核，数据来源合法，异议不成立。")
    objection.get_by_role("button", name="驳回异议").click()
    assert "驳回" in page.locator("article.objection h3").inner_text()
    _close_an_ended_notice(page, system, base)
    assert state_of(page) == "registered"
    code = page.locator("#query-code-link").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Za-z-]+", code)
    shot(page, artifacts, "07-registered-with-code")

    # The public lookup shows validity and verifies the signed certificate, in the console and in the browser.
    public.goto(f"{base}/lookup")
    public.get_by_label("登记结果查询码").fill(code)
    public.get_by_role("button", name="查询").click()
    assert public.locator("#server-verdict").get_attribute("data-valid") == "true"
    public.locator("#browser-verdict[data-verified]").wait_for()
    assert public.locator("#browser-verdict").get_attribute("data-verified") == "true"
    assert "登记有效" in public.content()
    shot(public, artifacts, "08-lookup-verified")
