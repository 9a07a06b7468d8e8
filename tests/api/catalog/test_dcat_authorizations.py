"""Authorized operation in the DCAT-AP 3.0.0 export (spec Arts. 18–19, issue 14 item 6): each public
authorization is a sub-catalog of the operator's products, with their terms of use and prices, and the export
still conforms to the DCAT-AP 3.0.0 shapes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from services.kernel.timeutil import china_today
from services.registry.registration.models import Product

from ..operation.world import build_world, insert_product, set_status
from .test_dcat_export import SHAPES_DIR

pytestmark = pytest.mark.asyncio(loop_scope="session")

ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
BASE = "http://registry.test"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for name in ("shapes.ttl", "range.ttl", "dcat-ap-SHACL.ttl"):
        graph.parse(SHAPES_DIR / name, format="turtle")
    return graph


def _conforms(data: Graph, shapes: Graph) -> None:
    conforms, _, report = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert conforms, report


def flat(price: str) -> dict:
    return {"billing_unit": "per_call", "unit_price": price, "effective_from": str(china_today()), "basis": "核算"}


async def _operated(registry_client, people, apps, status: str = "active"):
    w = await build_world(registry_client, people, apps)
    await set_status(apps, Product, w.product_id, description="按需规划货运路径", conditions_of_use="仅限物流企业")
    welfare = await insert_product(apps, w.operator.org_id, use_type="public_welfare", name="出行服务")
    agreement = await w.agreement(status, product_ids=[w.product_id, welfare])
    await w.post(w.body, f"/products/{w.product_id}/ceilings", flat("0.05"), 201)
    await w.post(w.operator, f"/products/{w.product_id}/prices", flat("0.04"), 201)
    return w, agreement, welfare


async def test_each_public_authorization_is_a_conforming_sub_catalog_of_priced_products(
        registry_client, people, apps, shapes):
    w, agreement, welfare = await _operated(registry_client, people, apps)
    for fmt, path in (("turtle", "/catalog.ttl"), ("json-ld", "/catalog.jsonld")):
        data = Graph().parse(data=(await registry_client.get(path)).text, format=fmt)
        _conforms(data, shapes)

    node = URIRef(f"{BASE}/public/authorizations/{agreement['id']}")
    root = URIRef(f"{BASE}/catalog")
    assert (root, DCAT.catalog, node) in data and (node, RDF.type, DCAT.Catalog) in data
    description = str(data.value(node, DCTERMS.description))
    for fact in ("北京市人民政府", "运营公司", "分领域授权", "2025-03-01至2028-02-28", "履行中", "公交到站数据"):
        assert fact in description, fact
    assert (node, DCTERMS.publisher, URIRef(f"{BASE}/orgs/{w.body.org_id}")) in data
    term = data.value(node, DCTERMS.temporal)
    assert data.value(term, DCAT.startDate) == Literal("2025-03-01", datatype=XSD.date)
    assert data.value(term, DCAT.endDate) == Literal("2028-02-28", datatype=XSD.date)

    # Both products are of form api: data services, whose terms and offer are their own (no distribution).
    product, welfare_node = (URIRef(f"{BASE}/catalog/products/{p}") for p in (w.product_id, welfare))
    assert set(data.objects(node, DCAT.service)) == {product, welfare_node}
    assert (product, RDF.type, DCAT.DataService) in data and (product, RDF.type, DCAT.Dataset) not in data
    assert str(data.value(data.value(product, DCTERMS.rights), DCTERMS.description)) == "仅限物流企业"
    offer = URIRef(f"{node}#product-{w.product_id}")
    assert (product, DCTERMS.accessRights, offer) in data
    assert "¥0.04" in str(data.value(offer, DCTERMS.description))
    policy = data.value(product, ODRL.hasPolicy)
    assert {ODRL.Offer, ODRL.Policy} <= set(data.objects(policy, RDF.type))
    constraint = data.value(data.value(data.value(policy, ODRL.permission), ODRL.duty), ODRL.constraint)
    assert data.value(constraint, ODRL.leftOperand) == ODRL.payAmount
    assert Decimal(str(data.value(constraint, ODRL.rightOperand))) == Decimal("0.04")
    free = data.value(welfare_node, ODRL.hasPolicy)
    assert data.value(data.value(free, ODRL.permission), ODRL.duty) is None  # public welfare: no payment due
    assert "30% to the authorizer" not in (await registry_client.get("/catalog.ttl")).text


async def test_a_suspension_shows_in_the_catalog_at_once(registry_client, people, apps, shapes):
    w, agreement, _ = await _operated(registry_client, people, apps)
    await w.transition(agreement["id"], "suspend", reason="整改")
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    _conforms(data, shapes)
    node = URIRef(f"{BASE}/public/authorizations/{agreement['id']}")
    assert "已暂停" in str(data.value(node, DCTERMS.description))


async def test_an_agreement_not_yet_active_is_not_in_the_catalog(registry_client, people, apps):
    _, agreement, _ = await _operated(registry_client, people, apps, status="filed")
    data = Graph().parse(data=(await registry_client.get("/catalog.ttl")).text, format="turtle")
    assert (None, DCAT.catalog, URIRef(f"{BASE}/public/authorizations/{agreement['id']}")) not in data
    assert not list(data.subjects(ODRL.hasPolicy, None))
