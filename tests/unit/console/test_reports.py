"""A run's report in the console (issue 13, item 8): ranking, charts, changes, what moved; PDF and XLSX."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook


async def _run(scoring_client, people, who) -> dict:
    subjects = [await people.org(kind="agency"), await people.org(kind="agency")]
    run = await scoring_client.post("/evaluation-runs", headers=who.headers_for("pdr-scoring"), json={
        "subject_kind": "organization", "subject_ids": subjects, "period": "2025"})
    assert run.status_code == 201, run.text
    return run.json()


async def test_run_report_page_ranks_the_peers_with_charts_changes_and_downloads(browser, scoring_client, people):
    authority = await people.person("authority")
    run = await _run(scoring_client, people, authority)
    await browser.login(authority.username)
    listed = (await browser.page("/oversight/evaluations")).text
    assert f'href="/oversight/runs/{run["id"]}"' in listed
    page = await browser.page(f"/oversight/runs/{run['id']}")
    assert page.status_code == 200
    html = page.text
    assert "评估批次报告" in html and "排名" in html and "无上期评估" in html and "失分最多的指标" in html
    for e in run["evaluations"]:
        assert e["subject_name"] in html
        assert f'src="/oversight/evaluations/{e["id"]}/radar.svg"' in html
    assert f'src="/oversight/runs/{run["id"]}/comparison.svg"' in html
    assert f'href="/oversight/runs/{run["id"]}/report.pdf"' in html
    assert f'href="/oversight/runs/{run["id"]}/report.xlsx"' in html

    chart = await browser.get(f"/oversight/runs/{run['id']}/comparison.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in chart.headers["content-security-policy"]
    pdf = await browser.get(f"/oversight/runs/{run['id']}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].startswith("attachment;")
    xlsx = await browser.get(f"/oversight/runs/{run['id']}/report.xlsx")
    assert xlsx.status_code == 200 and load_workbook(BytesIO(xlsx.content)).sheetnames[0] == "排名"


async def test_run_report_page_and_downloads_follow_the_chosen_language(browser, scoring_client, people):
    auditor = await people.person("auditor")
    run = await _run(scoring_client, people, await people.person("authority"))
    await browser.login(auditor.username)
    english = await browser.page(f"/oversight/runs/{run['id']}?lang=en")
    assert "Evaluation run report" in english.text and "No previous period." in english.text
    xlsx = await browser.get(f"/oversight/runs/{run['id']}/report.xlsx")
    assert load_workbook(BytesIO(xlsx.content)).sheetnames[0] == "Ranking"


async def test_a_registrar_cannot_open_a_run_report_and_an_unknown_run_is_not_found(browser, other_browser,
                                                                                    scoring_client, people):
    run = await _run(scoring_client, people, await people.person("authority"))
    registrar = await people.person("registrar")
    await other_browser.login(registrar.username)
    for path in ("", "/comparison.svg", "/report.pdf", "/report.xlsx"):
        assert (await other_browser.get(f"/oversight/runs/{run['id']}{path}")).status_code == 403, path
    admin = await people.person("admin")
    await browser.login(admin.username)
    assert (await browser.get(f"/oversight/runs/{run['id']}")).status_code == 200
    assert (await browser.get("/oversight/runs/no-such-run")).status_code == 404
    assert (await browser.get("/oversight/runs/no-such-run/report.pdf")).status_code == 404
    assert (await browser.get(f"/oversight/runs/{run['id']}/report.docx")).status_code == 404
