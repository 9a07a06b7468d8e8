"""DCAT-AP import: a catalog (Turtle, JSON-LD or RDF/XML) becomes pre-filled resource drafts of the importer.

Each dcat:Dataset gives a draft row (title, description, theme, frequency, access rights, spatial division
code) that then goes through the bulk importer, so validation, idempotency by name and the report are the
same as for a spreadsheet. What DCAT cannot say (sharing attribute, grading) stays empty for the owner.
"""

from __future__ import annotations

import json
import re

from rdflib import Graph, Literal
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from services.kernel.problems import Unprocessable

from .sheets import HEADERS, Sheet
from .vocab import EU_ACCESS_RIGHT, EU_FREQUENCY, FREQUENCY_FROM_EU, OPENING_FROM_EU

__all__ = ["FORMATS", "sheet_from_dcat"]

FORMATS = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml"}
_DIVISION = re.compile(r"(\d{6})/?$")
MAX_DATASETS = 10_000


def _text(graph: Graph, node, prop) -> str:
    """The Chinese value if there is one, else an untagged one, else any."""
    values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
    values.sort(key=lambda v: 0 if (v.language or "").lower().startswith("zh") else 1 if not v.language else 2)
    return str(values[0]).strip() if values else ""


def _row(graph: Graph, node) -> dict[str, str]:
    row = {"name": _text(graph, node, DCTERMS.title)[:200], "description": _text(graph, node, DCTERMS.description)}
    theme = graph.value(node, DCAT.theme)
    row["domain"] = (_text(graph, theme, SKOS.prefLabel) if theme is not None else "") or _text(graph, node, DCAT.keyword)
    freq = str(graph.value(node, DCTERMS.accrualPeriodicity) or "")
    if freq.startswith(EU_FREQUENCY):
        row["update_frequency"] = FREQUENCY_FROM_EU.get(freq.removeprefix(EU_FREQUENCY), "")
    rights = str(graph.value(node, DCTERMS.accessRights) or "")
    if rights.startswith(EU_ACCESS_RIGHT):
        row["opening_attribute"] = OPENING_FROM_EU.get(rights.removeprefix(EU_ACCESS_RIGHT), "")
    for spatial in graph.objects(node, DCTERMS.spatial):
        if match := _DIVISION.search(str(spatial)):
            row["region_code"] = match.group(1)
            break
    return row


def _remote_contexts(node) -> bool:
    if isinstance(node, dict):
        return any((key in ("@context", "@import") and _names_url(value)) or _remote_contexts(value)
                   for key, value in node.items())
    if isinstance(node, list):
        return any(_remote_contexts(item) for item in node)
    return False


def _names_url(value) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return any(isinstance(item, str) for item in value)
    return isinstance(value, dict) and _remote_contexts(value)


def _refuse_remote_contexts(data: bytes) -> None:
    """The server never fetches a JSON-LD context named by URL: that would let an upload make it call out."""
    try:
        document = json.loads(data)
    except ValueError:
        raise Unprocessable("The catalog is not valid JSON.", slug="import-unreadable") from None
    if _remote_contexts(document):
        raise Unprocessable("JSON-LD contexts must be inline; remote contexts are not fetched.",
                            slug="import-remote-context")


def sheet_from_dcat(filename: str, data: bytes) -> Sheet:
    """A sheet of draft rows, one per dcat:Dataset, in document order of their IRIs."""
    suffix = "." + filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise Unprocessable("A DCAT-AP catalog must be .ttl, .jsonld, .json or .rdf.", slug="import-format")
    if fmt == "json-ld":
        _refuse_remote_contexts(data)
    try:
        graph = Graph().parse(data=data.decode("utf-8"), format=fmt)
    except Exception as exc:  # rdflib raises parser-specific errors for malformed input
        raise Unprocessable(f"The catalog cannot be parsed as {fmt}: {type(exc).__name__}.",
                            slug="import-unreadable") from None
    datasets = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
    if len(datasets) > MAX_DATASETS:
        raise Unprocessable(f"A catalog may hold at most {MAX_DATASETS} datasets.", slug="import-too-large")
    rows = [(index, _row(graph, node)) for index, node in enumerate(datasets, start=1)]
    return Sheet(columns={field: field for field in HEADERS}, rows=rows, ignored_headers=[])
