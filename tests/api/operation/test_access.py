"""Object-level authorization for every role (DOMAIN §2–3; who may do what is drawn in operation/access.py).

Each row: the caller, and the status it must get. "other_*" callers hold the right role in the wrong organization.
Not being allowed to see an object answers 404 (its existence is not disclosed); seeing it without being allowed
to change it answers 403; no token answers 401; a machine client never passes a role check (403).
"""

from datetime import timedelta

import pytest

from services.kernel.timeutil import china_today
from tests.conftest import SCORING_CLIENT_ID, SCORING_CLIENT_SECRET

from .world import build_world

TODAY = str(china_today())


class Caller:
    def __init__(self, headers):
        self.headers = headers


@pytest.fixture
async def cast(registry_client, people, apps, auth_client, scoring_machine_client):
    w = await build_world(registry_client, people, apps, with_agreement=True)
    token = (await auth_client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                          "audience": "pdr-registry", "scope": "registry:read"},
                                    auth=(SCORING_CLIENT_ID, SCORING_CLIENT_SECRET))).json()["access_token"]
    callers = {
        "admin": w.admin, "auditor": await people.person("auditor"), "body": w.body,
        "other_authority": await people.person("authority"), "price": w.price, "operator": w.operator,
        "other_operator": await people.person("operator"), "registrar": await people.person("registrar"),
        "agency": w.agency, "anonymous": Caller({}),
        "client": Caller({"Authorization": f"Bearer {token}"}),
    }
    await w.post(w.price, "/pricing/treasury-yields", {"year": 2023, "average_yield": "1.68", "source": "x"}, 201)
    w.extra["cap"] = (await w.post(w.price, "/pricing/revenue-caps", {
        "operator_org_id": w.operator.org_id, "operator_org_name": "运营公司", "region_code": "110000",
        "first_year": 2025, "years": 1, "survey_year": 2024, "operating_cost": "100.00", "subsidies": "0.00",
        "taxes": "0.00", "profit_rate": "5", "basis": "x"}, 201)).json()
    w.extra["report"] = (await w.post(w.operator, "/operation/reports", {
        "year": 2025, "business_overview": "x", "operating_cost": "1.00", "revenue": "1.00", "profit": "0.00"},
        201)).json()
    return w, callers


def expect(**statuses):
    everyone = {"admin", "auditor", "body", "other_authority", "price", "operator", "other_operator", "registrar",
                "agency", "anonymous", "client"}
    assert set(statuses) == everyone, everyone ^ set(statuses)
    return statuses


READ_PLAN = expect(admin=200, auditor=200, body=200, other_authority=404, price=404, operator=403,
                   other_operator=403, registrar=403, agency=403, anonymous=401, client=403)
READ_AGREEMENT = expect(admin=200, auditor=200, body=200, other_authority=404, price=404, operator=200,
                        other_operator=404, registrar=403, agency=403, anonymous=401, client=403)
READ_REPORT = expect(admin=200, auditor=200, body=200, other_authority=200, price=200, operator=200,
                     other_operator=404, registrar=403, agency=403, anonymous=401, client=403)
READ_CAP = expect(admin=200, auditor=200, body=404, other_authority=404, price=200, operator=200,
                  other_operator=404, registrar=403, agency=403, anonymous=401, client=403)
MANAGE = expect(admin=403, auditor=403, body=200, other_authority=404, price=404, operator=403,
                other_operator=403, registrar=403, agency=403, anonymous=401, client=403)
SET_PRICE = expect(admin=403, auditor=403, body=403, other_authority=403, price=403, operator=201,
                   other_operator=403, registrar=403, agency=403, anonymous=401, client=403)
SET_CEILING = expect(admin=403, auditor=403, body=201, other_authority=403, price=403, operator=403,
                     other_operator=403, registrar=403, agency=403, anonymous=401, client=403)
PUBLIC = dict.fromkeys(READ_PLAN, 200)


async def check(client, callers, method, path, statuses, json=None):
    for name, status in statuses.items():
        r = await client.request(method, path, headers=callers[name].headers, json=json)
        assert r.status_code == status, f"{name}: {r.status_code} {r.text}"
        assert status < 400 or r.headers["content-type"].startswith("application/problem+json")


async def test_plan_reads_and_writes_by_role(registry_client, cast):
    w, callers = cast
    await check(registry_client, callers, "GET", f"/operation/plans/{w.plan_id}", READ_PLAN)
    await check(registry_client, callers, "GET", f"/operation/plans/{w.plan_id}/versions", READ_PLAN)
    await check(registry_client, callers, "POST", f"/operation/plans/{w.plan_id}/changes", MANAGE,
                {"name": "新名称", "major": False, "reason": "更名"})


async def test_agreement_reads_and_writes_by_role(registry_client, cast):
    w, callers = cast
    aid = w.extra["agreement"]["id"]
    await check(registry_client, callers, "GET", f"/operation/agreements/{aid}", READ_AGREEMENT)
    await check(registry_client, callers, "GET", f"/operation/agreements/{aid}/versions", READ_AGREEMENT)
    manage = {k: (200 if v == 200 else v) for k, v in MANAGE.items()}
    await check(registry_client, callers, "POST", f"/operation/agreements/{aid}/amendments", manage,
                {"terms": {"revenue_sharing": "25%", "security_duties": "x", "exit_conditions": "x",
                           "renewal_conditions": "x"}, "reason": "调整分成"})


async def test_operators_list_only_their_own_agreements(registry_client, cast):
    w, callers = cast
    own = await registry_client.get("/operation/agreements", headers=callers["operator"].headers)
    other = await registry_client.get("/operation/agreements", headers=callers["other_operator"].headers)
    assert [a["id"] for a in own.json()] == [w.extra["agreement"]["id"]] and other.json() == []
    assert (await registry_client.get("/operation/agreements", headers=callers["other_authority"].headers)).json() == []


async def test_report_and_revenue_cap_reads_by_role(registry_client, cast):
    w, callers = cast
    await check(registry_client, callers, "GET", f"/operation/reports/{w.extra['report']['id']}", READ_REPORT)
    await check(registry_client, callers, "GET", f"/pricing/revenue-caps/{w.extra['cap']['id']}", READ_CAP)


async def test_only_the_owning_operator_sets_a_price_and_only_the_implementing_body_a_ceiling(registry_client, cast):
    w, callers = cast
    day = str(china_today() + timedelta(days=1))
    await check(registry_client, callers, "POST", f"/products/{w.product_id}/ceilings", SET_CEILING,
                {"billing_unit": "per_call", "unit_price": "0.05", "effective_from": TODAY, "basis": "x"})
    await check(registry_client, callers, "POST", f"/products/{w.product_id}/prices", SET_PRICE,
                {"billing_unit": "per_call", "unit_price": "0.05", "effective_from": day, "basis": "x"})


async def test_price_list_history_and_quote_need_no_login(registry_client, cast):
    w, callers = cast
    await check(registry_client, callers, "GET", "/price-list", PUBLIC)
    await check(registry_client, callers, "GET", f"/products/{w.product_id}/prices", PUBLIC)
    await check(registry_client, callers, "POST", f"/products/{w.product_id}/quote", PUBLIC,
                {"use_type": "public_welfare", "quantity": 5})


async def test_only_admin_designates_and_only_designated_bodies_author(registry_client, people, cast):
    w, callers = cast
    body = {"org_id": "x1", "org_name": "x", "function": "price_authority", "region_code": "310000", "basis": "x"}
    statuses = expect(admin=201, auditor=403, body=403, other_authority=403, price=403, operator=403,
                      other_operator=403, registrar=403, agency=403, anonymous=401, client=403)
    await check(registry_client, callers, "POST", "/operation/designations", statuses, body)
    # an authority whose organization is not designated for the region cannot draft a plan there
    r = await registry_client.post("/operation/plans", headers=callers["other_authority"].headers, json={
        "name": "x", "region_code": "110000", "authorizer_name": "x", "mode": "whole",
        "items": (await registry_client.get(f"/operation/plans/{w.plan_id}", headers=w.body.headers)).json()["items"]})
    assert r.status_code == 403 and r.json()["type"].endswith("not-designated")
