"""Export stage: deterministic writers for Turtle, TriG, N-Triples, N-Quads and JSON-LD.

rdflib's N-Triples, N-Quads and JSON-LD writers order their output by hash, so the
bytes change with ``PYTHONHASHSEED``. These writers sort everything: the same dataset
always gives the same bytes. They are pure functions from quads to text (``to_*``);
``kg build`` stages them on disk atomically (pipeline/outputs.py). Each is checked against
the W3C RDF 1.1 test suites (tests/test_w3c.py) and re-parsed by pyoxigraph in every test run.

>>> from rdflib import URIRef, Literal
>>> q = [(URIRef("http://e/s"), URIRef("http://e/p"), Literal("Hà Nội", lang="vi"), None)]
>>> to_nquads(q)
'<http://e/s> <http://e/p> "Hà Nội"@vi .\\n'
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

Quad = tuple[Node, Node, Node, Node | None]  # graph None = default graph

_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t\b\f\x00-\x1f\x7f]')
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_BNODE_OK = re.compile(r"^[A-Za-z0-9_]+$")
_PN_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$")


def _escape_string(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        ch = m.group(0)
        return _ECHAR.get(ch) or f"\\u{ord(ch):04X}"

    return _NEEDS_ESCAPE.sub(repl, text)


def iri_nt(iri: str) -> str:
    """An IRI in angle brackets, with characters IRIREF forbids written as ``\\uXXXX``."""
    return "<" + _IRI_BAD.sub(lambda m: f"\\u{ord(m.group(0)):04X}", iri) + ">"


def bnode_label(node: BNode) -> str:
    """A blank-node label that every parser accepts."""
    text = str(node)
    if _BNODE_OK.match(text) and not text[0].isdigit():
        return "_:" + text

    return "_:b" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_RDF_TYPE = RDF.type  # namespace attribute lookups are slow in rdflib: look them up once
_XSD_STRING = XSD.string


@functools.lru_cache(maxsize=1 << 20)
def term_nt(term: Node) -> str:
    """A term in N-Triples syntax (``xsd:string`` literals written plain); memoised, since
    every writer formats and sorts by the same terms.

    >>> term_nt(Literal("8400000000", datatype=XSD.decimal, normalize=False))
    '"8400000000"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    """
    if isinstance(term, URIRef):
        return iri_nt(str(term))
    if isinstance(term, BNode):
        return bnode_label(term)
    if isinstance(term, Literal):
        body = '"' + _escape_string(str(term)) + '"'
        if term.language:
            return body + "@" + term.language
        if term.datatype is not None and term.datatype != _XSD_STRING:
            return body + "^^" + iri_nt(str(term.datatype))
        return body
    raise TypeError(f"not an RDF term: {term!r}")


def sort_key(term: Node) -> str:
    """The key every writer sorts by: the N-Triples form of the term."""
    return term_nt(term)


def to_nquads(quads: Iterable[Quad]) -> str:
    """Sorted, duplicate-free N-Quads."""
    lines = set()
    for s, p, o, g in quads:
        line = f"{term_nt(s)} {term_nt(p)} {term_nt(o)}"
        if g is not None:
            line += " " + term_nt(g)
        lines.add(line + " .\n")
    return "".join(sorted(lines))


def to_ntriples(quads: Iterable[Quad]) -> str:
    """Sorted, duplicate-free N-Triples of the union of all graphs."""
    return to_nquads((s, p, o, None) for s, p, o, _ in quads)


class _Names:
    """Compacts IRIs with the longest matching prefix whose local part is safe to write."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = prefixes
        self.by_length = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.cache: dict[str, str | None] = {}

    def compact(self, iri: str) -> str | None:
        if iri in self.cache:
            return self.cache[iri]
        found = None
        for name, ns in self.by_length:
            if iri.startswith(ns):
                local = iri[len(ns) :]
                if local == "" or _PN_LOCAL.match(local):
                    found = f"{name}:{local}"
                    break
        self.cache[iri] = found
        return found

    def turtle(self, term: Node) -> str:
        if isinstance(term, URIRef):
            if term == _RDF_TYPE:
                return "a"
            return self.compact(str(term)) or iri_nt(str(term))
        if (
            isinstance(term, Literal)
            and not term.language
            and term.datatype
            not in (
                None,
                _XSD_STRING,
            )
        ):
            dt = self.compact(str(term.datatype)) or iri_nt(str(term.datatype))
            return '"' + _escape_string(str(term)) + '"^^' + dt
        return term_nt(term)

    def header(self) -> str:
        return "".join(f"@prefix {n}: {iri_nt(ns)} .\n" for n, ns in self.prefixes.items())


def _turtle_block(triples: Iterable[tuple[Node, Node, Node]], names: _Names, indent: str) -> str:
    by_subject: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        by_subject[s][p].append(o)
    out: list[str] = []
    for s in sorted(by_subject, key=sort_key):
        preds = by_subject[s]
        order = sorted(preds, key=lambda p: (p != _RDF_TYPE, sort_key(p)))
        parts = []
        for p in order:
            objs = sorted(set(preds[p]), key=sort_key)
            parts.append(names.turtle(p) + " " + " , ".join(names.turtle(o) for o in objs))
        sep = " ;\n" + indent + "    "
        out.append(indent + names.turtle(s) + " " + sep.join(parts) + " .\n")
    return "\n".join(out)


def to_turtle(quads: Iterable[Quad], prefixes: dict[str, str]) -> str:
    """Turtle of the union of all graphs, subjects and predicates sorted."""
    names = _Names(prefixes)
    triples = {(s, p, o) for s, p, o, _ in quads}
    return names.header() + "\n" + _turtle_block(triples, names, "")


def to_trig(quads: Iterable[Quad], prefixes: dict[str, str]) -> str:
    """TriG: the default graph first (if any), then each named graph in IRI order."""
    names = _Names(prefixes)
    graphs: dict[Node | None, set[tuple[Node, Node, Node]]] = defaultdict(set)
    for s, p, o, g in quads:
        graphs[g].add((s, p, o))
    out = [names.header()]
    if graphs.get(None):
        out.append("\n" + _turtle_block(graphs.pop(None), names, ""))
    graphs.pop(None, None)
    for g in sorted(graphs, key=lambda t: sort_key(t)):  # type: ignore[arg-type]
        label = names.turtle(g) if isinstance(g, URIRef) else term_nt(g)
        out.append(f"\n{label} {{\n" + _turtle_block(graphs[g], names, "    ") + "}\n")
    return "".join(out)


def _jsonld_value(term: Node, names: _Names) -> object:
    if isinstance(term, URIRef):
        return {"@id": names.compact(str(term)) or str(term)}
    if isinstance(term, BNode):
        return {"@id": bnode_label(term)}
    assert isinstance(term, Literal)
    value: dict[str, str] = {"@value": str(term)}
    if term.language:
        value["@language"] = term.language
    elif term.datatype is not None and term.datatype != _XSD_STRING:
        value["@type"] = names.compact(str(term.datatype)) or str(term.datatype)
    return value


def _jsonld_id(term: Node, names: _Names) -> str:
    if isinstance(term, BNode):
        return bnode_label(term)
    return names.compact(str(term)) or str(term)


def _jsonld_nodes(triples: Iterable[tuple[Node, Node, Node]], names: _Names) -> list[dict]:
    by_subject: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
    for s, p, o in triples:
        by_subject[s][p].add(o)
    nodes = []
    for s in sorted(by_subject, key=sort_key):
        node: dict[str, object] = {"@id": _jsonld_id(s, names)}
        preds = by_subject[s]
        types = sorted(
            (o for o in preds.get(_RDF_TYPE, ()) if isinstance(o, URIRef | BNode)), key=sort_key
        )
        if types:
            node["@type"] = [_jsonld_id(t, names) for t in types]
        for p in sorted(preds, key=sort_key):
            objs = sorted(preds[p], key=sort_key)
            if p == _RDF_TYPE:
                objs = [o for o in objs if isinstance(o, Literal)]
                if not objs:
                    continue
            key = names.compact(str(p)) or str(p)
            node[key] = [_jsonld_value(o, names) for o in objs]
        nodes.append(node)
    return nodes


def to_jsonld(quads: Iterable[Quad], prefixes: dict[str, str]) -> str:
    """JSON-LD 1.1: a context of prefixes and one ``@graph`` object per named graph."""
    names = _Names(prefixes)
    graphs: dict[Node | None, set[tuple[Node, Node, Node]]] = defaultdict(set)
    for s, p, o, g in quads:
        graphs[g].add((s, p, o))
    top: list[dict] = _jsonld_nodes(graphs.pop(None, set()), names)
    for g in sorted(graphs, key=lambda t: sort_key(t)):  # type: ignore[arg-type]
        top.append({"@id": _jsonld_id(g, names), "@graph": _jsonld_nodes(graphs[g], names)})  # type: ignore[arg-type]

    # Written by hand around json.dumps of each node: one node per line keeps the file
    # readable and diff-friendly, and lets the C encoder do the work (indent= forces the
    # pure-Python one, the slowest part of this writer).
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    items = [" " + dump(node) for node in top if "@graph" not in node]
    for block in top:
        if "@graph" in block:
            inner = ",\n".join("   " + dump(node) for node in block["@graph"])
            items.append(' {"@id": ' + dump(block["@id"]) + ', "@graph": [\n' + inner + "\n ]}")
    head = '{"@context": ' + dump(dict(prefixes)) + ',\n "@graph": [\n'
    return head + ",\n".join(items) + "\n]}\n"


FORMATS = {
    "kg.ttl": "turtle",
    "kg.trig": "trig",
    "kg.nt": "ntriples",
    "kg.nq": "nquads",
    "kg.jsonld": "jsonld",
}


def render(fmt: str, quads: list[Quad], prefixes: dict[str, str]) -> str:
    """Render ``quads`` in one of the formats of :data:`FORMATS`."""
    if fmt == "turtle":
        return to_turtle(quads, prefixes)
    if fmt == "trig":
        return to_trig(quads, prefixes)
    if fmt == "ntriples":
        return to_ntriples(quads)
    if fmt == "nquads":
        return to_nquads(quads)
    if fmt == "jsonld":
        return to_jsonld(quads, prefixes)
    raise ValueError(f"unknown format {fmt!r}")


def iter_rendered(quads: list[Quad], prefixes: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(file name, text) for every export."""
    for name, fmt in FORMATS.items():
        yield name, render(fmt, quads, prefixes)
