"""DCAT-AP 3.0.0 export of the public catalog: a paged harvest source and one record by id.

Every registered resource and product is a record (catalog/dcat_records.py: a dcat:Dataset, or a dcat:DataService
for a product of form api), and every public authorization of operation a sub-catalog of the operator's
products (dcat_operation.py). Chinese text is tagged ``zh``. Every node the shapes constrain by class is typed
explicitly, because a portal validating with SHACL does no inference.

Paging speaks both Hydra dialects on the page's own IRI: the current one (``hydra:PartialCollectionView`` with
``hydra:next``/``first``/``last``, the collection's ``hydra:totalItems``) and the legacy ``hydra:PagedCollection``
that ckanext-dcat's harvester reads (``RDFParser.next_page()`` looks for a ``PagedCollection`` and its
``hydra:next`` or ``hydra:nextPage``), with ``nextPage``/``firstPage``/``lastPage``/``itemsPerPage`` as its own
serializer writes them (string literals).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, XSD
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.problems import NotFound
from services.kernel.timeutil import as_utc

from ..operation.disclosure import every_authorization
from ..operation.disclosure_schemas import AuthorizationOut
from ..registration.models import IssuedCode
from . import records
from .dcat_operation import add_authorization
from .dcat_records import Builder, Links, PublicRecord, public_record
from .dcat_serialize import HYDRA, Triples, to_turtle
from .dcat_turtle import RecordTurtle
from .vocab import EU_LANGUAGE_ZH

__all__ = ["CatalogInfo", "CatalogPage", "Paging", "build_graph", "catalog_page", "latest_codes", "record_graph",
           "turtle_page"]


@dataclass(frozen=True)
class CatalogInfo:
    links: Links
    title_zh: str = "公共数据资源登记目录"
    title_en: str = "Register of public data resources and products"
    description_zh: str = "已登记的公共数据资源和数据产品、服务（《公共数据资源登记管理暂行办法》）。"
    publisher_zh: str = "公共数据资源登记机构"


@dataclass(frozen=True)
class Paging:
    """Where this page is and its neighbours are (absolute URLs), and how many records the whole source holds."""

    page_url: str
    first_url: str
    last_url: str
    total: int
    per_page: int
    next_url: str | None = None
    previous_url: str | None = None


# The modification time of a catalogue with no record yet.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class CatalogPage:
    records: list[PublicRecord]
    total: int
    modified: datetime | None  # the catalogue's latest change
    next_after: int | None  # the seq to continue after (cursor paging), when there is more
    authorizations: list[AuthorizationOut] = field(default_factory=list)


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def _catalog(b: Builder, info: CatalogInfo, modified: datetime | None) -> URIRef:
    catalog = b.typed(b.iri("catalog"), DCAT.Catalog, (DCTERMS.title, _zh(info.title_zh)),
                      (DCTERMS.title, Literal(info.title_en, lang="en")),
                      (DCTERMS.description, _zh(info.description_zh)),
                      (DCTERMS.modified, Literal(as_utc(modified or EPOCH).isoformat(), datatype=XSD.dateTime)))
    b.g.add((catalog, DCTERMS.publisher, b.typed(b.iri("orgs", "registry"), FOAF.Agent,
                                                 (FOAF.name, _zh(info.publisher_zh)))))
    b.g.add((catalog, DCTERMS.language, b.typed(URIRef(EU_LANGUAGE_ZH), DCTERMS.LinguisticSystem)))
    return catalog


def _paging(b: Builder, catalog: URIRef, p: Paging) -> None:
    g, page = b.g, URIRef(p.page_url)
    g.add((catalog, HYDRA.totalItems, Literal(p.total)))
    g.add((catalog, HYDRA.view, page))
    b.typed(page, HYDRA.PartialCollectionView, (HYDRA.first, URIRef(p.first_url)),
            (HYDRA.last, URIRef(p.last_url)))
    b.typed(page, HYDRA.PagedCollection, (HYDRA.totalItems, Literal(p.total)),
            (HYDRA.itemsPerPage, Literal(p.per_page)), (HYDRA.firstPage, Literal(p.first_url)),
            (HYDRA.lastPage, Literal(p.last_url)))
    if p.next_url:
        g.add((page, HYDRA.next, URIRef(p.next_url)))
        g.add((page, HYDRA.nextPage, Literal(p.next_url)))
    if p.previous_url:
        g.add((page, HYDRA.previous, URIRef(p.previous_url)))
        g.add((page, HYDRA.previousPage, Literal(p.previous_url)))


def build_graph(info: CatalogInfo, records: list[PublicRecord], paging: Paging | None = None,
                authorizations: Iterable[AuthorizationOut] = (), modified: datetime | None = None) -> Triples:
    """The catalog with ``records`` and each public authorization as a sub-catalog of its products.

    The catalog's ``dct:modified`` is its latest change (``modified``, else the newest of ``records``), never the
    time of the request: the same catalogue is the same document, so its ETag holds and a harvester's
    conditional GET is answered 304.
    """
    return _page(info, records, paging, authorizations, modified, lambda b, catalog, r: b.record(r, catalog)).g


def turtle_page(info: CatalogInfo, records: list[PublicRecord], paging: Paging | None = None,
                authorizations: Iterable[AuthorizationOut] = (), modified: datetime | None = None) -> str:
    """``build_graph`` written as Turtle, its records from templates (catalog/dcat_turtle.py): the same graph."""
    blocks: list[str] = []
    writer: RecordTurtle | None = None

    def write(b: Builder, catalog: URIRef, r: PublicRecord) -> None:
        nonlocal writer
        writer = writer or RecordTurtle(b)
        blocks.append(writer.write(r, catalog))

    b = _page(info, records, paging, authorizations, modified, write)
    return to_turtle(b.g, writer.names if writer else None, blocks)


def _page(info: CatalogInfo, records: list[PublicRecord], paging: Paging | None,
          authorizations: Iterable[AuthorizationOut], modified: datetime | None, write) -> Builder:
    b = Builder(info.links)
    catalog = _catalog(b, info, modified or max((r.modified for r in records), default=None))
    for record in records:
        write(b, catalog, record)
    for authorization in authorizations:
        add_authorization(b, catalog, authorization)
    if paging is not None:
        _paging(b, catalog, paging)
    return b


# Drivers bound the parameters of one statement (asyncpg: 32,767): subject ids are looked up this many at a time.
CODE_BATCH = 1000


async def latest_codes(session: AsyncSession, subjects: list) -> dict[tuple[str, str], str]:
    """The latest registration query code of each subject (anything with ``subject_type`` and ``subject_id``:
    catalogue rows), by (subject_type, subject_id); one query per CODE_BATCH subjects."""
    codes: dict[tuple[str, str], str] = {}
    for start in range(0, len(subjects), CODE_BATCH):
        rows = await session.execute(
            select(IssuedCode.subject_type, IssuedCode.subject_id, IssuedCode.code)
            .where(IssuedCode.subject_id.in_([s.subject_id for s in subjects[start:start + CODE_BATCH]]))
            .order_by(IssuedCode.issued_at))
        for subject_type, subject_id, code in rows.all():
            codes[(subject_type, subject_id)] = code  # ordered by time: the latest wins
    return codes


async def catalog_page(db: Database, session: AsyncSession, links: Links, *, after: int | None = None,
                       page: int | None = None, limit: int = 500,
                       known: tuple[int, datetime] | None = None) -> CatalogPage:
    """One page of registered subjects in registration order: after a seq (cursor paging) or the ``page``-th of
    ``limit`` (page paging, as harvesters send ``?page=``). The first page also carries every public
    authorization (a few per region). ``known``: the catalogue's total and latest change as the walk's first
    page found them (else they are read)."""
    start = (page - 1) * limit if page is not None else None
    entries = await records.in_order(db, after=after, start=start, limit=limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    first = after is None and page in (None, 1)
    total, modified = known or await records.summary(db)
    return CatalogPage(records=[public_record(e, links) for e in entries], total=total, modified=modified,
                       next_after=entries[-1]["seq"] if more else None,
                       authorizations=await every_authorization(session) if first else [])


async def record_graph(db: Database, info: CatalogInfo, subject_type: str,
                       subject_id: str) -> tuple[Triples, PublicRecord]:
    """One registered resource or product as a record in the catalog; 404 for anything not public."""
    entry = await records.by_id(db, subject_id)
    if entry is None or entry["subject_type"] != subject_type:
        raise NotFound(f"No registered {subject_type} {subject_id}.", slug="record-not-found")
    record = public_record(entry, info.links)
    return build_graph(info, [record]), record
