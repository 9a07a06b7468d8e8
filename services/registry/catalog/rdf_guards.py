"""What an uploaded DCAT catalog must pass before, and while, rdflib reads it (issue 18).

rdflib's parsers were written for trusted data. Each way they can be made to work without end is closed here:

- JSON-LD: the document is decoded once by the C decoder (a RecursionError there, past Python's recursion
  limit, is a refusal) and its nesting measured without recursion, so no Python-level walk (ours, rdflib's)
  meets a document 900 levels deep. Contexts named by URL are refused: an upload never makes the server fetch.
- RDF/XML: read once first by defusedxml's streaming parser, which refuses a DTD and so any entity (a 770-byte
  "billion laughs" froze the registry for 144 s: rdflib concatenates each expanded piece of text to the
  previous ones). It also bounds element nesting, the length of each text (pieces of one literal are joined
  quadratically) and the elements inside XML literals (``rdf:parseType="Literal"``: rdflib re-parses the
  literal at each of its elements, 9 s for 2,000 empty elements in 8 KB).
- Any format: the graph's store refuses the statement past ``max_triples`` as it is added.
"""

from __future__ import annotations

import io
import json

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from rdflib.plugins.stores.memory import Memory

from services.kernel.problems import ContentTooLarge, Unprocessable

from .limits import ImportLimits

__all__ = ["BoundedStore", "check_jsonld", "check_rdfxml", "too_deep"]

_PARSE_TYPE = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}parseType"


def too_deep(limits: ImportLimits) -> Unprocessable:
    return Unprocessable(f"The catalog nests deeper than {limits.max_depth} levels.", slug="import-too-deep",
                         max_depth=limits.max_depth)


def _deeper_than(document, limit: int) -> bool:
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


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


def check_jsonld(data: bytes, limits: ImportLimits) -> None:
    try:
        document = json.loads(data)
    except RecursionError:
        raise too_deep(limits) from None
    except ValueError:
        raise Unprocessable("The catalog is not valid JSON.", slug="import-unreadable") from None
    if _deeper_than(document, limits.max_depth):
        raise too_deep(limits)
    if _remote_contexts(document):  # recursive, but the nesting was bounded just above
        raise Unprocessable("JSON-LD contexts must be inline; remote contexts are not fetched.",
                            slug="import-remote-context")


def _check_text(text: str | None, limits: ImportLimits) -> None:
    if text and len(text) > limits.max_cell_chars:
        raise ContentTooLarge(f"A text of the catalog is longer than {limits.max_cell_chars} characters.",
                              slug="import-cell-too-large", max_cell_chars=limits.max_cell_chars)


def check_rdfxml(data: bytes, limits: ImportLimits) -> None:
    depth, literal_at, literal_elements = 0, 0, 0
    ended = None  # the element that ended last: its tail is complete at the next event
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if ended is not None:
                _check_text(ended.tail, limits)
            if event == "start":
                depth += 1
                if depth > limits.max_depth:
                    raise too_deep(limits)
                if literal_at:
                    literal_elements += 1
                    if literal_elements > limits.max_xml_literal_elements:
                        raise Unprocessable(f"The catalog's XML literals hold more than "
                                            f"{limits.max_xml_literal_elements} elements.", slug="import-xml-literal")
                elif element.get(_PARSE_TYPE) == "Literal":
                    literal_at = depth
                continue
            _check_text(element.text, limits)
            _check_text(element.tail, limits)  # already there when the parser ran ahead of the events
            if literal_at == depth:
                literal_at = 0
            depth -= 1
            element.clear()  # only the skeleton of the tree is kept
            ended = element
    except DefusedXmlException:
        raise Unprocessable("The catalog declares a DTD or entities, which are not read.",
                            slug="import-xml-entities") from None
    except SyntaxError as exc:  # ElementTree's ParseError
        raise Unprocessable(f"The catalog cannot be parsed as xml: {exc}.", slug="import-unreadable") from None


class BoundedStore(Memory):
    """rdflib's in-memory store, refusing the statement past ``max_triples`` while a parser adds them."""

    def __init__(self, max_triples: int) -> None:
        super().__init__()
        self.max_triples, self.added = max_triples, 0

    def add(self, triple, context, quoted: bool = False) -> None:
        self.added += 1
        if self.added > self.max_triples:
            raise ContentTooLarge(f"The catalog holds more than {self.max_triples} statements.",
                                  slug="import-too-many-triples", max_triples=self.max_triples)
        super().add(triple, context, quoted)
