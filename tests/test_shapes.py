"""The shapes themselves are tested: each targeted shape has a fixture that must violate it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pipeline.validation import load_shapes, validate_graph
from pipeline.vocab import SH

from .conftest import FIXTURES, ROOT

SHAPES = load_shapes(ROOT / "ontology" / "shapes.ttl")
TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
TARGETED = sorted({s for t in TARGETS for s in SHAPES.subjects(t, None)}, key=str)
FIXTURE_DIR = FIXTURES / "shapes"


def _parts(shape: URIRef) -> set[URIRef]:
    """The shape and every property shape / SPARQL constraint it owns."""
    owned = {shape}
    for p in (SH.property, SH.sparql):
        owned |= set(SHAPES.objects(shape, p))  # type: ignore[arg-type]
    return owned


def test_every_targeted_shape_has_a_fixture() -> None:
    names = {str(s).rsplit("#", 1)[1] for s in TARGETED}
    files = {p.stem for p in FIXTURE_DIR.glob("*.ttl")}
    assert names - files == set(), "shapes without a violating fixture"
    assert files - names == set(), "fixtures for shapes that do not exist (renamed?)"


def test_every_shape_is_named() -> None:
    from rdflib import BNode

    for kind in (SH.NodeShape, SH.PropertyShape):
        assert not [s for s in SHAPES.subjects(RDF.type, kind) if isinstance(s, BNode)]


@pytest.mark.parametrize("shape", TARGETED, ids=lambda s: str(s).rsplit("#", 1)[1])
def test_fixture_violates_its_shape(shape: URIRef) -> None:
    path = FIXTURE_DIR / (str(shape).rsplit("#", 1)[1] + ".ttl")
    data = Graph().parse(path)
    report = validate_graph(data, SHAPES)
    assert not report.conforms
    fired = {r.shape for r in report.violations}
    assert fired & _parts(shape), f"{path.name} did not trigger {shape}; fired: {fired}"


def test_every_message_has_english(tmp_path: Path) -> None:
    for shape in set(SHAPES.subjects(SH.message, None)):
        langs = {getattr(m, "language", None) for m in SHAPES.objects(shape, SH.message)}
        assert "en" in langs, shape


def test_built_graph_conforms(dataset) -> None:
    report = validate_graph(dataset.to_graph(), SHAPES, dataset.origins)
    assert report.conforms, [r.describe({}) for r in report.violations]


def test_violation_is_located_back_to_annotation_file(mini_dataset) -> None:
    from pipeline.vocab import Vocabulary

    g = mini_dataset.to_graph()
    v = Vocabulary()
    # Break one fact: drop its evidence link.
    fact = next(g.subjects(RDF.type, v.term("Membership")))
    from rdflib.namespace import PROV

    g.remove((fact, PROV.wasDerivedFrom, None))
    report = validate_graph(g, SHAPES, mini_dataset.origins)
    located = [r for r in report.violations if r.focus == fact]
    assert located and located[0].where
    assert str(located[0].where[0]).startswith("tests/fixtures/mini/")
    assert "annotations.yaml:" in str(located[0].where[0])
