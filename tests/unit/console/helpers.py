"""Registry calls that set the scene for console tests (the console itself is what is under test)."""

from __future__ import annotations

from datetime import date, timedelta

from services.console.cookie_session import SessionCodec
from services.kernel.timeutil import china_today
from services.registry.registration.deps import registration_today

from .conftest import SESSION_SECRET

SHA = "cd" * 32


def product_body(name: str = "出行热力指数", **over) -> dict:
    return {"name": name, "description": "按小时发布的道路拥堵热力指数", "form": "api", "use_type": "industry",
            "region_code": "110000", "scenarios": ["物流路径规划"], **over}


async def filed_product(registry_client, owner, name: str = "出行热力指数") -> tuple[dict, dict]:
    product = (await registry_client.post("/products", json=product_body(name), headers=owner.headers)).json()
    filed = await registry_client.post("/registrations", headers=owner.headers, json={
        "subject_type": "product", "subject_id": product["id"], "type": "first",
        "attachments": [{"name": "存证.pdf", "sha256": SHA}]})
    assert filed.status_code == 201, filed.text
    return product, filed.json()


async def in_notice(registry_client, owner, registrar, name: str = "出行热力指数") -> dict:
    _, registration = await filed_product(registry_client, owner, name)
    for action in ("accept", "approve"):
        answer = await registry_client.post(f"/registrations/{registration['id']}/{action}",
                                            json={} if action == "approve" else None, headers=registrar.headers)
        assert answer.status_code == 200, answer.text
    return answer.json()


async def registered(apps, registry_client, owner, registrar, name: str = "出行热力指数") -> dict:
    """A product registration walked to its code; the notice end is passed with the registry's clock."""
    registration = await in_notice(registry_client, owner, registrar, name)
    after = date.fromisoformat(registration["deadlines"]["notice_ends_on"]) + timedelta(days=1)

    async def later() -> date:
        return after

    apps.registry.dependency_overrides[registration_today] = later
    try:
        closed = await registry_client.post(f"/registrations/{registration['id']}/close-notice",
                                            headers=registrar.headers)
    finally:
        apps.registry.dependency_overrides.pop(registration_today, None)
    assert closed.status_code == 200, closed.text
    return closed.json()


def on_day(apps, day: date) -> None:
    async def fixed() -> date:
        return day

    apps.registry.dependency_overrides[registration_today] = fixed


def today() -> date:
    return china_today()


def session_of(client) -> dict:
    """The console's session cookie, decrypted with the tests' session secret (nobody else can read it)."""
    raw = client.cookies.get("pdr_console")
    if raw is None:
        return {}
    return SessionCodec(SESSION_SECRET, 3600).loads(raw) or {}
