"""The catalog follows the registration workflow end to end (issue 3): a draft described through the
registration API is found by its owner only; once the registration is coded (DOMAIN §1, Art. 13) anyone
finds it, and the DCAT-AP export carries its registration query code."""

from __future__ import annotations

import pytest
import pytest_asyncio
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from services.registry.registration.deps import registration_today
from tests.api.registration.conftest import Clock, Flow, Mint

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def flow(apps, registry_client):
    clock = Clock()

    async def today():
        return clock.today

    apps.registry.dependency_overrides[registration_today] = today
    yield Flow(registry_client, clock)
    apps.registry.dependency_overrides.pop(registration_today, None)


async def _search(client, headers=None, **params):
    response = await client.get("/catalog/search", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_described_resource_is_searchable_by_its_owner_and_public_once_registered(apps, registry_client,
                                                                                           flow):
    mint = Mint(apps.auth)
    agency, registrar = mint("agency", org_name="北京市交通委员会"), mint("registrar")
    resource = await flow.resource(agency, name="城市道路卡口流量数据", description="全市卡口过车记录")
    assert await _search(registry_client, q="卡口") == []
    [draft] = await _search(registry_client, agency.headers, q="卡口")
    assert (draft["id"], draft["status"]) == (resource["id"], "draft")

    registration = await flow.file(agency, resource["id"])
    coded = await flow.register(registrar, registration["id"])
    assert coded["query_code"]

    [public] = await _search(registry_client, q="卡口")
    assert (public["id"], public["status"], public["org_name"]) == (resource["id"], "registered", "北京市交通委员会")
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    node = URIRef(f"http://registry.test/catalog/resources/{resource['id']}")
    assert (node, DCTERMS.identifier, Literal(coded["query_code"])) in data
