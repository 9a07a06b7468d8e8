"""DCAT-AP import (issue 3): a catalog pre-fills resource drafts of the importing agency."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.registry.registration.models import Resource

pytestmark = pytest.mark.asyncio(loop_scope="session")

CATALOG = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://portal.example/catalog> a dcat:Catalog ; dcat:dataset <http://portal.example/ds/1>, <http://portal.example/ds/2> .
<http://portal.example/ds/1> a dcat:Dataset ;
    dct:title "Air quality"@en, "空气质量监测数据"@zh ;
    dct:description "全市空气质量自动监测站小时数据"@zh ;
    dcat:theme [ a skos:Concept ; skos:prefLabel "生态环境"@zh ] ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/DAILY> ;
    dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
    dct:spatial <http://registry.example/regions/310000> .
<http://portal.example/ds/2> a dcat:Dataset ; dct:description "no title" .
"""


def _upload(text: str, name: str = "catalog.ttl"):
    return {"file": (name, text.encode(), "text/turtle")}


async def test_dcat_datasets_become_prefilled_drafts_of_the_agency(apps, registry_client, cast):
    agency = cast["agency"]
    response = await registry_client.post("/catalog/import/dcat", files=_upload(CATALOG), headers=agency.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["invalid"]) == (1, 1)  # the dataset without a title cannot be a draft
    assert report["errors"][0]["column"] == "name"
    async with apps.registry.state.db.sessions() as session:
        draft = (await session.scalars(select(Resource))).one()
    assert (draft.name, draft.org_id, draft.status) == ("空气质量监测数据", agency.org_id, "draft")
    assert (draft.update_frequency, draft.opening_attribute, draft.domain, draft.region_code) == (
        "daily", "unconditional", "生态环境", "310000")
    assert draft.grading == "" and draft.sharing_attribute == ""  # DCAT cannot say: the owner completes them


async def test_our_own_export_round_trips_into_drafts(apps, registry_client, subjects, cast):
    await subjects.resource("org-x", "城市公共交通客流数据", "地铁和公交每日客流", domain="交通",
                            update_frequency="monthly", opening="conditional", region="310000")
    exported = (await registry_client.get("/catalog.jsonld")).text
    report = (await registry_client.post("/catalog/import/dcat", files=_upload(exported, "c.jsonld"),
                                         headers=cast["agency"].headers)).json()
    assert report["created"] == 1
    async with apps.registry.state.db.sessions() as session:
        draft = (await session.scalars(select(Resource).where(Resource.org_id == cast["agency"].org_id))).one()
    assert (draft.name, draft.update_frequency, draft.opening_attribute) == ("城市公共交通客流数据", "monthly",
                                                                               "conditional")


async def test_malformed_catalog_is_a_problem(registry_client, cast):
    response = await registry_client.post("/catalog/import/dcat", files=_upload("this is not turtle <"),
                                          headers=cast["agency"].headers)
    assert response.status_code == 422 and response.json()["type"].endswith("import-unreadable")


@pytest.mark.parametrize("role", ["operator", "registrar", "auditor"])
async def test_only_an_agency_imports_a_dcat_catalog(registry_client, cast, role):
    response = await registry_client.post("/catalog/import/dcat", files=_upload(CATALOG), headers=cast[role].headers)
    assert response.status_code == 403


async def test_jsonld_with_a_remote_context_is_refused_without_fetching(registry_client, cast):
    document = '{"@context": "http://example.invalid/context.jsonld", "@id": "x"}'
    response = await registry_client.post("/catalog/import/dcat", files=_upload(document, "c.jsonld"),
                                          headers=cast["agency"].headers)
    assert response.status_code == 422 and response.json()["type"].endswith("import-remote-context")
