"""DCAT-AP 3.0.0 export (issue 3): GET /catalog.jsonld and /catalog.ttl conform to the DCAT-AP SHACL shapes.

The shapes are SEMIC's, vendored unchanged in tests/conformance/dcat-ap-3.0.0 (see its NOTICE.md and
SHA256SUMS), so a clone of the repository alone runs the test against exactly what the conformance suite holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from services.registry.registration.models import IssuedCode

pytestmark = pytest.mark.asyncio(loop_scope="session")

SHAPES_DIR = Path(__file__).resolve().parents[2] / "conformance" / "dcat-ap-3.0.0"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        graph.parse(SHAPES_DIR / name, format="turtle")
    return graph


@pytest.fixture(scope="module")
def full_shapes() -> Graph:
    return Graph().parse(SHAPES_DIR / "dcat-ap-SHACL.ttl", format="turtle")


def _conforms(data: Graph, shapes: Graph) -> None:
    conforms, _, report = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert conforms, report


async def _seed(apps, subjects):
    resource = await subjects.resource("org-a", "城市公共交通客流数据", "地铁和公交每日客流", domain="交通",
                                       update_frequency="daily", opening="conditional", region="310000")
    await subjects.product("org-b", "出行指数API", "基于客流的出行指数", form="api")
    await subjects.resource("org-a", "未登记草稿", status="draft")
    async with apps.registry.state.db.sessions.begin() as session:
        session.add(IssuedCode(code="PDR-2026-000001-X", registration_id="r1", subject_type="resource",
                               subject_id=resource.id))
    return resource


async def test_turtle_export_conforms_to_dcat_ap_shapes(apps, registry_client, subjects, shapes, full_shapes):
    await _seed(apps, subjects)
    response = await registry_client.get("/catalog.ttl")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    data = Graph().parse(data=response.text, format="turtle")
    _conforms(data, shapes)
    _conforms(data, full_shapes)


async def test_jsonld_export_conforms_and_carries_chinese_tagged_zh(apps, registry_client, subjects, shapes):
    resource = await _seed(apps, subjects)
    response = await registry_client.get("/catalog.jsonld")
    assert response.status_code == 200 and response.headers["content-type"] == "application/ld+json"
    data = Graph().parse(data=response.text, format="json-ld")
    _conforms(data, shapes)
    node = URIRef(f"http://registry.test/catalog/resources/{resource.id}")
    assert (node, DCTERMS.title, Literal("城市公共交通客流数据", lang="zh")) in data
    assert (node, DCTERMS.identifier, Literal("PDR-2026-000001-X")) in data
    assert (node, DCTERMS.accrualPeriodicity,
            URIRef("http://publications.europa.eu/resource/authority/frequency/DAILY")) in data


async def test_export_lists_only_registered_subjects_without_login(apps, registry_client, subjects):
    await _seed(apps, subjects)
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    titles = {str(data.value(ds, DCTERMS.title)) for ds in data.subjects(RDF.type, DCAT.Dataset)}
    assert titles == {"城市公共交通客流数据", "出行指数API"}


async def test_export_conforms_when_the_catalog_is_empty(registry_client, shapes):
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    _conforms(data, shapes)


async def test_shapes_reject_a_dataset_without_description(apps, registry_client, subjects, shapes):
    """The conformance check can fail: the same export minus a mandatory property does not conform."""
    await _seed(apps, subjects)
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    data.remove((None, DCTERMS.description, None))
    conforms, _, _ = validate(data, shacl_graph=shapes, inference="none")
    assert not conforms


async def test_export_pages_follow_link_next_and_each_page_conforms(registry_client, subjects, shapes):
    for i in range(5):
        await subjects.resource("org-a", f"分页数据{i}", "说明")
    seen, url, pages = set(), "/catalog.ttl?limit=2", 0
    while url:
        response = await registry_client.get(url)
        assert response.status_code == 200
        data = Graph().parse(data=response.text, format="turtle")
        _conforms(data, shapes)
        seen |= {str(data.value(ds, DCTERMS.title)) for ds in data.subjects(RDF.type, DCAT.Dataset)}
        pages += 1
        link = response.headers.get("link")
        url = link[1:link.index(">")].removeprefix("http://registry.test") if link else None
    assert pages == 3 and seen == {f"分页数据{i}" for i in range(5)}


async def test_export_with_a_forged_cursor_is_a_bad_request(registry_client):
    assert (await registry_client.get("/catalog.ttl", params={"cursor": "WyJ4Il0"})).status_code == 400
