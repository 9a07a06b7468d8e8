"""Object-level authorization of every registration endpoint, for every kind of caller.

DOMAIN §1: an agency registers its own resources, an operator its own products (Art. 5); joint registrants
see what they share (Art. 7); the registration body decides but never edits materials; registrations are
confidential to the parties, the body and auditors (Arts. 6, 19); anonymous callers reach only public routes,
and a read-scoped machine client (a portal) reads only what the public reads: drafts, registrations and their
materials are 404 to it, as to any other non-party.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest_asyncio

from .conftest import SHA, product_body, resource_body

CALLERS = ("owner", "joint", "other_agency", "owner_operator", "other_operator", "registrar", "auditor", "admin",
           "authority", "anonymous", "read_client", "write_client")


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    resource: dict
    product: dict
    client: object

    async def expect(self, method: str, url: str, expected: dict[str, int], body=None) -> None:
        """Call ``url`` as every caller in ``expected`` and compare the statuses."""
        assert set(expected) <= set(CALLERS)
        seen = {}
        for caller in expected:
            response = await self.client.request(method, url, json=body, headers=self.headers[caller])
            seen[caller] = response.status_code
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
        assert seen == expected


@pytest_asyncio.fixture(loop_scope="session")
async def world(mint, registry_client, clock) -> World:
    owner, joint, operator = mint("agency"), mint("agency"), mint("operator")
    headers = {
        "owner": owner.headers, "joint": joint.headers, "other_agency": mint("agency").headers,
        "owner_operator": operator.headers, "other_operator": mint("operator").headers,
        **{role: mint(role).headers for role in ("registrar", "auditor", "admin", "authority")},
        "anonymous": {},
        "read_client": mint(None, scopes=("registry:read",), client=True).headers,
        "write_client": mint(None, scopes=("registry:write",), client=True).headers,
    }
    response = await registry_client.post("/resources", headers=owner.headers, json=resource_body(
        joint_registrants=[{"org_id": joint.org_id, "org_name": "联合登记单位"}]))
    assert response.status_code == 201, response.text
    resource = response.json()
    response = await registry_client.post("/products", headers=operator.headers,
                                          json=product_body([]))
    assert response.status_code == 201, response.text
    return World(headers, resource, response.json(), registry_client)


READ = {"owner": 200, "joint": 200, "other_agency": 404, "owner_operator": 404, "other_operator": 404,
        "registrar": 200, "auditor": 200, "admin": 404, "authority": 404, "anonymous": 401, "read_client": 404,
        "write_client": 404}


async def test_resource_is_readable_only_by_its_registrants_the_registrar_auditors_and_readers(world):
    await world.expect("GET", f"/resources/{world.resource['id']}", READ)


async def test_product_is_readable_only_by_its_operator_the_registrar_auditors_and_readers(world):
    expected = READ | {"owner": 404, "joint": 404, "owner_operator": 200}
    await world.expect("GET", f"/products/{world.product['id']}", expected)


async def test_only_the_owning_agency_edits_a_draft_resource_and_registrars_never_edit_materials(world):
    expected = {"owner": 200, "joint": 403, "other_agency": 404, "owner_operator": 404, "other_operator": 404,
                "registrar": 403, "auditor": 403, "admin": 404, "authority": 404, "anonymous": 401,
                "read_client": 404, "write_client": 404}
    await world.expect("PATCH", f"/resources/{world.resource['id']}", expected, body={"scale": "2 TB"})


async def test_an_operator_cannot_touch_another_operators_product(world):
    expected = {"owner": 404, "joint": 404, "other_agency": 404, "owner_operator": 200, "other_operator": 404,
                "registrar": 403, "auditor": 403, "admin": 404, "authority": 404, "anonymous": 401,
                "read_client": 404, "write_client": 404}
    await world.expect("PATCH", f"/products/{world.product['id']}", expected, body={"scenarios": ["城市治理"]})


async def test_only_agencies_describe_resources_and_only_operators_products(world):
    resources = dict.fromkeys(CALLERS, 403) | {"owner": 201, "joint": 201, "other_agency": 201, "anonymous": 401}
    await world.expect("POST", "/resources", resources, body=resource_body())
    products = dict.fromkeys(CALLERS, 403) | {"owner_operator": 201, "other_operator": 201, "anonymous": 401}
    await world.expect("POST", "/products", products, body=product_body([]))


async def test_an_agency_cannot_register_another_agencys_resource(world):
    # Only agencies and operators file: any other caller is refused on its role, before the subject is looked up.
    expected = {"owner": 201, "joint": 403, "other_agency": 404, "owner_operator": 404, "other_operator": 404,
                "registrar": 403, "auditor": 403, "admin": 403, "authority": 403, "anonymous": 401,
                "read_client": 403, "write_client": 403}
    body = {"subject_type": "resource", "subject_id": world.resource["id"], "type": "first",
            "attachments": [{"name": "存证.pdf", "sha256": SHA}]}
    await world.expect("POST", "/registrations", expected, body=body)


async def test_an_operator_registers_only_its_own_product(world):
    # Only agencies and operators file: any other caller is refused on its role, before the subject is looked up.
    expected = {"owner": 404, "joint": 404, "other_agency": 404, "owner_operator": 201, "other_operator": 404,
                "registrar": 403, "auditor": 403, "admin": 403, "authority": 403, "anonymous": 401,
                "read_client": 403, "write_client": 403}
    body = {"subject_type": "product", "subject_id": world.product["id"], "type": "first"}
    await world.expect("POST", "/registrations", expected, body=body)


async def _filed(world) -> dict:
    response = await world.client.post("/registrations", headers=world.headers["owner"], json={
        "subject_type": "resource", "subject_id": world.resource["id"], "type": "first"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_registration_is_confidential_to_parties_registrar_and_auditors(world):
    registration = await _filed(world)
    await world.expect("GET", f"/registrations/{registration['id']}", READ)
    await world.expect("GET", f"/registrations/{registration['id']}/objections", READ)


async def test_only_the_registration_body_accepts_returns_refuses_and_approves(world):
    registration = await _filed(world)
    denied = {c: 403 for c in CALLERS if c != "registrar"} | {"anonymous": 401}
    for action, body in (("accept", None), ("return", {"missing_items": [{"item": "存证记录"}]}),
                         ("refuse", {"reasons": ["材料不全"]}), ("approve", {}), ("revoke", {"reason": "虚假材料"}),
                         ("close-notice", None)):
        await world.expect("POST", f"/registrations/{registration['id']}/{action}", denied, body=body)
    accepted = await world.client.post(f"/registrations/{registration['id']}/accept",
                                       headers=world.headers["registrar"])
    assert accepted.status_code == 200 and accepted.json()["state"] == "under_review"


async def test_registrar_cannot_resubmit_or_withdraw_a_registrants_materials(world):
    registration = await _filed(world)
    returned = await world.client.post(f"/registrations/{registration['id']}/return",
                                       headers=world.headers["registrar"], json={"missing_items": [{"item": "来源"}]})
    assert returned.status_code == 200
    expected = {"owner": 200, "joint": 403, "other_agency": 404, "owner_operator": 404, "other_operator": 404,
                "registrar": 403, "auditor": 403, "admin": 404, "authority": 404, "anonymous": 401,
                "read_client": 404, "write_client": 404}
    await world.expect("POST", f"/registrations/{registration['id']}/resubmit", expected,
                       body={"attachments": [{"name": "来源说明.pdf", "sha256": SHA}]})


async def test_registration_listing_shows_each_organization_only_its_own(world):
    await _filed(world)
    seen = {}
    for caller in CALLERS:
        response = await world.client.get("/registrations", headers=world.headers[caller])
        seen[caller] = response.status_code if response.status_code != 200 else len(response.json()["items"])
    assert seen == {"owner": 1, "joint": 0, "other_agency": 0, "owner_operator": 0, "other_operator": 0,
                    "registrar": 1, "auditor": 1, "admin": 0, "authority": 0, "anonymous": 401, "read_client": 403,
                    "write_client": 403}


async def test_public_routes_answer_everyone_including_anonymous(world):
    everyone = dict.fromkeys(CALLERS, 200)
    await world.expect("GET", "/public/notices", everyone)
    await world.expect("GET", "/public/codes/PDR2026R11000000000001O", dict.fromkeys(CALLERS, 404))


async def test_only_an_administrator_loads_holiday_data(world):
    expected = dict.fromkeys(CALLERS, 403) | {"admin": 200, "anonymous": 401}
    await world.expect("PUT", "/calendar/2031", expected, body={"source": "国务院办公厅通知", "days": []})


async def _registered(world) -> dict:
    registration = await _filed(world)
    registrar = world.headers["registrar"]
    for action in ("accept", "approve"):
        response = await world.client.post(f"/registrations/{registration['id']}/{action}", headers=registrar,
                                           json={})
        assert response.status_code == 200, response.text
    return response.json()


async def test_versions_diffs_and_certificates_follow_the_read_rules(world, clock):
    from datetime import date, timedelta

    noticed = await _registered(world)
    clock.set(date.fromisoformat(noticed["deadlines"]["notice_ends_on"]) + timedelta(days=1))
    closed = await world.client.post(f"/registrations/{noticed['id']}/close-notice",
                                     headers=world.headers["registrar"])
    assert closed.status_code == 200
    rid = world.resource["id"]
    await world.expect("GET", f"/resources/{rid}/versions", READ)
    await world.expect("GET", f"/resources/{rid}/diff?from=1&to=1", READ)
    await world.expect("GET", f"/registrations/{noticed['id']}/certificate", READ)
    pid = world.product["id"]
    await world.expect("GET", f"/products/{pid}/versions", READ | {"owner": 404, "joint": 404,
                                                                   "owner_operator": 200})


async def test_only_the_registration_body_decides_objections(world):
    noticed = await _registered(world)
    response = await world.client.post(f"/public/notices/{noticed['id']}/objections", json={
        "objector_name": "李四", "objector_id_number": "110101198001010017", "contact": "lisi@example.cn",
        "grounds": "来源不实", "evidence": [{"name": "证据.pdf", "sha256": SHA}]})
    assert response.status_code == 201
    objection = response.json()["id"]
    denied = {c: 403 for c in CALLERS if c != "registrar"} | {"anonymous": 401}
    for decision in ("uphold", "dismiss"):
        await world.expect("POST", f"/objections/{objection}/{decision}", denied, body={"reason": "x"})
    await world.expect("POST", f"/objections/{objection}/dismiss", {"registrar": 200}, body={"reason": "证据不足"})
    await world.expect("POST", "/registrations/sweep", denied)


async def test_only_the_owner_withdraws_and_everyone_logged_in_reads_the_calendar(world):
    registration = await _filed(world)
    expected = {"owner": 200, "joint": 403, "other_agency": 404, "owner_operator": 404, "other_operator": 404,
                "registrar": 403, "auditor": 403, "admin": 404, "authority": 404, "anonymous": 401,
                "read_client": 404, "write_client": 404}
    await world.expect("POST", f"/registrations/{registration['id']}/withdraw", expected)
    await world.expect("GET", "/calendar/2026", dict.fromkeys(CALLERS, 200) | {"anonymous": 401})


async def test_lists_of_subjects_show_each_organization_its_own(world):
    seen = {}
    for caller in CALLERS:
        response = await world.client.get("/resources", headers=world.headers[caller])
        seen[caller] = response.status_code if response.status_code != 200 else len(response.json()["items"])
    assert seen == {"owner": 1, "joint": 0, "other_agency": 0, "owner_operator": 0, "other_operator": 0,
                    "registrar": 1, "auditor": 1, "admin": 0, "authority": 0, "anonymous": 401, "read_client": 0,
                    "write_client": 0}
