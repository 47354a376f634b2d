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

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from .formats import export_files
from .iri import compact, iri_nt, to_nt

Quad = tuple[Node, Node, Node, Node | None]  # graph None = default graph

Writer = Callable[..., Iterator[str]]  # (quads or sorted rows, prefixes) -> pieces of text
# The writer of each format of the registry (pipeline/formats.py), by its name: a new export
# is its writer, marked @writes("name"), and its row in the registry.
WRITERS: dict[str, Writer] = {}


def writes(name: str) -> Callable[[Writer], Writer]:
    """Register the decorated function as the writer of the registry format ``name``."""

    def register(writer: Writer) -> Writer:
        WRITERS[name] = writer
        return writer

    return register


# A JSON string literal as json.dumps(text, ensure_ascii=False) writes it (the C encoder).
_json_string = json.JSONEncoder(ensure_ascii=False).encode
_RDF_TYPE = RDF.type  # namespace attribute lookups are slow in rdflib: look them up once
_XSD_STRING = XSD.string


class Rows:
    """The quads as N-Triples strings, duplicate-free and sorted once for every writer.

    ``rows`` are ``(s, p, o, g)`` tuples of N-Triples forms (``g`` is ``""`` for the default
    graph), in the order of the N-Quads lines they make: a space sorts before every character
    a term may end in or continue with, so sorting the tuples sorts the lines. ``terms`` maps
    each N-Triples form back to a term of the input.
    """

    def __init__(self, quads: Iterable[Quad]):
        nt_of: dict[Node, str] = {}
        terms: dict[str, Node] = {}

        def nt(term: Node) -> str:
            text = nt_of.get(term)
            if text is None:
                text = nt_of[term] = to_nt(term)
                terms.setdefault(text, term)
            return text

        get = nt_of.get
        found = []  # a list, deduplicated once sorted: cheaper than a set of every row
        for s, p, o, g in quads:
            found.append(
                (
                    get(s) or nt(s),
                    get(p) or nt(p),
                    get(o) or nt(o),
                    "" if g is None else get(g) or nt(g),
                )
            )
        found.sort()
        rows: list[tuple[str, str, str, str]] = []
        last = None
        for row in found:
            if row != last:
                rows.append(row)
                last = row
        self.rows = rows
        self.terms = terms
        self._triples: list[tuple[str, str, str]] | None = None
        self.names: dict[tuple[tuple[str, str], ...], _Names] = {}  # see _rows_and_names

    def triples(self) -> list[tuple[str, str, str]]:
        """The union of the graphs: ``(s, p, o)`` sorted, duplicates across graphs dropped
        (made once: the N-Triples and Turtle writers and the validator share it)."""
        if self._triples is not None:
            return self._triples
        self._triples = out = []
        last = None
        for s, p, o, _ in self.rows:
            t = (s, p, o)
            if t != last:
                out.append(t)
                last = t
        return out

    def by_graph(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """``(graph, sorted triples)`` per graph: the default graph (``""``) first, then by IRI."""
        graphs: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for s, p, o, g in self.rows:
            graphs[g].append((s, p, o))
        return sorted(graphs.items())


def _batched(pieces: Iterable[str], size: int = 20_000) -> Iterator[str]:
    """``pieces`` joined ``size`` at a time: few, large writes without one huge string."""
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _rows(quads: Iterable[Quad] | Rows) -> Rows:
    return quads if isinstance(quads, Rows) else Rows(quads)


@writes("nquads")
def nquads_chunks(
    quads: Iterable[Quad] | Rows, prefixes: dict[str, str] | None = None
) -> Iterator[str]:
    """Sorted, duplicate-free N-Quads, in pieces."""
    return _batched(
        f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in _rows(quads).rows
    )


@writes("ntriples")
def ntriples_chunks(
    quads: Iterable[Quad] | Rows, prefixes: dict[str, str] | None = None
) -> Iterator[str]:
    """Sorted, duplicate-free N-Triples of the union of all graphs, in pieces."""
    return _batched(f"{s} {p} {o} .\n" for s, p, o in _rows(quads).triples())


def to_nquads(quads: Iterable[Quad] | Rows) -> str:
    """Sorted, duplicate-free N-Quads."""
    return "".join(nquads_chunks(quads))


def to_ntriples(quads: Iterable[Quad] | Rows) -> str:
    """Sorted, duplicate-free N-Triples of the union of all graphs."""
    return "".join(ntriples_chunks(quads))


_RDF_TYPE_NT = "<" + str(RDF.type) + ">"


class _Names:
    """Turtle and JSON-LD forms of the terms of a :class:`Rows`, memoised by N-Triples form.

    IRIs are compacted with the longest matching prefix whose local part is safe to write.
    """

    def __init__(self, prefixes: dict[str, str], terms: dict[str, Node]):
        self.prefixes = prefixes
        self.terms = terms
        self.compacted: dict[str, str | None] = {}
        self.turtle_forms: dict[str, str] = {_RDF_TYPE_NT: "a"}
        self.json_values: dict[str, str] = {}
        self.json_ids: dict[str, str] = {}

    def compact(self, iri: str) -> str | None:
        """:func:`pipeline.iri.compact`, memoised per IRI."""
        if iri in self.compacted:
            return self.compacted[iri]
        found = self.compacted[iri] = compact(iri, self.prefixes)
        return found

    def turtle(self, nt: str) -> str:
        """The Turtle form of a term (``a`` for ``rdf:type``: call it for predicates only).

        Only IRIs are memoised: literals mostly occur once, and a memo of every literal was
        the largest thing in memory while the exports were written.
        """
        form = self.turtle_forms.get(nt)
        if form is not None:
            return form
        if nt[0] == '"':
            if not nt.endswith(">"):
                return nt  # plain or language-tagged: as in N-Triples
            term = self.terms[nt]
            assert isinstance(term, Literal)
            dt = str(term.datatype)
            return nt[: nt.rindex('"^^<') + 3] + (self.compact(dt) or iri_nt(dt))
        term = self.terms[nt]
        form = (self.compact(str(term)) or nt) if isinstance(term, URIRef) else nt
        self.turtle_forms[nt] = form
        return form

    def node(self, nt: str) -> str:
        """The Turtle form of a subject or object (``rdf:type`` is not ``a`` there)."""
        return nt if nt == _RDF_TYPE_NT else self.turtle(nt)

    def json_id(self, nt: str) -> str:
        term = self.terms[nt]
        if isinstance(term, BNode):
            return nt
        return self.compact(str(term)) or str(term)

    def json_id_text(self, nt: str) -> str:
        """:meth:`json_id` as JSON text (memoised: subjects, predicates and types recur)."""
        text = self.json_ids.get(nt)
        if text is None:
            text = self.json_ids[nt] = _json_string(self.json_id(nt))
        return text

    def json_value(self, nt: str) -> str:
        """The JSON-LD value object of a term, as the JSON text :func:`jsonld_chunks` writes
        (memoised for IRIs only, as :meth:`turtle`)."""
        text = self.json_values.get(nt)
        if text is not None:
            return text
        term = self.terms[nt]
        if isinstance(term, Literal):
            text = '{"@value": ' + _json_string(str(term))
            if term.language:
                return text + ', "@language": ' + _json_string(term.language) + "}"
            if term.datatype is not None and term.datatype != _XSD_STRING:
                dt = str(term.datatype)
                return text + ', "@type": ' + _json_string(self.compact(dt) or dt) + "}"
            return text + "}"
        text = self.json_values[nt] = '{"@id": ' + self.json_id_text(nt) + "}"
        return text

    def header(self) -> str:
        return "".join(f"@prefix {n}: {iri_nt(ns)} .\n" for n, ns in self.prefixes.items())


def _grouped(triples: list[tuple[str, str, str]]) -> Iterator[tuple[str, dict[str, list[str]]]]:
    """(subject, {predicate: objects}) in order, from sorted triples."""
    for s, group in groupby(triples, key=itemgetter(0)):
        preds: dict[str, list[str]] = {}
        for _, p, o in group:
            objs = preds.get(p)
            if objs is None:
                preds[p] = [o]
            else:
                objs.append(o)
        yield s, preds


def _turtle_block(triples: list[tuple[str, str, str]], names: _Names, indent: str) -> Iterator[str]:
    """One Turtle statement per subject, subjects separated by a blank line."""
    sep = " ;\n" + indent + "    "
    turtle, node = names.turtle, names.node
    first = True
    for s, preds in _grouped(triples):
        order = list(preds)
        if _RDF_TYPE_NT in preds and order[0] != _RDF_TYPE_NT:
            order.remove(_RDF_TYPE_NT)
            order.insert(0, _RDF_TYPE_NT)
        parts = [turtle(p) + " " + " , ".join([node(o) for o in preds[p]]) for p in order]
        yield ("" if first else "\n") + indent + node(s) + " " + sep.join(parts) + " .\n"
        first = False


def _rows_and_names(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]):
    """The rows, and their names under ``prefixes`` (shared by every writer of the rows)."""
    rows = _rows(quads)
    key = tuple(prefixes.items())
    names = rows.names.get(key)
    if names is None:
        names = rows.names[key] = _Names(prefixes, rows.terms)
    return rows, names


@writes("turtle")
def turtle_chunks(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> Iterator[str]:
    """Turtle of the union of all graphs, subjects and predicates sorted, in pieces."""
    rows, names = _rows_and_names(quads, prefixes)
    yield names.header() + "\n"
    yield from _batched(_turtle_block(rows.triples(), names, ""), 2_000)


@writes("trig")
def trig_chunks(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> Iterator[str]:
    """TriG: the default graph first (if any), then each named graph in IRI order."""
    rows, names = _rows_and_names(quads, prefixes)
    yield names.header()
    for g, triples in rows.by_graph():
        if not g:
            yield "\n"
            yield from _batched(_turtle_block(triples, names, ""), 2_000)
        else:
            yield f"\n{names.node(g)} {{\n"
            yield from _batched(_turtle_block(triples, names, "    "), 2_000)
            yield "}\n"


def to_turtle(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> str:
    """Turtle of the union of all graphs, subjects and predicates sorted."""
    return "".join(turtle_chunks(quads, prefixes))


def to_trig(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> str:
    """TriG: the default graph first (if any), then each named graph in IRI order."""
    return "".join(trig_chunks(quads, prefixes))


def _jsonld_nodes(triples: list[tuple[str, str, str]], names: _Names) -> Iterator[str]:
    """Each subject's node object as JSON text: what ``json.dumps(node, ensure_ascii=False,
    separators=(", ", ": "))`` writes for ``{"@id": …, "@type": [...], predicate: [values]}``,
    made from memoised pieces instead of a dict per node."""
    value, id_text = names.json_value, names.json_id_text
    for s, preds in _grouped(triples):
        parts = ['{"@id": ' + id_text(s)]
        typed = preds.get(_RDF_TYPE_NT, ())
        types = [id_text(t) for t in typed if not t.startswith('"')]
        if types:
            parts.append('"@type": [' + ", ".join(types) + "]")
        for p, objs in preds.items():
            if p == _RDF_TYPE_NT:
                objs = [o for o in objs if o.startswith('"')]
                if not objs:
                    continue
            parts.append(id_text(p) + ": [" + ", ".join([value(o) for o in objs]) + "]")
        yield ", ".join(parts) + "}"


@writes("jsonld")
def jsonld_chunks(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> Iterator[str]:
    """JSON-LD 1.1: a context of prefixes and one ``@graph`` object per named graph, in pieces.

    One node per line keeps the file readable and diff-friendly. Each line is the text
    ``json.dumps(node, ensure_ascii=False, separators=(", ", ": "))`` gives, assembled from
    memoised pieces (every string through the C encoder): a dict per node and a dumps per
    node were most of this writer's time (``indent=`` would force the pure-Python encoder).
    """
    rows, names = _rows_and_names(quads, prefixes)

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    def pieces() -> Iterator[str]:
        """The items of the top ``@graph``, comma-separated, one node per line."""
        first = True
        for g, triples in rows.by_graph():
            if not g:
                for node in _jsonld_nodes(triples, names):
                    yield (" " if first else ",\n ") + node
                    first = False
                continue
            head = ' {"@id": ' + names.json_id_text(g) + ', "@graph": [\n'
            yield (head if first else ",\n" + head)
            first = False
            for i, node in enumerate(_jsonld_nodes(triples, names)):
                yield ("   " if i == 0 else ",\n   ") + node
            yield "\n ]}"

    yield '{"@context": ' + dump(dict(prefixes)) + ',\n "@graph": [\n'
    yield from _batched(pieces(), 2_000)
    yield "\n]}\n"


def to_jsonld(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> str:
    """JSON-LD 1.1: a context of prefixes and one ``@graph`` object per named graph."""
    return "".join(jsonld_chunks(quads, prefixes))


# {file name: format}, from the registry (pipeline/formats.py).
FORMATS = export_files()


def render_chunks(
    fmt: str, quads: Iterable[Quad] | Rows, prefixes: dict[str, str]
) -> Iterator[str]:
    """``quads`` in one of the formats of :data:`FORMATS`, in pieces to write one by one."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown format {fmt!r}; the writers: {', '.join(sorted(WRITERS))}")
    return writer(quads, prefixes)


def render(fmt: str, quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> str:
    """Render ``quads`` in one of the formats of :data:`FORMATS`."""
    return "".join(render_chunks(fmt, quads, prefixes))


def iter_rendered(
    quads: Iterable[Quad] | Rows, prefixes: dict[str, str]
) -> Iterator[tuple[str, Iterator[str]]]:
    """(file name, pieces of its text) for every export; the quads are sorted once for all.

    Each file's pieces must be consumed before the next file is asked for.
    """
    rows = _rows(quads)
    for name, fmt in FORMATS.items():
        yield name, render_chunks(fmt, rows, prefixes)
