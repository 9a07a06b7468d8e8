"""DCAT-AP import: a catalog (Turtle, JSON-LD or RDF/XML) becomes pre-filled resource drafts of the importer.

Each dcat:Dataset gives a draft row (title, description, theme, frequency, access rights, spatial division
code) that then goes through the bulk importer, so validation, idempotency by name and the report are the
same as for a spreadsheet. What DCAT cannot say (sharing attribute, grading) stays empty for the owner.
The catalog is read within ``ImportLimits`` (bytes, statements, datasets, nesting), with rdflib's parsers
guarded by rdf_guards.py; like a spreadsheet, it is parsed in the import worker (parsing.py).
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from services.kernel.problems import ContentTooLarge, Problem, Unprocessable

from .limits import MIB, ImportLimits
from .rdf_guards import BoundedStore, check_jsonld, check_rdfxml, too_deep
from .sheets import HEADERS, Sheet
from .vocab import EU_ACCESS_RIGHT, EU_FREQUENCY, FREQUENCY_FROM_EU, OPENING_FROM_EU

__all__ = ["FORMATS", "sheet_from_dcat"]

FORMATS = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml"}
_DIVISION = re.compile(r"(\d{6})/?$")
# What a dataset can say of a draft, in the order of each row's cells.
FIELDS = ("name", "description", "domain", "update_frequency", "opening_attribute", "region_code")


def _text(graph: Graph, node, prop) -> str:
    """The Chinese value if there is one, else an untagged one, else any."""
    values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
    values.sort(key=lambda v: 0 if (v.language or "").lower().startswith("zh") else 1 if not v.language else 2)
    return str(values[0]).strip() if values else ""


def _row(graph: Graph, node) -> dict[str, str]:
    row = {"name": _text(graph, node, DCTERMS.title)[:200], "description": _text(graph, node, DCTERMS.description)}
    theme = graph.value(node, DCAT.theme)
    theme_label = _text(graph, theme, SKOS.prefLabel) if theme is not None else ""
    row["domain"] = theme_label or _text(graph, node, DCAT.keyword)
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


def _graph(data: bytes, fmt: str, limits: ImportLimits) -> Graph:
    if fmt == "json-ld":
        check_jsonld(data, limits)
    elif fmt == "xml":
        check_rdfxml(data, limits)
    try:
        return Graph(store=BoundedStore(limits.max_triples)).parse(data=data.decode("utf-8"), format=fmt)
    except (Problem, MemoryError):
        raise
    except RecursionError:  # Turtle's nested blank nodes and lists recurse in rdflib's parser
        raise too_deep(limits) from None
    except SystemError as exc:  # C code (rdflib's, Python's) that failed to allocate under the worker's memory cap
        raise MemoryError from exc  # says so this way, without a MemoryError; malformed input raises parser errors
    except Exception as exc:  # noqa: BLE001 (answered 422:) rdflib raises parser-specific errors for malformed input; RecursionError too
        raise Unprocessable(f"The catalog cannot be parsed as {fmt}: {type(exc).__name__}.",
                            slug="import-unreadable") from None


def sheet_from_dcat(filename: str, data: bytes, limits: ImportLimits | None = None) -> Sheet:
    """A sheet of draft rows, one per dcat:Dataset, in document order of their IRIs."""
    limits = limits or ImportLimits()
    suffix = "." + filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise Unprocessable("A DCAT-AP catalog must be .ttl, .jsonld, .json or .rdf.", slug="import-format")
    if len(data) > limits.max_dcat_bytes:
        raise ContentTooLarge(f"A catalog may be at most {limits.max_dcat_bytes // MIB} MiB.",
                              slug="import-too-large")
    graph = _graph(data, fmt, limits)
    datasets = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
    if len(datasets) > limits.max_datasets:
        raise ContentTooLarge(f"A catalog may hold at most {limits.max_datasets} datasets.",
                              slug="import-too-many-rows", max_rows=limits.max_datasets)
    rows = [(index, tuple(_row(graph, node).get(field, "") for field in FIELDS))
            for index, node in enumerate(datasets, start=1)]
    return Sheet(columns={field: field for field in HEADERS}, fields=FIELDS, rows=rows, ignored_headers=[])
