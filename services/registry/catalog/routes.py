"""Catalog endpoints for portals: search and facets (public, richer for logged-in parties), DCAT-AP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.kernel.db import DatabaseDep, SessionDep
from services.kernel.pagination import decode_cursor, encode_cursor
from services.kernel.security import OptionalPrincipal

from . import dcat, search as search_service
from .dcat import CatalogInfo
from .models import CatalogEntry
from .schemas import Facets, SearchFilters, SearchPage

__all__ = ["router"]

PROBLEM = {"content": {"application/problem+json": {}}}
router = APIRouter(prefix="/catalog", tags=["catalog"])
Filters = Annotated[SearchFilters, Query()]


@router.get("/search", response_model=SearchPage,
            responses={400: {"description": "Bad cursor", **PROBLEM}, 401: {"description": "Bad token", **PROBLEM},
                       422: {"description": "Invalid filter", **PROBLEM}})
async def search_catalog(db: DatabaseDep, principal: OptionalPrincipal, filters: Filters,
                         cursor: Annotated[str | None, Query(max_length=200)] = None,
                         limit: Annotated[int, Query(ge=1, le=100)] = 20):
    """Full-text search of registered resources and products, ranked, filtered and cursor-paged."""
    return await search_service.search(db, filters, principal, cursor=cursor, limit=limit)


@router.get("/facets", response_model=Facets,
            responses={401: {"description": "Bad token", **PROBLEM}, 422: {"description": "Invalid filter", **PROBLEM}})
async def catalog_facets(session: SessionDep, principal: OptionalPrincipal, filters: Filters) -> Facets:
    """Counts per region, organization, domain, attribute, grading, status and form for a search."""
    return await search_service.facets(session, filters, principal)


ExportCursor = Annotated[str | None, Query(max_length=200, description="From the previous page's next link")]
ExportLimit = Annotated[int, Query(ge=1, le=1000, description="Datasets per page")]
EXPORT_ERRORS = {400: {"description": "Bad cursor", **PROBLEM}, 422: {"description": "Invalid paging", **PROBLEM}}


async def _export(request: Request, session, cursor: str | None, limit: int):
    after = None
    if cursor:
        (after,) = decode_cursor(cursor, [CatalogEntry.seq])

    def next_url(seq: int) -> str:
        return str(request.url.include_query_params(cursor=encode_cursor([seq]), limit=limit))

    info = CatalogInfo(base_url=str(request.base_url).rstrip("/"), page_url=str(request.url), next_url=next_url)
    graph, next_after = await dcat.catalog_graph(session, info, after=after, limit=limit)
    headers = {"Link": f'<{next_url(next_after)}>; rel="next"'} if next_after else {}
    return graph, headers


@router.get(".jsonld", response_class=Response, responses={200: {"content": {"application/ld+json": {}}},
                                                           **EXPORT_ERRORS})
async def catalog_jsonld(request: Request, session: SessionDep, cursor: ExportCursor = None,
                         limit: ExportLimit = 500) -> Response:
    """The public catalog as DCAT-AP 3.0.0 JSON-LD, paged (Link rel=next)."""
    graph, headers = await _export(request, session, cursor, limit)
    return Response(dcat.to_jsonld(graph), media_type="application/ld+json", headers=headers)


@router.get(".ttl", response_class=Response, responses={200: {"content": {"text/turtle": {}}}, **EXPORT_ERRORS})
async def catalog_turtle(request: Request, session: SessionDep, cursor: ExportCursor = None,
                         limit: ExportLimit = 500) -> Response:
    """The public catalog as DCAT-AP 3.0.0 Turtle, paged (Link rel=next)."""
    graph, headers = await _export(request, session, cursor, limit)
    return Response(dcat.to_turtle(graph), media_type="text/turtle; charset=utf-8", headers=headers)
