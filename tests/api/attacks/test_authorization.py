"""Authorization gaps of the attack run (issue 18), each probe as every kind of caller, two organizations.

What the run found, and what each test holds now:

- a price authority designated for 110000 set the maximum allowed revenue of a 310000 operator, and of an
  operator id that does not exist (201): the cap is set only by the price authority of a region where the
  operator holds a signed agreement (DOMAIN §3 layer 1; spec Arts. 13-14), an operator no agreement names is
  unknown (422), and nothing is written;
- a ``registry:read`` portal read other organizations' drafts and registration materials: materials are the
  parties', the registration body's and auditors' (DOMAIN §1, Arts. 6, 19); a portal reads what the public
  reads (notices, query codes, the catalog of registered subjects, the price list);
- a product could cite another organization's draft resource (201): it is refused exactly as an id that does not
  exist, as are an agreement citing it and a consent naming an agreement the agency has no part in;
- some routes validated the body (422) before authorization: for every unsafe route of the registry's OpenAPI,
  a caller that may not use it gets 401, 403 or 404 whatever the body, and nothing is written;
- a price of "-0" was published as "-0": zero is "0"; exponents, JSON fractions, NaN, Infinity and extra
  places are 422 with nothing written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest_asyncio
from sqlalchemy import func, select

from services.kernel.timeutil import china_today, new_id
from services.registry.models import metadata as registry_metadata
from services.registry.registration.models import Product, Resource
from tests.api.operation.world import PLAN_ITEMS, TERMS, insert_product, insert_resource
from tests.api.registration.conftest import SHA, product_body, resource_body

PROBLEM_JSON = "application/problem+json"
TODAY = str(china_today())
# Organization A works in Beijing, organization B in Shanghai; the registration body, auditors, the
# administrator and the portal serve both.
CALLERS = ("agency_a", "agency_b", "operator_a", "operator_b", "body_a", "body_b", "price_a", "price_b",
           "registrar", "auditor", "admin", "portal", "anonymous")
REGION = {"a": "110000", "b": "310000"}


@dataclass
class Cast:
    client: object
    apps: object
    headers: dict[str, dict[str, str]]
    orgs: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    async def call(self, caller: str, method: str, url: str, body=None, **kw):
        return await self.client.request(method, url, json=body, headers=self.headers[caller], **kw)

    async def ok(self, caller: str, method: str, url: str, body=None, status: int = 200) -> dict:
        response = await self.call(caller, method, url, body)
        assert response.status_code == status, (caller, url, response.text)
        return response.json()


async def _operation(cast: Cast, side: str, resource_id: str, product_id: str) -> str:
    """A filed plan of the side's region, its operator selected, an active agreement covering the product."""
    body, region = f"body_{side}", REGION[side]
    plan = await cast.ok(body, "POST", "/operation/plans", {
        "name": "交通数据授权运营实施方案", "region_code": region, "authorizer_name": "市人民政府", "mode": "domain",
        "items": PLAN_ITEMS}, 201)
    await cast.ok(body, "POST", f"/operation/plans/{plan['id']}/approval", {
        "body": "市政府常务会议", "decided_on": "2025-01-10", "document_no": "政发〔2025〕1号"})
    await cast.ok(body, "POST", f"/operation/plans/{plan['id']}/filing", {
        "filed_with": "省数据局", "filed_on": "2025-01-20", "filing_no": "数备〔2025〕1号"})
    selection = await cast.ok(body, "POST", f"/operation/plans/{plan['id']}/selections", {
        "operator_org_id": cast.orgs[f"operator_{side}"], "operator_org_name": f"运营公司{side.upper()}",
        "method": "open_tender", "decided_on": "2025-02-01", "evidence": [{"title": "中标通知书", "sha256": "a" * 64}]},
        201)
    agreement = await cast.ok(body, "POST", "/operation/agreements", {
        "plan_id": plan["id"], "selection_id": selection["id"], "starts_on": "2025-03-01", "ends_on": "2028-02-28",
        "resources": [{"resource_id": resource_id}], "product_ids": [product_id], "terms": TERMS}, 201)
    for action, on in (("sign", "2025-02-20"), ("file", "2025-02-25"), ("activate", "2025-03-01")):
        await cast.ok(body, "POST", f"/operation/agreements/{agreement['id']}/transitions",
                      {"action": action, "on": on, **({"document_no": "协备〔2025〕3号"} if action == "file" else {})})
    cast.ids[f"plan_{side}"], cast.ids[f"selection_{side}"] = plan["id"], selection["id"]
    return agreement["id"]


@pytest_asyncio.fixture(loop_scope="session")
async def cast(apps, registry_client, mint) -> Cast:
    roles = {"agency_a": "agency", "agency_b": "agency", "operator_a": "operator", "operator_b": "operator",
             "body_a": "authority", "body_b": "authority", "price_a": "authority", "price_b": "authority",
             "registrar": "registrar", "auditor": "auditor", "admin": "admin"}
    identities = {name: mint(role) for name, role in roles.items()}
    headers = {name: who.headers for name, who in identities.items()}
    headers["portal"] = mint(None, scopes=("registry:read",), client=True).headers
    headers["anonymous"] = {}
    cast = Cast(registry_client, apps, headers, {name: who.org_id for name, who in identities.items()})
    for side in ("a", "b"):
        for who, function in ((f"body_{side}", "implementing_body"), (f"price_{side}", "price_authority")):
            await cast.ok("admin", "POST", "/operation/designations", {
                "org_id": cast.orgs[who], "org_name": "机构", "function": function, "region_code": REGION[side],
                "basis": "政府授权决定"}, 201)
    for side in ("a", "b"):
        agency, operator = cast.orgs[f"agency_{side}"], cast.orgs[f"operator_{side}"]
        cast.ids[f"registered_{side}"] = await insert_resource(apps, agency, name=f"已登记数据{side}")
        cast.ids[f"draft_{side}"] = (await cast.ok(f"agency_{side}", "POST", "/resources", resource_body(
            name=f"草稿数据{side}", region_code=REGION[side]), 201))["id"]
        cast.ids[f"product_{side}"] = await insert_product(apps, operator, name=f"物流路径API{side}")
        cast.ids[f"agreement_{side}"] = await _operation(cast, side, cast.ids[f"registered_{side}"],
                                                         cast.ids[f"product_{side}"])
    # Agency A's first registration of its draft: materials under review, confidential (Arts. 6, 19).
    cast.ids["registration_a"] = (await cast.ok("agency_a", "POST", "/registrations", {
        "subject_type": "resource", "subject_id": cast.ids["draft_a"], "type": "first",
        "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]}, 201))["id"]
    await cast.ok("price_a", "POST", "/pricing/treasury-yields",
                  {"year": 2023, "average_yield": "1.68", "source": "中债"}, 201)
    return cast


async def table_counts(apps) -> dict[str, int]:
    """Rows in every registry table: a refused request leaves every count as it was."""
    async with apps.registry.state.db.sessions() as session:
        return {t.name: await session.scalar(select(func.count()).select_from(t))
                for t in registry_metadata.sorted_tables}


def refused(response, status: int, slug: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    if slug:
        assert response.json()["type"].endswith("/" + slug), response.text


def role_refusal(caller: str) -> tuple[int, None]:
    return (401, None) if caller == "anonymous" else (403, None)


# --- the price authority of another region -------------------------------------------------------------------

def cap(operator_org_id: str, region: str, **over) -> dict:
    return {"operator_org_id": operator_org_id, "operator_org_name": "运营公司", "region_code": region,
            "first_year": 2025, "years": 1, "survey_year": 2024, "operating_cost": "1000000.00",
            "subsidies": "0.00", "taxes": "0.00", "profit_rate": "5.00", "basis": "成本监审报告", **over}


async def test_only_the_price_authority_of_the_operators_region_sets_its_maximum_allowed_revenue(cast):
    before = await table_counts(cast.apps)
    for region in ("110000", "310000"):
        for caller in CALLERS:
            if caller == "price_b" and region == "310000":
                continue  # the one caller that may: checked last, once nothing else got through
            response = await cast.call(caller, "POST", "/pricing/revenue-caps", cap(cast.orgs["operator_b"], region))
            status, _ = role_refusal(caller)
            slug = "not-designated" if caller.startswith(("price", "body")) else None
            refused(response, status, slug)
    assert await table_counts(cast.apps) == before
    # The attack: Beijing's price authority on a Shanghai operator, naming either region, is refused...
    beijing = await cast.call("price_a", "POST", "/pricing/revenue-caps", cap(cast.orgs["operator_b"], "110000"))
    assert "310000" in beijing.json()["detail"]
    # ...and Shanghai's sets it, as Beijing's sets its own operator's.
    set_b = await cast.ok("price_b", "POST", "/pricing/revenue-caps", cap(cast.orgs["operator_b"], "310000"), 201)
    set_a = await cast.ok("price_a", "POST", "/pricing/revenue-caps", cap(cast.orgs["operator_a"], "110000"), 201)
    assert (set_b["region_code"], set_a["region_code"]) == ("310000", "110000")


async def test_a_revenue_cap_for_an_operator_no_agreement_names_is_refused_and_nothing_is_written(cast, mint):
    before = await table_counts(cast.apps)
    stranger = mint("operator").org_id  # an operator organization no authorizer has signed with
    for operator in ("no-such-operator", stranger, cast.orgs["agency_a"]):
        answers = set()
        for caller in CALLERS:
            response = await cast.call(caller, "POST", "/pricing/revenue-caps", cap(operator, "110000"))
            if caller.startswith("price_"):
                refused(response, 422, "unknown-operator")
                answers.add((response.json()["detail"], str(response.json()["errors"])))
            else:
                status, _ = role_refusal(caller)
                refused(response, status)
        assert len(answers) == 1  # the same answer from either price authority, whoever the id belongs to
    assert await table_counts(cast.apps) == before


# --- what a portal reads ---------------------------------------------------------------------------------------

CONFIDENTIAL_READERS = {"agency_a": 200, "registrar": 200, "auditor": 200}


async def test_drafts_and_registration_materials_are_the_parties_the_body_and_auditors_only(cast):
    rid, draft = cast.ids["registration_a"], cast.ids["draft_a"]
    for url in (f"/resources/{draft}", f"/resources/{draft}/versions", f"/registrations/{rid}",
                f"/registrations/{rid}/objections"):
        seen = {caller: (await cast.call(caller, "GET", url)).status_code for caller in CALLERS}
        expected = {caller: CONFIDENTIAL_READERS.get(caller, 404) for caller in CALLERS} | {"anonymous": 401}
        assert seen == expected, url
    materials = await cast.ok("registrar", "GET", f"/registrations/{rid}")
    assert materials["materials"]["attachments"]  # what a portal must not reach


async def test_a_portal_lists_no_draft_and_no_registration_but_reads_the_public_record(cast):
    assert (await cast.ok("portal", "GET", "/resources"))["items"] == []
    assert (await cast.ok("portal", "GET", "/products"))["items"] == []
    refused(await cast.call("portal", "GET", "/registrations"), 403, "registrations-confidential")
    for params in ({"q": "数据"}, {"q": "数据", "status": "draft"}, {}):
        found = (await cast.ok("portal", "GET", "/catalog/search?" + "&".join(f"{k}={v}" for k, v in params.items())))
        assert all(hit["status"] == "registered" for hit in found["items"]), found
        assert not any("草稿" in hit["name"] for hit in found["items"])
    facets = await cast.ok("portal", "GET", "/catalog/facets")
    assert {f["value"] for f in facets["status"]} <= {"registered"}
    await cast.ok("portal", "GET", "/public/notices")
    await cast.ok("portal", "GET", "/price-list")
    # what each caller lists: its own, or everything for the body and auditors, never another's
    listed = {}
    for caller in CALLERS:
        response = await cast.call(caller, "GET", "/registrations")
        listed[caller] = len(response.json()["items"]) if response.status_code == 200 else response.status_code
    assert listed == dict.fromkeys(CALLERS, 0) | {"agency_a": 1, "registrar": 1, "auditor": 1,
                                                          "portal": 403, "anonymous": 401}


# --- existence oracles -----------------------------------------------------------------------------------------

def _answer(response, cited: str) -> tuple:
    """Everything the refusal says, with the cited id blanked: what must not differ between the two ids."""
    return response.status_code, response.text.replace(cited, "<id>")


async def test_another_organizations_draft_is_cited_as_if_it_did_not_exist(cast):
    own_draft = (await cast.ok("operator_a", "POST", "/products", product_body([]), 201))["id"]
    before = await table_counts(cast.apps)
    draft_a, missing = cast.ids["draft_a"], new_id()
    for operator in ("operator_a", "operator_b"):
        answers = [_answer(await cast.call(operator, "POST", "/products", product_body([cited])), cited)
                   for cited in (draft_a, missing)]
        assert answers[0] == answers[1] and answers[0][0] == 422 and "/unknown-resource" in answers[0][1]
    answers = [_answer(await cast.call("operator_a", "PATCH", f"/products/{own_draft}",
                                       {"resource_ids": [cited]}), cited) for cited in (draft_a, missing)]
    assert answers[0] == answers[1] and answers[0][0] == 422 and "/unknown-resource" in answers[0][1]
    for caller in CALLERS:
        if not caller.startswith("operator_"):
            status, _ = role_refusal(caller)
            refused(await cast.call(caller, "POST", "/products", product_body([draft_a])), status)
    # an implementing body drawing up a data scope, likewise
    body = {"plan_id": cast.ids["plan_b"], "selection_id": cast.ids["selection_b"], "starts_on": "2025-03-01",
            "ends_on": "2026-02-28", "product_ids": [], "terms": TERMS}
    answers = [_answer(await cast.call("body_b", "POST", "/operation/agreements",
                                       body | {"resources": [{"resource_id": cited}]}), cited)
               for cited in (draft_a, missing)]
    assert answers[0] == answers[1] and answers[0][0] == 422 and "/unknown-resource" in answers[0][1]
    assert await table_counts(cast.apps) == before
    # a registered resource of another organization is cited as before, and so is a draft the operator is a
    # registrant of (Art. 7): the refusal above is about what the caller may know, not about drafts
    await cast.ok("operator_b", "POST", "/products", product_body([cast.ids["registered_a"]]), 201)
    await cast.ok("agency_b", "PATCH", f"/resources/{cast.ids['draft_b']}", {"joint_registrants": [
        {"org_id": cast.orgs["operator_a"], "org_name": "运营公司A"}]})
    await cast.ok("operator_a", "POST", "/products", product_body([cast.ids["draft_b"]]), 201)
    refused(await cast.call("operator_b", "POST", "/products", product_body([cast.ids["draft_b"]])), 422,
            "unknown-resource")


async def test_another_operators_unpriced_draft_product_is_unknown_to_the_price_routes(cast):
    draft = (await cast.ok("operator_a", "POST", "/products", product_body([]), 201))["id"]
    before = await table_counts(cast.apps)
    missing = new_id()
    for caller, method, suffix, body in (
            ("operator_b", "POST", "prices", flat("0.01")), ("body_a", "POST", "ceilings", flat("0.01")),
            ("body_b", "POST", "ceilings", flat("0.01")), ("anonymous", "GET", "prices", None),
            ("anonymous", "POST", "quote", {"use_type": "industry", "quantity": 1}),
            ("portal", "POST", "quote", {"use_type": "industry", "quantity": 1})):
        answers = [_answer(await cast.call(caller, method, f"/products/{product}/{suffix}", body), product)
                   for product in (draft, missing)]
        assert answers[0] == answers[1] and answers[0][0] == 404, (caller, suffix, answers)
    # the registration body and auditors know the draft: to them it exists, and they may not price it
    refused(await cast.call("registrar", "POST", f"/products/{draft}/prices", flat("0.01")), 403, "not-owner")
    assert await table_counts(cast.apps) == before
    # once its operator prices it, it is on the public price list (明码标价) and no longer hidden
    await cast.ok("operator_a", "POST", f"/products/{draft}/prices", flat("0.00"), 201)
    refused(await cast.call("operator_b", "POST", f"/products/{draft}/prices", flat("0.01")), 403, "not-owner")


async def test_an_agency_learns_nothing_of_an_agreement_it_has_no_part_in(cast):
    before = await table_counts(cast.apps)
    consent = {"resource_id": cast.ids["registered_a"], "providing_org_id": cast.orgs["agency_b"],
               "providing_org_name": "提供单位", "document_no": "同意函〔2025〕7号", "consented_on": "2025-02-10"}
    answers = []
    for agreement in (cast.ids["agreement_a"], new_id()):
        response = await cast.call("agency_b", "POST", f"/operation/agreements/{agreement}/consents", consent)
        refused(response, 404, "agreement-not-found")
        answers.append((response.json()["detail"], response.json()["title"]))
    assert answers[0] == answers[1]
    assert await table_counts(cast.apps) == before


# --- authorization before the body ------------------------------------------------------------------------------

# Who may use each unsafe route (the test world's callers). Every other caller is refused before its body is
# looked at. A route this table does not know fails the test: classify it when you add it.
EVERYONE = frozenset(CALLERS)
MAY_USE = {
    ("POST", "/api/3/action/{action}"): EVERYONE,  # CKAN's read actions, by POST as ckanapi sends them (issue 15)
    ("POST", "/api/action/{action}"): EVERYONE,
    ("PUT", "/calendar/{year}"): {"admin"},
    ("POST", "/catalog/import"): {"agency_a", "agency_b"},
    ("POST", "/catalog/import/dcat"): {"agency_a", "agency_b"},
    ("POST", "/compliance/records/{record_id}/waiver"): {"admin"},
    ("POST", "/compliance/sweep"): {"admin"},
    ("POST", "/objections/{objection_id}/dismiss"): {"registrar"},
    ("POST", "/objections/{objection_id}/uphold"): {"registrar"},
    ("POST", "/operation/agreements"): {"body_a", "body_b"},
    ("POST", "/operation/agreements/{agreement_id}/amendments"): {"body_a"},
    ("POST", "/operation/agreements/{agreement_id}/consents"): {"body_a"},
    ("POST", "/operation/agreements/{agreement_id}/transitions"): {"body_a"},
    ("POST", "/operation/designations"): {"admin"},
    ("POST", "/operation/plans"): {"body_a", "body_b"},
    ("POST", "/operation/plans/{plan_id}/approval"): {"body_a"},
    ("POST", "/operation/plans/{plan_id}/changes"): {"body_a"},
    ("POST", "/operation/plans/{plan_id}/filing"): {"body_a"},
    ("POST", "/operation/plans/{plan_id}/selections"): {"body_a"},
    ("POST", "/operation/reports"): {"operator_a", "operator_b"},
    ("POST", "/pricing/revenue-caps"): {"price_a", "price_b"},
    ("POST", "/pricing/treasury-yields"): {"price_a", "price_b"},
    ("POST", "/products"): {"operator_a", "operator_b"},
    ("PATCH", "/products/{subject_id}"): {"operator_a"},
    ("POST", "/products/{product_id}/ceilings"): {"body_a"},
    ("POST", "/products/{product_id}/prices"): {"operator_a"},
    ("POST", "/products/{product_id}/quote"): EVERYONE,  # public (DOMAIN §3, 明码标价)
    ("POST", "/public/notices/{registration_id}/objections"): EVERYONE,  # anyone objects (Art. 12)
    ("POST", "/registrations"): {"agency_a", "agency_b", "operator_a", "operator_b"},
    ("POST", "/registrations/sweep"): {"registrar"},
    ("POST", "/registrations/{registration_id}/accept"): {"registrar"},
    ("POST", "/registrations/{registration_id}/approve"): {"registrar"},
    ("POST", "/registrations/{registration_id}/close-notice"): {"registrar"},
    ("POST", "/registrations/{registration_id}/refuse"): {"registrar"},
    ("POST", "/registrations/{registration_id}/resubmit"): {"agency_a"},
    ("POST", "/registrations/{registration_id}/return"): {"registrar"},
    ("POST", "/registrations/{registration_id}/revoke"): {"registrar"},
    ("POST", "/registrations/{registration_id}/withdraw"): {"agency_a"},
    ("POST", "/resources"): {"agency_a", "agency_b"},
    ("PATCH", "/resources/{subject_id}"): {"agency_a"},
    ("POST", "/resources/{subject_id}/data-updates"): {"agency_a"},
}
# Bodies a caller might send: none at all, an empty object, the wrong shape, wrong types everywhere, and no JSON
# at all (FastAPI refuses those while reading the body, before any dependency: registry/routing.py defers it).
BODIES = ({"content": b""}, {"json": {}}, {"json": []}, {"json": {"unit_price": "NaN", "name": 7, "x": None}},
          {"content": b"{"}, {"content": b'{"name": "\xff\xfe"}'}, {"content": b"\x00" * 16})


def _url(cast: Cast, path: str) -> str:
    """The path with organization A's objects (or, where no object of the kind exists, a fresh id)."""
    subject = "product_a" if path.startswith("/products/") else "draft_a"
    values = {"year": "2031", "record_id": new_id(), "objection_id": new_id(), "agreement_id": cast.ids["agreement_a"],
              "plan_id": cast.ids["plan_a"], "product_id": cast.ids["product_a"], "subject_id": cast.ids[subject],
              "registration_id": cast.ids["registration_a"], "action": "package_search"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


async def test_no_caller_is_told_how_to_write_a_body_for_a_route_it_may_not_use(cast):
    spec = (await cast.call("anonymous", "GET", "/openapi.json")).json()
    unsafe = {(method.upper(), path) for path, operations in spec["paths"].items() for method in operations
              if method in ("post", "put", "patch", "delete")}
    assert unsafe == set(MAY_USE), f"classify: {sorted(unsafe ^ set(MAY_USE))}"
    before = await table_counts(cast.apps)
    seen: dict[tuple[str, str, str], set[int]] = {}
    for (method, path), allowed in sorted(MAY_USE.items()):
        url = _url(cast, path)
        for caller in sorted(EVERYONE - allowed):
            for body in BODIES:
                headers = {**cast.headers[caller], "content-type": "application/json"}
                response = await cast.client.request(method, url, headers=headers, **body)
                seen.setdefault((method, path, caller), set()).add(response.status_code)
                assert response.headers["content-type"].startswith(PROBLEM_JSON), (method, path, caller)
    wrong = {key: codes for key, codes in seen.items()
             if codes - ({401} if key[2] == "anonymous" else {403, 404}) or len(codes) != 1}
    assert not wrong, wrong  # never 422, and the same answer whatever the body
    assert await table_counts(cast.apps) == before
    # A caller who may use the route is told what is wrong with a body that is not JSON, as FastAPI tells it.
    for body in (b"{", b'{"name": "\xff"}'):
        response = await cast.client.post("/products", content=body, headers={
            **cast.headers["operator_a"], "content-type": "application/json"})
        refused(response, 422)
        assert "JSON decode error" in response.text, response.text


# --- money --------------------------------------------------------------------------------------------------------

def flat(price, **over) -> dict:
    return {"billing_unit": "per_call", "unit_price": price, "effective_from": TODAY, "basis": "成本核算报告", **over}


# Refused for every amount and rate; then what only an amount (two places, never negative) refuses.
NOT_DECIMAL_TEXT = ("NaN", "Infinity", "-Infinity", "sNaN", "1e3", "1E+3", "5e-1", " 1", "1_000", "+1", "٣", "1.",
                    ".5", "0x10", "", "1\n", 0.5, 1e3, -0.0, True, None, [], {"value": "1"})
BAD_AMOUNT = (*NOT_DECIMAL_TEXT, "0.001", "1.230", "-1", "-0.01", "99999999999999")
BAD_RATE = (*NOT_DECIMAL_TEXT, "0.00001", "1.23450", "-1", "100.0001")


async def test_a_signed_zero_price_is_published_as_zero(cast):
    product = cast.ids["product_a"]
    price = await cast.ok("operator_a", "POST", f"/products/{product}/prices", flat("-0"), 201)
    assert price["unit_price"] == "0" and price["tiers"] == [{"up_to": None, "unit_price": "0"}]
    later = str(china_today() + timedelta(days=5))
    ceiling = await cast.ok("body_a", "POST", f"/products/{product}/ceilings", flat("-0.00", effective_from=later), 201)
    assert ceiling["unit_price"] == "0.00"
    history = await cast.ok("anonymous", "GET", f"/products/{product}/prices")
    listed = [i for i in await cast.ok("anonymous", "GET", "/price-list") if i["product_id"] == product]
    assert len(history) == 2 and len(listed) == 1
    published = [r["unit_price"] for r in history + listed] + [t["unit_price"] for r in history + listed
                                                                for t in r["tiers"]]
    assert published and all(Decimal(value) == 0 and not value.startswith("-") for value in published), published
    yields = await cast.ok("price_a", "POST", "/pricing/treasury-yields",
                           {"year": 2022, "average_yield": "-0", "source": "中债"}, 201)
    assert yields["average_yield"] == "0"


async def test_money_that_is_not_plain_decimal_text_is_refused_and_nothing_is_written(cast):
    before = await table_counts(cast.apps)
    product = cast.ids["product_a"]
    cases = [(bad, kind) for kind, values in (("amount", BAD_AMOUNT), ("rate", BAD_RATE)) for bad in values]
    for bad, kind in cases:
        for caller, url, body in (() if kind == "rate" else (
                ("operator_a", f"/products/{product}/prices", flat(bad)),
                ("operator_a", f"/products/{product}/prices",
                 flat(None) | {"unit_price": None, "tiers": [{"up_to": 10, "unit_price": "0.05"},
                                                             {"up_to": None, "unit_price": bad}]}),
                ("body_a", f"/products/{product}/ceilings", flat(bad)),
                ("price_a", "/pricing/revenue-caps", cap(cast.orgs["operator_a"], "110000", taxes=bad)),
                ("operator_a", "/operation/reports", {"year": 2024, "business_overview": "运营平稳",
                                                     "operating_cost": "1.00", "revenue": bad, "profit": "0.00"}),
                *((("operator_a", "/operation/reports", {"year": 2024, "business_overview": "运营平稳",
                                                        "operating_cost": "1.00", "revenue": "1.00", "profit": bad}),)
                  if bad not in ("-1", "-0.01") else ()),  # a loss is a negative profit
        )) + (() if kind == "amount" else (
                ("price_a", "/pricing/revenue-caps", cap(cast.orgs["operator_a"], "110000", profit_rate=bad)),
                ("price_a", "/pricing/treasury-yields", {"year": 2021, "average_yield": bad, "source": "中债"}),
        )):
            response = await cast.call(caller, "POST", url, body)
            refused(response, 422)
            assert response.json().get("errors"), (bad, url, response.text)
        # and a caller who may not set the price hears of its role, never of the amount
        refused(await cast.call("operator_b", "POST", f"/products/{product}/prices", flat(bad)), 403, "not-owner")
        if kind == "rate":  # the other region's price authority enters national yields too: its amount is refused
            refused(await cast.call("price_b", "POST", "/pricing/treasury-yields",
                                    {"year": 2021, "average_yield": bad, "source": "中债"}), 422)
    assert await table_counts(cast.apps) == before
    # four places are a rate's, not an amount's
    refused(await cast.call("operator_a", "POST", f"/products/{product}/prices", flat("0.0500")), 422)
    await cast.ok("price_a", "POST", "/pricing/treasury-yields",
                  {"year": 2021, "average_yield": "2.5625", "source": "中债"}, 201)


async def test_the_product_and_resource_tables_are_what_the_probes_say(cast, apps):
    """The probes above check counts of every table; this one checks they can see a write at all."""
    before = await table_counts(apps)
    await cast.ok("operator_a", "POST", "/products", product_body([]), 201)
    after = await table_counts(apps)
    assert after[Product.__tablename__] == before[Product.__tablename__] + 1
    assert after[Resource.__tablename__] == before[Resource.__tablename__]
