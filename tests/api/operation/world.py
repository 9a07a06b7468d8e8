"""A small world of authorized operation for API tests: designations, a filed plan, a selected operator,
registered resources and products, and helpers to walk an agreement through its states.

Resources and products are inserted straight into the registration tables (their workflow is tested
elsewhere); everything of authorized operation goes through the HTTP API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.kernel.timeutil import china_today
from services.registry.registration.models import Product, Resource

REGION = "110000"

PLAN_ITEMS = {
    "necessity_and_feasibility": "交通数据需求旺盛，具备条件",
    "operator_selection_criteria": "公开招标，资质与安全能力",
    "data_scope": "公交到站、路况；目录见附件；每日更新；质量达标",
    "operation_arrangements": "五年；分阶段；年度评估；退出机制；资产归属授权方",
    "planned_products": {"public_welfare": ["出行服务"], "industry": ["物流路径API"]},
    "cost_revenue_and_sharing": "单独核算，收益按比例分成",
    "security_and_emergency": "分级保护，应急预案",
    "rights_and_duties": "各方权利义务见协议",
    "supervision": "数据主管部门监督",
}

TERMS = {"revenue_sharing": "30% to the authorizer", "security_duties": "grade-3 protection",
         "exit_conditions": "breach or end of term", "renewal_conditions": "evaluation passed"}


async def insert_resource(apps, org_id: str, *, status: str = "registered", name: str = "公交到站数据") -> str:
    async with apps.registry.state.db.sessions.begin() as session:
        row = Resource(org_id=org_id, org_name="交通委", name=name, sharing_attribute="conditional",
                       opening_attribute="conditional", grading="general", region_code=REGION, status=status)
        session.add(row)
    return row.id


async def insert_product(apps, operator_org: str, *, use_type: str = "industry", status: str = "registered",
                         delivered_at: date | None = None, name: str = "物流路径API") -> str:
    async with apps.registry.state.db.sessions.begin() as session:
        row = Product(org_id=operator_org, org_name="运营公司", name=name, form="api", use_type=use_type,
                      status=status, region_code=REGION, delivered_at=delivered_at)
        session.add(row)
    return row.id


async def set_status(apps, model, row_id: str, **values) -> None:
    async with apps.registry.state.db.sessions.begin() as session:
        row = await session.get(model, row_id)
        for k, v in values.items():
            setattr(row, k, v)


@dataclass
class World:
    client: object
    apps: object
    admin: object
    body: object  # the implementing body (role authority, designated)
    operator: object
    agency: object  # the unit holding the resources
    price: object  # the price authority (role authority, designated)
    resource_id: str = ""
    product_id: str = ""
    plan_id: str = ""
    selection_id: str = ""
    extra: dict = field(default_factory=dict)

    async def post(self, who, path, json, status=None):
        r = await self.client.post(path, json=json, headers=who.headers)
        if status is not None:
            assert r.status_code == status, r.text
        return r

    async def designate(self, org_id: str, function: str, region: str = REGION):
        return await self.post(self.admin, "/operation/designations", {
            "org_id": org_id, "org_name": "机构", "function": function, "region_code": region,
            "basis": "市政府关于授权运营的决定"}, 201)

    async def new_plan(self) -> dict:
        r = await self.post(self.body, "/operation/plans", {"name": "交通数据授权运营实施方案", "region_code": REGION,
                                                            "authorizer_name": "北京市人民政府", "mode": "domain",
                                                            "items": PLAN_ITEMS}, 201)
        return r.json()

    async def approve_and_file(self, plan_id: str, approved: str = "2025-01-10", filed: str = "2025-01-20"):
        await self.post(self.body, f"/operation/plans/{plan_id}/approval", {
            "body": "市政府常务会议", "decided_on": approved, "document_no": "京政发〔2025〕1号"}, 200)
        await self.post(self.body, f"/operation/plans/{plan_id}/filing", {
            "filed_with": "北京市数据局", "filed_on": filed, "filing_no": "京数备〔2025〕1号"}, 200)

    async def select(self, plan_id: str, operator_org: str) -> str:
        r = await self.post(self.body, f"/operation/plans/{plan_id}/selections", {
            "operator_org_id": operator_org, "operator_org_name": "运营公司", "method": "open_tender",
            "decided_on": "2025-02-01", "evidence": [{"title": "中标通知书", "sha256": "a" * 64}]}, 201)
        return r.json()["id"]

    def agreement_body(self, **over) -> dict:
        body = {"plan_id": self.plan_id, "selection_id": self.selection_id, "starts_on": "2025-03-01",
                "ends_on": "2028-02-28", "resources": [{"resource_id": self.resource_id}],
                "product_ids": [self.product_id], "terms": TERMS}
        body.update(over)
        return body

    async def agreement(self, status: str = "active", **over) -> dict:
        r = await self.post(self.body, "/operation/agreements", self.agreement_body(**over), 201)
        agreement = r.json()
        steps = {"signed": ["sign"], "filed": ["sign", "file"], "active": ["sign", "file", "activate"]}.get(status, [])
        for action in steps:
            agreement = await self.transition(agreement["id"], action)
        return agreement

    async def transition(self, agreement_id: str, action: str, on: str | None = None, **extra) -> dict:
        on = on or {"sign": "2025-02-20", "file": "2025-02-25", "activate": "2025-03-01"}.get(
            action, str(china_today()))
        body = {"action": action, "on": on, **extra}
        if action == "file":
            body.setdefault("document_no", "京数协备〔2025〕3号")
        r = await self.post(self.body, f"/operation/agreements/{agreement_id}/transitions", body, 200)
        return r.json()


async def build_world(registry_client, people, apps, *, with_agreement: bool = False) -> World:
    admin = await people.person("admin")
    body = await people.person("authority")
    price = await people.person("authority", org_id=await people.org(kind="price_authority"))
    operator = await people.person("operator")
    agency = await people.person("agency")
    w = World(registry_client, apps, admin, body, operator, agency, price)
    await w.designate(body.org_id, "implementing_body")
    await w.designate(price.org_id, "price_authority")
    w.resource_id = await insert_resource(apps, agency.org_id)
    w.product_id = await insert_product(apps, operator.org_id)
    plan = await w.new_plan()
    w.plan_id = plan["id"]
    await w.approve_and_file(w.plan_id)
    w.selection_id = await w.select(w.plan_id, operator.org_id)
    if with_agreement:
        w.extra["agreement"] = await w.agreement()
    return w
