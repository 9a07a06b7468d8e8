"""DCAT-AP 3.0.0 export of the public catalog: every registered resource and product as a dcat:Dataset, and
every public authorization of operation as a sub-catalog of the operator's products (dcat_operation.py).

Chinese text is tagged ``zh``. Every node the shapes constrain by class is typed explicitly (agents, locations,
concepts, frequencies, rights statements), because a portal validating with SHACL does no inference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, XSD
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.timeutil import as_utc, utcnow

from ..operation.disclosure import every_authorization
from ..operation.disclosure_schemas import AuthorizationOut
from ..registration.models import IssuedCode
from .dcat_operation import ODRL, add_authorization
from .models import CatalogEntry
from .search import PUBLIC_STATUSES
from .vocab import ACCESS_LABELS, ACCESS_RIGHTS, EU_ACCESS_RIGHT, EU_FREQUENCY, EU_LANGUAGE_ZH, FORM_LABELS, frequency_code

__all__ = ["CatalogInfo", "build_graph", "catalog_graph", "to_jsonld", "to_turtle"]

ADMS = Namespace("http://www.w3.org/ns/adms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "skos": str(SKOS), "xsd": str(XSD),
           "adms": str(ADMS), "odrl": str(ODRL)}


@dataclass(frozen=True)
class CatalogInfo:
    base_url: str  # public base of the registry, no trailing slash
    title_zh: str = "公共数据资源登记目录"
    title_en: str = "Register of public data resources and products"
    description_zh: str = "已登记的公共数据资源和数据产品、服务（《公共数据资源登记管理暂行办法》）。"
    publisher_zh: str = "公共数据资源登记机构"
    page_url: str | None = None  # this page, when the catalog is paged
    next_url: Callable[[int], str] = lambda after: ""  # the page after a seq


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def _when(value: datetime) -> Literal:
    return Literal(as_utc(value).isoformat(), datatype=XSD.dateTime)


class _Builder:
    def __init__(self, info: CatalogInfo) -> None:
        self.info, self.g = info, Graph()
        for prefix, ns in CONTEXT.items():
            self.g.bind(prefix, ns)
        self.base = info.base_url.rstrip("/")

    def iri(self, *parts: str) -> URIRef:
        return URIRef("/".join([self.base, *(quote(p, safe="") for p in parts)]))

    def typed(self, node: URIRef, cls: URIRef, *props: tuple[URIRef, Literal]) -> URIRef:
        self.g.add((node, RDF.type, cls))
        for prop, value in props:
            self.g.add((node, prop, value))
        return node

    def agent(self, org_id: str, name: str) -> URIRef:
        return self.typed(self.iri("orgs", org_id), FOAF.Agent, (FOAF.name, _zh(name or org_id)))

    def theme(self, label: str) -> URIRef:
        scheme = self.typed(self.iri("catalog", "themes"), SKOS.ConceptScheme, (DCTERMS.title, _zh("数据领域")))
        return self.typed(self.iri("catalog", "themes", label), SKOS.Concept, (SKOS.prefLabel, _zh(label)),
                          (SKOS.inScheme, scheme))

    def dataset(self, entry, code: str | None, catalog: URIRef) -> None:
        g, kind = self.g, entry.subject_type
        node = self.typed(self.iri("catalog", f"{kind}s", entry.subject_id), DCAT.Dataset,
                          (DCTERMS.title, _zh(entry.name)), (DCTERMS.description, _zh(entry.description or entry.name)),
                          (DCTERMS.identifier, Literal(code or entry.subject_id)),
                          (DCTERMS.issued, _when(entry.created_at)), (DCTERMS.modified, _when(entry.updated_at)))
        g.add((catalog, DCAT.dataset, node))
        g.add((node, DCTERMS.publisher, self.agent(entry.org_id, entry.org_name)))
        g.add((node, DCTERMS.language, self.typed(URIRef(EU_LANGUAGE_ZH), DCTERMS.LinguisticSystem)))
        if entry.region_code:
            g.add((node, DCTERMS.spatial, self.typed(self.iri("regions", entry.region_code), DCTERMS.Location)))
        if entry.domain:
            g.add((node, DCAT.theme, self.theme(entry.domain)))
            g.add((node, DCAT.keyword, _zh(entry.domain)))
        if freq := frequency_code(entry.update_frequency):
            g.add((node, DCTERMS.accrualPeriodicity, self.typed(URIRef(EU_FREQUENCY + freq), DCTERMS.Frequency)))
        if entry.opening_attribute in ACCESS_RIGHTS:
            rights = self.typed(URIRef(EU_ACCESS_RIGHT + ACCESS_RIGHTS[entry.opening_attribute]),
                                DCTERMS.RightsStatement)
            g.add((node, DCTERMS.accessRights, rights))
            g.add((rights, SKOS.prefLabel, _zh(ACCESS_LABELS[entry.opening_attribute])))
        if kind == "product" and entry.form:
            form = self.typed(self.iri("catalog", "forms", entry.form), SKOS.Concept,
                              (SKOS.prefLabel, _zh(FORM_LABELS.get(entry.form, entry.form))))
            g.add((node, DCTERMS.type, form))


def build_graph(info: CatalogInfo, entries: Iterable, codes: dict[tuple[str, str], str],
                next_page: str | None = None, authorizations: Iterable[AuthorizationOut] = ()) -> Graph:
    """The catalog graph of ``entries`` (rows of catalog_entries) with their registration query codes, and each
    public authorization as a sub-catalog of its products (catalog/dcat_operation.py); a ``next_page`` URL adds
    a Hydra partial-collection view, as paged DCAT catalogs do."""
    b = _Builder(info)
    catalog = b.typed(b.iri("catalog"), DCAT.Catalog, (DCTERMS.title, _zh(info.title_zh)),
                      (DCTERMS.title, Literal(info.title_en, lang="en")),
                      (DCTERMS.description, _zh(info.description_zh)), (DCTERMS.modified, _when(utcnow())))
    b.g.add((catalog, DCTERMS.publisher, b.typed(b.iri("orgs", "registry"), FOAF.Agent,
                                                 (FOAF.name, _zh(info.publisher_zh)))))
    b.g.add((catalog, DCTERMS.language, b.typed(URIRef(EU_LANGUAGE_ZH), DCTERMS.LinguisticSystem)))
    for entry in entries:
        b.dataset(entry, codes.get((entry.subject_type, entry.subject_id)), catalog)
    for authorization in authorizations:
        add_authorization(b, catalog, authorization)
    if next_page:
        b.g.bind("hydra", HYDRA)
        view = b.typed(URIRef(info.page_url or b.iri("catalog")), HYDRA.PartialCollectionView,
                       (HYDRA.next, URIRef(next_page)))
        b.g.add((catalog, HYDRA.view, view))
    return b.g


async def catalog_graph(session: AsyncSession, info: CatalogInfo, *, after: int | None = None,
                        limit: int = 500) -> tuple[Graph, int | None]:
    """One page of registered subjects after ``after`` (a seq), with their latest query codes: two queries; the
    first page also carries every public authorization (a few per region). Returns the graph and the seq to
    continue after, if there is more."""
    query = select(CatalogEntry).where(CatalogEntry.status.in_(PUBLIC_STATUSES))
    if after is not None:
        query = query.where(CatalogEntry.seq > after)
    entries = list((await session.execute(query.order_by(CatalogEntry.seq).limit(limit + 1))).scalars())
    more = len(entries) > limit
    entries = entries[:limit]
    codes: dict[tuple[str, str], str] = {}
    if entries:
        rows = await session.execute(
            select(IssuedCode.subject_type, IssuedCode.subject_id, IssuedCode.code)
            .where(IssuedCode.subject_id.in_([e.subject_id for e in entries])).order_by(IssuedCode.issued_at))
        for subject_type, subject_id, code in rows.all():
            codes[(subject_type, subject_id)] = code  # ordered by time: the last one wins
    next_after = entries[-1].seq if more else None
    authorizations = await every_authorization(session) if after is None else []
    return build_graph(info, entries, codes, info.next_url(next_after) if next_after else None,
                       authorizations), next_after


def to_turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def to_jsonld(graph: Graph) -> str:
    return graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True)
