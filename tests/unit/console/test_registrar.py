"""The registration body's queue and decisions through the console (DOMAIN §1, Arts. 10–12)."""

from __future__ import annotations

import re
from datetime import date

from services.registry.registration.deps import registration_today

from .helpers import filed_product, in_notice, on_day


async def test_queue_is_sorted_by_deadline_with_overdue_ones_highlighted(apps, browser, registry_client, people):
    """Art. 10: acceptance within 3 working days; the older filing is due first and, weeks later, overdue."""
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    try:
        on_day(apps, date(2026, 3, 9))
        await filed_product(registry_client, operator, "较早的产品")
        on_day(apps, date(2026, 3, 11))
        await filed_product(registry_client, operator, "较晚的产品")
        await browser.login(registrar.username)
        on_day(apps, date(2026, 3, 13))
        page = (await browser.page("/registrar")).text
    finally:
        apps.registry.dependency_overrides.pop(registration_today, None)
    acceptance = page.split('id="queue-acceptance"')[1].split("</section>")[0]
    assert acceptance.index("较早的产品") < acceptance.index("较晚的产品")
    rows = re.findall(r"<tr( class=\"overdue\")?>\s*<td>([0-9-]+)", acceptance)
    assert [due for _, due in rows] == sorted(due for _, due in rows)
    # Seen on Friday the 13th: the first (due Thursday the 12th) is overdue, the second (due the 16th) is not.
    assert [due for _, due in rows] == ["2026-03-12", "2026-03-16"]
    assert rows[0][0] and not rows[1][0]
    assert "已逾期" in acceptance


async def test_return_lists_every_missing_item_and_the_registrant_supplements(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    _, registration = await filed_product(registry_client, operator)
    await browser.login(registrar.username)
    await browser.page(f"/registrar/registrations/{registration['id']}")
    returned = await browser.submit(f"/registrar/registrations/{registration['id']}/return", {
        "missing_items": "数据安全风险评估报告：未提供\n应用场景说明"})
    assert returned.status_code == 303
    await browser.submit("/logout")
    await browser.login(operator.username)
    page = (await browser.page(f"/workspace/registrations/{registration['id']}")).text
    assert 'data-state="returned"' in page
    assert "数据安全风险评估报告" in page and "未提供" in page and "应用场景说明" in page
    supplemented = await browser.post(f"/workspace/registrations/{registration['id']}/resubmit", data={
        "csrf_token": browser.csrf, "reason": "已补充"}, files={"attachments": ("评估报告.pdf", b"report")})
    assert supplemented.status_code == 303
    assert 'data-state="submitted"' in (await browser.page(supplemented.headers["location"])).text


async def test_a_return_without_items_shows_the_apis_message_inline(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    _, registration = await filed_product(registry_client, operator)
    await browser.login(registrar.username)
    await browser.page(f"/registrar/registrations/{registration['id']}")
    answer = await browser.submit(f"/registrar/registrations/{registration['id']}/return", {"missing_items": ""})
    assert answer.status_code == 422
    assert 'id="e-missing_items"' in answer.text and 'aria-invalid="true"' in answer.text
    assert 'data-state="submitted"' in answer.text


async def test_refusal_records_each_reason(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    _, registration = await filed_product(registry_client, operator)
    await browser.login(registrar.username)
    await browser.page(f"/registrar/registrations/{registration['id']}")
    await browser.submit(f"/registrar/registrations/{registration['id']}/refuse", {"reasons": "材料虚假\n超出授权范围"})
    page = (await browser.page(f"/registrar/registrations/{registration['id']}")).text
    assert 'data-state="refused"' in page and "材料虚假" in page and "超出授权范围" in page


async def test_an_illegal_step_shows_the_apis_conflict_not_an_error_page(browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar)
    await browser.login(registrar.username)
    await browser.page(f"/registrar/registrations/{notice['id']}")
    answer = await browser.submit(f"/registrar/registrations/{notice['id']}/accept")
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    assert "当前状态下不能执行此操作" in answer.text  # the registry's 409 by its type, in the page's language
    english = await browser.submit(f"/registrar/registrations/{notice['id']}/accept?lang=en")
    assert "in notice" in english.text  # and its own detail, naming the current state, to a reader of English


async def test_upholding_an_objection_terminates_the_registration(browser, other_browser, registry_client, people):
    """Art. 12: an upheld objection terminates the registration; the notice leaves the public board."""
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    notice = await in_notice(registry_client, operator, registrar, "有异议的产品")
    await other_browser.page(f"/notices/{notice['id']}")
    filed = await other_browser.post(f"/notices/{notice['id']}/objections", headers={"Origin": "https://console.test"},
                                     data={"csrf_token": other_browser.csrf, "objector_name": "李四",
                                           "objector_id_number": "110101199003071234", "contact": "13800000000",
                                           "grounds": "数据来源侵犯商业秘密"}, files={"evidence": ("合同.pdf", b"%PDF")})
    assert filed.status_code == 200 and "异议已提交" in filed.text
    await browser.login(registrar.username)
    page = (await browser.page(f"/registrar/registrations/{notice['id']}")).text
    objection_id = re.search(r'id="objection-([0-9a-f]+)"', page).group(1)
    empty = await browser.submit(f"/registrar/objections/{objection_id}/uphold",
                                 {"registration_id": notice["id"], "reason": ""})
    assert empty.status_code == 422 and f'id="e-reason_{objection_id}"' in empty.text
    upheld = await browser.submit(f"/registrar/objections/{objection_id}/uphold",
                                  {"registration_id": notice["id"], "reason": "经复核，异议成立"})
    assert upheld.status_code == 303
    assert 'data-state="terminated"' in (await browser.page(f"/registrar/registrations/{notice['id']}")).text
    assert "有异议的产品" not in (await other_browser.page("/notices")).text


async def test_each_pending_objection_has_its_own_reason_box_with_its_own_label(browser, other_browser,
                                                                               registry_client, people):
    """Two objections under review: every id on the page is unique (axe-core: duplicate-id) and each reason
    label names its own box, so a screen reader tells the two decisions apart."""
    notice = await in_notice(registry_client, await people.person("operator"), await people.person("registrar"),
                             "两项异议的产品")
    await other_browser.page(f"/notices/{notice['id']}")
    for name, number in (("李四", "110101199003071234"), ("王五", "110101199003075678")):
        filed = await other_browser.post(f"/notices/{notice['id']}/objections", headers={
            "Origin": "https://console.test"}, data={
            "csrf_token": other_browser.csrf, "objector_name": name, "objector_id_number": number,
            "contact": "13800000000", "grounds": "数据来源存疑"}, files={"evidence": ("合同.pdf", b"%PDF")})
        assert filed.status_code == 200, filed.text
    await browser.login((await people.person("registrar")).username)
    page = (await browser.page(f"/registrar/registrations/{notice['id']}")).text
    objections = re.findall(r'id="objection-([0-9a-f]+)"', page)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(objections) == 2 and len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for objection_id in objections:
        box = f"f-reason_{objection_id}"
        assert f'<label for="{box}">' in page and f'<textarea id="{box}" name="reason"' in page
