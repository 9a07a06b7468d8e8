"""Value scores and valuations of products and resources (DOMAIN §4.2), and contests of scores (issue 6)."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from services.kernel.timeutil import china_today
from services.registry.registration.models import Resource
from tests.api.operation.world import set_status

from .support import sync_all

EVERYONE = ("admin", "authority", "registrar", "agency", "operator", "auditor", "anonymous", "client:reader",
            "client:feeder")
COST = {"preparation": "100000", "direct": "50000", "indirect": "30000", "opportunity": "15000", "taxes": "5000",
        "used_years": "1", "remaining_years": "3"}


def _half_up(exact: Fraction) -> str:
    """A value ≥ 0 rounded once, half up, to the fen, as the API spells it."""
    fen = (200 * exact.numerator + exact.denominator) // (2 * exact.denominator)  # floor(100 × value + 1/2)
    return f"{fen // 100}.{fen % 100:02d}"


async def _seed(apps, registry_client, scoring_client, callers) -> tuple[str, str]:
    """The agency's resource and the operator's product made from it, in the real registry, mirrored. The resource
    is registered first: a product cites only resources its operator may know of (another's draft is unknown)."""
    resource = await registry_client.post("/resources", headers=callers["agency"].registry, json={
        "name": "公交到站数据", "description": "到站预测", "data_items": [{"name": "stop"}], "scale": "1 GB",
        "update_frequency": "daily", "quality": "完整", "sharing_attribute": "conditional",
        "opening_attribute": "conditional", "grading": "general", "region_code": "310000", "source": "调度系统",
        "lawful_basis": "条例", "security_assessment": {"risk_level": "low"}})
    assert resource.status_code == 201, resource.text
    await set_status(apps, Resource, resource.json()["id"], status="registered")
    product = await registry_client.post("/products", headers=callers["operator"].registry, json={
        "name": "到站预测 API", "description": "d", "form": "api", "resource_ids": [resource.json()["id"]],
        "scenarios": ["出行", "物流"], "use_type": "industry", "conditions_of_use": "c", "region_code": "310000"})
    assert product.status_code == 201, product.text
    await sync_all(scoring_client, callers["admin"].headers)
    return product.json()["id"], resource.json()["id"]


async def test_every_role_reads_only_the_value_scores_it_may(apps, registry_client, scoring_client, callers):
    p1, r1 = await _seed(apps, registry_client, scoring_client, callers)
    expected = {"operator": 200, "agency": 403, "registrar": 403, "admin": 200, "authority": 200, "auditor": 200,
                "anonymous": 401, "client:reader": 200, "client:feeder": 403}
    for name in EVERYONE:
        response = await scoring_client.get(f"/value-scores/product/{p1}", headers=callers[name].headers)
        assert response.status_code == expected[name], (name, response.text)
    own = (await scoring_client.get("/value-scores", headers=callers["operator"].headers)).json()["items"]
    assert [(s["subject_kind"], s["subject_id"]) for s in own] == [("product", p1)]
    agency_list = (await scoring_client.get("/value-scores", headers=callers["agency"].headers)).json()["items"]
    assert [(s["subject_kind"], s["subject_id"]) for s in agency_list] == [("resource", r1)]
    everything = (await scoring_client.get("/value-scores", headers=callers["auditor"].headers)).json()["items"]
    assert len(everything) == 2


async def test_cost_valuation_takes_quality_from_the_value_score_and_shows_each_step(
        apps, registry_client, scoring_client, callers):
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    score = (await scoring_client.get(f"/value-scores/product/{p1}", headers=callers["operator"].headers)).json()
    response = await scoring_client.post("/valuations", headers=callers["operator"].headers, json={
        "subject_kind": "product", "subject_id": p1, "approach": "cost", "cost": COST})
    assert response.status_code == 201, response.text
    body = response.json()
    quality = Decimal(str(score["quality"]["score"]))
    # P = C × δ = 200 000 × quality × 3/(1+3), rounded once, half up, to the fen (DOMAIN §4.2)
    exact = Fraction(200000) * Fraction(quality) * Fraction(3, 4)
    assert body["value"] == _half_up(exact)
    assert body["parameters"]["quality_coefficient"] == str(quality)
    assert [s["step"] for s in body["steps"]] == ["replacement cost", "remaining life share", "value adjustment",
                                                  "value"]
    assert body["steps"][1]["result"] == "0.75" and body["steps"][1]["exact"] is True


async def test_cost_valuation_is_exact_where_rounding_each_step_was_off_by_seventy_fen(
        apps, registry_client, scoring_client, callers):
    """1 234 567.89 × 0.8765 × 5/7 = 772 927.68…; shares and δ rounded to 6 places gave 772 928.39."""
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    cost = {"preparation": "1234567.89", "direct": "0", "indirect": "0", "used_years": "2", "remaining_years": "5",
            "quality_coefficient": "0.8765"}
    created = await scoring_client.post("/valuations", headers=callers["operator"].headers, json={
        "subject_kind": "product", "subject_id": p1, "approach": "cost", "cost": cost})
    assert created.status_code == 201, created.text
    exact = Fraction(Decimal("1234567.89")) * Fraction(Decimal("0.8765")) * Fraction(5, 7)
    assert created.json()["value"] == _half_up(exact) == "772927.68"
    share = created.json()["steps"][1]
    assert share["result"] == "0." + "714285" * 8 + "71" and share["exact"] is False  # 5/7 to 50 digits
    assert share["shown"] == "0.714286"
    stored = await scoring_client.get(f"/valuations/{created.json()['id']}", headers=callers["operator"].headers)
    assert stored.json()["value"] == "772927.68" and stored.json()["steps"] == created.json()["steps"]


async def test_income_and_market_valuations_are_exact(apps, registry_client, scoring_client, callers):
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    income = await scoring_client.post("/valuations", headers=callers["operator"].headers, json={
        "subject_kind": "product", "subject_id": p1, "approach": "income",
        "income": {"risk_free_rate": "0.025", "risk_premium": "0.075", "cash_flows": ["110000", "121000"]}})
    assert income.status_code == 201 and income.json()["value"] == "200000.00"
    market = await scoring_client.post("/valuations", headers=callers["authority"].headers, json={
        "subject_kind": "product", "subject_id": p1, "approach": "market",
        "market": {"comparables": [{"name": "A", "price": "100000", "quality": "1.1", "supply_demand": "0.9"},
                                   {"name": "B", "price": "80000", "date": "1.25"}]}})
    assert market.status_code == 201 and market.json()["value"] == "99500.00"


async def test_income_on_exactly_half_a_fen_rounds_up_once(apps, registry_client, scoring_client, callers):
    """2.29/1.2 + 2.21/1.2² + 2.82/1.2³ = 5.075 exactly, from three non-terminating present values; JSON
    numbers are taken at their decimal value."""
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    response = await scoring_client.post("/valuations", headers=callers["operator"].headers, json={
        "subject_kind": "product", "subject_id": p1, "approach": "income",
        "income": {"risk_free_rate": 0.1, "risk_premium": 0.1, "cash_flows": [2.29, 2.21, 2.82]}})
    assert response.status_code == 201, response.text
    growth = Fraction(6, 5)
    exact = sum(Fraction(Decimal(f)) / growth**t for t, f in enumerate(("2.29", "2.21", "2.82"), start=1))
    assert exact == Fraction(5075, 1000) and response.json()["value"] == _half_up(exact) == "5.08"
    assert [s["exact"] for s in response.json()["steps"][1:4]] == [False, False, False]


async def test_valuation_input_is_validated(apps, registry_client, scoring_client, callers):
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    for body in (
        {"subject_kind": "product", "subject_id": p1, "approach": "income"},
        {"subject_kind": "product", "subject_id": p1, "approach": "income",
         "income": {"risk_free_rate": "0.02", "risk_premium": "0.05", "revenues": ["100"]}},
        {"subject_kind": "product", "subject_id": p1, "approach": "cost", "cost": {**COST, "direct": "-1"}},
        {"subject_kind": "product", "subject_id": p1, "approach": "market", "market": {"comparables": []}},
    ):
        response = await scoring_client.post("/valuations", headers=callers["operator"].headers, json=body)
        assert response.status_code == 422, (body, response.text)
    missing = await scoring_client.post("/valuations", headers=callers["operator"].headers, json={
        "subject_kind": "product", "subject_id": "nope", "approach": "cost", "cost": COST})
    assert missing.status_code == 404


async def test_non_finite_out_of_range_or_over_precise_valuation_input_is_a_problem_naming_the_field(
        apps, registry_client, scoring_client, callers):
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    income = {"risk_free_rate": "0.02", "risk_premium": "0.05", "cash_flows": ["100"]}
    comparable = {"name": "A", "price": "100"}
    for approach, params, field in (
        ("cost", {**COST, "direct": "NaN"}, "body.cost.direct"),
        ("cost", {**COST, "taxes": "Infinity"}, "body.cost.taxes"),
        ("cost", {**COST, "preparation": "100.005"}, "body.cost.preparation"),  # below the fen
        ("cost", {**COST, "preparation": "1e16"}, "body.cost.preparation"),
        ("cost", {**COST, "quality_coefficient": "0"}, "body.cost.quality_coefficient"),
        ("cost", {**COST, "remaining_years": "101"}, "body.cost.remaining_years"),
        ("cost", {**COST, "used_years": "0", "remaining_years": "0"}, "body.cost"),
        ("income", {**income, "risk_premium": "-Infinity"}, "body.income.risk_premium"),
        ("income", {**income, "risk_free_rate": "0.123456789"}, "body.income.risk_free_rate"),
        ("income", {**income, "risk_free_rate": "0", "risk_premium": "0"}, "body.income"),
        ("income", {**income, "cash_flows": ["1"] * 51}, "body.income.cash_flows"),
        ("market", {"comparables": [{**comparable, "quality": "sNaN"}]}, "body.market.comparables.0.quality"),
        ("market", {"comparables": [{**comparable, "date": "10.5"}]}, "body.market.comparables.0.date"),
    ):
        response = await scoring_client.post("/valuations", headers=callers["operator"].headers, json={
            "subject_kind": "product", "subject_id": p1, "approach": approach, approach: params})
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.text)


async def test_every_role_may_value_and_read_valuations_only_as_allowed(apps, registry_client, scoring_client,
                                                                         callers):
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    body = {"subject_kind": "product", "subject_id": p1, "approach": "cost",
            "cost": {**COST, "quality_coefficient": "0.8"}}
    create = {"operator": 201, "authority": 201, "admin": 201, "agency": 403, "registrar": 403, "auditor": 403,
              "anonymous": 401, "client:reader": 403, "client:feeder": 403}
    ids = []
    for name, status in create.items():
        response = await scoring_client.post("/valuations", headers=callers[name].headers, json=body)
        assert response.status_code == status, (name, response.text)
        if status == 201:
            ids.append(response.json()["id"])
    read = {"operator": 200, "authority": 200, "admin": 200, "auditor": 200, "client:reader": 200, "agency": 403,
            "registrar": 403, "anonymous": 401, "client:feeder": 403}
    for name, status in read.items():
        response = await scoring_client.get(f"/valuations/{ids[0]}", headers=callers[name].headers)
        assert response.status_code == status, (name, response.text)


async def test_contest_and_resolution_stay_with_the_score(apps, registry_client, scoring_client, callers):
    p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    filed = await scoring_client.post("/contests", headers=callers["operator"].headers, json={
        "target_kind": "value_score", "target_id": f"product/{p1}",
        "reason": "Our product has three more scenarios since March."})
    assert filed.status_code == 201, filed.text
    contest = filed.json()
    for name, status in (("operator", 403), ("auditor", 403), ("agency", 403), ("registrar", 403),
                         ("anonymous", 401), ("client:reader", 403)):
        response = await scoring_client.post(f"/contests/{contest['id']}/resolution", headers=callers[name].headers,
                                             json={"status": "upheld", "resolution": "checked"})
        assert response.status_code == status, (name, response.text)
    resolved = await scoring_client.post(f"/contests/{contest['id']}/resolution", headers=callers["authority"].headers,
                                         json={"status": "rejected", "resolution": "The scenarios are not registered."})
    assert resolved.status_code == 200 and resolved.json()["status"] == "rejected"
    again = await scoring_client.post(f"/contests/{contest['id']}/resolution", headers=callers["admin"].headers,
                                      json={"status": "upheld", "resolution": "second thoughts"})
    assert again.status_code == 409
    score = (await scoring_client.get(f"/value-scores/product/{p1}", headers=callers["operator"].headers)).json()
    assert [(c["id"], c["status"], c["resolution"]) for c in score["contests"]] == [
        (contest["id"], "rejected", "The scenarios are not registered.")]


async def test_only_the_scored_organization_may_contest(apps, registry_client, scoring_client, callers):
    _p1, _r1 = await _seed(apps, registry_client, scoring_client, callers)
    run = (await scoring_client.post("/evaluation-runs", headers=callers["authority"].headers, json={
        "subject_kind": "organization", "subject_ids": [callers["agency"].org_id], "period": "2025"})).json()
    evaluation_id = run["evaluations"][0]["id"]
    body = {"target_kind": "evaluation", "target_id": evaluation_id, "reason": "The 2025 uptime report was missed."}
    expected = {"operator": 403, "admin": 403, "authority": 403, "auditor": 403, "registrar": 403,
                "anonymous": 401, "client:reader": 403, "client:feeder": 403, "agency": 201}
    for name, status in expected.items():
        response = await scoring_client.post("/contests", headers=callers[name].headers, json=body)
        assert response.status_code == status, (name, response.text)
    detail = (await scoring_client.get(f"/evaluations/{evaluation_id}", headers=callers["agency"].headers)).json()
    assert detail["contests"][0]["status"] == "open"
    listed = await scoring_client.get("/contests", headers=callers["operator"].headers,
                                      params={"target_kind": "evaluation", "target_id": evaluation_id})
    assert listed.status_code == 403
    missing = await scoring_client.post("/contests", headers=callers["agency"].headers, json={
        **body, "target_id": "does-not-exist"})
    assert missing.status_code == 404


async def test_demand_counts_agreements_in_force_products_built_on_it_and_reported_use(world, scoring_client):
    """A resource's demand and breadth come from other organizations' agreements and products; a product's
    from its agreement and its latest annual-report line (DOMAIN §4.2)."""
    await sync_all(scoring_client, world.parties["admin"].scoring)
    source = world.resources["sh-agency"][0]
    score = (await scoring_client.get(f"/value-scores/resource/{source}",
                                      headers=world.parties["sh-agency"].scoring)).json()
    assert score["demand"]["agreements"] == 1 and score["breadth"]["count"] == 2
    first, second = world.products["sh-operator"]
    operator = world.parties["sh-operator"].scoring
    one = (await scoring_client.get(f"/value-scores/product/{first}", headers=operator)).json()
    two = (await scoring_client.get(f"/value-scores/product/{second}", headers=operator)).json()
    assert one["demand"] == {"agreements": 1, "volume": 1000.0, "revenue": 475000.0, "score": one["demand"]["score"]}
    assert two["demand"]["volume"] == 2000.0 and two["demand"]["score"] > one["demand"]["score"]
    unused = (await scoring_client.get(f"/value-scores/resource/{world.resources['sh-agency'][7]}",
                                       headers=world.parties["sh-agency"].scoring)).json()
    assert unused["demand"]["agreements"] == 0 and unused["breadth"]["count"] == 0


async def test_timeliness_is_the_age_of_the_last_data_update_against_the_declared_frequency(
        world, registry_client, scoring_client):
    agency = world.parties["bj-agency"]
    daily, monthly = world.resources["bj-agency"][:2]
    await sync_all(scoring_client, world.parties["admin"].scoring)

    async def timeliness(resource_id: str) -> float:
        score = await scoring_client.get(f"/value-scores/resource/{resource_id}", headers=agency.scoring)
        return score.json()["quality"]["timeliness"]

    age = (china_today() - date(2026, 11, 30)).days  # reported when the world was built; updated daily
    assert await timeliness(daily) == pytest.approx(min(1.0, 1 / age) if age else 1.0, abs=1e-4)
    assert await timeliness(monthly) == 0.0  # no data update reported yet: no credit
    reported = await registry_client.post(f"/resources/{monthly}/data-updates", headers=agency.registry,
                                          json={"updated_on": str(china_today())})
    assert reported.status_code == 200 and reported.json()["data_updated_on"] == str(china_today())
    await sync_all(scoring_client, world.parties["admin"].scoring)
    assert await timeliness(monthly) == 1.0
    future = await registry_client.post(f"/resources/{monthly}/data-updates", headers=agency.registry,
                                        json={"updated_on": str(china_today() + timedelta(days=1))})
    assert future.status_code == 422 and future.json()["type"].endswith("future-data-update")
    foreign = await registry_client.post(f"/resources/{monthly}/data-updates",
                                         headers=world.parties["sh-agency"].registry,
                                         json={"updated_on": str(china_today())})
    assert foreign.status_code == 404
