"""Demo data of authorized operation for ``pdr up --demo``, through the registry's HTTP API.

Two regions, three operations, dated so that last year and this year differ:

    Beijing 110000   北京市数据管理局 (authority) implementing body, 北京市发展和改革委员会 (price) price authority
      traffic plan, approved and filed last January; operator selected; agreement in force since 1 March last
      year over the traffic resources of 北京市交通委员会 and two of the operator's products
      ecology plan, approved this January; agreement in force since 1 March this year over the two resources of
      北京市生态环境局 and the operator's forecast product
    Shanghai 310000  上海市数据局 (authority2) implementing body, 上海市发展和改革委员会 (price2) price authority
      whole-authorization plan; agreement with 上海数据集团 in force since 1 July last year over the two
      registered resources of 上海市大数据中心 and both of its products

Afterwards 北京市生态环境局 cancels the registration of its pollution monitoring data (the data went into another
resource) while the ecology agreement still names it: the compliance sweep (pricing_demo) finds a resource in
force in an agreement that is not registered. Idempotent: every record is looked up before it is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from .demo_client import DemoDates, DemoRegistry, Tokens
from .demo_subjects import BEIJING, EVIDENCE, SHANGHAI, SUBJECTS

__all__ = ["CANCELLED", "OPERATIONS", "DemoOperation", "operation_demo", "subject_ids"]

TERMS = {"revenue_sharing": "净收入的 20% 上缴授权方", "security_duties": "三级等保；原始数据不出域",
         "exit_conditions": "严重违约或评估不合格", "renewal_conditions": "期满评估合格可续约"}
CANCELLED = "重点排污单位自动监测数据（演示）"
CANCELLATION_REASON = "排污单位监测数据已并入生态环境综合监测数据资源，本资源不再单独维护"


@dataclass(frozen=True)
class DemoOperation:
    body: str  # account of the implementing body
    operator: str
    plan: dict  # the plan as drafted (PlanIn)
    years_back: int  # 1: the agreement started last year; 0: this year
    starts: tuple[int, int]  # month and day the agreement starts
    term_years: int
    resources: tuple[str, ...]  # names, in demo_subjects
    products: tuple[str, ...]
    papers: dict  # where the plan is filed, and document numbers: approval, filing, agreement filing

    def starts_on(self, dates: DemoDates) -> date:
        return date(dates.year - self.years_back, *self.starts)

    def on(self, dates: DemoDates, days_before_start: int) -> str:
        return (self.starts_on(dates) - timedelta(days=days_before_start)).isoformat()


def _plan(name: str, region: str, authorizer: str, mode: str, scope: str, products: dict) -> dict:
    return {"name": name, "region_code": region, "authorizer_name": authorizer, "mode": mode, "items": {
        "necessity_and_feasibility": "社会需求旺盛，数据质量与安全条件具备",
        "operator_selection_criteria": "公开招标：资质、技术能力、安全保障能力",
        "data_scope": scope,
        "operation_arrangements": "授权期限三年；分阶段实施；年度评估；退出机制；资产归属授权方",
        "planned_products": products,
        "cost_revenue_and_sharing": "单独核算成本与收入，收益按协议分成",
        "security_and_emergency": "三级等保，数据安全应急预案",
        "rights_and_duties": "见授权运营协议",
        "supervision": "数据主管部门日常监督，年度审计",
    }}


OPERATIONS = [
    DemoOperation(
        "authority", "operator",
        _plan("北京市交通数据授权运营实施方案（演示）", BEIJING, "北京市人民政府", "domain",
              "道路交通流量、公交线路站点、停车泊位数据；目录见附件；实时或每日更新；完整率 99%",
              {"public_welfare": ["公众出行服务"], "industry": ["出行热力指数 API"]}),
        1, (3, 1), 3, ("城市道路交通流量数据（演示）", "公交线路与站点数据（演示）", "停车场泊位实时数据（演示）"),
        ("出行热力指数 API（演示）", "公众出行服务（演示）"),
        {"filed_with": "北京市数据局", "approval": "京政发〔{y}〕1号", "filing": "京数备〔{y}〕1号",
         "agreement": "京数协备〔{y}〕3号"}),
    DemoOperation(
        "authority", "operator",
        _plan("北京市生态环境数据授权运营实施方案（演示）", BEIJING, "北京市人民政府", "domain",
              "空气质量监测与重点排污单位监测数据；逐小时或每日更新",
              {"public_welfare": ["空气质量公众提示"], "industry": ["空气质量精细化预报服务"]}),
        0, (3, 1), 2, ("空气质量监测站小时数据（演示）", CANCELLED), ("空气质量精细化预报服务（演示）",),
        {"filed_with": "北京市数据局", "approval": "京政发〔{y}〕7号", "filing": "京数备〔{y}〕2号",
         "agreement": "京数协备〔{y}〕5号"}),
    DemoOperation(
        "authority2", "operator2",
        _plan("上海市公共数据授权运营实施方案（演示）", SHANGHAI, "上海市人民政府", "whole",
              "市场主体登记与空气质量监测数据；目录见附件；每日或实时更新",
              {"public_welfare": ["空气质量健康指数服务"], "industry": ["企业信用评估 API"]}),
        1, (7, 1), 3, ("上海市企业登记信息", "上海市空气质量监测数据"),
        ("企业信用评估 API（演示）", "空气质量健康指数服务（演示）"),
        {"filed_with": "上海市数据局", "approval": "沪府〔{y}〕21号", "filing": "沪数备〔{y}〕4号",
         "agreement": "沪数协备〔{y}〕9号"}),
]
# Who acts for the authorizer in each region (DOMAIN §2): designated by the admin.
DESIGNATIONS = [("authority", "implementing_body", BEIJING), ("price", "price_authority", BEIJING),
                ("authority2", "implementing_body", SHANGHAI), ("price2", "price_authority", SHANGHAI)]
BASIS = {BEIJING: "北京市人民政府关于公共数据授权运营的决定（演示）",
         SHANGHAI: "上海市人民政府关于公共数据授权运营的决定（演示）"}


def subject_ids(api: DemoRegistry) -> dict[str, dict]:
    """Every demo resource and product by name, read from its owner's listing."""
    found: dict[str, dict] = {}
    for owner, plural in sorted({(s.owner, s.kind + "s") for s in SUBJECTS}):
        found.update(api.owned(owner, plural))
    return found


def _designate(api: DemoRegistry) -> None:
    existing = {(d["org_id"], d["function"], d["region_code"]) for d in api.get("admin", "/operation/designations")}
    for account, function, region in DESIGNATIONS:
        org = api.org(account)
        if (org["id"], function, region) not in existing:
            api.post("admin", "/operation/designations", {"org_id": org["id"], "org_name": org["name"],
                                                          "function": function, "region_code": region,
                                                          "basis": BASIS[region]})


def _operate(api: DemoRegistry, op: DemoOperation, dates: DemoDates, subjects: dict[str, dict]) -> dict:
    year = op.starts_on(dates).year
    plans = [p for p in api.get(op.body, "/operation/plans") if p["name"] == op.plan["name"]]
    plan = plans[0] if plans else api.post(op.body, "/operation/plans", op.plan)
    if plan["status"] == "draft":
        plan = api.post(op.body, f"/operation/plans/{plan['id']}/approval", {
            "body": "市政府常务会议", "decided_on": op.on(dates, 50),
            "document_no": op.papers["approval"].format(y=year)})
    if plan["status"] == "approved":
        plan = api.post(op.body, f"/operation/plans/{plan['id']}/filing", {
            "filed_with": op.papers["filed_with"], "filed_on": op.on(dates, 40),
            "filing_no": op.papers["filing"].format(y=year)})
    operator = api.org(op.operator)
    selections = [s for s in api.get(op.body, f"/operation/plans/{plan['id']}/selections")
                  if s["operator_org_id"] == operator["id"]]
    selection = selections[0] if selections else api.post(op.body, f"/operation/plans/{plan['id']}/selections", {
        "operator_org_id": operator["id"], "operator_org_name": operator["name"], "method": "open_tender",
        "decided_on": op.on(dates, 28), "evidence": [{"title": "中标通知书（演示）", "sha256": "7" * 64}]})
    agreements = [a for a in api.get(op.body, "/operation/agreements") if a["plan_id"] == plan["id"]]
    starts = op.starts_on(dates)
    agreement = agreements[0] if agreements else api.post(op.body, "/operation/agreements", {
        "plan_id": plan["id"], "selection_id": selection["id"], "starts_on": starts.isoformat(),
        "ends_on": (date(starts.year + op.term_years, starts.month, starts.day) - timedelta(days=1)).isoformat(),
        "resources": [{"resource_id": subjects[name]["id"]} for name in op.resources],
        "product_ids": [subjects[name]["id"] for name in op.products], "terms": TERMS})
    for state, action, days_before, extra in (
            ("draft", "sign", 9, {}), ("signed", "file", 4, {"document_no": op.papers["agreement"].format(y=year)}),
            ("filed", "activate", 0, {})):
        if agreement["status"] == state:
            agreement = api.post(op.body, f"/operation/agreements/{agreement['id']}/transitions",
                                 {"action": action, "on": op.on(dates, days_before), **extra})
    return agreement


def _cancel(api: DemoRegistry, resource: dict) -> str:
    """The owner cancels the registration of a resource that an agreement in force still names."""
    registrations = [r for r in api.get("agency3", "/registrations", subject_id=resource["id"])["items"]
                     if r["type"] == "cancellation" and r["state"] not in {"withdrawn", "refused"}]
    if not registrations:
        if resource["status"] != "registered":
            return resource["status"]
        registrations = [api.post("agency3", "/registrations", {
            "subject_type": "resource", "subject_id": resource["id"], "type": "cancellation",
            "reason": CANCELLATION_REASON, "attachments": EVIDENCE})]
    registration = registrations[0]
    if registration["state"] == "submitted":
        registration = api.post("registrar", f"/registrations/{registration['id']}/accept")
    if registration["state"] == "under_review":
        registration = api.post("registrar", f"/registrations/{registration['id']}/approve")
    return registration["state"]


def operation_demo(urls: dict[str, str], tokens: Tokens) -> None:
    dates = DemoDates()
    with httpx.Client(base_url=urls["registry"], timeout=30) as client:
        api = DemoRegistry(client, tokens)
        _designate(api)
        subjects = subject_ids(api)
        agreements = [_operate(api, op, dates, subjects) for op in OPERATIONS]
        cancellation = _cancel(api, subjects[CANCELLED])
    print("operation demo: agreements " + ", ".join(f"{a['region_code']} {a['starts_on']} {a['status']}"
                                                    for a in agreements) + f"; cancellation {cancellation}")
