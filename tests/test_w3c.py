"""Our writers against the W3C RDF 1.1 test suites (cases nobody here wrote).

For each evaluation test of Turtle and TriG, and each positive syntax test of N-Triples
and N-Quads: parse the expected result with pyoxigraph, write it with each of our five
writers, re-parse the output strictly with pyoxigraph and compare the datasets after
RDFC-1.0 canonicalisation (so blank nodes compare by structure).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from pipeline.export import render
from pipeline.formats import FORMATS
from pipeline.readers import to_rdflib

from .conftest import SHARED

W3C = SHARED / "w3c" / "rdf11"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
RDFT = "http://www.w3.org/ns/rdftest#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PARSE_FORMAT = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
}
# Every format kg build writes, from the registry: a new export is tested here with no edit.
OUR_FORMATS = {f.name: f.oxigraph for f in FORMATS if f.export_file}
PREFIXES = {"ex": "http://example/", "xsd": "http://www.w3.org/2001/XMLSchema#"}


def _cases() -> list[tuple[str, Path]]:
    """(test id, file holding the expected dataset) from each suite's manifest."""
    wanted = {
        "rdf-turtle": (RDFT + "TestTurtleEval", MF + "result"),
        "rdf-trig": (RDFT + "TestTrigEval", MF + "result"),
        "rdf-n-triples": (RDFT + "TestNTriplesPositiveSyntax", MF + "action"),
        "rdf-n-quads": (RDFT + "TestNQuadsPositiveSyntax", MF + "action"),
    }
    cases = []
    for suite, (kind, field) in wanted.items():
        manifest = W3C / suite / "manifest.ttl"
        base = f"https://w3c.github.io/rdf-tests/rdf/rdf11/{suite}/manifest.ttl"
        quads = list(ox.parse(path=str(manifest), format=ox.RdfFormat.TURTLE, base_iri=base))
        tests = {
            q.subject for q in quads if q.predicate.value == RDF_TYPE and q.object.value == kind
        }
        for q in quads:
            if q.subject in tests and q.predicate.value == field:
                name = q.object.value.rsplit("/", 1)[-1]
                cases.append((f"{suite}/{name}", W3C / suite / name))
    return sorted(cases)


CASES = _cases()


def test_suites_are_present() -> None:
    # Guard: an empty parametrisation would silently test nothing.
    assert len(CASES) > 350


def _canonical(quads: list[ox.Quad]) -> set[str]:
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in ds}


@pytest.mark.parametrize(("name", "path"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("fmt", sorted(OUR_FORMATS))
def test_writer_round_trips_w3c_case(name: str, path: Path, fmt: str) -> None:
    base = f"https://w3c.github.io/rdf-tests/rdf/rdf11/{path.parent.name}/{path.name}"
    expected = list(ox.parse(path=str(path), format=PARSE_FORMAT[path.suffix], base_iri=base))
    quads = [
        (
            to_rdflib(q.subject),
            to_rdflib(q.predicate),
            to_rdflib(q.object),
            None if isinstance(q.graph_name, ox.DefaultGraph) else to_rdflib(q.graph_name),
        )
        for q in expected
    ]
    if fmt in ("turtle", "ntriples") and any(q[3] is not None for q in quads):
        # Triple formats carry the union of the graphs: compare with the union.
        expected = [ox.Quad(q.subject, q.predicate, q.object) for q in expected]
    text = render(fmt, quads, PREFIXES)
    reparsed = list(ox.parse(text.encode("utf-8"), format=OUR_FORMATS[fmt]))
    assert _canonical(reparsed) == _canonical(expected), text
