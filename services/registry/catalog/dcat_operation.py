"""Authorized operation in the DCAT-AP 3.0.0 export (spec Arts. 18–19): one sub-catalog per public authorization.

    <catalog> dcat:catalog <public/authorizations/{id}>        a dcat:Catalog: the operator's products under it
        dct:title, dct:description (authorizer, implementing body, operator, mode, data scope, term, status)
        dct:publisher the implementing body · dct:spatial the region · dct:temporal the term (dct:PeriodOfTime)
        dcat:dataset <catalog/products/{id}>                   the same node as the product in the main catalog
            dcat:distribution <…#product-{id}>                 how the product is offered under this agreement
                dct:rights  a dct:RightsStatement             its terms of use (conditions_of_use)
                odrl:hasPolicy a odrl:Offer                    use, for a payment of the price in force
                                                                (odrl:compensate, payAmount in CNY), or free
        dcat:service <catalog/products/{id}>                   a product of form api: a dcat:DataService, which
            dcat:endpointURL, dct:rights, odrl:hasPolicy       has no distribution: its terms and offer are its own

The sub-catalog's IRI is the REST resource of the disclosure, so a harvester can dereference it. Only what the
REST disclosure shows is said here: it is built from the same ``AuthorizationOut``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, XSD

from .dcat_serialize import ODRL
from .vocab import AGREEMENT_STATUS_LABELS, MODE_LABELS, PRICE_KIND_LABELS, UNIT_LABELS, USE_LABELS

if TYPE_CHECKING:
    from ..operation.disclosure_schemas import AuthorizationOut, DisclosedProductOut

__all__ = ["ODRL", "add_authorization"]

RENMINBI = URIRef("http://dbpedia.org/resource/Renminbi")


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def _day(value) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def describe(a: AuthorizationOut) -> str:
    scope = "、".join(f"{r.name}（{r.query_code}）" if r.query_code else r.name for r in a.data_scope) or "无"
    return (f"{a.authorizer_name}授权{a.operator.name}以{MODE_LABELS.get(a.mode, a.mode)}方式运营公共数据"
            f"（《公共数据资源授权运营实施规范（试行）》第十八条）。实施机构：{a.implementing_body.name}；"
            f"授权期限：{a.starts_on}至{a.ends_on}；状态：{AGREEMENT_STATUS_LABELS.get(a.status, a.status)}；"
            f"数据范围：{scope}。")


def price_text(p: DisclosedProductOut) -> str:
    line = p.price
    if line is None:
        return "暂无生效价格"
    if line.free:
        return "免费"
    unit = UNIT_LABELS.get(line.billing_unit or "", line.billing_unit or "")
    tiers = "；".join(f"{'≤' + str(t.up_to) if t.up_to else '以上'}：¥{t.unit_price}" for t in line.tiers) \
        if len(line.tiers) > 1 else f"¥{line.unit_price}"
    ceiling = f"；上限收费标准 ¥{line.ceiling_unit_price}" if line.ceiling_unit_price is not None else ""
    kind = PRICE_KIND_LABELS.get(line.kind or "", line.kind or "")
    return f"{kind} {unit} {tiers}{ceiling}（自{line.effective_from}起）"


def add_authorization(b, catalog: URIRef, a: AuthorizationOut) -> URIRef:
    """Add one authorization to the graph of builder ``b`` (catalog/dcat.py) under the root ``catalog``."""
    g = b.g
    node = b.typed(b.iri("public", "authorizations", a.agreement_id), DCAT.Catalog,
                   (DCTERMS.title, _zh(f"授权运营：{a.operator.name}（{a.name}）")),
                   (DCTERMS.description, _zh(describe(a))))
    g.add((catalog, DCAT.catalog, node))
    g.add((node, RDF.type, RDFS.Resource))  # it is also each offer's access URL, which the shapes type so
    g.add((node, DCTERMS.publisher, b.agent(a.implementing_body.org_id, a.implementing_body.name)))
    g.add((node, DCTERMS.spatial, b.region(a.region_code)))
    term = b.typed(URIRef(f"{node}#term"), DCTERMS.PeriodOfTime, (DCAT.startDate, _day(a.starts_on)),
                   (DCAT.endDate, _day(a.ends_on)))
    g.add((node, DCTERMS.temporal, term))
    operator = b.agent(a.operator.org_id, a.operator.name)
    for p in a.products:
        iri = b.iri("catalog", "products", p.product_id)
        service = p.form == "api"  # as the main catalog types it (catalog/dcat_records.py)
        dataset = b.typed(iri, DCAT.DataService if service else DCAT.Dataset, (DCTERMS.title, _zh(p.name)),
                          (DCTERMS.description, _zh(p.description or p.name)),
                          (DCTERMS.identifier, Literal(p.query_code or p.product_id)))
        g.add((node, DCAT.service if service else DCAT.dataset, dataset))
        g.add((dataset, DCTERMS.publisher, operator))
        g.add((dataset, DCTERMS.type, b.form(p.form)))
        use = _zh(f"{USE_LABELS.get(p.use_type, p.use_type)}；{price_text(p)}")
        if service:
            endpoint = b.links.landing_page(p.query_code) or str(iri)
            g.add((dataset, DCAT.endpointURL, b.typed(URIRef(endpoint), RDFS.Resource)))
            offer = b.typed(URIRef(f"{node}#product-{p.product_id}"), DCTERMS.RightsStatement,
                            (DCTERMS.description, use))
            g.add((dataset, DCTERMS.accessRights, offer))
            holder = dataset
        else:
            offer = b.typed(URIRef(f"{node}#product-{p.product_id}"), DCAT.Distribution,
                            (DCAT.accessURL, node), (DCTERMS.description, use))
            g.add((dataset, DCAT.distribution, offer))
            holder = offer
        terms = b.typed(URIRef(f"{node}#terms-{p.product_id}"), DCTERMS.RightsStatement,
                        (DCTERMS.description, _zh(p.conditions_of_use or "无特别使用条件")))
        g.add((holder, DCTERMS.rights, terms))
        if p.price is not None:
            g.add((holder, ODRL.hasPolicy, _offer(b, URIRef(f"{node}#offer-{p.product_id}"), dataset, operator, p)))
    return node


def _offer(b, iri: URIRef, dataset: URIRef, operator: URIRef, p: DisclosedProductOut) -> URIRef:
    """An ODRL offer: use the product; for a fee, the duty to compensate the price in force (the highest tier's
    unit price, ``lteq`` when tiers lower it with volume)."""
    g = b.g
    policy = b.typed(iri, ODRL.Offer, (ODRL.uid, iri), (ODRL.assigner, operator))
    g.add((policy, RDF.type, ODRL.Policy))  # SHACL does no inference: say the superclass too
    permission = BNode()
    g.add((policy, ODRL.permission, permission))
    for triple in ((RDF.type, ODRL.Permission), (ODRL.target, dataset), (ODRL.action, ODRL.use)):
        g.add((permission, *triple))
    if p.price is not None and not p.price.free:
        duty, constraint = BNode(), BNode()
        g.add((permission, ODRL.duty, duty))
        for triple in ((RDF.type, ODRL.Duty), (ODRL.action, ODRL.compensate), (ODRL.constraint, constraint)):
            g.add((duty, *triple))
        for triple in ((RDF.type, ODRL.Constraint), (ODRL.leftOperand, ODRL.payAmount),
                       (ODRL.operator, ODRL.lteq if len(p.price.tiers) > 1 else ODRL.eq),
                       (ODRL.rightOperand, Literal(str(p.price.unit_price), datatype=XSD.decimal)),
                       (ODRL.unit, RENMINBI)):
            g.add((constraint, *triple))
    return policy
