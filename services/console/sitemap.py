"""robots.txt and the sitemap of the public pages (sitemaps.org protocol 0.9): home, notices, lookup, prices,
disclosures, each running notice and authorization, each organization with registered records, and each
registered record's public page (``/datasets/{id}``, which links its lookup by query code).

One sitemap holds at most 50,000 URLs. Up to that the sitemap is a single ``urlset``; past it ``/sitemap.xml``
is a sitemap index naming ``/sitemaps/pages.xml`` and one ``/sitemaps/records-N.xml`` per 50,000 records, the
registry's numbered pages of its public records (``/feeds/records``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote
from xml.etree import ElementTree

from fastapi import APIRouter, Path, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException

__all__ = ["MAX_URLS", "router"]

router = APIRouter()
MAX_URLS = 50_000  # per sitemap file (sitemaps.org)
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
STATIC = ("/", "/notices", "/lookup", "/prices", "/authorizations")
PRIVATE = ("/workspace", "/registrar", "/oversight", "/login", "/logout", "/lang/")
Url = tuple[str, date | None]  # path, last modification


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _xml(root: ElementTree.Element) -> Response:
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/xml")


def _urlset(base: str, urls: Iterable[Url]) -> Response:
    root = ElementTree.Element("urlset", xmlns=NS)
    for path, lastmod in urls:
        url = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(url, "loc").text = base + path
        if lastmod is not None:
            ElementTree.SubElement(url, "lastmod").text = lastmod.isoformat()
    return _xml(root)


async def _every(request: Request, path: str) -> list[dict[str, Any]]:
    """Every item of a cursor-paged public list of the registry (running notices, authorizations: few)."""
    items, cursor = [], None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = await request.app.state.upstream.call("registry", "GET", path, params=params)
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def _pages(request: Request) -> list[Url]:
    urls: list[Url] = [(path, None) for path in STATIC]
    urls += [(f"/notices/{n['id']}", date.fromisoformat(n["notice_starts_on"]))
             for n in await _every(request, "/public/notices")]
    urls += [(f"/authorizations/{a['agreement_id']}", None) for a in await _every(request, "/public/authorizations")]
    # Organizations publishing registered records: the catalogue's organization facet names every one.
    facets = await request.app.state.upstream.call("registry", "GET", "/catalog/facets",
                                                   params={"status": "registered"})
    urls += [(f"/organizations/{quote(org['value'], safe='')}", None) for org in facets["org"]]
    return urls


async def _records(request: Request, page: int) -> dict[str, Any]:
    return await request.app.state.upstream.call("registry", "GET", "/feeds/records",
                                                 params={"page": page, "size": MAX_URLS})


def _record_urls(records: dict[str, Any]) -> list[Url]:
    return [(f"/datasets/{quote(r['subject_id'], safe='')}", datetime.fromisoformat(r["updated_at"]).date())
            for r in records["items"]]


@router.get("/robots.txt", response_class=PlainTextResponse, include_in_schema=False)
async def robots(request: Request) -> str:
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in PRIVATE),
             f"Sitemap: {_base(request)}/sitemap.xml"]
    return "\n".join(lines) + "\n"


@router.get("/sitemap.xml", include_in_schema=False)
async def sitemap(request: Request) -> Response:
    pages, records = await _pages(request), await _records(request, 1)
    if len(pages) + records["total"] <= MAX_URLS:
        return _urlset(_base(request), pages + _record_urls(records))
    root = ElementTree.Element("sitemapindex", xmlns=NS)
    children = ["/sitemaps/pages.xml", *(f"/sitemaps/records-{n}.xml"
                                         for n in range(1, math.ceil(records["total"] / MAX_URLS) + 1))]
    for path in children:
        ElementTree.SubElement(ElementTree.SubElement(root, "sitemap"), "loc").text = _base(request) + path
    return _xml(root)


@router.get("/sitemaps/pages.xml", include_in_schema=False)
async def sitemap_pages(request: Request) -> Response:
    return _urlset(_base(request), await _pages(request))


@router.get("/sitemaps/records-{number}.xml", include_in_schema=False)
async def sitemap_records(request: Request, number: Annotated[int, Path(ge=1, le=10_000)]) -> Response:
    records = await _records(request, number)
    if not records["items"]:
        raise HTTPException(404)
    return _urlset(_base(request), _record_urls(records))
