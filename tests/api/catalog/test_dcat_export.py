"""DCAT-AP 3.0.0 export (issues 3, 15): GET /catalog.ttl, .jsonld and .rdf, and each record by its IRI, conform
to the DCAT-AP SHACL shapes; records are complete (distribution, licence, contact point, landing page, regions).

The shapes are SEMIC's, vendored unchanged in tests/conformance/dcat-ap-3.0.0 (see its NOTICE.md and
SHA256SUMS), so a clone of the repository alone runs the test against exactly what the conformance suite holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

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
    services = {str(data.value(ds, DCTERMS.title)) for ds in data.subjects(RDF.type, DCAT.DataService)}
    assert titles == {"城市公共交通客流数据"} and services == {"出行指数API"}


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
        url = response.links.get("next", {}).get("url")
    assert pages == 3 and seen == {f"分页数据{i}" for i in range(5)}


async def test_export_with_a_forged_cursor_is_a_bad_request(registry_client):
    assert (await registry_client.get("/catalog.ttl", params={"cursor": "WyJ4Il0"})).status_code == 400


# -- complete records (issue 15 item 2) -------------------------------------------------------------------------

BASE = "http://registry.test"
CONSOLE = "http://127.0.0.1:8004"
VCARD = "http://www.w3.org/2006/vcard/ns#"
IANA = "http://www.iana.org/assignments/media-types/"


async def _complete_seed(apps, subjects):
    resource = await _seed(apps, subjects)
    api = await subjects.product("org-b", "出行查询接口", "实时出行查询", form="api")
    report = await subjects.product("org-b", "客流分析报告", "月度客流报告", form="report", use_type="public_welfare",
                                    region="310115")
    async with apps.registry.state.db.sessions.begin() as session:
        session.add(IssuedCode(code="PDR-2026-000002-Y", registration_id="r2", subject_type="product",
                               subject_id=api.id))
    return resource, api, report


async def test_a_dataset_record_is_complete(apps, registry_client, subjects, shapes, full_shapes):
    resource, _, report = await _complete_seed(apps, subjects)
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    _conforms(data, shapes)
    _conforms(data, full_shapes)
    node = URIRef(f"{BASE}/catalog/resources/{resource.id}")
    landing = URIRef(f"{CONSOLE}/lookup?code=PDR-2026-000001-X")
    assert (node, DCAT.landingPage, landing) in data and (landing, RDF.type, FOAF.Document) in data
    assert (node, DCTERMS.publisher, URIRef(f"{BASE}/orgs/org-a")) in data
    contact = data.value(node, DCAT.contactPoint)
    assert (contact, RDF.type, URIRef(VCARD + "Kind")) in data
    assert data.value(contact, URIRef(VCARD + "fn")) == Literal("测试局", lang="zh")
    (distribution,) = data.objects(node, DCAT.distribution)
    assert data.value(distribution, DCAT.accessURL) == landing
    assert data.value(distribution, DCAT.mediaType) == URIRef(IANA + "text/html")
    licence = URIRef(f"{BASE}/catalog/licences/conditional")  # the seeded resource opens conditionally
    assert data.value(distribution, DCTERMS.license) == licence == data.value(node, DCTERMS.license)
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in data and "申请" in str(data.value(licence, DCTERMS.title))
    region = URIRef(f"{BASE}/catalog/regions/310000")
    assert data.value(node, DCTERMS.spatial) == region
    assert (region, SKOS.prefLabel, Literal("上海市", lang="zh")) in data
    assert (region, RDFS.label, Literal("上海市", lang="zh")) in data
    assert (region, SKOS.inScheme, URIRef(f"{BASE}/catalog/regions")) in data
    # A product without a query code: no console page to land on, its access is its own record.
    report_node = URIRef(f"{BASE}/catalog/products/{report.id}")
    assert data.value(report_node, DCAT.landingPage) is None
    assert data.value(data.value(report_node, DCAT.distribution), DCAT.accessURL) == report_node
    assert data.value(report_node, DCTERMS.license) == URIRef(f"{BASE}/catalog/licences/public_welfare")
    district = URIRef(f"{BASE}/catalog/regions/310115")
    assert data.value(district, SKOS.broader) == region
    assert data.value(district, SKOS.prefLabel) == Literal("上海市（310115）", lang="zh")


async def test_an_api_product_is_a_data_service_with_an_endpoint(apps, registry_client, subjects, shapes):
    _, api, _ = await _complete_seed(apps, subjects)
    data = Graph().parse(data=(await registry_client.get("/catalog.jsonld")).text, format="json-ld")
    _conforms(data, shapes)
    node = URIRef(f"{BASE}/catalog/products/{api.id}")
    assert set(data.objects(node, RDF.type)) == {DCAT.DataService}
    assert (URIRef(f"{BASE}/catalog"), DCAT.service, node) in data
    assert data.value(node, DCAT.endpointURL) == URIRef(f"{CONSOLE}/lookup?code=PDR-2026-000002-Y")
    assert data.value(node, DCTERMS.license) == URIRef(f"{BASE}/catalog/licences/industry")
    assert data.value(node, DCAT.contactPoint) is not None


RECORD_FORMATS = [("text/turtle", "turtle", "text/turtle"), ("application/ld+json", "json-ld", "application/ld+json"),
                  ("application/rdf+xml", "xml", "application/rdf+xml"), ("*/*", "turtle", "text/turtle"),
                  ("application/rdf+xml;q=0.5, application/ld+json", "json-ld", "application/ld+json")]


@pytest.mark.parametrize(("accept", "fmt", "media_type"), RECORD_FORMATS)
async def test_a_record_iri_resolves_by_content_negotiation(apps, registry_client, subjects, shapes, full_shapes,
                                                            accept, fmt, media_type):
    resource, api, _ = await _complete_seed(apps, subjects)
    for path in (f"/catalog/resources/{resource.id}", f"/catalog/products/{api.id}"):
        response = await registry_client.get(path, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
        assert "Accept" in response.headers["vary"]
        data = Graph().parse(data=response.text, format=fmt)
        _conforms(data, shapes)
        _conforms(data, full_shapes)
        subjects_described = set(data.subjects(RDF.type, DCAT.Dataset)) | set(data.subjects(RDF.type,
                                                                                          DCAT.DataService))
        assert subjects_described == {URIRef(BASE + path)}


async def test_a_browser_is_sent_to_the_console_page_of_the_record(apps, registry_client, subjects):
    resource, _, report = await _complete_seed(apps, subjects)
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    response = await registry_client.get(f"/catalog/resources/{resource.id}", headers=browser)
    assert response.status_code == 303
    assert response.headers["location"] == f"{CONSOLE}/lookup?code=PDR-2026-000001-X"
    uncoded = await registry_client.get(f"/catalog/products/{report.id}", headers=browser)
    assert uncoded.status_code == 303 and uncoded.headers["location"] == f"{CONSOLE}/lookup"


async def test_only_public_records_resolve(apps, registry_client, subjects):
    draft = await subjects.resource("org-a", "未登记草稿", status="draft")
    cancelled = await subjects.product("org-b", "已注销产品", status="cancelled")
    for path in (f"/catalog/resources/{draft.id}", f"/catalog/products/{cancelled.id}", "/catalog/resources/nope",
                 f"/catalog/products/{draft.id}"):
        response = await registry_client.get(path)
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert (await registry_client.get("/catalog/resources/a%20b")).status_code == 422


async def test_the_rdfxml_export_conforms(apps, registry_client, subjects, shapes):
    await _complete_seed(apps, subjects)
    response = await registry_client.get("/catalog.rdf")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/rdf+xml")
    _conforms(Graph().parse(data=response.text, format="xml"), shapes)


@pytest.mark.parametrize(("path", "fmt"), [("/catalog.ttl", "turtle"), ("/catalog.jsonld", "json-ld"),
                                       ("/catalog.rdf", "xml")])
async def test_text_is_escaped_in_every_serialization(registry_client, subjects, path, fmt):
    """Titles and descriptions are written without rdflib's Literal (catalog/dcat_serialize.py ``Text``)."""
    name, description = '带"引号"的\\数据 \'单\'', '第一行\n第二行\t"结束"\\'
    resource = await subjects.resource("org-a", name, description)
    data = Graph().parse(data=(await registry_client.get(path)).text, format=fmt)
    node = URIRef(f"{BASE}/catalog/resources/{resource.id}")
    assert data.value(node, DCTERMS.title) == Literal(name, lang="zh")
    assert data.value(node, DCTERMS.description) == Literal(description, lang="zh")


async def test_region_and_licence_iris_resolve_to_their_labels(apps, registry_client, subjects, shapes):
    resource, _, _ = await _complete_seed(apps, subjects)
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    node = URIRef(f"{BASE}/catalog/resources/{resource.id}")
    for iri, label in ((data.value(node, DCTERMS.spatial), "上海市"), (URIRef(f"{BASE}/catalog/regions/440305"),
                                                                     "广东省（440305）")):
        response = await registry_client.get(str(iri).removeprefix(BASE), headers={"Accept": "application/ld+json"})
        assert response.status_code == 200
        concept = Graph().parse(data=response.text, format="json-ld")
        _conforms(concept, shapes)
        assert concept.value(iri, SKOS.prefLabel) == Literal(label, lang="zh") == concept.value(iri, RDFS.label)
    licence = data.value(node, DCTERMS.license)
    document = Graph().parse(data=(await registry_client.get(str(licence).removeprefix(BASE))).text, format="turtle")
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in document
    for path, status in (("/catalog/regions/990000", 404), ("/catalog/regions/31", 422),
                         ("/catalog/licences/cc-by", 404)):
        response = await registry_client.get(path)
        assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
