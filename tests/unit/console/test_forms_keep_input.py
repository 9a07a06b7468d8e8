"""Every console form keeps what was typed when the API refuses it, with the refusal next to the field it names
(problem+json ``errors`` → per-field messages) (issue 16)."""

from __future__ import annotations

import re

from .conftest import CONSOLE
from .helpers import in_notice


async def test_a_refused_resource_keeps_every_typed_value_and_marks_the_fields(browser, people):
    await browser.login((await people.person("agency")).username)
    await browser.page("/workspace/resources/new")
    typed = {"name": "公交线路数据", "description": "全市公交线路", "region_code": "99", "domain": "交通",
             "sharing_attribute": "conditional", "opening_attribute": "unconditional", "grading": "secret",
             "update_frequency": "daily", "data_items": "线路编号\n站点名称", "scale": "10 万条",
             "source": "公交集团", "lawful_basis": "《公共交通条例》"}
    refused = await browser.submit("/workspace/resources", typed)
    assert refused.status_code == 422
    for name in ("region_code", "grading"):
        assert f'id="e-{name}"' in refused.text and f'aria-describedby="e-{name}"' in refused.text, name
    for value in ("公交线路数据", "全市公交线路", 'value="99"', "线路编号\n站点名称", "10 万条", "公交集团", "《公共交通条例》",
                  '<option value="unconditional" selected>'):
        assert value in refused.text, value


async def test_the_product_forms_refusals_are_marked_on_their_fields_with_the_input_kept(browser, people):
    await browser.login((await people.person("operator")).username)
    await browser.page("/workspace/products/new")
    refused = await browser.submit("/workspace/products", {
        "name": "出行指数", "form": "api", "use_type": "industry", "region_code": "110000",
        "resource_ids": "0" * 32})
    assert refused.status_code == 422 and 'id="e-resource_ids"' in refused.text
    unknown = await browser.submit("/workspace/products", {
        "name": "出行指数", "form": "api", "use_type": "industry", "region_code": "110000",
        "delivered_at": "2026-02-30"})
    assert unknown.status_code == 422 and 'value="出行指数"' in unknown.text
    assert 'id="e-delivered_at"' in unknown.text and 'value="2026-02-30"' in unknown.text


async def test_the_registrar_keeps_a_refused_objection_decision_and_its_reason(browser, other_browser,
                                                                            registry_client, people):
    operator, registrar = await people.person("operator"), await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar, "有异议的产品")
    await other_browser.page(f"/notices/{notice['id']}")
    await other_browser.post(f"/notices/{notice['id']}/objections", headers={"Origin": CONSOLE}, data={
        "csrf_token": other_browser.csrf, "objector_name": "李四", "objector_id_number": "110101199003071234",
        "contact": "13800000000", "grounds": "数据来源侵犯商业秘密"}, files={"evidence": ("合同.pdf", b"%PDF")})
    await browser.login(registrar.username)
    page = (await browser.page(f"/registrar/registrations/{notice['id']}")).text
    objection_id = re.search(r'id="objection-([0-9a-f]+)"', page).group(1)
    refused = await browser.submit(f"/registrar/objections/{objection_id}/dismiss",
                                   {"registration_id": notice["id"], "reason": "经复核\x07异议不成立"})
    assert refused.status_code == 422
    assert f'id="e-reason_{objection_id}"' in refused.text and "经复核\x07异议不成立" in refused.text


async def test_a_refused_objection_keeps_what_the_objector_typed(browser, registry_client, people):
    notice = await in_notice(registry_client, await people.person("operator"), await people.person("registrar"))
    await browser.page(f"/notices/{notice['id']}")
    refused = await browser.post(f"/notices/{notice['id']}/objections", headers={"Origin": CONSOLE}, data={
        "csrf_token": browser.csrf, "objector_name": "李四", "objector_id_number": "110101199003071234",
        "contact": "13800000000", "grounds": "侵犯\x07商业秘密"}, files={"evidence": ("合同.pdf", b"%PDF")})
    assert refused.status_code == 422 and 'id="e-grounds"' in refused.text
    for value in ('value="李四"', 'value="110101199003071234"', 'value="13800000000"', "侵犯\x07商业秘密"):
        assert value in refused.text, value


async def test_a_failed_login_keeps_the_username(browser):
    await browser.page("/login")
    failed = await browser.submit("/login", {"username": "nobody-here", "password": "wrong-password"})
    assert failed.status_code == 401 and 'value="nobody-here"' in failed.text and 'role="alert"' in failed.text
