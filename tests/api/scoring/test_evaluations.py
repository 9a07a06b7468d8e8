"""Evaluation of organizations and regions (DOMAIN §4.1; issue 6 Evaluations)."""

import base64

import pytest

from .support import product, resource, sync

ALL_CALLERS = ("admin", "authority", "registrar", "agency", "operator", "auditor", "anonymous", "client:reader",
               "client:feeder")


async def _seed(registry, scoring_client, callers, people):
    """The agency holds three registered resources; a second agency one resource still in draft; the operator
    has a registered product with an agreement and an annual report."""
    agency, operator = callers["agency"].org_id, callers["operator"].org_id
    other = await people.org(kind="agency", region="320000")
    for rid in ("r1", "r2", "r3"):
        registry.put("resource", resource(rid, agency))
    registry.put("resource", resource("r4", other, status="draft", region_code="320100", data_items=[]))
    registry.put("product", product("p1", operator, ["r1", "r2"]))
    # Shapes as the registry serves them (AgreementOut, ReportOut).
    registry.put("agreement", {"id": "ag1", "operator_org_id": operator, "status": "active",
                               "resources": [{"resource_id": "r1"}, {"resource_id": "r2"}], "product_ids": ["p1"],
                               "created_at": "2025-01-01T00:00:00Z"})
    registry.put("annual_report", {"id": "ar1", "operator_org_id": operator, "year": 2025, "revenue": "1050000.00",
                                   "benchmark": "1000000.00", "deviation": None,
                                   "products": [{"product_id": "p1", "volume": 5000, "revenue": "1050000.00"}]})
    await sync(scoring_client, callers)
    return agency, operator, other


async def _run(scoring_client, callers, ids, kind="organization", who="authority", **extra):
    return await scoring_client.post("/evaluation-runs", headers=callers[who].headers, json={
        "subject_kind": kind, "subject_ids": ids, "period": "2025", **extra})


async def test_run_ranks_peers_and_explains_every_indicator(registry, scoring_client, callers, people):
    agency, operator, other = await _seed(registry, scoring_client, callers, people)
    response = await _run(scoring_client, callers, [agency, other, operator])
    assert response.status_code == 201, response.text
    run = response.json()
    assert len(run["inputs_digest"]) == 64 and run["model_version"] == "default-1.0"
    results = {e["subject_id"]: e for e in run["evaluations"]}
    assert sorted(e["rank"] for e in run["evaluations"]) == [1, 2, 3]
    assert results[agency]["total"] > results[other]["total"]
    assert results[agency]["subject_name"].startswith("机构")
    detail = (await scoring_client.get(f"/evaluations/{results[agency]['id']}",
                                       headers=callers["agency"].headers)).json()
    assert [d["code"] for d in detail["dimensions"]] == ["infrastructure", "resource_supply", "sharing_exchange",
                                                         "development_use", "security_assurance",
                                                         "circulation_operation"]
    values = {i["code"]: i["value"] for i in detail["indicators"]}
    assert values["registered_resources"] == 3 and values["fields_per_resource"] == 3
    assert values["registration_coverage"] == 1.0  # r1 and r2, named in the operator's agreement, are registered
    assert sum(i["contribution"] for i in detail["indicators"]) == pytest.approx(detail["total"], abs=0.02)
    assert detail["explanation"][0]["contribution"] >= detail["explanation"][-1]["contribution"]
    assert detail["freshness"]["stale"] is False and detail["grade"] in "ABCD"
    operator_detail = await scoring_client.get(f"/evaluations/{results[operator]['id']}",
                                               headers=callers["operator"].headers)
    operator_values = {i["code"]: i["value"] for i in operator_detail.json()["indicators"]}
    assert operator_values["revenue_deviation"] == pytest.approx(0.05)
    assert operator_values["active_agreements"] == 1


async def test_rerun_with_same_model_and_inputs_gives_the_same_result(registry, scoring_client, callers, people):
    agency, operator, other = await _seed(registry, scoring_client, callers, people)
    first = (await _run(scoring_client, callers, [agency, other])).json()
    second = (await _run(scoring_client, callers, [other, agency])).json()
    assert first["inputs_digest"] == second["inputs_digest"]
    assert {e["subject_id"]: e["total"] for e in first["evaluations"]} == \
           {e["subject_id"]: e["total"] for e in second["evaluations"]}
    replay = await scoring_client.post(f"/evaluation-runs/{first['id']}/replay", headers=callers["auditor"].headers)
    assert replay.status_code == 200
    assert replay.json()["digest_matches"] is True and replay.json()["results_match"] is True


async def test_registry_change_marks_the_evaluation_outdated(registry, scoring_client, callers, people):
    agency, _, other = await _seed(registry, scoring_client, callers, people)
    run = (await _run(scoring_client, callers, [agency, other])).json()
    mine = next(e for e in run["evaluations"] if e["subject_id"] == agency)
    registry.put("resource", resource("r5", agency))
    await sync(scoring_client, callers)
    detail = (await scoring_client.get(f"/evaluations/{mine['id']}", headers=callers["agency"].headers)).json()
    assert detail["outdated"] is True and detail["freshness"]["stale"] is True
    for name in ("agency", "operator", "auditor", "registrar", "client:reader"):
        refused = await scoring_client.post(f"/evaluation-runs/{run['id']}/rerun", headers=callers[name].headers)
        assert refused.status_code == 403, name
    rerun = await scoring_client.post(f"/evaluation-runs/{run['id']}/rerun", headers=callers["authority"].headers)
    assert rerun.status_code == 201 and rerun.json()["inputs_digest"] != run["inputs_digest"]
    assert rerun.json()["inputs"]["subjects"][agency]["values"]["registered_resources"] == 4
    fresh = next(e for e in rerun.json()["evaluations"] if e["subject_id"] == agency)
    assert fresh["outdated"] is False


async def test_submitted_value_with_evidence_enters_the_snapshot(registry, scoring_client, callers, people):
    agency, _, other = await _seed(registry, scoring_client, callers, people)
    evidence = base64.b64encode(b"%PDF-1.4 uptime report").decode()
    submitted = await scoring_client.post("/submitted-values", headers=callers["agency"].headers, json={
        "subject_kind": "organization", "subject_id": agency, "period": "2025",
        "indicator_code": "platform_availability", "value": 99.9, "evidence_name": "uptime.pdf",
        "evidence_media_type": "application/pdf", "evidence_base64": evidence})
    assert submitted.status_code == 201, submitted.text
    run = (await _run(scoring_client, callers, [agency, other])).json()
    snapshot = run["inputs"]["subjects"][agency]
    assert snapshot["values"]["platform_availability"] == 99.9
    assert snapshot["submitted"]["platform_availability"]["evidence_sha256"] == submitted.json()["evidence_sha256"]


async def test_values_are_submitted_only_for_your_own_organization(registry, scoring_client, callers, people):
    body = {"subject_kind": "organization", "subject_id": callers["agency"].org_id, "period": "2025",
            "indicator_code": "platform_availability", "value": 99.0, "evidence_name": "e.pdf",
            "evidence_media_type": "application/pdf", "evidence_base64": base64.b64encode(b"x").decode()}
    expected = {"agency": 201, "operator": 403, "admin": 403, "authority": 403, "registrar": 403, "auditor": 403,
                "anonymous": 401, "client:reader": 403, "client:feeder": 403}
    for name, status in expected.items():
        response = await scoring_client.post("/submitted-values", headers=callers[name].headers, json=body)
        assert response.status_code == status, (name, response.text)


async def test_a_computed_indicator_cannot_be_submitted(registry, scoring_client, callers):
    response = await scoring_client.post("/submitted-values", headers=callers["agency"].headers, json={
        "subject_kind": "organization", "subject_id": callers["agency"].org_id, "period": "2025",
        "indicator_code": "registered_resources", "value": 500, "evidence_name": "e.pdf",
        "evidence_media_type": "application/pdf", "evidence_base64": base64.b64encode(b"x").decode()})
    assert response.status_code == 422 and response.json()["type"].endswith("not-a-submitted-indicator")


async def test_region_evaluation_gathers_the_organizations_located_in_it(registry, scoring_client, callers, people):
    await _seed(registry, scoring_client, callers, people)
    run = await _run(scoring_client, callers, ["310000", "320000"], kind="region")
    assert run.status_code == 201, run.text
    results = {e["subject_id"]: e for e in run.json()["evaluations"]}
    values = run.json()["inputs"]["subjects"]["310000"]["values"]
    assert values["registered_resources"] == 3 and values["registered_products"] == 1
    assert results["310000"]["rank"] == 1
    assert (await scoring_client.get(f"/evaluations/{results['310000']['id']}",
                                     headers=callers["agency"].headers)).status_code == 403


async def test_every_role_reads_only_the_evaluations_it_may(registry, scoring_client, callers, people):
    agency, _, other = await _seed(registry, scoring_client, callers, people)
    run = (await _run(scoring_client, callers, [agency, other])).json()
    mine = next(e for e in run["evaluations"] if e["subject_id"] == agency)
    expected = {"agency": 200, "operator": 403, "registrar": 403, "admin": 200, "authority": 200, "auditor": 200,
                "anonymous": 401, "client:reader": 200, "client:feeder": 403}
    for name in ALL_CALLERS:
        for path in (f"/evaluations/{mine['id']}", f"/evaluations/{mine['id']}/radar"):
            response = await scoring_client.get(path, headers=callers[name].headers)
            assert response.status_code == expected[name], (name, path, response.text)
    listed = (await scoring_client.get("/evaluations", headers=callers["agency"].headers)).json()["items"]
    assert [e["subject_id"] for e in listed] == [agency]
    listed_by_operator = (await scoring_client.get("/evaluations", headers=callers["operator"].headers)).json()
    assert listed_by_operator["items"] == []
    assert len((await scoring_client.get("/evaluations", headers=callers["auditor"].headers)).json()["items"]) == 2
    assert (await scoring_client.get("/evaluations", headers=callers["registrar"].headers)).status_code == 403
    for name, status in (("agency", 403), ("auditor", 200), ("authority", 200), ("client:reader", 200)):
        got = await scoring_client.get(f"/evaluation-runs/{run['id']}", headers=callers[name].headers)
        assert got.status_code == status, (name, got.text)


async def test_only_authorities_and_admins_run_evaluations(registry, scoring_client, callers):
    expected = {"admin": 201, "authority": 201, "registrar": 403, "agency": 403, "operator": 403, "auditor": 403,
                "anonymous": 401, "client:reader": 403, "client:feeder": 403}
    for name, status in expected.items():
        response = await _run(scoring_client, callers, [callers["agency"].org_id], who=name)
        assert response.status_code == status, (name, response.text)


async def test_radar_and_comparison_charts_render_as_svg_and_png(registry, scoring_client, callers, people):
    agency, _, other = await _seed(registry, scoring_client, callers, people)
    run = (await _run(scoring_client, callers, [agency, other])).json()
    mine = next(e for e in run["evaluations"] if e["subject_id"] == agency)
    svg = await scoring_client.get(f"/evaluations/{mine['id']}/radar", headers=callers["agency"].headers)
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.count("<polygon") == 6
    png = await scoring_client.get(f"/evaluations/{mine['id']}/radar?format=png", headers=callers["agency"].headers)
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    chart = await scoring_client.get(f"/evaluation-runs/{run['id']}/comparison", headers=callers["authority"].headers)
    assert chart.status_code == 200 and chart.text.count("class='bar'") == 2 * 7


async def test_unknown_model_version_and_bad_period_are_refused(registry, scoring_client, callers):
    missing = await _run(scoring_client, callers, [callers["agency"].org_id], model_version="nope-9")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    bad = await scoring_client.post("/evaluation-runs", headers=callers["authority"].headers, json={
        "subject_kind": "region", "subject_ids": ["31"], "period": "25"})
    assert bad.status_code == 422


async def test_an_authority_submits_values_for_regions_it_governs_only(registry, scoring_client, callers):
    body = {"subject_kind": "region", "period": "2025", "indicator_code": "sharing_requests_fulfilled", "value": 93,
            "evidence_name": "统计表.xlsx", "evidence_media_type": "application/vnd.ms-excel",
            "evidence_base64": base64.b64encode(b"sheet").decode()}
    city = await scoring_client.post("/submitted-values", headers=callers["authority"].headers,
                                     json={**body, "subject_id": "310100"})
    assert city.status_code == 201, city.text
    elsewhere = await scoring_client.post("/submitted-values", headers=callers["authority"].headers,
                                          json={**body, "subject_id": "320000"})
    assert elsewhere.status_code == 403
    agency = await scoring_client.post("/submitted-values", headers=callers["agency"].headers,
                                       json={**body, "subject_id": "310000"})
    assert agency.status_code == 403
    listed = await scoring_client.get("/submitted-values", headers=callers["auditor"].headers,
                                      params={"subject_kind": "region", "subject_id": "310100"})
    assert [v["value"] for v in listed.json()] == [93.0]
    hidden = await scoring_client.get("/submitted-values", headers=callers["operator"].headers,
                                      params={"subject_kind": "region", "subject_id": "310100"})
    assert hidden.status_code == 403
