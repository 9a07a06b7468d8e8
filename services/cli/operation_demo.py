"""Demo data of authorized operation and pricing for ``pdr up --demo``, through the registry's HTTP API.

Designates the demo data authority as implementing body and the demo development-and-reform commission as
price authority (Beijing, 110000); drafts, approves and files a plan; selects the demo operator; signs an
agreement over the registered demo resource and product; enters a treasury yield, a maximum allowed revenue,
a ceiling and a tiered specific price; runs a compliance sweep. Idempotent: each record is looked up first.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from services.registry.operation.dates import china_today

__all__ = ["operation_demo"]

REGION = "110000"
PLAN = {
    "name": "北京市交通数据授权运营实施方案（演示）", "region_code": REGION, "authorizer_name": "北京市人民政府",
    "mode": "domain",
    "items": {
        "necessity_and_feasibility": "交通数据社会需求旺盛，数据质量与安全条件具备",
        "operator_selection_criteria": "公开招标：资质、技术能力、安全保障能力",
        "data_scope": "道路交通流量数据；目录见附件；实时更新；完整率 99%",
        "operation_arrangements": "授权期限三年；分阶段实施；年度评估；退出机制；资产归属授权方",
        "planned_products": {"public_welfare": ["公众出行服务"], "industry": ["出行热力指数 API"]},
        "cost_revenue_and_sharing": "单独核算成本与收入，收益按协议分成",
        "security_and_emergency": "三级等保，数据安全应急预案",
        "rights_and_duties": "见授权运营协议",
        "supervision": "市数据局日常监督，年度审计",
    },
}
TERMS = {"revenue_sharing": "净收入的 20% 上缴授权方", "security_duties": "三级等保；原始数据不出域",
         "exit_conditions": "严重违约或评估不合格", "renewal_conditions": "期满评估合格可续约"}


def _ok(response: httpx.Response) -> dict | list:
    response.raise_for_status()
    return response.json()


def operation_demo(urls: dict[str, str], tokens: Callable[[str, str], str]) -> None:
    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens(user, 'pdr-registry')}"}

    admin, body, price, operator, agency = (auth(u) for u in ("admin", "authority", "price", "operator", "agency"))
    with httpx.Client(base_url=urls["registry"], timeout=30) as c:
        orgs = {name: _ok(c.get("/me", headers=h)) for name, h in (("body", body), ("price", price),
                                                                   ("operator", operator))}
        existing = {(d["org_id"], d["function"]) for d in _ok(c.get("/operation/designations", headers=admin))}
        for key, function in (("body", "implementing_body"), ("price", "price_authority")):
            if (orgs[key]["org"], function) not in existing:
                _ok(c.post("/operation/designations", headers=admin, json={
                    "org_id": orgs[key]["org"], "org_name": orgs[key]["org_name"] or key, "function": function,
                    "region_code": REGION, "basis": "北京市人民政府关于公共数据授权运营的决定（演示）"}))
        plans = [p for p in _ok(c.get("/operation/plans", headers=body)) if p["name"] == PLAN["name"]]
        plan = plans[0] if plans else _ok(c.post("/operation/plans", headers=body, json=PLAN))
        if plan["status"] == "draft":
            plan = _ok(c.post(f"/operation/plans/{plan['id']}/approval", headers=body, json={
                "body": "市政府常务会议", "decided_on": "2025-01-10", "document_no": "京政发〔2025〕1号"}))
        if plan["status"] == "approved":
            plan = _ok(c.post(f"/operation/plans/{plan['id']}/filing", headers=body, json={
                "filed_with": "北京市数据局", "filed_on": "2025-01-20", "filing_no": "京数备〔2025〕1号"}))
        selections = _ok(c.get(f"/operation/plans/{plan['id']}/selections", headers=body))
        selection = selections[0] if selections else _ok(c.post(
            f"/operation/plans/{plan['id']}/selections", headers=body, json={
                "operator_org_id": orgs["operator"]["org"], "operator_org_name": orgs["operator"]["org_name"] or "运营机构",
                "method": "open_tender", "decided_on": "2025-02-01",
                "evidence": [{"title": "中标通知书（演示）", "sha256": "7" * 64}]}))
        resources = [r for r in _ok(c.get("/resources", params={"limit": 200}, headers=agency))["items"]
                     if r["status"] == "registered"]
        products = _ok(c.get("/products", params={"limit": 200}, headers=operator))["items"]
        if not resources or not products:
            print("operation demo: no registered resource yet; plan filed, agreement skipped")
            return
        agreements = _ok(c.get("/operation/agreements", headers=body))
        agreement = agreements[0] if agreements else _ok(c.post("/operation/agreements", headers=body, json={
            "plan_id": plan["id"], "selection_id": selection["id"], "starts_on": "2025-03-01",
            "ends_on": "2028-02-28", "resources": [{"resource_id": resources[0]["id"]}],
            "product_ids": [products[0]["id"]], "terms": TERMS}))
        for state, action, on, extra in (("draft", "sign", "2025-02-20", {}),
                                         ("signed", "file", "2025-02-25", {"document_no": "京数协备〔2025〕3号"}),
                                         ("filed", "activate", "2025-03-01", {})):
            if agreement["status"] == state:
                agreement = _ok(c.post(f"/operation/agreements/{agreement['id']}/transitions", headers=body,
                                       json={"action": action, "on": on, **extra}))
        _pricing(c, admin, body, price, operator, orgs["operator"], products[0]["id"])
    print(f"operation demo: plan {plan['status']}, agreement {agreement['status']}")


def _pricing(c: httpx.Client, admin, body, price, operator, operator_org: dict, product_id: str) -> None:
    years = {y["year"] for y in _ok(c.get("/pricing/treasury-yields", headers=price))}
    for year, value in ((2024, "1.68"), (2025, "1.70")):
        if year not in years:
            _ok(c.post("/pricing/treasury-yields", headers=price, json={
                "year": year, "average_yield": value, "source": "中国债券信息网（演示数值）"}))
    if not _ok(c.get("/pricing/revenue-caps", headers=price)):
        _ok(c.post("/pricing/revenue-caps", headers=price, json={
            "operator_org_id": operator_org["org"], "operator_org_name": operator_org["org_name"] or "运营机构",
            "region_code": REGION, "first_year": 2026, "years": 3, "survey_year": 2025,
            "operating_cost": "12000000.00", "subsidies": "2000000.00", "taxes": "300000.00", "profit_rate": "7.68",
            "basis": "成本监审报告（演示）"}))
    records = _ok(c.get(f"/products/{product_id}/prices"))
    today = china_today().isoformat()
    if not any(r["layer"] == "ceiling" for r in records):
        _ok(c.post(f"/products/{product_id}/ceilings", headers=body, json={
            "billing_unit": "per_call", "unit_price": "0.05", "effective_from": today, "basis": "授权方核定（演示）"}))
    if not any(r["layer"] == "operator" for r in records):
        _ok(c.post(f"/products/{product_id}/prices", headers=operator, json={
            "billing_unit": "per_call", "effective_from": today, "basis": "成本加合理利润（演示）",
            "tiers": [{"up_to": 10000, "unit_price": "0.05"}, {"up_to": 100000, "unit_price": "0.03"},
                      {"up_to": None, "unit_price": "0.02"}]}))
    _ok(c.post("/compliance/sweep", headers=admin, json={}))
