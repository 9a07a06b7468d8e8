"""A two-region world of registry records for scoring tests, built only through the public HTTP APIs of auth
and the registry (in-process or real processes alike), as a provincial data bureau would see it:

    Beijing 110000    agency bj-empty (no resources), agency bj-agency (3 resources: 2 registered, one of them
                      filed late, 1 draft), operator bj-operator (agreement in force, a registered product priced above a
                      lowered ceiling → an open hard finding, 2025 report: revenue 1,160,000 against a maximum
                      of 1,000,000, +16 %)
    Shanghai 310000   agency sh-agency (8 resources, 6 registered on time), operator sh-operator (agreement in
                      force, two registered products, one priced; 2025 report: revenue 950,000, −5 %)

The registry runs with ``demo`` on, so registration steps are dated with the X-PDR-Demo-Date header:
registrations are filed on 2026-03-02 and coded after their public notice.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import httpx

from services.kernel.identifiers import with_uscc_check
from services.kernel.timeutil import CHINA, china_today

__all__ = ["Party", "World", "build_world", "expected_facts"]

PASSWORD = "World-pass-2026!"
FILED_ON = date(2026, 3, 2)
SHA = "ab" * 32
_serial = itertools.count(1)
PLAN_ITEMS = {
    "necessity_and_feasibility": "数据需求旺盛，具备条件", "operator_selection_criteria": "公开招标",
    "data_scope": "目录见附件；每日更新", "operation_arrangements": "三年；年度评估；退出机制",
    "planned_products": {"public_welfare": ["出行服务"], "industry": ["路径API"]},
    "cost_revenue_and_sharing": "单独核算", "security_and_emergency": "分级保护", "rights_and_duties": "见协议",
    "supervision": "数据主管部门监督",
}
FREQUENT = {"realtime", "daily", "weekly"}
TERMS = {"revenue_sharing": "30%", "security_duties": "三级等保", "exit_conditions": "违约",
         "renewal_conditions": "评估合格"}


@dataclass
class Party:
    key: str
    role: str
    org_id: str
    region: str
    registry: dict[str, str]  # headers for the registry
    scoring: dict[str, str]  # headers for scoring


@dataclass
class World:
    parties: dict[str, Party]
    resources: dict[str, list[str]] = field(default_factory=dict)  # party key → resource ids
    products: dict[str, list[str]] = field(default_factory=dict)
    agreements: dict[str, str] = field(default_factory=dict)  # operator key → agreement id

    def org(self, key: str) -> str:
        return self.parties[key].org_id


class Builder:
    def __init__(self, auth: httpx.AsyncClient, registry: httpx.AsyncClient, admin_auth: dict[str, str]) -> None:
        self.auth, self.registry, self.admin_auth = auth, registry, admin_auth

    async def _ok(self, response: httpx.Response, status: int = 200) -> dict:
        assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
        return response.json()

    async def token(self, username: str, audience: str) -> dict[str, str]:
        body = await self._ok(await self.auth.post("/oauth/token", data={
            "grant_type": "password", "username": username, "password": PASSWORD, "audience": audience}))
        return {"Authorization": f"Bearer {body['access_token']}"}

    async def party(self, key: str, role: str, kind: str, region: str, name: str) -> Party:
        n = next(_serial)
        uscc = with_uscc_check(f"91{region}MA{secrets.randbelow(10**7):07d}"[:17])
        org = await self._ok(await self.auth.post("/orgs", headers=self.admin_auth, json={
            "name": name, "uscc": uscc, "region_code": region, "kind": kind}), 201)
        username = f"{key}-{n}-{secrets.token_hex(3)}"
        await self._ok(await self.auth.post("/accounts", headers=self.admin_auth, json={
            "username": username, "password": PASSWORD, "org_id": org["id"], "roles": [role]}), 201)
        return Party(key, role, org["id"], region, await self.token(username, "pdr-registry"),
                     await self.token(username, "pdr-scoring"))

    async def post(self, who: Party, path: str, body: dict, status: int = 201, day: date | None = None) -> dict:
        headers = {**who.registry, **({"X-PDR-Demo-Date": day.isoformat()} if day else {})}
        return await self._ok(await self.registry.post(path, json=body, headers=headers), status)

    async def resource(self, agency: Party, n: int, **over) -> str:
        body = {"name": f"{agency.key} 数据资源 {n}", "description": "政务数据", "scale": "10 GB",
                "data_items": [{"name": f"f{i}"} for i in range(n % 4 + 1)], "update_frequency": "daily",
                "quality": "完整", "sharing_attribute": "conditional", "opening_attribute": "conditional",
                "grading": "general", "region_code": agency.region, "source": "业务系统", "lawful_basis": "条例",
                "security_assessment": {"risk_level": "low"}, **over}
        return (await self.post(agency, "/resources", body))["id"]

    async def register(self, owner: Party, registrar: Party, subject_type: str, subject_id: str) -> dict:
        """File on FILED_ON, accept, approve, close the notice the day after it ends: coded."""
        filed = await self.post(owner, "/registrations", {
            "subject_type": subject_type, "subject_id": subject_id, "type": "first",
            "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]}, day=FILED_ON)
        rid = filed["id"]
        await self.post(registrar, f"/registrations/{rid}/accept", {}, 200, FILED_ON)
        noticed = await self.post(registrar, f"/registrations/{rid}/approve", {}, 200, FILED_ON)
        close_on = date.fromisoformat(noticed["deadlines"]["notice_ends_on"]) + timedelta(days=1)
        coded = await self.post(registrar, f"/registrations/{rid}/close-notice", {}, 200, close_on)
        assert coded["state"] == "registered", coded
        return coded

    async def operation(self, admin: Party, body: Party, price: Party, operator: Party, region: str,
                        resources: list[str], products: list[str]) -> str:
        """Designations, an approved and filed plan, the operator selected, an agreement in force."""
        for who, function in ((body, "implementing_body"), (price, "price_authority")):
            await self.post(admin, "/operation/designations", {
                "org_id": who.org_id, "org_name": who.key, "function": function, "region_code": region,
                "basis": "政府授权决定"})
        plan = await self.post(body, "/operation/plans", {
            "name": f"{region} 授权运营实施方案", "region_code": region, "authorizer_name": "市人民政府",
            "mode": "domain", "items": PLAN_ITEMS})
        await self.post(body, f"/operation/plans/{plan['id']}/approval", {
            "body": "市政府常务会议", "decided_on": "2025-01-10", "document_no": "政发〔2025〕1号"}, 200)
        await self.post(body, f"/operation/plans/{plan['id']}/filing", {
            "filed_with": "省数据局", "filed_on": "2025-01-20", "filing_no": "数备〔2025〕1号"}, 200)
        selection = await self.post(body, f"/operation/plans/{plan['id']}/selections", {
            "operator_org_id": operator.org_id, "operator_org_name": operator.key, "method": "open_tender",
            "decided_on": "2025-02-01", "evidence": [{"title": "中标通知书", "sha256": "a" * 64}]})
        agreement = await self.post(body, "/operation/agreements", {
            "plan_id": plan["id"], "selection_id": selection["id"], "starts_on": "2025-03-01",
            "ends_on": "2028-02-28", "resources": [{"resource_id": r} for r in resources],
            "product_ids": products, "terms": TERMS})
        for action, on in (("sign", "2025-02-20"), ("file", "2025-02-25"), ("activate", "2025-03-01")):
            await self.post(body, f"/operation/agreements/{agreement['id']}/transitions", {
                "action": action, "on": on, **({"document_no": "协备〔2025〕3号"} if action == "file" else {})}, 200)
        return agreement["id"]

    async def revenue(self, price: Party, operator: Party, region: str, revenue: str, products: list[str]) -> None:
        """A maximum allowed revenue of 1,000,000 for 2025 ((900,000 × 1.05) + 55,000), then the 2025 report."""
        await self.post(price, "/pricing/treasury-yields", {"year": 2023, "average_yield": "1.68", "source": "中债"})
        await self.post(price, "/pricing/revenue-caps", {
            "operator_org_id": operator.org_id, "operator_org_name": operator.key, "region_code": region,
            "first_year": 2025, "years": 1, "survey_year": 2024, "operating_cost": "1000000.00",
            "subsidies": "100000.00", "taxes": "55000.00", "profit_rate": "5.00", "basis": "成本监审报告"})
        share = f"{float(revenue) / max(len(products), 1):.2f}"
        await self.post(operator, "/operation/reports", {
            "year": 2025, "business_overview": "运营平稳", "operating_cost": "800000.00", "revenue": revenue,
            "profit": "100000.00", "price_adjustments": [],
            "products": [{"product_id": p, "volume": 1000 * (i + 1), "revenue": share}
                         for i, p in enumerate(products)]})


async def build_world(auth: httpx.AsyncClient, registry: httpx.AsyncClient, admin_auth: dict[str, str]) -> World:
    b = Builder(auth, registry, admin_auth)
    p = {}
    for key, role, kind, region in (
            ("admin", "admin", "authority", "110000"), ("registrar", "registrar", "registration_body", "110000"),
            ("auditor", "auditor", "audit_body", "110000"),
            ("bj-body", "authority", "authority", "110000"), ("bj-price", "authority", "price_authority", "110000"),
            ("sh-body", "authority", "authority", "310000"), ("sh-price", "authority", "price_authority", "310000"),
            ("bj-empty", "agency", "agency", "110000"), ("bj-agency", "agency", "agency", "110000"),
            ("sh-agency", "agency", "agency", "310000"), ("bj-operator", "operator", "operator", "110000"),
            ("sh-operator", "operator", "operator", "310000")):
        p[key] = await b.party(key, role, kind, region, f"{key} 测试机构")
    world = World(p)
    registrar = p["registrar"]

    # Beijing: two registered resources (one filed after its 20 working days, Art. 9(1)), one draft.
    bj = [await b.resource(p["bj-agency"], 1, operation_started_on="2026-01-05"),
          await b.resource(p["bj-agency"], 2, operation_started_on="2026-02-20", update_frequency="monthly"),
          await b.resource(p["bj-agency"], 3, sharing_attribute="not", security_assessment=None)]
    for rid in bj[:2]:
        await b.register(p["bj-agency"], registrar, "resource", rid)
    await b.post(p["bj-agency"], f"/resources/{bj[0]}/data-updates", {"updated_on": "2026-11-30"}, 200)
    # Shanghai: eight resources, six registered, all filed in time.
    sh = [await b.resource(p["sh-agency"], n, operation_started_on="2026-02-23",
                           update_frequency="realtime" if n % 2 else "yearly") for n in range(8)]
    for rid in sh[:6]:
        await b.register(p["sh-agency"], registrar, "resource", rid)
    world.resources = {"bj-agency": bj, "sh-agency": sh, "bj-empty": []}

    def product_body(operator: Party, n: int, sources: list[str], scenarios: list[str]) -> dict:
        return {"name": f"{operator.key} 产品 {n}", "description": "数据产品", "form": "api", "resource_ids": sources,
                "scenarios": scenarios, "use_type": "industry", "conditions_of_use": "签约用户",
                "region_code": operator.region}

    bj_products = [(await b.post(p["bj-operator"], "/products", product_body(p["bj-operator"], 1, bj[:2],
                                                                               ["物流", "保险"])))["id"]]
    sh_products = [(await b.post(p["sh-operator"], "/products", product_body(p["sh-operator"], n, sh[:3],
                                                                               [f"场景{n}", "交通"])))["id"]
                   for n in range(2)]
    world.products = {"bj-operator": bj_products, "sh-operator": sh_products}
    world.agreements["bj-operator"] = await b.operation(p["admin"], p["bj-body"], p["bj-price"], p["bj-operator"],
                                                        "110000", bj[:2], bj_products)
    world.agreements["sh-operator"] = await b.operation(p["admin"], p["sh-body"], p["sh-price"], p["sh-operator"],
                                                        "310000", sh[:6], sh_products)
    for operator, products in (("bj-operator", bj_products), ("sh-operator", sh_products)):
        for pid in products:
            await b.register(p[operator], registrar, "product", pid)
    # Prices (they take effect today or later, never in the past): a ceiling by the implementing body, the
    # operator's specific price under it.
    today = china_today()
    for operator, body, pid in (("bj-operator", "bj-body", bj_products[0]), ("sh-operator", "sh-body", sh_products[0])):
        price = {"billing_unit": "per_call", "unit_price": "0.05", "effective_from": str(today), "basis": "成本核算"}
        await b.post(p[body], f"/products/{pid}/ceilings", price)
        await b.post(p[operator], f"/products/{pid}/prices", {**price, "unit_price": "0.04"})
    # The authorizer lowers Beijing's ceiling below the operator's price from tomorrow: a hard breach
    # (PRICE-ABOVE-CEILING) once tomorrow's sweep runs.
    tomorrow = today + timedelta(days=1)
    await b.post(p["bj-body"], f"/products/{bj_products[0]}/ceilings", {
        "billing_unit": "per_call", "unit_price": "0.03", "effective_from": str(tomorrow), "basis": "价格复核"})
    await b.revenue(p["bj-price"], p["bj-operator"], "110000", "1160000.00", bj_products)
    await b.revenue(p["sh-price"], p["sh-operator"], "310000", "950000.00", sh_products)
    await b.post(p["admin"], "/compliance/sweep", {"on": str(tomorrow)}, 200)
    return world


async def _get(client, path, headers, **params):
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _all(client, path, headers, **params) -> list[dict]:
    """Every item of a registry list, whichever of its paging styles it uses."""
    items, cursor, after = [], None, None
    while True:
        body = await _get(client, path, headers, **params, limit=100,
                          **({"cursor": cursor} if cursor else {}), **({"after": after} if after else {}))
        page = body["items"] if isinstance(body, dict) else body
        items += page
        if isinstance(body, dict):
            cursor = body.get("next_cursor")
            if not cursor:
                return items
        else:
            if len(page) < 100:
                return items
            after = page[-1]["id"]


async def expected_facts(registry_client, world, key: str, year: int) -> dict:
    """What the registry's REST API says, read as an auditor and counted here, independently of scoring."""
    auditor = world.parties["auditor"].registry
    org = world.org(key)
    end = min(date(year, 12, 31), china_today())
    def existed(record: dict) -> bool:  # stocks are counted on the period's last day (China time)
        return datetime.fromisoformat(record["created_at"]).astimezone(CHINA).date() <= end

    resources = [r for r in await _all(registry_client, "/resources", auditor) if r["org_id"] == org and existed(r)]
    products = [p for p in await _all(registry_client, "/products", auditor) if p["org_id"] == org and existed(p)]
    registrations = [await _get(registry_client, f"/registrations/{g['id']}", auditor)
                     for g in await _all(registry_client, "/registrations", auditor) if g["org_id"] == org]

    def registered(subject_id: str) -> bool:
        return any(g["subject_id"] == subject_id and g["valid_from"] and date.fromisoformat(g["valid_from"]) <= end
                   and g["state"] == "registered" for g in registrations)

    agreements = [a for a in await _all(registry_client, "/operation/agreements", auditor, status="active")
                  if date.fromisoformat(a["starts_on"]) <= end <= date.fromisoformat(a["ends_on"])]
    own = {r["id"] for r in resources}
    involved = [a for a in agreements if org in (a["operator_org_id"], a["implementing_org_id"])
                or own & {i["resource_id"] for i in a["resources"]}]
    named = own & {i["resource_id"] for a in agreements for i in a["resources"]}
    findings = [f for f in await _all(registry_client, "/compliance/records", auditor, status="open")
                if f["org_id"] == org and datetime.fromisoformat(f["detected_at"]).astimezone(CHINA).date() <= end]
    reports = [r for r in await _all(registry_client, "/operation/reports", auditor, year=year)
               if r["operator_org_id"] == org]
    firsts = [(date.fromisoformat(g["evidence"]["submissions"][0]["received_at"][:10]),
               date.fromisoformat(g["deadlines"]["filing_due_on"])) for g in registrations
              if g["type"] == "first" and g["deadlines"]["filing_due_on"]
              and date.fromisoformat(g["evidence"]["submissions"][0]["received_at"][:10]).year == year]
    priced = 0
    for p in products:
        prices = await _get(registry_client, f"/products/{p['id']}/prices", auditor)
        priced += any(x["layer"] == "operator" and date.fromisoformat(x["effective_from"]) <= end
                      for x in prices)
    n = len(resources)
    supervised = bool(resources or products or involved)
    registered_products = [p for p in products if registered(p["id"])]
    return {
        "registered_resources": sum(registered(r["id"]) for r in resources),
        "fields_per_resource": sum(len(r["data_items"]) for r in resources) / n if n else None,
        "registration_coverage": sum(registered(r) for r in named) / len(named) if named else None,
        "frequent_update_share": sum(r["update_frequency"] in FREQUENT for r in resources) / n if n else None,
        "on_time_registration": sum(received <= due for received, due in firsts) / len(firsts) if firsts else None,
        "shareable_share": sum(r["sharing_attribute"] != "not" for r in resources) / n if n else None,
        "security_assessment_rate": sum(bool(r["security_assessment"]) for r in resources) / n if n else None,
        "registered_products": len(registered_products),
        "scenario_breadth": len({s for p in registered_products for s in p["scenarios"]}),
        "priced_products": priced,
        "open_compliance_records": len(findings) if supervised else None,
        "high_severity_open": sum(f["severity"] == "hard" for f in findings) if supervised else None,
        "active_agreements": len(involved),
        "operating_revenue": sum(float(r["revenue"]) for r in reports),
        "revenue_deviation": max((abs(float(r["deviation"])) for r in reports), default=None),
        "annual_reports_filed": len(reports),
    }
