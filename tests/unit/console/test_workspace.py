"""Operator and agency workspace: drafts, the registration forms (first, change, renewal, cancellation) with
the API's validation messages inline, bulk import with progress, and the organization's records."""

from __future__ import annotations

import asyncio
import re

from .conftest import CONSOLE
from .helpers import registered

CSV = (
    "资源名称,资源摘要,数据项,更新频率,共享属性,开放属性,数据分级,所属领域,行政区划代码\n"
    "公交线路数据,全市公交线路与站点,线路编号;站点名称,每日,无条件,有条件,一般,交通,310000\n"
    "坏分级数据,,,每日,无条件,有条件,绝密,交通,999999\n"
)


async def test_an_agency_drafts_a_resource_and_sees_the_apis_messages_next_to_the_fields(browser, people):
    agency = await people.person("agency")
    await browser.login(agency.username)
    await browser.page("/workspace/resources/new")
    bad = await browser.submit("/workspace/resources", {
        "name": "", "region_code": "99", "sharing_attribute": "conditional", "opening_attribute": "conditional",
        "grading": "secret", "update_frequency": "daily"})
    assert bad.status_code == 422
    for name in ("name", "region_code", "grading"):
        assert f'id="e-{name}"' in bad.text, name
    good = await browser.submit("/workspace/resources", {
        "name": "公交线路数据", "region_code": "110000", "sharing_attribute": "conditional",
        "opening_attribute": "conditional", "grading": "general", "update_frequency": "daily",
        "data_items": "线路编号\n站点名称"})
    assert good.status_code == 303
    page = (await browser.page(good.headers["location"])).text
    assert "公交线路数据" in page and 'id="subject-status">草稿' in page


async def test_a_registered_product_offers_change_renewal_and_cancellation(apps, browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    registration = await registered(apps, registry_client, operator, registrar)
    await browser.login(operator.username)
    page = (await browser.page(f"/workspace/products/{registration['subject_id']}")).text
    offered = set(re.findall(r'name="type" value="(\w+)"', page))
    assert offered == {"change", "correction", "renewal", "cancellation"}
    # A change without changed fields: the registry's 422 shows on the form, nothing is filed.
    empty = await browser.post(f"/workspace/products/{registration['subject_id']}/registrations", data={
        "csrf_token": browser.csrf, "type": "change", "reason": "更名"}, headers={"Origin": CONSOLE})
    assert empty.status_code == 422 and 'role="alert"' in empty.text
    changed = await browser.post(f"/workspace/products/{registration['subject_id']}/registrations", data={
        "csrf_token": browser.csrf, "type": "change", "reason": "更名", "change_name": "出行热力指数（第二版）"},
        files={"attachments": ("变更说明.pdf", b"change")}, headers={"Origin": CONSOLE})
    assert changed.status_code == 303
    filed = (await browser.page(changed.headers["location"])).text
    assert 'data-state="submitted"' in filed and "变更登记" in filed and "变更说明.pdf" in filed
    history = (await browser.page(f"/workspace/products/{registration['subject_id']}")).text
    assert "登记版本" in history and "v1" in history


async def test_cancellation_is_filed_from_the_same_form(apps, browser, registry_client, people):
    operator = await people.person("operator")
    registrar = await people.person("registrar")
    registration = await registered(apps, registry_client, operator, registrar)
    await browser.login(operator.username)
    await browser.page(f"/workspace/products/{registration['subject_id']}")
    answer = await browser.submit(f"/workspace/products/{registration['subject_id']}/registrations",
                                  {"type": "cancellation", "reason": "产品停止运营"})
    assert answer.status_code == 303
    assert "注销登记" in (await browser.page(answer.headers["location"])).text


async def test_a_withdrawn_registration_leaves_the_subject_ready_to_file_again(browser, registry_client, people):
    from .helpers import filed_product

    operator = await people.person("operator")
    product, registration = await filed_product(registry_client, operator)
    await browser.login(operator.username)
    await browser.page(f"/workspace/registrations/{registration['id']}")
    answer = await browser.submit(f"/workspace/registrations/{registration['id']}/withdraw")
    assert answer.status_code == 303
    assert 'data-state="withdrawn"' in (await browser.page(answer.headers["location"])).text
    assert 'value="first"' in (await browser.page(f"/workspace/products/{product['id']}")).text


async def test_bulk_import_runs_as_a_job_whose_progress_the_page_polls(browser, people):
    agency = await people.person("agency", region="310000")
    await browser.login(agency.username)
    await browser.page("/workspace/import")
    started = await browser.post("/workspace/import", headers={"Origin": CONSOLE, "HX-Request": "true"},
                                 data={"csrf_token": browser.csrf}, files={"file": ("目录.csv", CSV.encode())})
    assert started.status_code == 202
    job = re.search(r'hx-get="/workspace/import/([\w-]+)"', started.text).group(1)
    for _ in range(100):
        progress = await browser.get(f"/workspace/import/{job}", headers={"HX-Request": "true"})
        if 'data-state="done"' in progress.text:
            break
        await asyncio.sleep(0.05)
    assert 'data-state="done"' in progress.text and "hx-get" not in progress.text  # polling stops when done
    assert re.search(r'id="import-created">1<', progress.text)
    assert re.search(r'id="import-invalid">1<', progress.text)
    assert "公交线路数据" in (await browser.page("/workspace")).text


async def test_an_import_job_is_visible_only_to_the_user_who_started_it(browser, other_browser, people):
    agency = await people.person("agency", region="310000")
    colleague = await people.person("agency", org_id=agency.org_id)
    await browser.login(agency.username)
    await browser.page("/workspace/import")
    started = await browser.post("/workspace/import", headers={"Origin": CONSOLE}, data={"csrf_token": browser.csrf,
                                 "dry_run": "on"}, files={"file": ("目录.csv", CSV.encode())})
    job = re.search(r'/workspace/import/([\w-]+)', started.text).group(1)
    await other_browser.login(colleague.username)
    assert (await other_browser.get(f"/workspace/import/{job}")).status_code == 404


async def test_an_operator_cannot_import_the_registry_says_why(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    await browser.page("/workspace/import")
    started = await browser.post("/workspace/import", headers={"Origin": CONSOLE}, data={"csrf_token": browser.csrf},
                                 files={"file": ("目录.csv", CSV.encode())})
    job = re.search(r'/workspace/import/([\w-]+)', started.text).group(1)
    for _ in range(100):
        progress = await browser.get(f"/workspace/import/{job}")
        if 'data-state="failed"' in progress.text:
            break
        await asyncio.sleep(0.05)
    assert 'data-state="failed"' in progress.text and "您的角色无权执行此操作" in progress.text  # in the page's language


async def test_findings_and_prices_of_the_organization(browser, people):
    operator = await people.person("operator")
    await browser.login(operator.username)
    findings = await browser.page("/workspace/findings?status=open")
    assert findings.status_code == 200 and "合规发现" in findings.text
    assert (await browser.page("/workspace/prices")).status_code == 200
    assert (await browser.get("/workspace/findings?status=<x>")).status_code == 404
