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
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING

from rdflib.namespace import RDF
from rdflib.term import Node

from .formats import export_files
from .iri import Compactor, iri_nt, iri_text, to_nt, unescape_string

if TYPE_CHECKING:
    from .build import Dataset

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
# What json.dumps escapes in a string (ensure_ascii=False), and the N-Triples escape sign.
_JSON_ESCAPES = re.compile(r'[\x00-\x1f"\\]')


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
        self._distinct: int | None = None  # see distinct_triples
        self._by_graph: list[tuple[str, list[tuple[str, str, str]]]] | None = None
        self.names: dict[tuple[tuple[str, str], ...], _Names] = {}  # see _rows_and_names

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> Rows:
        """The rows of a built dataset, whose terms are already in N-Triples syntax: its
        quads are sorted as they are (each graph's triples are a set, so no row repeats)."""
        rows = cls(())
        # Each graph sorted on its own is what TriG and JSON-LD write; the quads, made from
        # those runs, sort faster (the sort merges runs) than from the graphs' sets.
        rows._by_graph = [(g, sorted(ts)) for g, ts in sorted(dataset.triples.items()) if ts]
        found = [(s, p, o, g) for g, triples in rows._by_graph for s, p, o in triples]
        found.sort()
        rows.rows = found
        rows.terms = dataset.terms
        return rows

    def triples(self) -> Iterator[tuple[str, str, str]]:
        """The union of the graphs: ``(s, p, o)`` sorted, duplicates across graphs dropped,
        made as they are read (kept as a list they took 72 bytes a triple: 720 MB at 10M
        quads, beside the rows, at the exports' peak)."""
        last = None
        count = 0
        for s, p, o, _ in self.rows:
            t = (s, p, o)
            if t != last:
                yield t
                last = t
                count += 1
        self._distinct = count

    def distinct_triples(self) -> int:
        """How many triples the union of the graphs has (counted by the first full pass of
        :meth:`triples`, such as the N-Triples writer's, or here)."""
        if self._distinct is None:
            for _ in self.triples():
                pass
        assert self._distinct is not None
        return self._distinct

    def by_graph(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """``(graph, sorted triples)`` per graph: the default graph (``""``) first, then by IRI
        (made once: the TriG and JSON-LD writers share it)."""
        if self._by_graph is not None:
            return self._by_graph
        graphs: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for s, p, o, g in self.rows:
            graphs[g].append((s, p, o))
        self._by_graph = sorted(graphs.items())
        return self._by_graph


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
        self._compact = Compactor(prefixes)
        self.compacted: dict[str, str | None] = {}
        self.node_forms: dict[str, str] = {}
        self.json_values: dict[str, str] = {}
        self.json_ids: dict[str, str] = {}
        # Turtle statements of subjects whose triples lie in one graph (_union_statements),
        # by (graph, subject), until the TriG writer takes them.
        self.statements: dict[tuple[str, str], str] | None = None

    def compact(self, iri: str) -> str | None:
        """:func:`pipeline.iri.compact`, memoised per IRI."""
        if iri in self.compacted:
            return self.compacted[iri]
        found = self.compacted[iri] = self._compact(iri)
        return found

    def turtle(self, nt: str) -> str:
        """The Turtle form of a predicate (``a`` for ``rdf:type``)."""
        return "a" if nt == _RDF_TYPE_NT else self.node(nt)

    def node(self, nt: str) -> str:
        """The Turtle form of a subject, object or graph name.

        Only IRIs are memoised: literals mostly occur once, and a memo of every literal was
        the largest thing in memory while the exports were written.
        """
        form = self.node_forms.get(nt)
        if form is not None:
            return form
        if nt[0] == '"':
            if not nt.endswith(">"):
                return nt  # plain or language-tagged: as in N-Triples
            at = nt.rindex('"^^<') + 3
            return nt[:at] + (self.compact(iri_text(nt[at:])) or nt[at:])
        form = (self.compact(iri_text(nt)) or nt) if nt[0] == "<" else nt
        self.node_forms[nt] = form
        return form

    def json_id(self, nt: str) -> str:
        if nt[0] != "<":
            return nt  # a blank node
        iri = iri_text(nt)
        return self.compact(iri) or iri

    def json_id_text(self, nt: str) -> str:
        """:meth:`json_id` as JSON text (memoised: subjects, predicates and types recur)."""
        text = self.json_ids.get(nt)
        if text is None:
            text = self.json_ids[nt] = _json_string(self.json_id(nt))
        return text

    def json_value(self, nt: str) -> str:
        """The JSON-LD value object of a term, as the JSON text :func:`jsonld_chunks` writes
        (memoised for IRIs only, as :meth:`turtle`). Literals are read from their N-Triples
        form (:func:`pipeline.iri.from_nt` reads them the same way)."""
        text = self.json_values.get(nt)
        if text is not None:
            return text
        if nt[0] == '"':
            end = nt.rindex('"')
            body = nt[1:end]
            # A body JSON writes as it is (most: no escape, no character JSON escapes) is
            # copied; others are read back and encoded (the same text either way).
            if _JSON_ESCAPES.search(body) is None:
                text = '{"@value": "' + body + '"'
            else:
                text = '{"@value": ' + _json_string(unescape_string(body))
            rest = nt[end + 1 :]
            if rest[:1] == "@":
                return text + ', "@language": ' + _json_string(rest[1:]) + "}"
            if rest:  # ^^<datatype>, never xsd:string: to_nt writes it plain
                dt = iri_text(rest[2:])
                return text + ', "@type": ' + _json_string(self.compact(dt) or dt) + "}"
            return text + "}"
        text = self.json_values[nt] = '{"@id": ' + self.json_id_text(nt) + "}"
        return text

    def header(self) -> str:
        return "".join(f"@prefix {n}: {iri_nt(ns)} .\n" for n, ns in self.prefixes.items())


_subject = itemgetter(0)  # a row's subject (rows are tuples of N-Triples forms)
_graph = itemgetter(3)


def _statement(s: str, group: Iterable[tuple[str, ...]], names: _Names) -> str:
    """The Turtle statement of subject ``s`` from its rows (predicate at ``[1]``, object at
    ``[2]``), sorted by predicate and object: predicates in order (``rdf:type``, as ``a``,
    first), objects in order. Not indented; each predicate after the first on a line of its
    own, indented four spaces (:func:`_indented` indents the whole statement)."""
    known, node, predicate = names.node_forms.get, names.node, names.turtle
    parts: list[str] = []
    typed = ""
    last = ""
    objs: list[str] = []
    for row in group:
        p, o = row[1], row[2]
        if p != last:
            if objs:
                part = predicate(last) + " " + " , ".join(objs)
                if last == _RDF_TYPE_NT:
                    typed = part
                else:
                    parts.append(part)
            last, objs = p, []
        form = known(o)
        if form is None:
            form = o if o[0] == '"' and o[-1] != ">" else node(o)
        objs.append(form)
    part = predicate(last) + " " + " , ".join(objs)
    if last == _RDF_TYPE_NT:
        typed = part
    else:
        parts.append(part)
    if typed:
        parts.insert(0, typed)
    return node(s) + " " + " ;\n    ".join(parts) + " .\n"


def _indented(statement: str, indent: str) -> str:
    """A statement of :func:`_statement` with every line indented by ``indent`` (no term
    holds a raw line break: N-Triples forms escape them)."""
    if not indent:
        return statement
    return indent + statement[:-1].replace("\n", "\n" + indent) + "\n"


def _turtle_block(
    triples: list[tuple[str, str, str]],
    names: _Names,
    indent: str,
    kept: dict[tuple[str, str], str] | None = None,
    graph: str = "",
) -> Iterator[str]:
    """One Turtle statement per subject of sorted ``triples``, subjects separated by a blank
    line. ``kept`` holds statements the Turtle writer already made for subjects of ``graph``
    (:func:`_union_statements`): each is taken from there instead of made again."""
    first = True
    for s, group in groupby(triples, key=_subject):
        text = kept.pop((graph, s), None) if kept else None
        if text is None:
            text = _statement(s, group, names)
        yield ("" if first else "\n") + _indented(text, indent)
        first = False


def _union_statements(rows: Rows, names: _Names) -> Iterator[str]:
    """The Turtle statements of the union of the graphs, subject by subject, separated by a
    blank line, from the sorted quads.

    Most subjects have all their triples in one graph; their statement is the same in TriG's
    block for that graph, indented. It is kept in ``names.statements`` for the TriG writer,
    which takes each out as it writes it (a fifth of the exports' time at 1M quads).
    """
    kept: dict[tuple[str, str], str] = {}
    names.statements = kept
    first = True
    for s, group in groupby(rows.rows, key=_subject):
        quads = list(group)
        graph = quads[0][3]
        if len(quads) == 1 or len(set(map(_graph, quads))) == 1:  # a graph's triples are distinct
            text = kept[(graph, s)] = _statement(s, quads, names)
        else:
            text = _statement(s, _distinct(quads), names)
        yield text if first else "\n" + text
        first = False


def _distinct(quads: list[tuple[str, str, str, str]]) -> Iterator[tuple[str, str, str, str]]:
    """Sorted quads of one subject with each triple once (its graphs are adjacent)."""
    last = None
    for q in quads:
        t = q[1], q[2]
        if t != last:
            yield q
            last = t


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
    yield from _batched(_union_statements(rows, names), 2_000)


@writes("trig")
def trig_chunks(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> Iterator[str]:
    """TriG: the default graph first (if any), then each named graph in IRI order."""
    rows, names = _rows_and_names(quads, prefixes)
    yield names.header()
    kept, names.statements = names.statements, None  # made by the Turtle writer, if it ran
    for g, triples in rows.by_graph():
        if not g:
            yield "\n"
            yield from _batched(_turtle_block(triples, names, "", kept, g), 2_000)
        else:
            yield f"\n{names.node(g)} {{\n"
            yield from _batched(_turtle_block(triples, names, "    ", kept, g), 2_000)
            yield "}\n"


def to_turtle(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> str:
    """Turtle of the union of all graphs, subjects and predicates sorted."""
    return "".join(turtle_chunks(quads, prefixes))


def to_trig(quads: Iterable[Quad] | Rows, prefixes: dict[str, str]) -> str:
    """TriG: the default graph first (if any), then each named graph in IRI order."""
    return "".join(trig_chunks(quads, prefixes))


def _jsonld_nodes(triples: list[tuple[str, str, str]], names: _Names) -> Iterator[str]:
    """Each subject's node object as JSON text: what ``json.dumps(node, ensure_ascii=False,
    separators=(", ", ": "))`` writes for ``{"@id": …, "@type": [...], predicate: [values]}``
    (predicates and values in order; an ``rdf:type`` literal stays under ``rdf:type``), made
    from memoised pieces instead of a dict per node."""
    value, id_text, known = names.json_value, names.json_id_text, names.json_values.get
    for s, group in groupby(triples, key=_subject):
        parts = ['{"@id": ' + id_text(s)]
        types: list[str] = []
        last = ""
        objs: list[str] = []
        for _, p, o in group:
            if p != last:
                if objs:
                    parts.append(id_text(last) + ": [" + ", ".join(objs) + "]")
                last, objs = p, []
            if p == _RDF_TYPE_NT and o[0] != '"':
                types.append(id_text(o))
                continue
            text = known(o)
            objs.append(value(o) if text is None else text)
        if objs:
            parts.append(id_text(last) + ": [" + ", ".join(objs) + "]")
        if types:
            parts.insert(1, '"@type": [' + ", ".join(types) + "]")
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
