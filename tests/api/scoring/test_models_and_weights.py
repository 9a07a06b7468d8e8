"""Indicator model versions and the weighting endpoints (DOMAIN §4.1: AHP with CR < 0.1, entropy)."""

from services.scoring.indicators.loader import DEFAULT_VERSION, default_yaml

INCONSISTENT = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]


def _version(text: str, version: str) -> str:
    return text.replace(f'version: "{DEFAULT_VERSION}"', f'version: "{version}"', 1)


async def test_the_default_model_is_listed_and_readable_by_every_signed_in_caller(scoring_client, callers):
    for name in ("admin", "authority", "registrar", "agency", "operator", "auditor", "client:reader"):
        listed = await scoring_client.get("/indicator-models", headers=callers[name].headers)
        assert listed.status_code == 200 and listed.json()[0]["version"] == "default-2.0", name
        # The earlier default stays readable: runs made with it can still be replayed.
        assert [v["version"] for v in listed.json()[:2]] == ["default-2.0", "default-1.0"], name
    model = (await scoring_client.get("/indicator-models/default-2.0", headers=callers["agency"].headers)).json()
    assert len(model["weights"]) == 6 and "数据流通运营" in model["document"]
    assert (await scoring_client.get("/indicator-models", headers=callers["anonymous"].headers)).status_code == 401


async def test_admin_publishes_a_new_version_and_runs_record_it(scoring_client, callers):
    text = _version(default_yaml(), "2026.1")
    expected = {"authority": 403, "agency": 403, "operator": 403, "auditor": 403, "registrar": 403,
                "anonymous": 401, "client:reader": 403, "client:feeder": 403, "admin": 201}
    for name, status in expected.items():
        response = await scoring_client.post("/indicator-models", headers=callers[name].headers,
                                             json={"document": text})
        assert response.status_code == status, (name, response.text)
    again = await scoring_client.post("/indicator-models", headers=callers["admin"].headers, json={"document": text})
    assert again.status_code == 409
    run = await scoring_client.post("/evaluation-runs", headers=callers["authority"].headers, json={
        "subject_kind": "organization", "subject_ids": [callers["agency"].org_id], "period": "2025",
        "model_version": "2026.1"})
    assert run.status_code == 201 and run.json()["evaluations"][0]["model_version"] == "2026.1"


async def test_a_model_with_inconsistent_judgements_is_refused_with_its_cr(scoring_client, callers):
    text = _version(default_yaml(), "bad.1").replace(
        "    - [1, 0.5, 0.5, 0.3333333, 0.5, 0.3333333]", "    - [1, 9, 0.5, 0.3333333, 0.5, 0.3333333]").replace(
        "    - [2, 1, 1, 0.5, 1, 0.5]\n    - [2, 1, 1, 0.5, 1, 0.5]",
        "    - [0.1111111, 1, 1, 0.5, 1, 0.5]\n    - [2, 1, 1, 0.5, 1, 0.5]", 1)
    response = await scoring_client.post("/indicator-models", headers=callers["admin"].headers,
                                         json={"document": text})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("ahp-inconsistent") and body["consistency_ratio"] >= 0.1
    assert str(body["consistency_ratio"]) in body["detail"]


async def test_an_invalid_model_names_the_offending_fields(scoring_client, callers):
    response = await scoring_client.post("/indicator-models", headers=callers["admin"].headers,
                                         json={"document": "version: x\nname: y\ngrade_bands: []\n"})
    assert response.status_code == 422 and response.json()["errors"]


async def test_ahp_endpoint_returns_weights_and_refuses_cr_at_or_above_one_tenth(scoring_client, callers):
    ok = await scoring_client.post("/weights/ahp", headers=callers["agency"].headers,
                                   json={"matrix": [[1, 5, 4], [0.2, 1, 0.3333333], [0.25, 3, 1]]})
    assert ok.status_code == 200 and round(ok.json()["consistency_ratio"], 3) == 0.074
    bad = await scoring_client.post("/weights/ahp", headers=callers["agency"].headers, json={"matrix": INCONSISTENT})
    assert bad.status_code == 422 and bad.json()["consistency_ratio"] >= 0.1
    assert "CR = " in bad.json()["detail"]
    malformed = await scoring_client.post("/weights/ahp", headers=callers["agency"].headers,
                                          json={"matrix": [[1, 2], [2, 1]]})
    assert malformed.status_code == 422


async def test_entropy_and_combined_weights_endpoints(scoring_client, callers):
    entropy = await scoring_client.post("/weights/entropy", headers=callers["auditor"].headers,
                                        json={"matrix": [[1, 3], [1, 5], [1, 9]]})
    assert entropy.status_code == 200 and entropy.json()["weights"] == [0.0, 1.0]
    ragged = await scoring_client.post("/weights/entropy", headers=callers["auditor"].headers,
                                       json={"matrix": [[1, 3], [1]]})
    assert ragged.status_code == 422
    combined = await scoring_client.post("/weights/combined", headers=callers["auditor"].headers,
                                         json={"expert": [0.6, 0.4], "data": [0.2, 0.8], "alpha": 0.5})
    assert combined.json() == [0.4, 0.6]


async def test_weighting_tools_are_open_to_every_signed_in_caller_and_closed_to_anonymous(scoring_client, callers):
    body = {"matrix": [[1, 2], [0.5, 1]]}
    for name in ("admin", "authority", "registrar", "agency", "operator", "auditor", "client:reader",
                 "client:feeder"):
        response = await scoring_client.post("/weights/ahp", headers=callers[name].headers, json=body)
        assert response.status_code == 200 and response.json()["weights"] == [0.666667, 0.333333], name
    for path, payload in (("/weights/ahp", body), ("/weights/entropy", {"matrix": [[1, 2], [3, 4]]}),
                          ("/weights/combined", {"expert": [1], "data": [1]})):
        response = await scoring_client.post(path, headers=callers["anonymous"].headers, json=payload)
        assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
