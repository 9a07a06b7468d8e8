"""The public catalogue (Art. 12: registered records are public): the home page's search and browse with
facets and page links, its headline figures, and the public page of one dataset and of one organization.

Everything is read from the registry's public APIs, as an anonymous caller, whoever is logged in: the home
page shows what the public sees. Search and facets are ``/catalog/search`` and ``/catalog/facets``; the
figures ``/catalog/figures``; one record the CKAN action ``package_show`` (the catalogue row of a registered
resource or product, as JSON). The search is cursor-paged, so page links carry the cursors of the pages before
(``back``): "previous" is a link, not the browser's history, and any page can be bookmarked.
"""

from __future__ import annotations

import asyncio
from math import ceil
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from .i18n import N_
from .upstream import ApiError, Upstream
from .web import render

__all__ = ["FILTERS", "router"]

router = APIRouter()
PAGE = 10
MAX_BACK = 20  # cursors of earlier pages carried in a link; older ones are reached by the first-page link
ORG_PAGE = 50
# Filter → (facet of /catalog/facets, message prefix of its values). Region, organization and domain values
# are shown as the registry labels them (an organization's name) or as they are (a code, a domain's name).
FILTERS: dict[str, tuple[str, str | None]] = {
    "kind": (N_("catalog.kind"), "kind."), "form": (N_("catalog.form"), "form."),
    "org": (N_("catalog.org"), None), "domain": (N_("catalog.domain"), None),
    "region": (N_("catalog.region"), None), "grading": (N_("catalog.grading"), "grading."),
    "opening": (N_("catalog.opening"), "attribute."), "sharing": (N_("catalog.sharing"), "attribute."),
}
FACET_SHOWN = 8  # values per facet on the page; the rest are reached by searching
Text = Annotated[str, Query(max_length=100)]
Cursor = Annotated[str | None, Query(max_length=200)]
Back = Annotated[list[str], Query(max_length=MAX_BACK)]
SubjectId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,32}$")]
OrgId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_.:-]{1,64}$")]


def _upstream(request: Request) -> Upstream:
    return request.app.state.upstream


def _filters(request: Request) -> dict[str, str]:
    """The filters of the page's query string that the catalogue accepts (others are ignored, not refused)."""
    values = {name: request.query_params.get(name, "").strip()[:100] for name in ("q", *FILTERS)}
    return {name: value for name, value in values.items() if value}


def _href(filters: dict[str, str], **extra: Any) -> str:
    params = [*filters.items(), *((k, v) for k, v in extra.items() if not isinstance(v, list) and v),
              *((k, item) for k, v in extra.items() if isinstance(v, list) for item in v)]
    return "/?" + urlencode(params) if params else "/"


def _facets(facets: dict[str, Any], filters: dict[str, str]) -> list[dict[str, Any]]:
    """Each facet's values with their counts and the link that adds (or, when chosen, removes) the filter."""
    groups = []
    for name, (label, prefix) in FILTERS.items():
        values = []
        for item in facets.get(name, [])[:FACET_SHOWN]:
            chosen = filters.get(name) == item["value"]
            narrowed = {k: v for k, v in filters.items() if k != name} | ({} if chosen else {name: item["value"]})
            values.append({"value": item["value"], "label": item.get("label"), "count": item["count"],
                           "chosen": chosen, "href": _href(narrowed)})
        if values:
            groups.append({"name": name, "label": label, "prefix": prefix, "values": values})
    return groups


async def _search(request: Request, filters: dict[str, str], cursor: str | None) -> tuple[dict, dict, dict]:
    params = {**filters, "status": "registered"}
    upstream = _upstream(request)
    try:
        return await asyncio.gather(
            upstream.call("registry", "GET", "/catalog/search", params={**params, "limit": PAGE,
                                                                        **({"cursor": cursor} if cursor else {})}),
            upstream.call("registry", "GET", "/catalog/facets", params=params),
            upstream.call("registry", "GET", "/catalog/figures"))
    except ApiError as exc:
        if exc.status not in (400, 422):
            raise
        # A filter value the catalogue refuses (a forged link) or a stale cursor: the page without them.
        raise HTTPException(404) from None


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, cursor: Cursor = None, back: Back = [],  # noqa: B006 - FastAPI copies it
               page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    """Search and browse the public catalogue; the headline figures; the ways in for the public."""
    filters = _filters(request)
    hits, facets, figures = await _search(request, filters, cursor)
    back = back[-MAX_BACK:]
    pages = max(1, ceil(facets["total"] / PAGE))
    pager = {"page": page, "pages": pages, "total": facets["total"],
             "first": _href(filters) if cursor else None,
             "previous": None, "next": None}
    if cursor:
        earlier = back[-1] if back else ""
        pager["previous"] = _href(filters, cursor=earlier, back=back[:-1], page=page - 1 if page > 2 else None) \
            if earlier or page == 2 else None
    if hits.get("next_cursor"):
        pager["next"] = _href(filters, cursor=hits["next_cursor"], back=[*back, cursor or ""][-MAX_BACK:],
                              page=page + 1)
    chosen = [{"name": name, "label": FILTERS[name][0], "prefix": FILTERS[name][1], "value": value,
               "href": _href({k: v for k, v in filters.items() if k != name})}
              for name, value in filters.items() if name in FILTERS]
    # Names of the chosen organization and region, as the facets label them (an id or a code is not read).
    for c in chosen:
        c["shown"] = next((item.get("label") for item in facets.get(c["name"], []) if item["value"] == c["value"]),
                          None) or c["value"]
    return render(request, "home.html", hits=hits["items"], facets=_facets(facets, filters), filters=filters,
                  chosen=chosen, figures=figures, pager=pager, searched=bool(filters))


@router.get("/datasets/{subject_id}", response_class=HTMLResponse)
async def dataset(request: Request, subject_id: SubjectId):
    """One registered resource or product, as the public catalogue holds it."""
    try:
        answer = await _upstream(request).call("registry", "GET", "/api/3/action/package_show",
                                               params={"id": subject_id})
    except ApiError as exc:
        if exc.status not in (404, 409):  # CKAN answers a missing id 404, a malformed one 409
            raise
        raise HTTPException(404) from None
    record = answer["result"]
    extras = {e["key"]: e["value"] for e in record.get("extras", [])}
    return render(request, "dataset.html", record=record, extras=extras, kind=extras.get("pdr_kind", "resource"))


async def _org_entries(request: Request, org_id: str, kind: str) -> dict[str, Any]:
    return await _upstream(request).call("registry", "GET", "/catalog/search", params={
        "org": org_id, "kind": kind, "status": "registered", "limit": ORG_PAGE})


@router.get("/organizations/{org_id}", response_class=HTMLResponse)
async def organization(request: Request, org_id: OrgId):
    """An organization's registered resources and products, by name."""
    facets = await _upstream(request).call("registry", "GET", "/catalog/facets",
                                           params={"org": org_id, "status": "registered"})
    if not facets["total"]:
        raise HTTPException(404)  # no public record: not an organization the public catalogue knows
    resources, products = await asyncio.gather(_org_entries(request, org_id, "resource"),
                                               _org_entries(request, org_id, "product"))
    name = next((item.get("label") for item in facets["org"] if item["value"] == org_id), None) or org_id
    counts = {item["value"]: item["count"] for item in facets["kind"]}
    return render(request, "organization.html", org_id=org_id, name=name, counts=counts,
                  resources=resources["items"], products=products["items"], per_list=ORG_PAGE,
                  search=_href({"org": org_id}), domains=facets["domain"][:FACET_SHOWN])
