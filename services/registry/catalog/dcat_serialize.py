"""The export's triples and their three serializations (Turtle, JSON-LD, RDF/XML).

A page of the harvest source holds up to a thousand records of about thirty triples each. Building an rdflib
``Graph`` and asking it for Turtle costs seconds per page (its serializer sorts and indexes every subject), so
the export collects triples in ``Triples`` (insertion-ordered, deduplicated, grouped by subject) and writes
Turtle and JSON-LD directly from the groups, with rdflib's own term syntax (``n3()``) doing the escaping.
RDF/XML goes through rdflib's serializer. Tests parse every serialization back with rdflib and validate it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS, SKOS, XSD

__all__ = ["ADMS", "HYDRA", "ODRL", "PREFIXES", "VCARD", "Names", "Text", "Triples", "blocks", "to_jsonld", "to_rdfxml",
           "to_turtle"]

ADMS = Namespace("http://www.w3.org/ns/adms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF),
            "skos": str(SKOS), "xsd": str(XSD), "adms": str(ADMS), "odrl": str(ODRL), "vcard": str(VCARD),
            "hydra": str(HYDRA)}
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_IRI = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')  # what an IRIREF may hold unescaped (Turtle §6.5)
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))



class Text(NamedTuple):
    """A literal written as it is, for the few per record (title, description, identifier, dates): an rdflib
    ``Literal`` checks and converts its value on creation, which is most of a page's cost. ``graph()`` turns it
    into one."""

    value: str
    lang: str | None = None
    datatype: str | None = None  # a full IRI

    def literal(self) -> Literal:
        return Literal(self.value, lang=self.lang, datatype=URIRef(self.datatype) if self.datatype else None)


Node = URIRef | BNode | str  # a plain str is an IRI
Term = URIRef | BNode | Literal | Text | str


class Triples:
    """Triples in the order they were added, grouped by subject (the shape of the output). Not deduplicated:
    comparing rdflib terms costs more than writing a statement twice, which every RDF reader takes as once; the
    builder describes each shared node once (catalog/dcat_records.py ``Builder``)."""

    def __init__(self) -> None:
        self.subjects: dict[Node, list[tuple[URIRef, Term]]] = {}

    def add(self, triple: tuple[Node, URIRef, Term]) -> None:
        pairs = self.subjects.get(triple[0])
        if pairs is None:
            self.subjects[triple[0]] = [(triple[1], triple[2])]
        else:
            pairs.append((triple[1], triple[2]))

    def __iter__(self) -> Iterator[tuple[Node, URIRef, Term]]:
        for subject, pairs in self.subjects.items():
            for predicate, obj in pairs:
                yield subject, predicate, obj

    def __len__(self) -> int:
        return sum(len(pairs) for pairs in self.subjects.values())

    def graph(self) -> Graph:
        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        for subject, predicate, obj in self:
            graph.add((_term(subject), predicate, obj.literal() if isinstance(obj, Text) else _term(obj)))
        return graph


def _term(node):
    """rdflib's term for a node: a plain str is an IRI."""
    return URIRef(node) if type(node) is str else node


_ROOTS = tuple({ns[:ns.index("/", 8) + 1] for ns in PREFIXES.values()})  # the namespaces' sites


def _qname(iri: str) -> str | None:
    iri = str(iri)  # str's own startswith: rdflib's URIRef wraps it in Python
    if not iri.startswith(_ROOTS):  # a record's own IRI, a page: not in any namespace
        return None
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns) and _LOCAL.fullmatch(iri, len(ns)):
            return f"{prefix}:{iri[len(ns):]}"
    return None


class Names(dict):
    """Turtle names of IRIs met more than once (vocabulary terms, shared nodes), computed once per page."""

    def __init__(self) -> None:
        super().__init__({RDF.type: "a"})

    def __missing__(self, term: Term) -> str:
        if isinstance(term, Text):  # JSON's string escapes are Turtle's (ECHAR, UCHAR)
            quoted = json.dumps(term.value, ensure_ascii=False)
            if term.lang:
                return f"{quoted}@{term.lang}"
            return f"{quoted}^^{_qname(term.datatype) or '<' + term.datatype + '>'}" if term.datatype else quoted
        if isinstance(term, Literal):
            if term.datatype is not None and not term.language:  # xsd:dateTime, not its full IRI
                return f'"{term}"^^{_qname(term.datatype) or term.datatype.n3()}'
            return term.n3()  # not kept: literals rarely repeat
        if isinstance(term, BNode):
            text = f"_:{term}"
        else:  # one regular expression checks what rdflib's n3() checks character by character in Python
            text = _qname(term) or (f"<{term}>" if _IRI.fullmatch(term) else term.n3())
        self[term] = text
        return text


def to_turtle(triples: Triples, names: Names | None = None, tail: Iterable[str] = ()) -> str:
    """Turtle of ``triples``, then the ``tail`` blocks (records written from templates: catalog/dcat_turtle.py)."""
    out = [f"@prefix {prefix}: <{ns}> ." for prefix, ns in PREFIXES.items()]
    out.append("")
    out.append(blocks(triples, names or Names()))
    out.extend(tail)
    return "\n".join(out)


def blocks(triples: Triples, names: Names) -> str:
    """One Turtle statement per subject, its predicate-object pairs joined by ``;``."""
    out = []
    for subject, pairs in triples.subjects.items():
        body = " ;\n    ".join(f"{names[p]} {names[o]}" for p, o in pairs)
        out.append(f"{names[subject]} {body} .\n")
    return "\n".join(out)


def _jsonld_value(term: Term) -> dict:
    if isinstance(term, Text):
        if term.lang:
            return {"@value": term.value, "@language": term.lang}
        return {"@value": term.value, "@type": _qname(term.datatype) or term.datatype} if term.datatype \
            else {"@value": term.value}
    if isinstance(term, Literal):
        if term.language:
            return {"@value": str(term), "@language": term.language}
        if term.datatype:
            return {"@value": str(term), "@type": _qname(term.datatype) or str(term.datatype)}
        return {"@value": str(term)}
    return {"@id": f"_:{term}" if isinstance(term, BNode) else str(term)}


def to_jsonld(triples: Triples) -> str:
    """JSON-LD 1.1 in compacted-IRI form: one node object per subject in ``@graph``, prefixes in ``@context``."""
    nodes = []
    for subject, pairs in triples.subjects.items():
        node: dict = {"@id": f"_:{subject}" if isinstance(subject, BNode) else str(subject)}
        for predicate, obj in pairs:
            if predicate == RDF.type:
                node.setdefault("@type", []).append(_qname(obj) or str(obj))
            else:
                node.setdefault(_qname(predicate) or str(predicate), []).append(_jsonld_value(obj))
        nodes.append(node)
    return json.dumps({"@context": PREFIXES, "@graph": nodes}, ensure_ascii=False)


def to_rdfxml(triples: Triples) -> str:
    return triples.graph().serialize(format="xml")
