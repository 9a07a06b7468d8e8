"""One public record of the catalogue, as a harvester reads it: the mapping from a registered subject to DCAT-AP.

``public_record`` turns a row of ``catalog_entries`` (only a registered one: the public record, DOMAIN §1
Arts. 12, 19) and its query code into a ``PublicRecord``, plain data that other front doors (the CKAN API) can
map too; ``Builder.record`` writes it as triples:

    <{base}/catalog/resources/{id}>  a dcat:Dataset          (a product of form api: a dcat:DataService with
        dct:title, dct:description, dct:identifier (query code), dct:issued, dct:modified,      dcat:endpointURL)
        dct:publisher <{base}/orgs/{org}>  a foaf:Agent
        dcat:contactPoint <{base}/orgs/{org}#contact>  a vcard:Organization, vcard:Kind; vcard:fn
        dcat:landingPage <{console}/lookup?code={code}>  a foaf:Document   (the console's public page of the code)
        dct:spatial <{base}/catalog/regions/{code}>  a dct:Location, skos:Concept; skos:prefLabel, rdfs:label
        dct:license <{base}/catalog/licences/{key}>  a dct:LicenseDocument
        dcat:distribution <…#access>  a dcat:Distribution; dcat:accessURL, dcat:mediaType, dct:license
        dcat:theme, dcat:keyword, dct:accrualPeriodicity, dct:accessRights, dct:type (the product's form)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, XSD

from services.kernel.regions import province_of, region_label
from services.kernel.timeutil import as_utc

from .dcat_serialize import VCARD, Text, Triples
from .vocab import (
    ACCESS_LABELS,
    ACCESS_RIGHTS,
    EU_ACCESS_RIGHT,
    EU_FREQUENCY,
    EU_LANGUAGE_ZH,
    FORM_LABELS,
    IANA_MEDIA_TYPE,
    LICENCES,
    frequency_code,
    licence_key,
)

__all__ = ["TERMS", "Builder", "Distribution", "Links", "PublicRecord", "public_record"]


@dataclass(frozen=True)
class Links:
    """Where the registry and the console are published (no trailing slash)."""

    base_url: str
    console_url: str

    def iri(self, *parts: str) -> str:
        return "/".join([self.base_url, *(quote(p, safe="") for p in parts)])

    def record(self, subject_type: str, subject_id: str) -> str:
        return self.iri("catalog", f"{subject_type}s", subject_id)

    def landing_page(self, query_code: str | None) -> str | None:
        """The console's public page of a registration query code (services/console/pages_public.py ``lookup``)."""
        return f"{self.console_url}/lookup?code={quote(query_code, safe='')}" if query_code else None

    def licence(self, key: str) -> str:
        return self.iri("catalog", "licences", key)

    def region(self, code: str) -> str:
        return self.iri("catalog", "regions", code)


@dataclass(frozen=True)
class Distribution:
    iri: str
    title: str
    access_url: str
    media_type: str  # an IANA media type, e.g. text/html
    licence_key: str


@dataclass(frozen=True)
class PublicRecord:
    """What anyone may read about one registered resource or product, in catalogue terms."""

    subject_type: str  # resource | product
    id: str
    iri: str
    is_service: bool  # a product of form api: a dcat:DataService
    title: str
    description: str
    identifier: str  # the registration query code, else the id
    query_code: str | None
    issued: datetime
    modified: datetime
    publisher_id: str
    publisher_name: str
    landing_page: str | None
    region_code: str
    domain: str
    frequency: str | None  # EU frequency code
    opening_attribute: str
    form: str
    licence_key: str
    distributions: tuple[Distribution, ...]
    endpoint_url: str | None  # services only


def public_record(entry: Mapping[str, Any], links: Links) -> PublicRecord:
    """The public record of a registered ``entry`` (a row of ``catalog/records.py`` ``RECORD_COLUMNS``)."""
    e = SimpleNamespace(**entry)
    query_code = e.query_code
    iri = links.record(e.subject_type, e.subject_id)
    landing = links.landing_page(query_code)
    is_service = e.subject_type == "product" and e.form == "api"
    licence = licence_key(e.subject_type, e.opening_attribute, e.use_type)
    distributions = () if is_service else (
        Distribution(iri=f"{iri}#access", title="登记信息与获取方式", access_url=landing or iri,
                     media_type="text/html" if landing else "text/turtle", licence_key=licence),)
    return PublicRecord(
        subject_type=e.subject_type, id=e.subject_id, iri=iri, is_service=is_service, title=e.name,
        description=e.description or e.name, identifier=query_code or e.subject_id,
        query_code=query_code, issued=e.created_at, modified=e.updated_at, publisher_id=e.org_id,
        publisher_name=e.org_name or e.org_id, landing_page=landing, region_code=e.region_code,
        domain=e.domain, frequency=frequency_code(e.update_frequency),
        opening_attribute=e.opening_attribute if e.subject_type == "resource" else "",
        form=e.form if e.subject_type == "product" else "", licence_key=licence,
        distributions=distributions,
        # PDR holds no operator endpoint: the service is reached through its public record.
        endpoint_url=(landing or iri) if is_service else None)


_A = RDF.type
_DATE_TIME = str(XSD.dateTime)


class TERMS:
    """The terms a record uses, looked up once: rdflib's namespaces resolve attributes in Python."""

    Dataset, DataService, Distribution = DCAT.Dataset, DCAT.DataService, DCAT.Distribution
    dataset, service, distribution = DCAT.dataset, DCAT.service, DCAT.distribution
    accessURL, endpointURL, mediaType, landingPage = DCAT.accessURL, DCAT.endpointURL, DCAT.mediaType, DCAT.landingPage
    contactPoint, keyword, theme = DCAT.contactPoint, DCAT.keyword, DCAT.theme
    title, description, identifier = DCTERMS.title, DCTERMS.description, DCTERMS.identifier
    issued, modified, publisher, license = DCTERMS.issued, DCTERMS.modified, DCTERMS.publisher, DCTERMS.license
    language, spatial, type, accessRights = DCTERMS.language, DCTERMS.spatial, DCTERMS.type, DCTERMS.accessRights
    accrualPeriodicity, Document, Resource = DCTERMS.accrualPeriodicity, FOAF.Document, RDFS.Resource


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


class Builder:
    """Writes records and the shared nodes they point at (agents, regions, licences, concepts) into ``g``; each
    shared node is described once per graph however many records point at it."""

    def __init__(self, links: Links) -> None:
        self.links, self.g = links, Triples()
        self.base = links.base_url
        self._shared: dict[tuple[str, str], URIRef] = {}
        self._refs: dict[tuple, dict[str, Any]] = {}

    def iri(self, *parts: str) -> URIRef:
        return URIRef(self.links.iri(*parts))

    def typed(self, node: URIRef, cls: URIRef, *props: tuple[URIRef, Literal]) -> URIRef:
        self.g.add((node, _A, cls))
        for prop, value in props:
            self.g.add((node, prop, value))
        return node

    def _once(self, kind: str, key: str, describe) -> URIRef:
        node = self._shared.get((kind, key))
        if node is None:
            node = self._shared[(kind, key)] = describe()
        return node

    def agent(self, org_id: str, name: str) -> URIRef:
        return self._once("agent", org_id, lambda: self.typed(self.iri("orgs", org_id), FOAF.Agent,
                                                              (FOAF.name, _zh(name or org_id))))

    def contact(self, org_id: str, name: str) -> URIRef:
        def describe() -> URIRef:
            return self.typed(URIRef(f"{self.iri('orgs', org_id)}#contact"), VCARD.Organization,
                              (RDF.type, VCARD.Kind), (VCARD.fn, _zh(name or org_id)),
                              (VCARD["organization-name"], _zh(name or org_id)))
        return self._once("contact", org_id, describe)

    def region(self, code: str) -> URIRef:
        def describe() -> URIRef:
            scheme = self._once("scheme", "regions", lambda: self.typed(
                self.iri("catalog", "regions"), SKOS.ConceptScheme,
                (DCTERMS.title, _zh("中华人民共和国行政区划代码（GB/T 2260）"))))
            label = _zh(region_label(code))
            node = self.typed(URIRef(self.links.region(code)), DCTERMS.Location, (RDF.type, SKOS.Concept),
                              (SKOS.prefLabel, label), (RDFS.label, label), (SKOS.notation, Literal(code)),
                              (SKOS.inScheme, scheme))
            province = province_of(code)
            if province and province != code:
                self.g.add((node, SKOS.broader, self.region(province)))
            return node
        return self._once("region", code, describe)

    def licence(self, key: str) -> URIRef:
        return self._once("licence", key, lambda: self.typed(URIRef(self.links.licence(key)), DCTERMS.LicenseDocument,
                                                             (DCTERMS.title, _zh(LICENCES[key]))))

    def media_type(self, name: str) -> URIRef:
        return self._once("media", name, lambda: self.typed(URIRef(IANA_MEDIA_TYPE + name), DCTERMS.MediaType))

    def theme(self, label: str) -> URIRef:
        def describe() -> URIRef:
            scheme = self._once("scheme", "themes", lambda: self.typed(
                self.iri("catalog", "themes"), SKOS.ConceptScheme, (DCTERMS.title, _zh("数据领域"))))
            return self.typed(self.iri("catalog", "themes", label), SKOS.Concept, (SKOS.prefLabel, _zh(label)),
                              (SKOS.inScheme, scheme))
        return self._once("theme", label, describe)

    def form(self, form: str) -> URIRef:
        return self._once("form", form, lambda: self.typed(self.iri("catalog", "forms", form), SKOS.Concept,
                                                           (SKOS.prefLabel, _zh(FORM_LABELS.get(form, form)))))

    def language(self) -> URIRef:
        return self._once("language", "zh", lambda: self.typed(URIRef(EU_LANGUAGE_ZH), DCTERMS.LinguisticSystem))

    def frequency(self, code: str) -> URIRef:
        return self._once("frequency", code, lambda: self.typed(URIRef(EU_FREQUENCY + code), DCTERMS.Frequency))

    def access_rights(self, opening: str) -> URIRef:
        return self._once("rights", opening, lambda: self.typed(
            URIRef(EU_ACCESS_RIGHT + ACCESS_RIGHTS[opening]), DCTERMS.RightsStatement,
            (SKOS.prefLabel, _zh(ACCESS_LABELS[opening]))))

    def keyword(self, text: str) -> Literal:
        return self._once("keyword", text, lambda: _zh(text))

    def record(self, r: PublicRecord, catalog: URIRef | None = None) -> URIRef:
        """The record's triples; under ``catalog`` (dcat:dataset, or dcat:service for a data service)."""
        return self.own(r, self.refs(r), catalog)

    def refs(self, r: PublicRecord) -> dict[str, Any]:
        """What the record points at, each shared node described once, and its derived values, by slot name.
        The slots present are its shape (``shape``): which of the record's own triples exist."""
        key = (r.publisher_id, r.publisher_name, r.licence_key, r.region_code, r.domain, r.frequency, r.is_service,
               r.opening_attribute, r.form, tuple((d.title, d.media_type, d.licence_key) for d in r.distributions))
        shared = self._refs.get(key)
        if shared is None:  # records of one publisher mostly point at the same nodes: looked up once
            shared = self._refs[key] = self._shared_refs(r)
        return {"issued": Text(as_utc(r.issued).isoformat(), datatype=_DATE_TIME),
                "modified": Text(as_utc(r.modified).isoformat(), datatype=_DATE_TIME), **shared}

    def _shared_refs(self, r: PublicRecord) -> dict[str, Any]:
        refs: dict[str, Any] = {
            "publisher": self.agent(r.publisher_id, r.publisher_name),
            "contact": self.contact(r.publisher_id, r.publisher_name),
            "licence": self.licence(r.licence_key), "language": self.language()}
        if r.region_code:
            refs["region"] = self.region(r.region_code)
        if r.domain:
            refs["theme"], refs["keyword"] = self.theme(r.domain), self.keyword(r.domain)
        if r.frequency and not r.is_service:
            refs["frequency"] = self.frequency(r.frequency)
        if r.opening_attribute in ACCESS_RIGHTS:
            refs["rights"] = self.access_rights(r.opening_attribute)
        if r.form:
            refs["form"] = self.form(r.form)
        for i, d in enumerate(r.distributions):
            refs[f"d{i}.title"] = self.keyword(d.title)
            refs[f"d{i}.media"], refs[f"d{i}.licence"] = self.media_type(d.media_type), self.licence(d.licence_key)
        return refs

    def own(self, r: PublicRecord, refs: dict[str, Any], catalog: URIRef | None = None) -> URIRef:
        """The record's own triples (its node, its distributions, its landing page and endpoint typed)."""
        g = self.g
        # A record's own IRIs are plain strings (an IRI wherever a term is expected, dcat_serialize.Triples):
        # building a URIRef checks it character by character, five times a record.
        node = self.typed(r.iri, TERMS.DataService if r.is_service else TERMS.Dataset,
                          (TERMS.title, Text(r.title, "zh")), (TERMS.description, Text(r.description, "zh")),
                          (TERMS.identifier, Text(r.identifier)), (TERMS.issued, refs["issued"]),
                          (TERMS.modified, refs["modified"]))
        if catalog is not None:
            g.add((catalog, TERMS.service if r.is_service else TERMS.dataset, node))
        g.add((node, TERMS.publisher, refs["publisher"]))
        g.add((node, TERMS.contactPoint, refs["contact"]))
        g.add((node, TERMS.license, refs["licence"]))
        if r.landing_page:
            g.add((node, TERMS.landingPage, self.typed(r.landing_page, TERMS.Document)))
        if r.endpoint_url:
            g.add((node, TERMS.endpointURL, self.typed(r.endpoint_url, TERMS.Resource)))
        g.add((node, TERMS.language, refs["language"]))
        for slot, predicate in _OPTIONAL:
            if slot in refs:
                g.add((node, predicate, refs[slot]))
        for i, d in enumerate(r.distributions):
            dist = self.typed(d.iri, TERMS.Distribution, (TERMS.title, refs[f"d{i}.title"]),
                              (TERMS.accessURL, self.typed(d.access_url, TERMS.Resource)),
                              (TERMS.mediaType, refs[f"d{i}.media"]), (TERMS.license, refs[f"d{i}.licence"]))
            g.add((node, TERMS.distribution, dist))
        return node


# The record's triples that exist only with their slot, in the order a record is written.
_OPTIONAL = (("region", TERMS.spatial), ("theme", TERMS.theme), ("keyword", TERMS.keyword),
             ("frequency", TERMS.accrualPeriodicity), ("rights", TERMS.accessRights), ("form", TERMS.type))
