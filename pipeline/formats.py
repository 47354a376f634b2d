"""The RDF formats registry: one row per format, read by the readers, the CLI's help and export.

Each row says how a format is recognised (file suffixes, media types), how pyoxigraph reads
it, whether it carries named graphs, whether it is line-based (no nesting, no entities, no
contexts: the readers parse those in process; every other format is parsed in a child
process under a memory cap, see :mod:`pipeline.readers`), which export file writes it, and
whether the ``kg`` commands that take a graph file accept it.

>>> by_suffix(".nq").label, by_suffix(".nq").quads
('N-Quads', True)
>>> readable_list().split(", ")[:3]
['Turtle (.ttl)', 'TriG (.trig)', 'N-Triples (.nt)']
>>> by_suffix(".xyz") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormatInfo:
    """One RDF serialisation: its names, how to parse it and who reads or writes it."""

    name: str  # the key used by export and by ``--format`` options
    label: str  # the name a person reads
    suffixes: tuple[str, ...]  # the first is the one written
    media_types: tuple[str, ...]  # the first is the canonical one
    oxigraph: ox.RdfFormat
    quads: bool  # carries named graphs
    line_based: bool  # one statement per line: no nesting, entities or contexts to expand
    export_file: str | None = None  # the file ``kg build`` writes in graphs/, if any
    readable: bool = True  # accepted by every command that takes a graph file


FORMATS: tuple[RdfFormatInfo, ...] = (
    RdfFormatInfo(
        "turtle",
        "Turtle",
        (".ttl",),
        ("text/turtle",),
        ox.RdfFormat.TURTLE,
        quads=False,
        line_based=False,
        export_file="kg.ttl",
    ),
    RdfFormatInfo(
        "trig",
        "TriG",
        (".trig",),
        ("application/trig",),
        ox.RdfFormat.TRIG,
        quads=True,
        line_based=False,
        export_file="kg.trig",
    ),
    RdfFormatInfo(
        "ntriples",
        "N-Triples",
        (".nt",),
        ("application/n-triples",),
        ox.RdfFormat.N_TRIPLES,
        quads=False,
        line_based=True,
        export_file="kg.nt",
    ),
    RdfFormatInfo(
        "nquads",
        "N-Quads",
        (".nq",),
        ("application/n-quads",),
        ox.RdfFormat.N_QUADS,
        quads=True,
        line_based=True,
        export_file="kg.nq",
    ),
    RdfFormatInfo(
        "jsonld",
        "JSON-LD",
        (".jsonld", ".json"),
        ("application/ld+json",),
        ox.RdfFormat.JSON_LD,
        quads=True,
        line_based=False,
        export_file="kg.jsonld",
    ),
    RdfFormatInfo(
        "rdfxml",
        "RDF/XML",
        (".rdf", ".owl"),
        ("application/rdf+xml",),
        ox.RdfFormat.RDF_XML,
        quads=False,
        line_based=False,
    ),
)


def by_suffix(suffix: str) -> RdfFormatInfo | None:
    """The readable format a file suffix names (case-insensitive), or ``None``."""
    suffix = suffix.lower()
    for fmt in FORMATS:
        if fmt.readable and suffix in fmt.suffixes:
            return fmt
    return None


def by_name(name: str) -> RdfFormatInfo:
    """The format with this registry name (``turtle``, ``nquads``, …)."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def readable_suffixes() -> tuple[str, ...]:
    """Every suffix a graph file may have, in registry order."""
    return tuple(s for f in FORMATS if f.readable for s in f.suffixes)


def readable_list() -> str:
    """The readable formats for help texts and error messages: ``Turtle (.ttl), …``."""
    names = [f"{f.label} ({', '.join(f.suffixes)})" for f in FORMATS if f.readable]
    return ", ".join(names[:-1]) + " or " + names[-1]


def export_files() -> dict[str, str]:
    """``{file name: format name}`` of the files ``kg build`` writes, in registry order."""
    return {f.export_file: f.name for f in FORMATS if f.export_file}
