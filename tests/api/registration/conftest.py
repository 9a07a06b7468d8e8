"""Registration test helpers: a movable clock and a walk through the workflow by real HTTP calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest_asyncio

from services.kernel.timeutil import china_today, new_id
from services.registry.registration.deps import registration_today

SHA = "ab" * 32


class Clock:
    """The registry's idea of today's date in China, moved by tests (notice periods, expiry, lateness)."""

    def __init__(self) -> None:
        self.today = china_today()

    def advance(self, days: int) -> date:
        self.today += timedelta(days=days)
        return self.today

    def set(self, day: date) -> None:
        self.today = day


@pytest_asyncio.fixture(loop_scope="session")
async def clock(apps):
    clock = Clock()

    async def today() -> date:
        return clock.today

    apps.registry.dependency_overrides[registration_today] = today
    yield clock
    apps.registry.dependency_overrides.pop(registration_today, None)


def resource_body(**over) -> dict:
    body = {
        "name": "城市交通流量数据", "description": "全市主要道路实时交通流量，企业出行规划使用",
        "data_items": [{"name": "road_id", "type": "string"}, {"name": "flow", "type": "integer"}],
        "scale": "1.2 TB", "update_frequency": "realtime", "quality": "完整性 99%",
        "sharing_attribute": "conditional", "opening_attribute": "conditional", "grading": "general",
        "domain": "交通", "region_code": "110000", "source": "交通管理部门卡口采集",
        "lawful_basis": "《道路交通安全法》", "security_assessment": {"risk_level": "low", "summary": "脱敏后风险低"},
    }
    return body | over


def product_body(resource_ids: list[str], **over) -> dict:
    body = {"name": "出行热力 API", "description": "按小时的道路拥堵指数", "form": "api", "resource_ids": resource_ids,
            "scenarios": ["物流路径规划"], "use_type": "industry", "conditions_of_use": "仅限签约用户",
            "region_code": "110000"}
    return body | over


@dataclass
class Identity:
    role: str
    org_id: str | None
    headers: dict[str, str]


class Mint:
    """Real ES256 access tokens from the in-process auth service's active key, without an account.

    The registry only verifies tokens against the auth JWKS, so a token with the claims auth issues to a
    person (or a machine client) is that caller. This skips argon2 and three token requests per identity,
    which keeps role-matrix tests fast; ``people`` still covers the real login path.
    """

    def __init__(self, auth_app) -> None:
        self.auth = auth_app

    def __call__(self, role: str | None, org_id: str | None = None, *, scopes: tuple[str, ...] = (),
                 client: bool = False, org_name: str | None = None) -> Identity:
        org_id = org_id or (None if client else new_id())
        claims = {"aud": "pdr-registry", "sub": f"client:{new_id()}" if client else new_id(),
                  "typ": "client" if client else "user", "org": org_id,
                  "org_name": org_name or (f"机构{org_id[-6:]}" if org_id else None),
                  "roles": [] if client else [role], "scope": " ".join(scopes), "region": "110000"}
        token, _ = self.auth.state.tokens._access_token(self.auth.state.keyring, claims)
        return Identity(role or "client", org_id, {"Authorization": f"Bearer {token}"})


@pytest_asyncio.fixture(loop_scope="session")
async def mint(apps) -> Mint:
    return Mint(apps.auth)


@dataclass
class Flow:
    client: object
    clock: Clock

    async def resource(self, agency, **over) -> dict:
        response = await self.client.post("/resources", json=resource_body(**over), headers=agency.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def product(self, operator, resource_ids: list[str], **over) -> dict:
        response = await self.client.post("/products", json=product_body(resource_ids, **over),
                                          headers=operator.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def file(self, person, subject_id: str, subject_type: str = "resource", type: str = "first",
                   **body) -> dict:
        payload = {"subject_type": subject_type, "subject_id": subject_id, "type": type,
                   "attachments": [{"name": "存证记录.pdf", "sha256": SHA}]} | body
        response = await self.client.post("/registrations", json=payload, headers=person.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def act(self, person, registration_id: str, action: str, body: dict | None = None,
                  expect: int = 200) -> dict:
        response = await self.client.post(f"/registrations/{registration_id}/{action}", json=body or {},
                                          headers=person.headers)
        assert response.status_code == expect, response.text
        return response.json()

    async def to_notice(self, registrar, registration_id: str) -> dict:
        await self.act(registrar, registration_id, "accept")
        return await self.act(registrar, registration_id, "approve")

    async def register(self, registrar, registration_id: str) -> dict:
        """Accept, pass review, let the notice end, close it: the registration gets its code."""
        noticed = await self.to_notice(registrar, registration_id)
        if noticed["state"] != "in_notice":
            return noticed
        return await self.close(registrar, noticed)

    async def close(self, registrar, noticed: dict) -> dict:
        """Move the clock past the notice period and close it."""
        registration_id = noticed["id"]
        self.clock.set(date.fromisoformat(noticed["deadlines"]["notice_ends_on"]) + timedelta(days=1))
        return await self.act(registrar, registration_id, "close-notice")

    async def registered_resource(self, agency, registrar, **over) -> tuple[dict, dict]:
        resource = await self.resource(agency, **over)
        registration = await self.file(agency, resource["id"])
        return resource, await self.register(registrar, registration["id"])


@pytest_asyncio.fixture(loop_scope="session")
async def flow(registry_client, clock) -> Flow:
    return Flow(registry_client, clock)
