"""Prices under the government-guided price (发改价格〔2025〕65号, DOMAIN §3): ceilings, specific and trial prices,
dated records that never overlap, the public price list and quotes."""

from datetime import timedelta

from services.kernel.timeutil import china_today

from ..operation.world import build_world, insert_product

TODAY = china_today()
D1, D2, D3 = (str(TODAY + timedelta(days=n)) for n in (0, 10, 20))


def flat(price: str, on: str = D1, unit: str = "per_call") -> dict:
    return {"billing_unit": unit, "unit_price": price, "effective_from": on, "basis": "成本核算报告"}


async def priced_world(registry_client, people, apps, ceiling="0.05"):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat(ceiling), 201)
    return w


async def test_specific_price_above_the_ceiling_is_refused_naming_the_rule(registry_client, people, apps):
    w = await priced_world(registry_client, people, apps)
    r = await registry_client.post(f"/products/{w.product_id}/prices", json=flat("0.06"), headers=w.operator.headers)
    assert r.status_code == 422 and r.json()["rule"]["id"] == "PRICE-ABOVE-CEILING"
    assert r.headers["content-type"].startswith("application/problem+json")
    ok = await registry_client.post(f"/products/{w.product_id}/prices", json=flat("0.05"), headers=w.operator.headers)
    assert ok.status_code == 201, ok.text
    assert ok.json()["unit_price"] == "0.05"  # money travels as an exact decimal string


async def test_first_year_price_is_a_trial_price(registry_client, people, apps):
    """An operator without a full year of operation uses a trial price (DOMAIN §3)."""
    w = await build_world(registry_client, people, apps)
    await w.agreement("signed", starts_on=str(TODAY - timedelta(days=30)), ends_on=str(TODAY + timedelta(days=900)))
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("1.00"), 201)
    r = await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.80"), 201)
    assert r.json()["kind"] == "trial"


async def test_price_after_a_full_year_is_a_specific_price(registry_client, people, apps):
    w = await priced_world(registry_client, people, apps, ceiling="1.00")  # agreement started 2025-03-01
    r = await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.80"), 201)
    assert r.json()["kind"] == "specific"


async def test_fee_on_a_public_welfare_product_is_refused(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    welfare = await insert_product(apps, w.operator.org_id, use_type="public_welfare", name="出行服务")
    r = await registry_client.post(f"/products/{welfare}/prices", json=flat("0.01"), headers=w.operator.headers)
    assert r.status_code == 422 and r.json()["rule"]["id"] == "PRICE-WELFARE-FEE"
    free = await registry_client.post(f"/products/{welfare}/prices", json=flat("0.00"), headers=w.operator.headers)
    assert free.status_code == 201


async def test_price_changes_are_new_records_and_periods_never_overlap(registry_client, people, apps):
    w = await priced_world(registry_client, people, apps)
    first = (await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.05", D1), 201)).json()
    second = (await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.04", D3), 201)).json()
    # a record starting before the latest one would overlap it
    r = await registry_client.post(f"/products/{w.product_id}/prices", json=flat("0.03", D2),
                                   headers=w.operator.headers)
    assert r.status_code == 409 and r.json()["type"].endswith("price-period-overlap")
    # backdating is refused: history is never rewritten
    past = str(TODAY - timedelta(days=1))
    r = await registry_client.post(f"/products/{w.product_id}/prices", json=flat("0.03", past),
                                   headers=w.operator.headers)
    assert r.status_code == 422
    history = (await registry_client.get(f"/products/{w.product_id}/prices")).json()
    operator = [h for h in history if h["layer"] == "operator"]
    assert [(h["id"], h["unit_price"], h["effective_from"], h["effective_to"]) for h in operator] == [
        (first["id"], "0.05", D1, D3), (second["id"], "0.04", D3, None)]


async def test_quote_gives_tier_breakdown_without_login(registry_client, people, apps):
    w = await priced_world(registry_client, people, apps)
    tiers = {"billing_unit": "per_call", "effective_from": D1, "basis": "阶梯价格",
             "tiers": [{"up_to": 10000, "unit_price": "0.05"}, {"up_to": 100000, "unit_price": "0.03"},
                       {"up_to": None, "unit_price": "0.02"}]}
    await w.post(w.operator, f"/products/{w.product_id}/prices", tiers, 201)
    r = await registry_client.post(f"/products/{w.product_id}/quote", json={"use_type": "industry", "quantity": 150000})
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["total"] == "4200.00"
    assert [(line["quantity"], line["unit_price"], line["amount"]) for line in q["lines"]] == [
        (10000, "0.05", "500.00"), (90000, "0.03", "2700.00"), (50000, "0.02", "1000.00")]
    welfare = await registry_client.post(f"/products/{w.product_id}/quote",
                                         json={"use_type": "public_welfare", "quantity": 150000})
    assert welfare.json()["total"] == "0.00" and welfare.json()["free_reason"]


async def test_rising_tiers_are_refused(registry_client, people, apps):
    w = await priced_world(registry_client, people, apps)
    r = await registry_client.post(f"/products/{w.product_id}/prices", headers=w.operator.headers, json={
        "billing_unit": "per_call", "effective_from": D1, "basis": "x",
        "tiers": [{"up_to": 10, "unit_price": "0.01"}, {"up_to": None, "unit_price": "0.02"}]})
    assert r.status_code == 422 and r.json()["type"].endswith("invalid-tiers")


async def test_public_price_list_shows_prices_and_free_products_without_login(registry_client, people, apps):
    w = await priced_world(registry_client, people, apps)
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.04"), 201)
    welfare = await insert_product(apps, w.operator.org_id, use_type="public_welfare", name="出行服务")
    r = await registry_client.get("/price-list")
    assert r.status_code == 200
    items = {i["product_id"]: i for i in r.json()}
    assert items[w.product_id]["unit_price"] == "0.04" and items[w.product_id]["ceiling_unit_price"] == "0.05"
    assert items[welfare]["free"] is True and items[welfare]["unit_price"] == "0.00"
    page = await registry_client.get("/price-list", params={"limit": 1})
    assert len(page.json()) == 1 and 'rel="next"' in page.headers["link"]


async def test_lowered_ceiling_opens_a_finding_that_resolves_when_the_operator_adjusts(registry_client, people, apps):
    """PRICE §2: the authorizer may lower the ceiling; the operator's price above it becomes a finding."""
    w = await priced_world(registry_client, people, apps)
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.05", D1), 201)
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.04", D2), 201)
    await w.post(w.admin, "/compliance/sweep", {"on": D2}, 200)
    found = (await registry_client.get("/compliance/records", params={"rule_id": "PRICE-ABOVE-CEILING"},
                                       headers=w.operator.headers)).json()
    assert len(found) == 1 and found[0]["status"] == "open" and found[0]["subject_id"] == w.product_id
    # a second sweep does not duplicate it
    await w.post(w.admin, "/compliance/sweep", {"on": D2}, 200)
    assert len((await registry_client.get("/compliance/records", params={"rule_id": "PRICE-ABOVE-CEILING"},
                                          headers=w.admin.headers)).json()) == 1
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.04", D2), 201)
    await w.post(w.admin, "/compliance/sweep", {"on": D2}, 200)
    found = (await registry_client.get("/compliance/records", params={"rule_id": "PRICE-ABOVE-CEILING"},
                                       headers=w.admin.headers)).json()
    assert [f["status"] for f in found] == ["resolved"]


async def test_the_implementing_body_reads_and_caps_a_draft_product_its_agreement_lists(registry_client, people, apps):
    """The ceiling's setter knows the product (DOMAIN §3) even before it is registered or priced; another
    organization without a part in the agreement does not learn that it exists."""
    w = await build_world(registry_client, people, apps)
    draft = await insert_product(apps, w.operator.org_id, status="draft", name="草稿产品")
    w.product_id = draft
    await w.agreement("active")
    listed = await registry_client.get(f"/products/{draft}/prices", headers=w.body.headers)
    assert listed.status_code == 200 and listed.json() == [], listed.text
    await w.post(w.body, f"/products/{draft}/ceilings", flat("1.00"), 201)
    stranger = await people.person("authority")
    unpriced = await insert_product(apps, w.operator.org_id, status="draft", name="另一草稿")
    answer = await registry_client.get(f"/products/{unpriced}/prices", headers=stranger.headers)
    assert answer.status_code == 404 and answer.json()["type"].endswith("/product-not-found")
