"""Reading RDF files strictly with pyoxigraph, into rdflib terms for the rest of the pipeline."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import InputError, Location, Problem

FORMATS_BY_SUFFIX = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}

Quad = tuple[Node, Node, Node, Node | None]


def to_rdflib(term: object) -> Node:
    """A pyoxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"unsupported term {term!r}")


def format_of(path: Path) -> ox.RdfFormat:
    """The RDF format of a file, from its suffix."""
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            [
                Problem(
                    Location.of(path),
                    f"unknown RDF file type {path.suffix!r}",
                    "use .ttl, .trig, .nt, .nq or .jsonld",
                )
            ]
        )
    return fmt


def read_quads(path: Path) -> list[Quad]:
    """Parse ``path`` strictly; a syntax error names the file, line and column."""
    fmt = format_of(path)
    try:
        with open(path, "rb") as fh:
            parsed = list(ox.parse(fh, format=fmt))
    except OSError as exc:
        raise InputError([Problem(Location.of(path), f"cannot read: {exc.strerror}", "")]) from None
    except SyntaxError as exc:
        line = getattr(exc, "lineno", 0) or 0
        col = getattr(exc, "offset", 0) or 0
        raise InputError(
            [Problem(Location.of(path, line), f"RDF syntax error (column {col}): {exc.msg}", "")]
        ) from None
    out: list[Quad] = []
    for q in parsed:
        g = None if isinstance(q.graph_name, ox.DefaultGraph) else to_rdflib(q.graph_name)
        out.append((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), g))
    return out
