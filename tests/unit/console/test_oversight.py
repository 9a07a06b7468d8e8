"""Authority and auditor views: compliance findings with filters, evaluations with the radar chart."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from services.console.i18n import LANGUAGES, Translator
from services.kernel.timeutil import china_today
from services.scoring.records import Evaluation
from tests.api.operation.world import insert_product


async def _evaluation(scoring_client, people, who) -> dict:
    agency = await people.org(kind="agency")
    run = await scoring_client.post("/evaluation-runs", headers=who.headers_for("pdr-scoring"), json={
        "subject_kind": "organization", "subject_ids": [agency], "period": "2025"})
    assert run.status_code == 201, run.text
    return run.json()["evaluations"][0]


async def test_evaluation_page_shows_the_radar_chart_and_every_indicator(browser, scoring_client, people):
    authority = await people.person("authority")
    evaluation = await _evaluation(scoring_client, people, authority)
    await browser.login(authority.username)
    listed = (await browser.page(f"/oversight/evaluations?subject_id={evaluation['subject_id']}")).text
    assert f'/oversight/evaluations/{evaluation["id"]}' in listed
    page = (await browser.page(f"/oversight/evaluations/{evaluation['id']}")).text
    assert f'src="/oversight/evaluations/{evaluation["id"]}/radar.svg"' in page
    full = (await scoring_client.get(f"/evaluations/{evaluation['id']}",
                                     headers=authority.headers_for("pdr-scoring"))).json()
    for indicator in full["indicators"]:
        assert f'title="{indicator["code"]}">{indicator["name"]}<' in page  # names, the code on hover
    for dimension in full["dimensions"]:
        assert dimension["name"] in page
    radar = await browser.get(f"/oversight/evaluations/{evaluation['id']}/radar.svg")
    assert radar.status_code == 200 and radar.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in radar.text and "sandbox" in radar.headers["content-security-policy"]
    # Both audiences' tokens and the refresh token fit in the one cookie browsers keep (4 KiB).
    assert len(browser.cookies.get("pdr_console")) < 4000


async def test_an_auditor_reads_evaluations_and_a_registrar_does_not(browser, other_browser, scoring_client, people):
    authority = await people.person("authority")
    evaluation = await _evaluation(scoring_client, people, authority)
    auditor = await people.person("auditor")
    await browser.login(auditor.username)
    assert (await browser.get(f"/oversight/evaluations/{evaluation['id']}")).status_code == 200
    registrar = await people.person("registrar")
    await other_browser.login(registrar.username)
    assert (await other_browser.get(f"/oversight/evaluations/{evaluation['id']}/radar.svg")).status_code == 403


async def test_compliance_findings_are_filtered_by_status_rule_and_subject(browser, people):
    authority = await people.person("authority")
    await browser.login(authority.username)
    page = (await browser.page("/oversight/compliance?status=open")).text
    rules = re.findall(r'<option value="([\w.-]+)"', page)
    assert rules, "the rule filter lists the registry's rule catalog"
    filtered = await browser.page(f"/oversight/compliance?status=open&rule_id={rules[-1]}&subject_id=abc")
    assert filtered.status_code == 200 and f'value="{rules[-1]}" selected' in filtered.text
    assert (await browser.get("/oversight/compliance?rule_id=%3Cscript%3E")).status_code == 404


async def test_a_finding_reads_with_its_organization_by_name_and_its_rule_in_the_page_language(browser, registry_client,
                                                                                              people, apps):
    """Issue 16: names, never ids — the answerable organization by the name the registry's records give it; the
    rule's description from the console's catalogue, the registry's own (English) detail as secondary text."""
    operator = await people.person("operator")
    await insert_product(apps, operator.org_id, status="draft", delivered_at=china_today() - timedelta(days=60),
                         name="迟未登记的产品")
    admin = await people.person("admin")
    assert (await registry_client.post("/compliance/sweep", json={}, headers=admin.headers)).status_code == 200
    await browser.login(admin.username)
    page = (await browser.page("/oversight/compliance?rule_id=PRD-DELIVERED-UNREGISTERED")).text
    row = next(r for r in re.findall(r"<tr class=\"sev-.*?</tr>", page, re.DOTALL) if "运营公司" in r)
    assert operator.org_id not in row.replace(f'title="{operator.org_id}"', "")
    assert "数据产品交付后 20 个工作日内未登记" in row and "登记系统说明" in row and "delivered" in row
    assert "PRD-DELIVERED-UNREGISTERED · 数据产品交付后 20 个工作日内未登记</option>" in page
    english = (await browser.page("/oversight/compliance?rule_id=PRD-DELIVERED-UNREGISTERED&lang=en")).text
    assert "Product delivered but not registered within 20 working days" in english


async def test_every_rule_of_the_registry_has_a_description_in_each_language_of_the_console(registry_client):
    rules = (await registry_client.get("/compliance/rules")).json()
    assert rules
    for lang in LANGUAGES:
        missing = [r["id"] for r in rules if not Translator(lang).known(f"rule.{r['id']}")]
        assert not missing, (lang, missing)


async def test_an_evaluation_run_while_no_record_named_its_organization_is_listed_by_name(
        browser, scoring_client, scoring_machine_client, people, apps):
    """A run made while neither auth's directory nor the registry's records named an organization kept its id;
    read now, scoring names it from its copy of the directory (issue 16): the console needs no token of auth's
    and shows a name, never the id."""
    authority = await people.person("authority")
    evaluation = await _evaluation(scoring_client, people, authority)
    name, org_id = evaluation["subject_name"], evaluation["subject_id"]
    assert name and name != org_id  # the directory named it when it ran
    async with apps.scoring.state.db.sessions.begin() as session:
        await session.execute(update(Evaluation).where(Evaluation.id == evaluation["id"]).values(subject_name=org_id))
    await browser.login(authority.username)
    listed = (await browser.page(f"/oversight/evaluations?subject_id={org_id}")).text
    assert f'<a href="/oversight/evaluations/{evaluation["id"]}">{name}</a>' in listed
    assert f">{org_id}<" not in listed
    page = (await browser.page(f"/oversight/evaluations/{evaluation['id']}")).text
    assert f"<h1>{name} · 2025</h1>" in page
