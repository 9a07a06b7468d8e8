"""A run's report for a data bureau (issue 13, item 8): JSON, PDF and XLSX, compared with the period before."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from .support import resource, sync

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ALLOWED = {"admin": 200, "authority": 200, "auditor": 200, "client:reader": 200, "agency": 403, "operator": 403,
           "registrar": 403, "client:feeder": 403, "anonymous": 401}


async def _run(scoring_client, callers, ids, period, kind="organization"):
    response = await scoring_client.post("/evaluation-runs", headers=callers["authority"].headers, json={
        "subject_kind": kind, "subject_ids": ids, "period": period})
    assert response.status_code == 201, response.text
    return response.json()


async def _two_periods(registry, scoring_client, callers, people):
    """2024 is evaluated twice (the second time with one more resource), 2025 once more with a third peer that
    has no 2024 evaluation."""
    agency, operator = callers["agency"].org_id, callers["operator"].org_id
    other = await people.org(kind="agency", region="320000")
    for rid in ("r1", "r2"):
        registry.put("resource", resource(rid, agency, created_at="2024-03-01T00:00:00Z"))
    registry.put("resource", resource("r9", other, created_at="2024-03-01T00:00:00Z", data_items=["a"]))
    await sync(scoring_client, callers)
    await _run(scoring_client, callers, [agency, other], "2024")
    registry.put("resource", resource("r3", agency, created_at="2024-05-01T00:00:00Z"))
    await sync(scoring_client, callers)
    latest_2024 = await _run(scoring_client, callers, [agency, other], "2024")
    for rid in ("r4", "r5"):
        registry.put("resource", resource(rid, agency))
    registry.put("resource", resource("r6", operator, sharing_attribute="none"))
    await sync(scoring_client, callers)
    run = await _run(scoring_client, callers, [agency, other, operator], "2025")
    return run, latest_2024, (agency, other, operator)


async def _report(scoring_client, callers, run_id, who="auditor", **params):
    return await scoring_client.get(f"/evaluation-runs/{run_id}/report", headers=callers[who].headers,
                                    params=params)


async def test_report_ranks_peers_and_shows_the_change_since_the_previous_period(registry, scoring_client,
                                                                                 callers, people):
    run, latest_2024, (agency, other, operator) = await _two_periods(registry, scoring_client, callers, people)
    response = await _report(scoring_client, callers, run["id"])
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"] == "2025" and report["previous_period"] == "2024"
    assert [d["code"] for d in report["dimensions"]] == ["infrastructure", "resource_supply", "sharing_exchange",
                                                         "development_use", "security_assurance",
                                                         "circulation_operation"]
    rows = {r["subject_id"]: r for r in report["rows"]}
    assert [r["rank"] for r in report["rows"]] == sorted(r["rank"] for r in report["rows"])
    assert {e["subject_id"]: e["total"] for e in run["evaluations"]} == {s: r["total"] for s, r in rows.items()}
    assert all(len(r["dimensions"]) == 6 for r in report["rows"])

    before = {e["subject_id"]: e for e in latest_2024["evaluations"]}
    mine = rows[agency]
    assert mine["previous"]["evaluation_id"] == before[agency]["id"]  # the latest 2024 evaluation, not the first
    assert mine["delta_total"] == pytest.approx(mine["total"] - before[agency]["total"], abs=0.01)
    earlier = (await scoring_client.get(f"/evaluations/{before[agency]['id']}",
                                        headers=callers["auditor"].headers)).json()
    for now, then in zip(mine["dimensions"], earlier["dimensions"], strict=True):
        assert now["previous"] == then["score"]
        assert now["delta"] == pytest.approx(now["score"] - then["score"], abs=1e-3)
    assert mine["movers_basis"] == "change" and mine["movers"]
    moved = [abs(m["delta"]) for m in mine["movers"]]
    assert moved == sorted(moved, reverse=True) and moved[0] > 0
    assert "registered_resources" in {m["code"] for m in mine["movers"]}

    newcomer = rows[operator]
    assert newcomer["previous"] is None and newcomer["delta_total"] is None
    assert all(d["delta"] is None for d in newcomer["dimensions"])
    assert newcomer["movers_basis"] == "shortfall" and newcomer["movers"]
    shortfalls = [m["shortfall"] for m in newcomer["movers"]]
    assert shortfalls == sorted(shortfalls, reverse=True) and shortfalls[0] > 0
    assert mine["radar"] == f"/evaluations/{mine['evaluation_id']}/radar"
    assert report["comparison"] == f"/evaluation-runs/{run['id']}/comparison"


async def test_report_downloads_as_a_workbook_with_numbers_in_cells(registry, scoring_client, callers, people):
    run, _, _ = await _two_periods(registry, scoring_client, callers, people)
    report = (await _report(scoring_client, callers, run["id"])).json()
    response = await _report(scoring_client, callers, run["id"], format="xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["content-disposition"] == \
        f'attachment; filename="evaluation-report-2025-{run["id"]}.xlsx"'
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
    assert about["评估批次"] == run["id"] and about["指标体系版本"] == "default-1.0"
    english = await _report(scoring_client, callers, run["id"], format="xlsx", lang="en")
    assert load_workbook(BytesIO(english.content)).sheetnames == ["Ranking", "Changes", "What moved", "About"]


async def test_report_downloads_as_a_pdf_with_the_chinese_font_embedded(registry, scoring_client, callers, people,
                                                                        tmp_path):
    run, _, _ = await _two_periods(registry, scoring_client, callers, people)
    response = await _report(scoring_client, callers, run["id"], format="pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == \
        f'attachment; filename="evaluation-report-2025-{run["id"]}.pdf"'
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
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"),
                        str(tmp_path / "page")], check=True, timeout=60)
        assert any(p.stat().st_size > 1000 for p in tmp_path.glob("page*.png"))
    english = await _report(scoring_client, callers, run["id"], format="pdf", lang="en")
    assert "Public data valorization evaluation report" in PdfReader(BytesIO(english.content)).pages[0].extract_text()


async def test_report_of_a_region_run_without_a_previous_period(registry, scoring_client, callers, people):
    registry.put("resource", resource("r1", callers["agency"].org_id))
    await sync(scoring_client, callers)
    run = await _run(scoring_client, callers, ["310000", "320000"], "2025", kind="region")
    report = (await _report(scoring_client, callers, run["id"], who="authority")).json()
    assert report["subject_kind"] == "region" and [r["subject_id"] for r in report["rows"]] == ["310000", "320000"]
    assert all(r["previous"] is None and r["movers_basis"] == "shortfall" for r in report["rows"])


async def test_only_those_who_see_every_organization_read_a_report(registry, scoring_client, callers):
    run = await _run(scoring_client, callers, [callers["agency"].org_id], "2025")
    for name, status in ALLOWED.items():
        for fmt in ("json", "pdf", "xlsx"):
            response = await _report(scoring_client, callers, run["id"], who=name, format=fmt)
            assert response.status_code == status, (name, fmt, response.text[:200])
            if status != 200:
                assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_run_and_unknown_format_are_problems(registry, scoring_client, callers):
    missing = await _report(scoring_client, callers, "no-such-run")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"].endswith("run-not-found")
    run = await _run(scoring_client, callers, [callers["agency"].org_id], "2025")
    for params in ({"format": "docx"}, {"format": "pdf", "lang": "fr"}):
        bad = await _report(scoring_client, callers, run["id"], **params)
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json", params
