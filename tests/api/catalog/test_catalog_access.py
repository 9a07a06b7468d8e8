"""Who sees what in the catalog (issue 3 quality bar: every role on every endpoint; DOMAIN §1 Arts. 6, 12, 19).

Search, facets and the DCAT-AP export are public: without login only registered subjects appear. An
organization also finds its own drafts; the registration body and auditors find every entry, as they read every
registration; other roles, and machine clients whatever their scope (a portal holding registry:read), see what
the public sees.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _names(client, headers=None, path="/catalog/search", **params):
    response = await client.get(path, params={"q": "交通", **params}, headers=headers or {})
    assert response.status_code == 200, response.text
    return sorted(h["name"] for h in response.json()["items"])


@pytest.fixture
async def catalog(subjects, cast):
    await subjects.resource(cast["agency"].org_id, "交通登记数据", status="registered")
    await subjects.resource(cast["agency"].org_id, "交通草稿数据", status="draft")
    await subjects.resource(cast["agency2"].org_id, "交通他人草稿", status="draft")
    await subjects.resource("org-z", "交通已注销数据", status="cancelled")


async def test_anonymous_sees_only_registered_subjects(registry_client, catalog):
    assert await _names(registry_client) == ["交通登记数据"]


async def test_an_agency_also_finds_its_own_drafts_but_not_another_agencys(registry_client, catalog, cast):
    assert await _names(registry_client, cast["agency"].headers) == ["交通登记数据", "交通草稿数据"]
    assert await _names(registry_client, cast["agency2"].headers) == ["交通他人草稿", "交通登记数据"]


@pytest.mark.parametrize("role", ["registrar", "auditor"])
async def test_registration_body_and_auditors_find_every_entry(registry_client, catalog, cast, role):
    assert await _names(registry_client, cast[role].headers) == ["交通他人草稿", "交通已注销数据", "交通登记数据",
                                                                  "交通草稿数据"]
    cancelled = await _names(registry_client, cast[role].headers, status="cancelled")
    assert cancelled == ["交通已注销数据"]


@pytest.mark.parametrize("role", ["admin", "authority", "operator"])
async def test_other_roles_see_what_the_public_sees(registry_client, catalog, cast, role):
    assert await _names(registry_client, cast[role].headers) == ["交通登记数据"]


async def test_status_filter_cannot_reveal_other_organizations_drafts(registry_client, catalog, cast):
    assert await _names(registry_client, cast["operator"].headers, status="draft") == []
    assert await _names(registry_client, None, status="draft") == []


async def test_facets_count_only_what_the_caller_may_see(registry_client, catalog, cast):
    public = (await registry_client.get("/catalog/facets", params={"q": "交通"})).json()
    assert public["total"] == 1 and public["status"] == [{"value": "registered", "label": None, "count": 1}]
    registrar = (await registry_client.get("/catalog/facets", params={"q": "交通"},
                                           headers=cast["registrar"].headers)).json()
    assert registrar["total"] == 4


async def test_export_never_includes_drafts_whoever_asks(registry_client, catalog, cast):
    for headers in (None, cast["registrar"].headers, cast["agency"].headers):
        text = (await registry_client.get("/catalog.ttl", headers=headers or {})).text
        assert "交通登记数据" in text and "草稿" not in text and "已注销" not in text


async def test_invalid_token_is_401_even_on_public_endpoints(registry_client):
    response = await registry_client.get("/catalog/search", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
async def machine_headers(auth_client, scoring_machine_client):
    from tests.conftest import SCORING_CLIENT_SECRET

    response = await auth_client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": scoring_machine_client,
        "client_secret": SCORING_CLIENT_SECRET, "audience": "pdr-registry"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_read_scoped_machine_client_finds_only_what_the_public_sees_and_cannot_import(registry_client, catalog,
                                                                                             machine_headers):
    assert await _names(registry_client, machine_headers) == ["交通登记数据"]
    assert await _names(registry_client, machine_headers, status="draft") == []
    facets = (await registry_client.get("/catalog/facets", params={"q": "交通"}, headers=machine_headers)).json()
    assert facets["total"] == 1
    response = await registry_client.post("/catalog/import", headers=machine_headers,
                                          files={"file": ("c.csv", b"name\n", "text/csv")})
    assert response.status_code == 403
