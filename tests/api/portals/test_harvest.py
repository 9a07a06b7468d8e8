"""The DCAT harvest source followed to the end (issue 15 item 1), and complete DCAT-AP records (item 2).

The harvester here is ckanext-dcat's own gather loop (ckanext/dcat/harvesters/rdf.py ``gather_stage``) and paging
(ckanext/dcat/processors.py ``RDFParser.next_page``), as read from its source: fetch the page, stop if its content
hashes as the first page's did, parse it, take every ``dcat:Dataset`` subject (its IRI is the guid), then look for
a ``hydra:PagedCollection`` and follow its ``hydra:next``, else its ``hydra:nextPage``. CKAN and its harvest
extension cannot be installed beside this service, so the loop is restated without them; it keeps rdflib, which
ckanext-dcat parses with, and reads pages of every serialization a source may publish.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS
from sqlalchemy import insert

from services.kernel.timeutil import utcnow
from services.registry.catalog.models import CatalogEntry
from services.registry.catalog.sync import entry_row

pytestmark = pytest.mark.asyncio(loop_scope="session")

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
BASE = "http://registry.test"
FORMATS = {"/catalog.ttl": "turtle", "/catalog.jsonld": "json-ld", "/catalog.rdf": "xml"}


class RDFParser:
    """ckanext-dcat's ``RDFParser``, reduced to what the gather stage calls (no CKAN profiles: the guid is the
    dataset's IRI, which is what its ``_get_guid`` takes first)."""

    def __init__(self) -> None:
        self.g = Graph()

    def parse(self, data: bytes, _format: str) -> None:
        self.g.parse(data=data, format=_format)

    def datasets(self):
        yield from self.g.subjects(RDF.type, DCAT.Dataset)

    def next_page(self) -> str | None:
        for pagination_node in self.g.subjects(RDF.type, HYDRA.PagedCollection):
            for o in self.g.objects(pagination_node, HYDRA.next):
                return str(o)
            for o in self.g.objects(pagination_node, HYDRA.nextPage):
                return str(o)
        return None


async def gather(client, source_url: str, rdf_format: str) -> tuple[list[str], list[str], int]:
    """ckanext-dcat's ``gather_stage`` loop: the guids of every dataset harvested (a guid twice is a dataset
    harvested twice), the data services seen on the way (ckanext-dcat does not harvest them), and the pages."""
    next_page_url, guids, services, pages, last_content_hash = source_url, [], [], 0, None
    while next_page_url:
        response = await client.get(next_page_url)
        assert response.status_code == 200, response.text
        content = response.content
        content_hash = hashlib.md5(content, usedforsecurity=False)
        if last_content_hash:
            if content_hash.digest() == last_content_hash.digest():
                break  # "Remote content was the same even when using a paginated URL, skipping"
        else:
            last_content_hash = content_hash
        parser = RDFParser()
        parser.parse(content, rdf_format)
        guids += [str(dataset) for dataset in parser.datasets()]
        services += [str(s) for s in parser.g.subjects(RDF.type, DCAT.DataService)]
        pages += 1
        next_page_url = parser.next_page()
    return guids, services, pages


async def seed_catalog(apps, resources: int, products: int = 0, services: int = 0,
                       hidden: int = 0) -> dict[str, set[str]]:
    """Registered subjects written straight into ``catalog_entries`` (as the bulk importer does), in batches;
    ``hidden`` drafts and cancelled entries besides. Returns the IRIs a harvester must get, by kind."""
    now, rows, expected = utcnow(), [], {"datasets": set(), "services": set()}
    plan = ([("resource", "", "registered")] * resources + [("product", "dataset", "registered")] * products
            + [("product", "api", "registered")] * services
            + [("resource", "", "draft"), ("product", "api", "cancelled")] * (hidden // 2))
    for i, (kind, form, status) in enumerate(plan):
        subject_id = f"{kind[0]}{i:07d}"
        row = entry_row({"id": subject_id, "org_id": f"org-{i % 7}", "org_name": f"第{i % 7}数据局",
                         "name": f"收获数据{i}", "description": f"第{i}条", "region_code": "310115",
                         "domain": "交通", "update_frequency": "monthly", "sharing_attribute": "conditional",
                         "opening_attribute": "unconditional", "grading": "general", "form": form,
                         "use_type": "industry" if form else ""}, kind)
        row.update(status=status, created_at=now + timedelta(seconds=i), updated_at=now + timedelta(seconds=i))
        row.pop("tsv", None)
        rows.append(row)
        if status == "registered":
            expected["services" if form == "api" else "datasets"].add(f"{BASE}/catalog/{kind}s/{subject_id}")
    async with apps.registry.state.db.sessions.begin() as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(CatalogEntry), rows[start:start + 1000])
    return expected


# -- item 1: the harvest source is followed to the end ---------------------------------------------------------

async def test_ckanext_dcat_harvests_every_dataset_of_thousands_exactly_once(apps, registry_client):
    expected = await seed_catalog(apps, resources=2600, products=300, services=300, hidden=100)
    guids, services, pages = await gather(registry_client, f"{BASE}/catalog.ttl", "turtle")
    assert len(guids) == len(set(guids)) == 2900  # each once: no page repeats or skips a record
    assert set(guids) == expected["datasets"]
    assert sorted(services) == sorted(expected["services"])
    assert pages == math.ceil(3200 / 500)


@pytest.mark.parametrize("path", ["/catalog.rdf?page=1&limit=700", "/catalog.jsonld?limit=700"])
async def test_ckanext_dcat_follows_rdfxml_and_jsonld_sources_paged_by_number_or_cursor(apps, registry_client, path):
    expected = await seed_catalog(apps, resources=1500, services=100, hidden=10)
    guids, services, pages = await gather(registry_client, BASE + path, FORMATS[path.split("?")[0]])
    assert sorted(guids) == sorted(expected["datasets"]) and sorted(services) == sorted(expected["services"])
    assert pages == 3


async def test_without_the_legacy_terms_ckanext_dcat_would_stop_after_the_first_page(apps, registry_client):
    """The proof can fail: the same loop over pages stripped of hydra:PagedCollection gets one page only."""
    await seed_catalog(apps, resources=30)
    response = await registry_client.get("/catalog.ttl?limit=10")
    parser = RDFParser()
    parser.parse(response.content, "turtle")
    assert parser.next_page() is not None
    parser.g.remove((None, RDF.type, HYDRA.PagedCollection))
    assert parser.next_page() is None


async def test_every_page_states_both_hydra_dialects_and_the_total(apps, registry_client):
    await seed_catalog(apps, resources=25, hidden=4)
    response = await registry_client.get("/catalog.ttl", params={"page": 2, "limit": 10})
    assert response.status_code == 200 and response.headers["x-total-count"] == "25"
    g = Graph().parse(data=response.text, format="turtle")
    page = URIRef(f"{BASE}/catalog.ttl?page=2&limit=10")
    first, last = f"{BASE}/catalog.ttl?page=1&limit=10", f"{BASE}/catalog.ttl?page=3&limit=10"
    nxt, prev = last, first
    assert {HYDRA.PagedCollection, HYDRA.PartialCollectionView} <= set(g.objects(page, RDF.type))
    assert (URIRef(f"{BASE}/catalog"), HYDRA.view, page) in g
    assert (URIRef(f"{BASE}/catalog"), HYDRA.totalItems, Literal(25)) in g
    for prop, value in ((HYDRA.totalItems, Literal(25)), (HYDRA.itemsPerPage, Literal(10)),
                        (HYDRA.next, URIRef(nxt)), (HYDRA.nextPage, Literal(nxt)),
                        (HYDRA.previous, URIRef(prev)), (HYDRA.previousPage, Literal(prev)),
                        (HYDRA.first, URIRef(first)), (HYDRA.firstPage, Literal(first)),
                        (HYDRA.last, URIRef(last)), (HYDRA.lastPage, Literal(last))):
        assert (page, prop, value) in g, prop
    titles = {str(g.value(d, DCTERMS.title)) for d in g.subjects(RDF.type, DCAT.Dataset)}
    assert titles == {f"收获数据{i}" for i in range(10, 20)}
    assert f'<{nxt}>; rel="next"' in response.headers["link"]
    end = Graph().parse(data=(await registry_client.get("/catalog.ttl?page=3&limit=10")).text, format="turtle")
    assert len(set(end.subjects(RDF.type, DCAT.Dataset))) == 5
    assert end.value(URIRef(last), HYDRA.next) is None and end.value(URIRef(last), HYDRA.nextPage) is None


async def test_cursor_pages_state_the_total_and_page_numbers_for_first_and_last(apps, registry_client):
    await seed_catalog(apps, resources=5)
    response = await registry_client.get("/catalog.jsonld", params={"limit": 2})
    g = Graph().parse(data=response.text, format="json-ld")
    page = URIRef(f"{BASE}/catalog.jsonld?limit=2")
    assert g.value(page, HYDRA.totalItems) == Literal(5)
    assert str(g.value(page, HYDRA.lastPage)) == f"{BASE}/catalog.jsonld?page=3&limit=2"
    assert "cursor=" in str(g.value(page, HYDRA.next))


@pytest.mark.parametrize(("params", "status", "slug"), [
    ({"page": 1, "cursor": "WzFd"}, 400, "paging-conflict"), ({"page": 0}, 422, None), ({"page": "x"}, 422, None),
    ({"cursor": "WyJ4Il0"}, 400, "bad-cursor"), ({"limit": 1001}, 422, None)])
async def test_bad_paging_is_a_problem(registry_client, params, status, slug):
    response = await registry_client.get("/catalog.rdf", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    if slug:
        assert response.json()["type"].endswith("/" + slug)


async def test_a_page_past_the_end_is_empty_without_a_next_page(apps, registry_client):
    await seed_catalog(apps, resources=3)
    g = Graph().parse(data=(await registry_client.get("/catalog.rdf?page=9&limit=2")).text, format="xml")
    assert not list(g.subjects(RDF.type, DCAT.Dataset))
    assert not list(g.objects(None, HYDRA.next))
