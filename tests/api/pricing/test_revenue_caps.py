"""Maximum allowed revenue by the price authority, annual reports and the yearly check (DOMAIN §3)."""

from ..operation.world import build_world

CAP = {"region_code": "110000", "first_year": 2025, "years": 1, "survey_year": 2024,
       "operating_cost": "12000000.00", "subsidies": "2000000.00", "taxes": "300000.00", "profit_rate": "7.68",
       "basis": "成本监审报告〔2024〕"}


def report(year: int, revenue: str) -> dict:
    return {"year": year, "business_overview": "运营平稳", "operating_cost": "9000000.00", "revenue": revenue,
            "profit": "1000000.00", "products": [], "price_adjustments": []}


async def world_with_yield(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await w.post(w.price, "/pricing/treasury-yields", {"year": 2023, "average_yield": "1.68", "source": "中债"}, 201)
    return w


def cap(w, **over) -> dict:
    return {**CAP, "operator_org_id": w.operator.org_id, "operator_org_name": "运营公司", **over}


async def test_price_authority_sets_maximum_allowed_revenue_from_cost_profit_and_taxes(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    r = await w.post(w.price, "/pricing/revenue-caps", cap(w), 201)
    body = r.json()
    assert body["profit_rate_cap"] == "7.6800"
    assert body["allowed_profit"] == "768000.00"
    assert body["annual_maximum"] == "11068000.00"
    assert body["cycle_total"] == "11068000.00" and body["carried_over"] == "0.00"


async def test_profit_rate_above_yield_plus_six_points_is_refused_naming_the_rule(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    r = await registry_client.post("/pricing/revenue-caps", json=cap(w, profit_rate="7.69"), headers=w.price.headers)
    assert r.status_code == 422 and r.json()["rule"]["id"] == "PRICE-PROFIT-RATE-CAP"


async def test_review_cycle_longer_than_three_years_is_invalid(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    r = await registry_client.post("/pricing/revenue-caps", json=cap(w, years=4), headers=w.price.headers)
    assert r.status_code == 422


async def test_data_authority_that_is_not_the_price_authority_cannot_set_revenue(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    r = await registry_client.post("/pricing/revenue-caps", json=cap(w), headers=w.body.headers)
    assert r.status_code == 403


async def test_overlapping_cycles_conflict(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    await w.post(w.price, "/pricing/revenue-caps", cap(w, years=2), 201)
    r = await registry_client.post("/pricing/revenue-caps", json=cap(w, first_year=2026), headers=w.price.headers)
    assert r.status_code == 409


async def test_report_deviation_within_ten_percent_means_operator_adjusts(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    await w.post(w.price, "/pricing/revenue-caps", cap(w), 201)
    r = await w.post(w.operator, "/operation/reports", report(2025, "12174800.00"), 201)  # exactly +10 %
    assert r.json()["who_adjusts"] == "operator" and r.json()["deviation"] == "0.1000"


async def test_deviation_above_ten_percent_needs_a_ceiling_adjustment(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    await w.post(w.price, "/pricing/revenue-caps", cap(w), 201)
    r = await w.post(w.operator, "/operation/reports", report(2025, "13000000.00"), 201)
    assert r.json()["who_adjusts"] == "authorizer"
    found = (await registry_client.get("/compliance/records", headers=w.body.headers,
                                       params={"rule_id": "PRICE-DEVIATION-NO-CEILING-ADJUSTMENT"})).json()
    assert len(found) == 1 and found[0]["subject_id"] == r.json()["id"]
    # the authorizer adjusts the ceiling: the sweep resolves the finding
    from .test_prices import flat
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.05"), 201)
    await w.post(w.admin, "/compliance/sweep", {}, 200)
    found = (await registry_client.get(f"/compliance/records/{found[0]['id']}", headers=w.admin.headers)).json()
    assert found["status"] == "resolved"


async def test_revenue_above_the_cycle_maximum_is_deducted_from_the_next(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    await w.post(w.price, "/pricing/revenue-caps", cap(w), 201)
    await w.post(w.operator, "/operation/reports", report(2025, "11168000.00"), 201)  # 100 000 above
    await w.post(w.price, "/pricing/treasury-yields", {"year": 2024, "average_yield": "1.68", "source": "中债"}, 201)
    nxt = (await w.post(w.price, "/pricing/revenue-caps", cap(w, first_year=2026, years=2, survey_year=2025),
                        201)).json()
    assert nxt["carried_over"] == "100000.00"
    assert nxt["cycle_total"] == "22036000.00"  # 2 × 11 068 000 − 100 000
    assert nxt["yearly_benchmark"] == "11018000.00"


async def test_corrected_yield_opens_a_finding_on_caps_that_no_longer_fit(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    c = (await w.post(w.price, "/pricing/revenue-caps", cap(w), 201)).json()
    await w.post(w.price, "/pricing/treasury-yields", {"year": 2023, "average_yield": "1.50", "source": "更正"}, 201)
    found = (await registry_client.get("/compliance/records", headers=w.price.headers,
                                       params={"rule_id": "PRICE-PROFIT-RATE-CAP"})).json()
    assert [f["subject_id"] for f in found] == [c["id"]]


async def test_annual_report_is_filed_once_and_only_for_an_ended_year(registry_client, people, apps):
    w = await world_with_yield(registry_client, people, apps)
    await w.post(w.operator, "/operation/reports", report(2025, "1.00"), 201)
    again = await registry_client.post("/operation/reports", json=report(2025, "2.00"), headers=w.operator.headers)
    assert again.status_code == 409
    future = await registry_client.post("/operation/reports", json=report(2100, "2.00"),
                                        headers=w.operator.headers)
    assert future.status_code == 422
