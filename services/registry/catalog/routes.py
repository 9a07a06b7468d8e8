"""Catalog endpoints for portals: search and facets (public, richer for logged-in parties), the DCAT-AP harvest
source (Turtle, JSON-LD, RDF/XML; cursor or page paging) and each public record by its IRI, negotiated."""

from __future__ import annotations

from datetime import date, datetime
from math import ceil
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from services.kernel.conditional import not_modified
from services.kernel.db import DatabaseDep, SessionDep
from services.kernel.pagination import decode_cursor, encode_cursor
from services.kernel.problems import BadRequest, NotFound
from services.kernel.regions import province_of
from services.kernel.security import OptionalPrincipal

from ..registration.deps import registration_today
from . import dcat
from . import search as search_service
from .dcat import CatalogInfo, Paging
from .dcat_records import Builder, Links
from .dcat_serialize import Triples, to_jsonld, to_rdfxml, to_turtle
from .figures import FigureCache
from .models import CatalogEntry
from .schemas import CatalogFigures, Facets, SearchFilters, SearchPage
from .vocab import LICENCES

__all__ = ["router"]

PROBLEM = {"content": {"application/problem+json": {}}}
router = APIRouter(prefix="/catalog", tags=["catalog"])
Filters = Annotated[SearchFilters, Query()]


@router.get("/search", response_model=SearchPage,
            responses={400: {"description": "Bad cursor", **PROBLEM}, 401: {"description": "Bad token", **PROBLEM},
                       422: {"description": "Invalid filter", **PROBLEM}})
async def search_catalog(request: Request, db: DatabaseDep, principal: OptionalPrincipal, filters: Filters,
                         cursor: Annotated[str | None, Query(max_length=200)] = None,
                         limit: Annotated[int, Query(ge=1, le=100)] = 20,
                         sort: Annotated[Literal[search_service.SORTS] | None, Query(  # type: ignore[valid-type]
                             description="relevance (the default), or a field, `-` for descending")] = None,
                         count: Annotated[bool, Query(description="Count every match on the first page (`total`, "
                                                      "X-Total-Count); without it only a page holding every "
                                                      "match states its total")] = False):
    """Full-text search of registered resources and products, ranked (or sorted), filtered and cursor-paged."""
    # A client holding this page at the catalogue's current version gets 304 without the search being run.
    if (cached := await not_modified(request, await search_service.version(db))) is not None:
        return cached
    return await search_service.search(db, filters, principal, cursor=cursor, limit=limit, sort=sort, count=count)


@router.get("/facets", response_model=Facets,
            responses={401: {"description": "Bad token", **PROBLEM}, 422: {"description": "Invalid filter", **PROBLEM}})
async def catalog_facets(session: SessionDep, principal: OptionalPrincipal, filters: Filters) -> Facets:
    """Counts per region, organization, domain, attribute, grading, status and form for a search."""
    return await search_service.facets(session, filters, principal)


@router.get("/figures", response_model=CatalogFigures)
async def catalog_figures(request: Request, session: SessionDep,
                          today: Annotated[date, Depends(registration_today)]) -> CatalogFigures:
    """Headline figures: registered resources and products, registrations this year, notices open today."""
    cache = getattr(request.app.state, "catalog_figures", None)
    if cache is None:
        cache = request.app.state.catalog_figures = FigureCache()
    return await cache.get(session, today)


ExportCursor = Annotated[str | None, Query(max_length=200, description="From the previous page's next link")]
ExportPage = Annotated[int | None, Query(ge=1, le=1_000_000, description="Page number (1 is the first), as "
                                         "harvesters send it; instead of a cursor")]
ExportLimit = Annotated[int, Query(ge=1, le=1000, description="Records per page")]
EXPORT_ERRORS = {400: {"description": "Bad cursor, or both a cursor and a page", **PROBLEM},
                 422: {"description": "Invalid paging", **PROBLEM}}
# Each serialization: (media type of the response, serializer).
FORMATS = {
    "text/turtle": ("text/turtle; charset=utf-8", to_turtle),
    "application/ld+json": ("application/ld+json", to_jsonld),
    "application/rdf+xml": ("application/rdf+xml", to_rdfxml),
}


def _info(request: Request) -> CatalogInfo:
    settings = request.app.state.settings
    return CatalogInfo(Links(base_url=str(request.base_url).rstrip("/"),
                             console_url=settings.console_url.rstrip("/")))


async def _export(request: Request, db, session, cursor: str | None, page: int | None, limit: int,
                  media_type: str) -> Response:
    if cursor and page is not None:
        raise BadRequest("Page by cursor or by page number, not both.", slug="paging-conflict")
    # A walk's cursor carries the catalogue's total and latest change as its first page found them: a later page
    # states the same, and does not count the catalogue again (a scan of the public entries per page).
    walk = decode_cursor(cursor, [CatalogEntry.seq, int, datetime]) if cursor else None
    after, known = (walk[0], (walk[1], walk[2])) if walk else (None, None)
    info = _info(request)
    result = await dcat.catalog_page(db, session, info.links, after=after, page=page, limit=limit, known=known)
    url = request.url.remove_query_params(["cursor", "page", "limit"])

    def numbered(n: int) -> str:
        return str(url.include_query_params(page=n, limit=limit))

    next_url = None
    if result.next_after is not None:
        next_url = numbered(page + 1) if page is not None else str(
            url.include_query_params(cursor=encode_cursor([result.next_after, result.total,
                                                           result.modified.isoformat()]), limit=limit))
    paging = Paging(page_url=str(request.url), first_url=numbered(1),
                    last_url=numbered(max(1, ceil(result.total / limit))), total=result.total, per_page=limit,
                    next_url=next_url,
                    previous_url=numbered(page - 1) if page and page > 1 else None)
    if media_type == "text/turtle":
        body = dcat.turtle_page(info, result.records, paging, result.authorizations, result.modified)
    else:
        body = FORMATS[media_type][1](dcat.build_graph(info, result.records, paging, result.authorizations,
                                                       result.modified))
    links = [f'<{paging.first_url}>; rel="first"', f'<{paging.last_url}>; rel="last"']
    if next_url:
        links.insert(0, f'<{next_url}>; rel="next"')
    if paging.previous_url:
        links.append(f'<{paging.previous_url}>; rel="prev"')
    return Response(body, media_type=FORMATS[media_type][0],
                    headers={"Link": ", ".join(links), "X-Total-Count": str(result.total)})


def _export_route(suffix: str, media_type: str, label: str) -> None:
    async def export(request: Request, db: DatabaseDep, session: SessionDep, cursor: ExportCursor = None,
                     page: ExportPage = None,
                     limit: ExportLimit = 500) -> Response:
        return await _export(request, db, session, cursor, page, limit, media_type)

    export.__name__ = f"catalog_{suffix[1:]}"
    export.__doc__ = f"The public catalog as DCAT-AP 3.0.0 {label}, paged (Hydra, Link rel=next)."
    router.add_api_route(suffix, export, methods=["GET"], response_class=Response,
                         responses={200: {"content": {media_type: {}}}, **EXPORT_ERRORS})


_export_route(".ttl", "text/turtle", "Turtle")
_export_route(".jsonld", "application/ld+json", "JSON-LD")
_export_route(".rdf", "application/rdf+xml", "RDF/XML")

SubjectId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,32}$")]
RECORD_RESPONSES = {
    200: {"description": "The record (Turtle unless Accept asks for JSON-LD or RDF/XML)",
          "content": {media: {} for media in FORMATS}},
    303: {"description": "A browser (Accept: text/html) is sent to the console's page of the record"},
    404: {"description": "No registered resource or product with this id", **PROBLEM}}


def _negotiate(accept: str | None) -> str:
    """The serialization ``accept`` prefers; ``text/html`` for a browser; Turtle when nothing offered matches."""
    if not accept:
        return "text/turtle"
    return parse_accept_header(accept, MIMEAccept).best_match([*FORMATS, "text/html"]) or "text/turtle"


def _negotiated(request: Request, triples: Triples, page: str | None) -> Response:
    """``triples`` in the serialization the caller accepts; a browser is sent to ``page`` when there is one."""
    media_type = _negotiate(request.headers.get("accept"))
    if media_type == "text/html":
        if page:
            return RedirectResponse(page, status_code=303, headers={"Vary": "Accept"})
        media_type = "text/turtle"
    content_type, serialize = FORMATS[media_type]
    return Response(serialize(triples), media_type=content_type, headers={"Vary": "Accept"})


async def _record(request: Request, db, subject_type: str, subject_id: str) -> Response:
    info = _info(request)
    triples, record = await dcat.record_graph(db, info, subject_type, subject_id)
    return _negotiated(request, triples, record.landing_page or f"{info.links.console_url}/lookup")


@router.get("/resources/{subject_id}", response_class=Response, responses=RECORD_RESPONSES)
async def resource_record(request: Request, db: DatabaseDep, subject_id: SubjectId) -> Response:
    """One registered resource as a DCAT-AP record, by content negotiation."""
    return await _record(request, db, "resource", subject_id)


@router.get("/products/{subject_id}", response_class=Response, responses=RECORD_RESPONSES)
async def product_record(request: Request, db: DatabaseDep, subject_id: SubjectId) -> Response:
    """One registered product or service as a DCAT-AP record, by content negotiation."""
    return await _record(request, db, "product", subject_id)


VOCAB_RESPONSES = {200: {"description": "The concept (Turtle unless Accept asks for JSON-LD or RDF/XML)",
                         "content": {media: {} for media in FORMATS}},
                   404: {"description": "Not a code or key of the vocabulary", **PROBLEM}}


@router.get("/regions/{code}", response_class=Response, responses=VOCAB_RESPONSES)
async def region_concept(request: Request, code: Annotated[str, Path(pattern=r"^\d{6}$")]) -> Response:
    """A GB/T 2260 administrative division as the export names it (skos:Concept, Chinese labels)."""
    if province_of(code) is None:
        raise NotFound(f"{code} is not under a province-level code of GB/T 2260.", slug="region-not-found")
    builder = Builder(_info(request).links)
    builder.region(code)
    return _negotiated(request, builder.g, None)


@router.get("/licences/{key}", response_class=Response, responses=VOCAB_RESPONSES)
async def licence_document(request: Request, key: Annotated[str, Path(max_length=20)]) -> Response:
    """The terms records are offered under, by opening attribute or product use (dct:LicenseDocument)."""
    if key not in LICENCES:
        raise NotFound(f"No licence {key}.", slug="licence-not-found")
    builder = Builder(_info(request).links)
    builder.licence(key)
    return _negotiated(request, builder.g, None)
