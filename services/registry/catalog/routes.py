"""Catalog endpoints for portals: search and facets (public, richer for logged-in parties), DCAT-AP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.kernel.db import SessionDep
from services.kernel.security import OptionalPrincipal

from . import dcat, search as search_service
from .dcat import CatalogInfo
from .schemas import Facets, SearchFilters, SearchPage

__all__ = ["router"]

PROBLEM = {"content": {"application/problem+json": {}}}
router = APIRouter(prefix="/catalog", tags=["catalog"])
Filters = Annotated[SearchFilters, Query()]


@router.get("/search", response_model=SearchPage,
            responses={400: {"description": "Bad cursor", **PROBLEM}, 401: {"description": "Bad token", **PROBLEM},
                       422: {"description": "Invalid filter", **PROBLEM}})
async def search_catalog(session: SessionDep, principal: OptionalPrincipal, filters: Filters,
                         cursor: Annotated[str | None, Query(max_length=200)] = None,
                         limit: Annotated[int, Query(ge=1, le=100)] = 20) -> SearchPage:
    """Full-text search of registered resources and products, ranked, filtered and cursor-paged."""
    return await search_service.search(session, filters, principal, cursor=cursor, limit=limit)


@router.get("/facets", response_model=Facets,
            responses={401: {"description": "Bad token", **PROBLEM}, 422: {"description": "Invalid filter", **PROBLEM}})
async def catalog_facets(session: SessionDep, principal: OptionalPrincipal, filters: Filters) -> Facets:
    """Counts per region, organization, domain, attribute, grading, status and form for a search."""
    return await search_service.facets(session, filters, principal)


def _info(request: Request) -> CatalogInfo:
    return CatalogInfo(base_url=str(request.base_url).rstrip("/"))


@router.get(".jsonld", response_class=Response, responses={200: {"content": {"application/ld+json": {}}}})
async def catalog_jsonld(request: Request, session: SessionDep) -> Response:
    """The public catalog as DCAT-AP 3.0.0 JSON-LD."""
    graph = await dcat.catalog_graph(session, _info(request))
    return Response(dcat.to_jsonld(graph), media_type="application/ld+json")


@router.get(".ttl", response_class=Response, responses={200: {"content": {"text/turtle": {}}}})
async def catalog_turtle(request: Request, session: SessionDep) -> Response:
    """The public catalog as DCAT-AP 3.0.0 Turtle."""
    graph = await dcat.catalog_graph(session, _info(request))
    return Response(dcat.to_turtle(graph), media_type="text/turtle; charset=utf-8")
