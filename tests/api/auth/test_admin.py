"""Identities over HTTP: only administrators create them; organizations are readable per role."""

from __future__ import annotations

import pytest

from services.kernel.identifiers import with_uscc_check

ROLES = ["authority", "registrar", "agency", "operator", "auditor"]


def org_body(n: int = 1) -> dict:
    return {"name": f"测试单位{n}", "uscc": with_uscc_check(f"12110000MC{n:07d}"), "region_code": "110000",
            "kind": "agency"}


async def test_admin_creates_org_account_and_client(people, auth_client):
    admin = await people.person("admin")
    h = admin.headers_for("pdr-auth")
    org = await auth_client.post("/orgs", json=org_body(), headers=h)
    assert org.status_code == 201, org.text
    account = await auth_client.post("/accounts", headers=h, json={
        "username": "new.officer", "password": "long-enough-pass", "org_id": org.json()["id"], "roles": ["agency"]})
    assert account.status_code == 201 and "password" not in account.text and "hash" not in account.text
    client = await auth_client.post("/clients", headers=h, json={
        "client_id": "city-portal", "name": "City portal", "scopes": ["registry:read"]})
    assert client.status_code == 201 and len(client.json()["client_secret"]) >= 40
    login = await auth_client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                         "client_id": "city-portal",
                                                         "client_secret": client.json()["client_secret"]})
    assert login.status_code == 200


@pytest.mark.parametrize("role", ROLES)
async def test_non_admin_roles_cannot_create_identities(people, auth_client, role):
    person = await people.person(role)
    h = person.headers_for("pdr-auth")
    assert (await auth_client.post("/orgs", json=org_body(), headers=h)).status_code == 403
    assert (await auth_client.post("/clients", headers=h, json={"client_id": "x-portal", "name": "x"})).status_code == 403


async def test_anonymous_and_wrong_audience_tokens_are_401(people, auth_client):
    assert (await auth_client.post("/orgs", json=org_body())).status_code == 401
    admin = await people.person("admin")
    assert (await auth_client.post("/orgs", json=org_body(), headers=admin.headers)).status_code == 401


@pytest.mark.parametrize(("field", "value"), [
    ("uscc", "91350100M000100Y44"),  # wrong check character (…Y43 is valid)
    ("uscc", "short"),
    ("region_code", "990000"),
    ("region_code", "11000"),
    ("kind", "bank"),
])
async def test_invalid_organization_fields_are_422_naming_the_field(people, auth_client, field, value):
    admin = await people.person("admin")
    response = await auth_client.post("/orgs", json={**org_body(), field: value}, headers=admin.headers_for("pdr-auth"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert any(err["field"].endswith(field) for err in response.json()["errors"])


async def test_duplicate_uscc_is_409(people, auth_client):
    admin = await people.person("admin")
    h = admin.headers_for("pdr-auth")
    assert (await auth_client.post("/orgs", json=org_body(7), headers=h)).status_code == 201
    assert (await auth_client.post("/orgs", json=org_body(7), headers=h)).status_code == 409


async def test_people_read_their_own_org_but_not_others(people, auth_client):
    agency = await people.person("agency")
    other = await people.org("agency")
    h = agency.headers_for("pdr-auth")
    assert (await auth_client.get(f"/orgs/{agency.org_id}", headers=h)).status_code == 200
    assert (await auth_client.get(f"/orgs/{other}", headers=h)).status_code == 403
    auditor = await people.person("auditor")
    assert (await auth_client.get(f"/orgs/{other}", headers=auditor.headers_for("pdr-auth"))).status_code == 200


async def test_idempotency_key_retry_creates_one_organization(people, auth_client):
    admin = await people.person("admin")
    h = {**admin.headers_for("pdr-auth"), "Idempotency-Key": "create-org-1"}
    first = await auth_client.post("/orgs", json=org_body(9), headers=h)
    again = await auth_client.post("/orgs", json=org_body(9), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    reused = await auth_client.post("/orgs", json=org_body(10), headers=h)
    assert reused.status_code == 422 and reused.json()["type"].endswith("/idempotency-key-reused")
    listing = await auth_client.get("/orgs", headers=admin.headers_for("pdr-auth"))
    assert sum(1 for o in listing.json() if o["uscc"] == org_body(9)["uscc"]) == 1
