"""What a CKAN client sends, read as CKAN reads it and checked before any of it reaches SQL.

Data comes from the query string on GET (a repeated key gives a list) or from a JSON object body on POST
(ckan/views/api.py: ``_get_request_data``). Every text value keeps issue 18's rules (kernel.text: no control,
bidirectional or surrogate characters), refused as a CKAN Validation Error naming the field.

``package_search`` filters speak CKAN's field names and mean PDR's facets (catalog/search.py)::

    organization, owner_org, org   the publishing organization's id
    tags, domain                   the data domain (a product's scenarios are tags too, but not searchable)
    res_format, form               a product's form: dataset, api, model, report, application
    region                         the GB/T 2260 region code
    kind                           resource or product
    sharing, opening, grading      a resource's sharing and opening attributes and grading
    metadata_modified:[X TO Y]     changed within [X, Y] (ISO instants ending in Z, * for an open end): what an
                                   incremental harvest asks for since its last run

``dataset_type:dataset``, ``type:dataset``, ``capacity:public`` and ``state:active`` describe every record
here (all are public, active datasets), so they filter nothing; any other value of them matches nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError as PydanticError

from services.kernel.text import refused_character

from ..catalog.schemas import SearchFilters
from .errors import BadRequest, SearchError, SearchQueryError, ValidationError
from .query import SORT_KEYS

__all__ = ["FACET_FIELDS", "FILTER_FIELDS", "MAX_ROWS", "SearchRequest", "boolean", "natural", "read_data",
           "required_text", "search_request", "text"]

MAX_ROWS = 1000  # CKAN's ckan.search.rows_max: more is cut to it, as CKAN does
MAX_START = 2**31 - 1
MAX_TEXT = {"q": 200, "fq": 2000, "sort": 200, "id": 100}
DEFAULT_SORT = "score desc, metadata_modified desc"  # CKAN's default (ckan.search.default_package_sort)
FILTER_FIELDS = {"organization": "org", "owner_org": "org", "org": "org", "tags": "domain", "domain": "domain",
                 "res_format": "form", "form": "form", "region": "region", "kind": "kind", "sharing": "sharing",
                 "opening": "opening", "grading": "grading"}
FACET_FIELDS = {name: dim for name, dim in FILTER_FIELDS.items() if name not in ("owner_org", "org")}
CONSTANT_FIELDS = {"dataset_type": "dataset", "type": "dataset", "capacity": "public", "state": "active"}
SEARCH_PARAMETERS = frozenset({"q", "fq", "fq_list", "rows", "start", "sort", "facet", "facet.field",
                               "facet.limit", "facet.mincount", "include_private", "include_drafts",
                               "include_deleted", "use_default_schema"})
_FQ_TERM = re.compile(r'\s*\+?([A-Za-z_][A-Za-z0-9_.]*):(?:"([^"]*)"|\[(\S+) TO (\S+)\]|([^\s"()\[\]]+))\s*')
# Solr's date form, as CKAN's harvesters write it (ckanext-harvest: metadata_modified:[2026-01-01T00:00:00Z TO *]).
_SOLR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


@dataclass
class SearchRequest:
    filters: SearchFilters
    rows: int
    start: int
    sort: str
    order: list[tuple[str, bool]]
    facet_fields: list[str] = field(default_factory=list)
    facet_limit: int = 50
    facet_mincount: int = 1
    matches_nothing: bool = False  # the filters contradict each other or name a value no record has


async def read_data(request) -> dict[str, Any]:
    """The action's data dict: query parameters on GET, a JSON object on POST."""
    if request.method == "GET":
        data: dict[str, Any] = {}
        for key, value in request.query_params.multi_items():
            data[key] = [*data[key], value] if isinstance(data.get(key), list) else (
                [data[key], value] if key in data else value)
    else:
        body = await request.body()
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # invalid UTF-8 is a ValueError too
            raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {type(exc).__name__}") from None
        if not isinstance(data, dict):
            raise BadRequest("Bad request data: Request data JSON decoded to a "
                             f"{type(data).__name__} but it needs to be a dictionary.")
    data.pop("callback", None)  # JSONP: CKAN drops it from the data; this API never wraps JSON in a script
    _check_text(data)
    return data


def _check_text(data: dict[str, Any]) -> None:
    errors = {}
    for key, value in data.items():
        problem = _refused(key) or _refused(value)
        if problem:
            errors[key if not _refused(key) else "__key"] = [f"Text must not contain {problem}"]
    if errors:
        raise ValidationError(errors)


def _refused(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, str):
        return refused_character(value)
    if isinstance(value, list) and depth < 2:
        return next((p for p in (_refused(item, depth + 1) for item in value) if p), None)
    if isinstance(value, dict) and depth < 2:
        return next((p for p in (_refused(item, depth + 1) for kv in value.items() for item in kv) if p), None)
    return None


def natural(data: dict[str, Any], key: str, default: int, maximum: int) -> int:
    """CKAN's natural_number_validator: an integer (or its digits) of at least 0."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError({key: ["Invalid integer"]})
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({key: ["Invalid integer"]}) from None
    if number < 0:
        raise ValidationError({key: ["Must be a natural number"]})
    if number > maximum:
        raise ValidationError({key: [f"Must be at most {maximum}"]})
    return number


def boolean(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        return value.lower() in ("true", "1", "yes", "on")
    raise ValidationError({key: ["Must be a boolean"]})


def text(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ValidationError({key: ["Must be a string"]})
    if len(value) > MAX_TEXT.get(key, 200):
        raise ValidationError({key: [f"Must be at most {MAX_TEXT.get(key, 200)} characters"]})
    return value


def required_text(data: dict[str, Any], key: str) -> str:
    if not data.get(key):
        raise ValidationError({key: ["Missing value"]})
    return text(data, key)


def _order(sort: str) -> list[tuple[str, bool]]:
    order = []
    for part in sort.split(","):
        words = part.split()
        if len(words) != 2 or words[1] not in ("asc", "desc") or words[0] not in (*SORT_KEYS, "score"):
            raise SearchQueryError('Invalid "sort" parameter')
        order.append((words[0], words[1] == "desc"))
    return order


def _filters(q: str, fq_parts: list[str]) -> tuple[SearchFilters | None, bool]:
    """The catalogue's filters, and whether they can match anything."""
    values: dict[str, str] = {}
    nothing = False
    for fq in fq_parts:
        position = 0
        while position < len(fq):
            term = _FQ_TERM.match(fq, position)
            if term is None or term.end() == position:
                if fq[position:].strip():
                    raise SearchError(f"Cannot parse fq near {fq[position:position + 40]!r}: "
                                      "use field:value or field:\"value\" terms joined by spaces or +")
                break
            position = term.end()
            name, quoted, low, high, bare = term.groups()
            if low is not None:
                if name != "metadata_modified":
                    raise SearchError(f"Cannot filter {name} by a range: only metadata_modified:[X TO Y]")
                for bound, dim in ((low, "modified_since"), (high, "modified_until")):
                    if bound != "*":
                        values[dim] = _instant(bound)
                continue
            value = quoted if quoted is not None else bare
            if name in CONSTANT_FIELDS:
                nothing |= value != CONSTANT_FIELDS[name]
            elif name in FILTER_FIELDS:
                dim = FILTER_FIELDS[name]
                nothing |= values.setdefault(dim, value) != value  # two values of one field: no record has both
            else:
                raise SearchError(f"undefined field {name}")
    try:
        return SearchFilters(q=q or None, **values), nothing
    except PydanticError:
        return SearchFilters(q=q or None), True  # a value no record can have (a region that is not a code…)


def _instant(text: str) -> str:
    try:
        if not _SOLR_DATE.fullmatch(text):
            raise ValueError(text)
        return datetime.fromisoformat(text).isoformat()  # Python 3.11 reads the Z
    except ValueError:
        raise SearchError(f"Cannot parse {text!r} as a date: use 2026-01-31T00:00:00Z (or * for an open end)") from None


def _facet_fields(data: dict[str, Any]) -> list[str]:
    raw = data.get("facet.field", [])
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else []
        except (ValueError, RecursionError):
            raise ValidationError({"facet.field": ["Must be a JSON list of field names"]}) from None
    if not isinstance(raw, list) or len(raw) > 20 or not all(isinstance(name, str) for name in raw):
        raise ValidationError({"facet.field": ["Must be a JSON list of field names"]})
    unknown = [name for name in raw if name not in FACET_FIELDS]
    if unknown:
        raise SearchError(f"undefined field {unknown[0]}")
    return list(dict.fromkeys(raw))


def search_request(data: dict[str, Any]) -> SearchRequest:
    unknown = sorted(set(data) - SEARCH_PARAMETERS)
    if unknown:
        raise SearchError(f"Invalid search parameters: {unknown}")  # CKAN's SearchParameterError
    q = text(data, "q").strip()
    if q == "*:*":
        q = ""
    fq_list = data.get("fq_list", [])
    if isinstance(fq_list, str):
        fq_list = [fq_list]
    if not isinstance(fq_list, list) or not all(isinstance(part, str) and len(part) <= MAX_TEXT["fq"]
                                                for part in fq_list):
        raise ValidationError({"fq_list": ["Must be a list of strings"]})
    filters, nothing = _filters(q, [text(data, "fq"), *fq_list])
    sort = text(data, "sort") or DEFAULT_SORT
    if sort == "rank":
        sort = DEFAULT_SORT
    rows = min(natural(data, "rows", 10, 2**31 - 1), MAX_ROWS)
    facet_limit = data.get("facet.limit", 50)
    try:
        facet_limit = int(facet_limit)
    except (TypeError, ValueError):
        raise ValidationError({"facet.limit": ["Invalid integer"]}) from None
    return SearchRequest(
        filters=filters, rows=rows, start=natural(data, "start", 0, MAX_START), sort=sort, order=_order(sort),
        facet_fields=_facet_fields(data) if boolean(data, "facet", True) else [],
        facet_limit=facet_limit, facet_mincount=natural(data, "facet.mincount", 1, MAX_START),
        matches_nothing=nothing)
