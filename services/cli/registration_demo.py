"""Demo data of registration for ``pdr up --demo``: resources, a product, one registration walked to its code.

Idempotent: everything is found by name first, and each registration step is taken only from the state that
needs it. The notice period (10 working days) is passed by naming the date in ``X-PDR-Demo-Date``, which the
registry honours only when it runs in demo mode.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import httpx

__all__ = ["registration_demo"]

RESOURCES = [
    {"name": "城市道路交通流量数据（演示）", "description": "全市主要道路分钟级交通流量与拥堵指数",
     "data_items": [{"name": "road_id"}, {"name": "flow", "type": "integer"}, {"name": "speed", "type": "number"}],
     "scale": "1.2 TB", "update_frequency": "realtime", "quality": "完整率 99.2%",
     "sharing_attribute": "conditional", "opening_attribute": "conditional", "grading": "general",
     "domain": "交通", "region_code": "110000", "source": "交通管理部门道路卡口采集",
     "lawful_basis": "《中华人民共和国道路交通安全法》", "security_assessment": {"risk_level": "low",
                                                                        "summary": "已脱敏，无个人信息"}},
    {"name": "企业登记基础信息（演示）", "description": "市场主体登记的公开基础信息",
     "data_items": [{"name": "uscc"}, {"name": "name"}, {"name": "registered_on", "type": "date"}],
     "scale": "320 万条", "update_frequency": "daily", "quality": "与登记系统日同步",
     "sharing_attribute": "unconditional", "opening_attribute": "conditional", "grading": "general",
     "domain": "市场监管", "region_code": "110000", "source": "市场监管部门登记系统",
     "lawful_basis": "《市场主体登记管理条例》", "security_assessment": {"risk_level": "low"}},
]
PRODUCT = {"name": "出行热力指数 API（演示）", "description": "按小时发布的道路拥堵热力指数", "form": "api",
           "scenarios": ["物流路径规划", "城市交通治理"], "use_type": "industry",
           "conditions_of_use": "签署授权运营服务协议后调用", "region_code": "110000"}
EVIDENCE = [{"name": "存证记录.pdf", "sha256": "5" * 64, "description": "内部业务审核及存证"}]


def _find_or_create(client: httpx.Client, path: str, headers: dict, body: dict) -> dict:
    listed = client.get(path, params={"limit": 200}, headers=headers)
    listed.raise_for_status()
    for item in listed.json()["items"]:
        if item["name"] == body["name"]:
            return item
    created = client.post(path, json=body, headers=headers)
    created.raise_for_status()
    return created.json()


def _registration(client: httpx.Client, headers: dict, subject_type: str, subject_id: str) -> dict:
    listed = client.get("/registrations", params={"subject_id": subject_id}, headers=headers)
    listed.raise_for_status()
    live = [r for r in listed.json()["items"] if r["state"] not in {"withdrawn", "refused", "terminated"}]
    if live:
        return live[0]
    filed = client.post("/registrations", headers=headers, json={
        "subject_type": subject_type, "subject_id": subject_id, "type": "first", "attachments": EVIDENCE})
    filed.raise_for_status()
    return filed.json()


def _walk(client: httpx.Client, registrar: dict, registration: dict, *, to_code: bool) -> dict:
    rid = registration["id"]
    for state, action in (("submitted", "accept"), ("under_review", "approve")):
        if registration["state"] == state:
            response = client.post(f"/registrations/{rid}/{action}", json={}, headers=registrar)
            response.raise_for_status()
            registration = response.json()
    if to_code and registration["state"] == "in_notice":
        after = date.fromisoformat(registration["deadlines"]["notice_ends_on"]) + timedelta(days=1)
        response = client.post(f"/registrations/{rid}/close-notice", headers=registrar | {
            "X-PDR-Demo-Date": after.isoformat()})
        response.raise_for_status()
        registration = response.json()
    return registration


def registration_demo(urls: dict[str, str], tokens: Callable[[str, str], str]) -> None:
    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens(user, 'pdr-registry')}"}

    agency, operator, registrar = auth("agency"), auth("operator"), auth("registrar")
    with httpx.Client(base_url=urls["registry"], timeout=30) as client:
        resources = [_find_or_create(client, "/resources", agency, body) for body in RESOURCES]
        product = _find_or_create(client, "/products", operator,
                                  PRODUCT | {"resource_ids": [resources[0]["id"]],
                                             "delivered_at": date.today().isoformat()})
        coded = _walk(client, registrar, _registration(client, agency, "resource", resources[0]["id"]),
                      to_code=True)
        # The second resource and the product stay in public notice, so the public page has something.
        _walk(client, registrar, _registration(client, agency, "resource", resources[1]["id"]), to_code=False)
        _walk(client, registrar, _registration(client, operator, "product", product["id"]), to_code=False)
        print(f"registration demo: {resources[0]['name']} → {coded['state']} {coded.get('query_code') or ''}")
