"""A run's report for a data bureau (issue 13, item 8): JSON, PDF and XLSX, compared with the period before."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from services.kernel.timeutil import china_today

from .support import evaluate, sync_all

ALLOWED = {"admin": 200, "authority": 200, "auditor": 200, "client:reader": 200, "agency": 403, "operator": 403,
           "registrar": 403, "client:feeder": 403, "anonymous": 401}
ORGS = ("bj-empty", "bj-agency", "sh-agency", "bj-operator", "sh-operator")


async def _two_periods(world, scoring_client):
    """2025 is evaluated twice, without sh-operator; 2026 (whose registrations the world files) with it: so
    sh-operator has no previous period, and the others' previous is the second 2025 run."""
    await sync_all(scoring_client, world.parties["admin"].scoring)
    body = world.parties["bj-body"].scoring
    earlier = [world.org(k) for k in ORGS if k != "sh-operator"]
    await evaluate(scoring_client, body, earlier, "2025")
    latest_2025 = await evaluate(scoring_client, body, earlier, "2025")
    run = await evaluate(scoring_client, body, [world.org(k) for k in ORGS], "2026")
    return run, latest_2025


async def _report(scoring_client, headers, run_id, **params):
    return await scoring_client.get(f"/evaluation-runs/{run_id}/report", headers=headers, params=params)


async def test_report_ranks_peers_and_shows_the_change_since_the_previous_period(world, scoring_client):
    run, latest_2025 = await _two_periods(world, scoring_client)
    auditor = world.parties["auditor"].scoring
    response = await _report(scoring_client, auditor, run["id"])
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"] == "2026" and report["previous_period"] == "2025"
    assert report["provisional"] is (china_today().year == 2026) and report["as_of"] == run["as_of"]
    assert [d["code"] for d in report["dimensions"]] == ["infrastructure", "resource_supply", "sharing_exchange",
                                                         "development_use", "security_assurance",
                                                         "circulation_operation"]
    rows = {r["subject_id"]: r for r in report["rows"]}
    assert [r["rank"] for r in report["rows"]] == sorted(r["rank"] for r in report["rows"])
    assert {e["subject_id"]: e["total"] for e in run["evaluations"]} == {s: r["total"] for s, r in rows.items()}
    assert all(len(r["dimensions"]) == 6 for r in report["rows"])

    before = {e["subject_id"]: e for e in latest_2025["evaluations"]}
    agency = rows[world.org("bj-agency")]  # its resources were registered in 2026
    assert agency["previous"]["evaluation_id"] == before[agency["subject_id"]]["id"]  # the latest, not the first
    assert agency["delta_total"] == pytest.approx(agency["total"] - agency["previous"]["total"], abs=0.01)
    assert agency["delta_total"] != 0
    earlier = (await scoring_client.get(f"/evaluations/{agency['previous']['evaluation_id']}",
                                        headers=auditor)).json()
    for now, then in zip(agency["dimensions"], earlier["dimensions"], strict=True):
        assert now["previous"] == then["score"]
        assert now["delta"] == pytest.approx(now["score"] - then["score"], abs=1e-3)
    assert agency["movers_basis"] == "change" and agency["movers"]
    moved = [abs(m["delta"]) for m in agency["movers"]]
    assert moved == sorted(moved, reverse=True) and moved[0] > 0
    current = (await scoring_client.get(f"/evaluations/{agency['evaluation_id']}", headers=auditor)).json()
    before_contribution = {i["code"]: i["contribution"] for i in earlier["indicators"]}
    change = {i["code"]: i["contribution"] - before_contribution[i["code"]] for i in current["indicators"]}
    for m in agency["movers"]:
        assert m["delta"] == pytest.approx(change[m["code"]], abs=1e-3)
    assert moved[0] == pytest.approx(max(abs(d) for d in change.values()), abs=1e-3)

    newcomer = rows[world.org("sh-operator")]
    assert newcomer["previous"] is None and newcomer["delta_total"] is None
    assert all(d["delta"] is None and d["previous"] is None for d in newcomer["dimensions"])
    assert newcomer["movers_basis"] == "shortfall" and newcomer["movers"]
    shortfalls = [m["shortfall"] for m in newcomer["movers"]]
    assert shortfalls == sorted(shortfalls, reverse=True) and shortfalls[0] > 0
    assert agency["radar"] == f"/evaluations/{agency['evaluation_id']}/radar"
    assert report["comparison"] == f"/evaluation-runs/{run['id']}/comparison"


async def test_report_downloads_as_a_workbook_with_numbers_in_cells(world, scoring_client):
    run, _ = await _two_periods(world, scoring_client)
    auditor = world.parties["auditor"].scoring
    report = (await _report(scoring_client, auditor, run["id"])).json()
    response = await _report(scoring_client, auditor, run["id"], format="xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["content-disposition"] == \
        f'attachment; filename="evaluation-report-2026-{run["id"]}.xlsx"'
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["排名", "与上期相比", "得分变动原因", "说明"]
    ranking = list(book["排名"].iter_rows(values_only=True))
    assert ranking[0][:5] == ("排名", "名称", "编号", "总分", "等级")
    assert list(ranking[0][5:11]) == [d["name"] for d in report["dimensions"]] and ranking[0][11] == "总分变化"
    for cells, row in zip(ranking[1:], report["rows"], strict=True):
        assert cells[:5] == (row["rank"], row["subject_name"], row["subject_id"], row["total"], row["grade"])
        assert list(cells[5:11]) == [d["score"] for d in row["dimensions"]]
        assert cells[11] == row["delta_total"]
    changes = list(book["与上期相比"].iter_rows(values_only=True))
    assert len(changes) == 1 + 7 * len(report["rows"])
    first = report["rows"][0]
    assert changes[1][2:] == ("总分", first["total"], first["previous"] and first["previous"]["total"],
                              first["delta_total"])
    movers = list(book["得分变动原因"].iter_rows(values_only=True))
    assert len(movers) == 1 + sum(len(r["movers"]) for r in report["rows"])
    assert {m[3] for m in movers[1:]} == {m["code"] for r in report["rows"] for m in r["movers"]}
    about = dict(book["说明"].iter_rows(values_only=True))
    assert about["评估批次"] == run["id"] and about["指标体系版本"] == run["model_version"]
    english = await _report(scoring_client, auditor, run["id"], format="xlsx", lang="en")
    assert load_workbook(BytesIO(english.content)).sheetnames == ["Ranking", "Changes", "What moved", "About"]


async def test_report_downloads_as_a_pdf_with_the_chinese_font_embedded(world, scoring_client, tmp_path):
    run, _ = await _two_periods(world, scoring_client)
    auditor = world.parties["auditor"].scoring
    response = await _report(scoring_client, auditor, run["id"], format="pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == \
        f'attachment; filename="evaluation-report-2026-{run["id"]}.pdf"'
    assert response.content.startswith(b"%PDF-")
    pdf = PdfReader(BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "公共数据价值化评估报告" in text and "数据基础设施" in text and "得分变动原因" in text
    for e in run["evaluations"]:
        assert e["subject_name"] in text
    fonts = [font.get_object() for page in pdf.pages for font in page["/Resources"]["/Font"].values()]
    embedded = {f["/BaseFont"] for f in fonts if "/FontFile2" in f.get("/FontDescriptor", {})}
    assert any("WenQuanYiMicroHei" in name for name in embedded), embedded
    if shutil.which("pdftoppm"):  # poppler renders the first page: a real reader opens it
        (tmp_path / "report.pdf").write_bytes(response.content)
        await asyncio.to_thread(subprocess.run, ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1",
                                str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True, timeout=60)
        assert any(p.stat().st_size > 1000 for p in tmp_path.glob("page*.png"))
    english = await _report(scoring_client, auditor, run["id"], format="pdf", lang="en")
    assert "Public data valorization evaluation report" in PdfReader(BytesIO(english.content)).pages[0].extract_text()


async def test_report_of_a_region_run_without_a_previous_period(world, scoring_client):
    await sync_all(scoring_client, world.parties["admin"].scoring)
    run = await evaluate(scoring_client, world.parties["bj-body"].scoring, ["110000", "310000"], "2026",
                         subject_kind="region")
    report = (await _report(scoring_client, world.parties["auditor"].scoring, run["id"])).json()
    assert report["subject_kind"] == "region"
    assert sorted(r["subject_id"] for r in report["rows"]) == ["110000", "310000"]
    assert all(r["previous"] is None and r["movers_basis"] == "shortfall" for r in report["rows"])


async def test_only_those_who_see_every_organization_read_a_report(scoring_client, callers):
    run = await evaluate(scoring_client, callers["authority"].headers, [callers["agency"].org_id], "2025")
    for name, status in ALLOWED.items():
        for fmt in ("json", "pdf", "xlsx"):
            response = await _report(scoring_client, callers[name].headers, run["id"], format=fmt)
            assert response.status_code == status, (name, fmt, response.text[:200])
            if status != 200:
                assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_run_and_unknown_format_are_problems(scoring_client, callers):
    auditor = callers["auditor"].headers
    missing = await _report(scoring_client, auditor, "no-such-run")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"].endswith("run-not-found")
    run = await evaluate(scoring_client, callers["authority"].headers, [callers["agency"].org_id], "2025")
    for params in ({"format": "docx"}, {"format": "pdf", "lang": "fr"}):
        bad = await _report(scoring_client, auditor, run["id"], **params)
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json", params
