"""Public disclosure of authorized operation (spec Arts. 18–19): who is authorized to operate which data, in what
scope and for what term, with the operator's products, terms of use and prices, readable without login and
current with every write that changes them."""

from __future__ import annotations

from datetime import timedelta

from services.kernel.timeutil import china_today
from services.registry.registration.models import IssuedCode, Product, Resource

from .test_query_counts import statements
from .world import build_world, insert_product, set_status

TODAY = china_today()
D0 = str(TODAY)
PROBLEM = "application/problem+json"


def flat(price: str, on: str = D0) -> dict:
    return {"billing_unit": "per_call", "unit_price": price, "effective_from": on, "basis": "成本核算报告"}


async def issue_code(apps, subject_type: str, subject_id: str, code: str) -> None:
    async with apps.registry.state.db.sessions.begin() as session:
        session.add(IssuedCode(code=code, registration_id="r-" + subject_id[:8], subject_type=subject_type,
                               subject_id=subject_id))


async def disclosed(client, agreement_id: str) -> dict:
    r = await client.get(f"/public/authorizations/{agreement_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def test_nothing_is_public_before_activation(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    filed = await w.agreement("filed")
    cancelled = await w.agreement("signed")
    await w.transition(cancelled["id"], "terminate", on="2025-02-21", reason="招标结果被撤销")
    listed = await registry_client.get("/public/authorizations")
    assert listed.status_code == 200 and listed.json() == {"items": [], "total": 0, "next_cursor": None}
    for agreement in (filed, cancelled):
        r = await registry_client.get(f"/public/authorizations/{agreement['id']}")
        assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["type"].endswith("authorization-not-found")
    await w.transition(filed["id"], "activate")
    assert [a["agreement_id"] for a in (await registry_client.get("/public/authorizations")).json()["items"]] == [
        filed["id"]]


async def test_an_active_agreement_discloses_who_what_scope_term_and_the_products_with_prices(
        registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    await set_status(apps, Product, w.product_id, description="按需规划货运路径", conditions_of_use="仅限物流企业，不得转售")
    welfare = await insert_product(apps, w.operator.org_id, use_type="public_welfare", name="出行服务")
    await issue_code(apps, "resource", w.resource_id, "PDR-2025-000001-X")
    await issue_code(apps, "product", w.product_id, "PDR-2025-000002-Y")
    agreement = await w.agreement(product_ids=[w.product_id, welfare])
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.05"), 201)
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.04"), 201)

    a = await disclosed(registry_client, agreement["id"])  # no token: anyone may read it
    assert a["name"] == "交通数据授权运营实施方案" and a["authorizer_name"] == "北京市人民政府"
    assert a["implementing_body"]["org_id"] == w.body.org_id
    assert a["operator"] == {"org_id": w.operator.org_id, "name": "运营公司"}
    assert (a["mode"], a["region_code"], a["starts_on"], a["ends_on"], a["status"], a["version"]) == (
        "domain", "110000", "2025-03-01", "2028-02-28", "active", 1)
    assert a["data_scope"] == [{"resource_id": w.resource_id, "name": "公交到站数据", "holder_name": "交通委",
                                "query_code": "PDR-2025-000001-X", "registered": True}]
    products = {p["product_id"]: p for p in a["products"]}
    industry = products[w.product_id]
    assert (industry["name"], industry["description"], industry["use_type"], industry["form"],
            industry["conditions_of_use"], industry["query_code"], industry["registered"]) == (
        "物流路径API", "按需规划货运路径", "industry", "api", "仅限物流企业，不得转售", "PDR-2025-000002-Y", True)
    assert a["prices_as_of"] == D0
    # the price shown is the price list's own line for the product (明码标价, one source)
    price_list = {i["product_id"]: i for i in (await registry_client.get("/price-list")).json()}
    assert industry["price"] == price_list[w.product_id]
    assert (industry["price"]["unit_price"], industry["price"]["ceiling_unit_price"], industry["price"]["kind"],
            industry["price"]["billing_unit"]) == ("0.04", "0.05", "specific", "per_call")
    assert industry["price"]["tiers"] == [{"up_to": None, "unit_price": "0.04"}]
    assert products[welfare]["price"]["free"] is True and products[welfare]["price"]["unit_price"] == "0.00"

    listed = (await registry_client.get("/public/authorizations", params={"region_code": "110000"})).json()
    assert [i["agreement_id"] for i in listed["items"]] == [agreement["id"]] and listed["items"][0] == a
    assert (await registry_client.get("/public/authorizations", params={"region_code": "310000"})).json()["items"] == []
    assert (await registry_client.get("/public/authorizations", params={"status": "suspended"})).json()["items"] == []


async def test_an_industry_product_without_a_price_in_force_shows_no_price(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    a = await disclosed(registry_client, w.extra["agreement"]["id"])
    assert [(p["product_id"], p["price"]) for p in a["products"]] == [(w.product_id, None)]


async def test_price_changes_suspension_and_amendments_show_at_once(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    aid = w.extra["agreement"]["id"]
    assert (await disclosed(registry_client, aid))["products"][0]["price"] is None
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.05"), 201)
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.05"), 201)
    assert (await disclosed(registry_client, aid))["products"][0]["price"]["unit_price"] == "0.05"
    # a price set for tomorrow closes today's there, and is not today's price yet
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.03", str(TODAY + timedelta(days=1))), 201)
    a = await disclosed(registry_client, aid)
    assert a["products"][0]["price"]["unit_price"] == "0.05"
    assert a["products"][0]["price"]["effective_to"] == str(TODAY + timedelta(days=1))

    await w.transition(aid, "suspend", reason="安全事件整改")
    a = await disclosed(registry_client, aid)
    assert a["status"] == "suspended"
    assert "安全事件整改" not in str(a)  # the reason is the parties' business, not the public's
    await w.transition(aid, "resume")

    welfare = await insert_product(apps, w.operator.org_id, use_type="public_welfare", name="出行服务")
    await w.post(w.body, f"/operation/agreements/{aid}/amendments", {
        "reason": "延长期限并增加公益产品", "ends_on": "2029-12-31", "product_ids": [w.product_id, welfare]}, 200)
    a = await disclosed(registry_client, aid)
    assert (a["status"], a["ends_on"], a["version"]) == ("active", "2029-12-31", 2)
    assert sorted(p["product_id"] for p in a["products"]) == sorted([w.product_id, welfare])

    await w.transition(aid, "terminate", reason="严重违约")
    assert (await disclosed(registry_client, aid))["status"] == "terminated"  # activated once: stays public


async def test_no_confidential_field_leaks(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    await set_status(apps, Resource, w.resource_id, source="内部来源说明", lawful_basis="内部依据",
                     data_items=["身份证号字段"], security_assessment={"risk": "内部评估"})
    await set_status(apps, Product, w.product_id, scenarios=["保密场景"])
    agreement = await w.agreement()
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.05"), 201)
    text = (await registry_client.get("/public/authorizations")).text
    text += (await registry_client.get(f"/public/authorizations/{agreement['id']}")).text
    for secret in ("30% to the authorizer", "revenue_sharing", "grade-3 protection", "terms",  # agreement terms
                   "收益按比例分成", "中标通知书", "a" * 64, "open_tender",  # plan items, selection evidence
                   "京政发", "京数备", "京数协备",  # approval and filing documents
                   "内部来源说明", "内部依据", "身份证号字段", "内部评估", "保密场景",  # registration materials
                   "成本核算报告", "basis", "set_by"):  # the cost basis behind a price
        assert secret not in text, secret


async def test_authorizations_are_cursor_paged(registry_client, people, apps):
    w = await build_world(registry_client, people, apps)
    ids = sorted([(await w.agreement())["id"] for _ in range(3)])
    first = (await registry_client.get("/public/authorizations", params={"limit": 2})).json()
    assert [i["agreement_id"] for i in first["items"]] == ids[:2] and first["next_cursor"]
    second = (await registry_client.get("/public/authorizations",
                                        params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [i["agreement_id"] for i in second["items"]] == ids[2:] and second["next_cursor"] is None


async def test_bad_parameters_are_problems(registry_client):
    for params in ({"region_code": "11000"}, {"status": "draft"}, {"limit": 0}, {"limit": 201}):
        r = await registry_client.get("/public/authorizations", params=params)
        assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM), params
    r = await registry_client.get("/public/authorizations", params={"cursor": "not-ours"})
    assert r.status_code == 400 and r.headers["content-type"].startswith(PROBLEM)
    r = await registry_client.get("/public/authorizations/NOT-AN-ID")
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    r = await registry_client.get("/public/authorizations/" + "0" * 32)
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)


def _untyped(schema: dict, components: dict, seen: set[str], path: str) -> list[str]:  # noqa: PLR0911 (per shape)
    """Paths of properties whose type OpenAPI leaves open (no type, a bare object, an untyped array)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return _untyped(components[name], components, seen, name)
    options = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if options:
        return [p for o in options for p in _untyped(o, components, seen, path)]
    kind = schema.get("type")
    if kind is None and "enum" not in schema and "const" not in schema:
        return [path]
    if kind == "object":
        props = schema.get("properties")
        if not props:
            return [path]
        return [p for k, v in props.items() for p in _untyped(v, components, seen, f"{path}.{k}")]
    if kind == "array":
        return _untyped(schema.get("items") or {}, components, seen, f"{path}[]")
    return []


def test_every_disclosed_field_is_typed_in_openapi_and_needs_no_login(apps):
    schema = apps.registry.openapi()
    components = schema["components"]["schemas"]
    for path in ("/public/authorizations", "/public/authorizations/{agreement_id}"):
        op = schema["paths"][path]["get"]
        assert "security" not in op, path  # anonymous: no token is asked for
        assert set(op["responses"]) >= {"200", "404", "422"}, path
        body = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert _untyped(body, components, set(), path) == []


async def test_a_page_of_authorizations_costs_the_same_statements_for_one_or_four(registry_client, people, apps):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.05"), 201)
    one = await statements(apps, lambda: registry_client.get("/public/authorizations"))
    for n in range(3):
        product = await insert_product(apps, w.operator.org_id, name=f"产品{n}")
        await w.agreement(product_ids=[w.product_id, product])
    four = await statements(apps, lambda: registry_client.get("/public/authorizations"))
    assert one == four
