"""The read actions of CKAN's action API (ckan/logic/action/get.py), over PDR's public catalogue.

Every caller is the public here, whatever token it sends: a portal harvesting PDR, or ``ckanapi`` sending
its API key, reads registered resources and products only (issue 18: public endpoints show public records).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from services.kernel.db import Database

from ..catalog import search as catalog_search
from ..catalog.schemas import SearchFilters
from . import query
from .errors import NotFound, ValidationError
from .packages import organization, package
from .params import (
    FACET_FIELDS,
    MAX_ROWS,
    boolean,
    natural,
    required_text,
    search_request,
    text,
)

__all__ = ["ACTIONS", "ActionContext"]

CKAN_VERSION = "2.10.0"  # the CKAN release whose action API this one answers like
# organization_list: CKAN's ckan.group_and_organization_list_max and ..._all_fields_max defaults.
ORG_LIST_MAX, ORG_LIST_ALL_FIELDS_MAX = 1000, 25
ORG_SORTS = {"name": "org_id", "title": "org_name", "package_count": "package_count"}


@dataclass(frozen=True)
class ActionContext:
    db: Database
    base_url: str  # the registry's public base, no trailing slash


Action = Callable[[ActionContext, dict[str, Any]], Awaitable[Any]]


def _packages(ctx: ActionContext, records: list[dict]) -> list[dict]:
    return [package(record, base_url=ctx.base_url, code=record["query_code"], scenarios=record["scenarios"])
            for record in records]


async def package_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search the public catalogue: q, fq, fq_list, rows, start, sort, facet.field, facet.limit, facet.mincount."""
    req = search_request(data)
    if req.matches_nothing:
        count, entries = 0, []
    else:
        count, entries = await query.slice_of(ctx.db, req.filters, order=req.order, start=req.start, rows=req.rows)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict[str, Any]] = {}
    results = _packages(ctx, entries)
    if req.facet_fields:
        async with ctx.db.read_sessions() as session:
            counted = None if req.matches_nothing else await catalog_search.facets(session, req.filters, None)
        for name in req.facet_fields:
            items = [] if counted is None else [
                c for c in getattr(counted, FACET_FIELDS[name]) if c.count >= req.facet_mincount]
            if req.facet_limit >= 0:
                items = items[:req.facet_limit]
            facets[name] = {c.value: c.count for c in items}
            search_facets[name] = {"title": name, "items": [
                {"name": c.value, "display_name": c.label or c.value, "count": c.count} for c in items]}
    return {"count": count, "results": results, "sort": req.sort, "facets": facets, "search_facets": search_facets}


async def package_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """One public dataset by id or name."""
    subject_id = required_text(data, "id")
    record = await query.entry_by_id(ctx.db, subject_id)
    if record is None:
        raise NotFound()
    (found,) = _packages(ctx, [record])
    return found


async def _organizations(ctx: ActionContext, names: list[str] | None = None) -> list[dict]:
    async with ctx.db.read_sessions() as session:
        return await query.organizations(session, names)


async def organization_list(ctx: ActionContext, data: dict[str, Any]) -> list:
    """Organizations that publish: names, or with all_fields their dictionaries; sort, limit, offset."""
    all_fields = boolean(data, "all_fields", False)
    sort = text(data, "sort") or "name asc"
    words = sort.split()
    if len(words) > 2 or words[0] not in ORG_SORTS or (len(words) == 2 and words[1] not in ("asc", "desc")):
        raise ValidationError({"sort": [f"Cannot sort by field `{words[0] if words else sort}`"]})
    most = ORG_LIST_ALL_FIELDS_MAX if all_fields else ORG_LIST_MAX
    limit = min(natural(data, "limit", most, 2**31 - 1), most)
    offset = natural(data, "offset", 0, 2**31 - 1)
    wanted = data.get("organizations")
    if isinstance(wanted, str):
        wanted = [wanted]
    if wanted is not None and not (isinstance(wanted, list) and all(isinstance(n, str) for n in wanted)):
        raise ValidationError({"organizations": ["Must be a list of names"]})
    orgs = await _organizations(ctx, wanted)
    needle = text(data, "q").lower()
    if needle:
        orgs = [o for o in orgs if needle in o["org_id"].lower() or needle in o["org_name"].lower()]
    key = ORG_SORTS[words[0]]
    orgs.sort(key=lambda o: (o[key], o["org_id"]), reverse=len(words) == 2 and words[1] == "desc")
    orgs = orgs[offset:offset + limit]
    if not all_fields:
        return [o["org_id"] for o in orgs]
    return [organization(o["org_id"], o["org_name"], created=o["created_at"], package_count=o["package_count"])
            for o in orgs]


async def organization_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """One organization that publishes, by id or name; include_datasets adds its first 1,000 datasets."""
    org_id = required_text(data, "id")
    include_datasets = boolean(data, "include_datasets", False)
    found = await _organizations(ctx, [org_id])
    if not found:
        raise NotFound("Organization was not found.")
    (row,) = found
    result = organization(row["org_id"], row["org_name"], created=row["created_at"],
                          package_count=row["package_count"])
    result.update(users=[], groups=[], tags=[], extras=[])
    if include_datasets:
        _count, entries = await query.slice_of(ctx.db, SearchFilters(org=row["org_id"]),
                                               order=[("metadata_modified", True)], start=0, rows=MAX_ROWS)
        result["packages"] = _packages(ctx, entries)
    return result


async def status_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """What this site is and which CKAN action API it answers like."""
    return {"site_title": "公共数据资源登记平台 (PDR)", "site_description": "Register of public data resources "
            "and products: the registered records, read through CKAN's action API.", "site_url": ctx.base_url,
            "ckan_version": CKAN_VERSION, "error_emails_to": None, "locale_default": "zh_Hans_CN",
            "extensions": []}


async def help_show(ctx: ActionContext, data: dict[str, Any]) -> str:
    """The documentation of one action."""
    name = required_text(data, "name")
    if name not in ACTIONS:
        raise NotFound(f"Action function not found: {name}"[:200])
    return ACTIONS[name].__doc__ or ""


ACTIONS: dict[str, Action] = {action.__name__: action for action in (
    package_search, package_show, organization_list, organization_show, status_show, help_show)}
