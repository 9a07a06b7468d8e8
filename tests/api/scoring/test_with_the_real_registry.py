"""Scoring against the real (in-process) registry: its REST API and its ledger change feed, read over HTTP with
the scoring service's own machine client (client_credentials, registry:read registry:feed)."""

from services.registry.registration.models import Resource
from tests.api.operation.world import set_status

RESOURCE = {
    "name": "城市交通流量数据", "description": "全市主要道路实时交通流量",
    "data_items": [{"name": "road_id", "type": "string"}, {"name": "flow", "type": "integer"}],
    "scale": "1.2 TB", "update_frequency": "realtime", "quality": "完整性 99%", "sharing_attribute": "conditional",
    "opening_attribute": "conditional", "grading": "general", "domain": "交通", "region_code": "310000",
    "source": "交通管理部门卡口采集", "lawful_basis": "《道路交通安全法》",
    "security_assessment": {"risk_level": "low", "summary": "脱敏后风险低"},
}


async def test_registry_changes_reach_scores_through_the_feed(apps, registry_client, scoring_client,
                                                               scoring_machine_client, people):
    agency = await people.person("agency", region="310000")
    operator = await people.person("operator", region="310000")
    admin = await people.person("admin")
    created = await registry_client.post("/resources", json=RESOURCE, headers=agency.headers)
    assert created.status_code == 201, created.text
    resource_id = created.json()["id"]
    # A product cites resources its operator may know of: registered ones (another agency's draft is unknown).
    await set_status(apps, Resource, resource_id, status="registered")
    product = await registry_client.post("/products", headers=operator.headers, json={
        "name": "出行热力 API", "description": "按小时的道路拥堵指数", "form": "api", "resource_ids": [resource_id],
        "scenarios": ["物流路径规划", "保险定价"], "use_type": "industry", "conditions_of_use": "仅限签约用户",
        "region_code": "310000"})
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]

    synced = await scoring_client.post("/sync", headers=admin.headers_for("pdr-scoring"))
    assert synced.status_code == 200, synced.text
    assert synced.json()["mode"] == "feed" and synced.json()["stale"] is False and synced.json()["cursor"] >= 2

    score = await scoring_client.get(f"/value-scores/product/{product_id}", headers=operator.headers_for("pdr-scoring"))
    assert score.status_code == 200, score.text
    assert score.json()["breadth"]["count"] == 2 and score.json()["quality"]["conformity"] < 1  # still a draft
    resource_score = await scoring_client.get(f"/value-scores/resource/{resource_id}",
                                              headers=agency.headers_for("pdr-scoring"))
    assert resource_score.status_code == 200 and resource_score.json()["breadth"]["count"] == 1

    edited = await registry_client.patch(f"/products/{product_id}", headers=operator.headers,
                                         json={"scenarios": ["物流路径规划", "保险定价", "城市规划"]})
    assert edited.status_code == 200, edited.text
    before = synced.json()["cursor"]
    again = (await scoring_client.post("/sync", headers=admin.headers_for("pdr-scoring"))).json()
    assert again["cursor"] > before
    rescored = await scoring_client.get(f"/value-scores/product/{product_id}",
                                        headers=operator.headers_for("pdr-scoring"))
    assert rescored.json()["breadth"]["count"] == 3
