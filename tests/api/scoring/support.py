"""Test doubles and helpers of the scoring API tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["FakeRegistry", "product", "resource", "sync"]


@dataclass
class FakeRegistry:
    """Serves GET /events?after=&limit= (ledger documents) and GET <path>/<id>, like the registry does."""

    paths: dict[str, str]
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False
    feed: bool = True
    fetches: int = 0

    def put(self, kind: str, record: dict[str, Any]) -> None:
        self.records[(kind, record["id"])] = record
        self.events.append({"sequence": len(self.events) + 1, "action": f"{kind}.changed", "subject_type": kind,
                            "subject_id": record["id"], "data": {}})

    def remove(self, kind: str, record_id: str) -> None:
        self.records.pop((kind, record_id), None)
        self.events.append({"sequence": len(self.events) + 1, "action": f"{kind}.deleted", "subject_type": kind,
                            "subject_id": record_id, "data": {}})

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("registry is down", request=request)
        path = request.url.path
        if path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        if path == "/events":
            if not self.feed:
                return httpx.Response(404, json={"title": "Not found"})
            after, limit = int(request.url.params["after"]), int(request.url.params["limit"])
            return httpx.Response(200, json={"items": [e for e in self.events if e["sequence"] > after][:limit]})
        for kind, base in self.paths.items():
            if path == base:
                items = [r for (k, _), r in self.records.items() if k == kind]
                return httpx.Response(200, json={"items": items, "next_cursor": None})
            if path.startswith(base + "/"):
                self.fetches += 1
                record = self.records.get((kind, path[len(base) + 1:]))
                return httpx.Response(200, json=record) if record else httpx.Response(404, json={})
        return httpx.Response(404, json={})


async def sync(scoring_client, callers) -> dict:
    response = await scoring_client.post("/sync", headers=callers["admin"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def resource(rid: str, org: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "org_id": org, "org_name": f"机构{org[-4:]}", "name": f"资源{rid}", "description": "d",
            "data_items": ["a", "b", "c"], "scale": "10k", "update_frequency": "daily", "quality": "good",
            "sharing_attribute": "conditional", "opening_attribute": "conditional", "grading": "general",
            "source": "s", "lawful_basis": "l", "security_assessment": {"done": True}, "region_code": "310115",
            "status": "registered", "created_at": "2025-01-10T00:00:00Z", "updated_at": "2025-01-10T00:00:00Z",
            **extra}


def product(pid: str, org: str, resource_ids: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": pid, "org_id": org, "org_name": f"运营{org[-4:]}", "name": f"产品{pid}", "description": "d",
            "form": "api", "resource_ids": resource_ids, "scenarios": ["credit", "tax"], "use_type": "industry",
            "conditions_of_use": "c", "region_code": "310115", "delivered_at": "2025-02-01", "status": "registered",
            "created_at": "2025-02-01T00:00:00Z", "updated_at": "2025-02-01T00:00:00Z", **extra}
