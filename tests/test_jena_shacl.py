"""A second opinion on validation: Apache Jena SHACL (Debian's libapache-jena-java) must
agree with pySHACL on every shape fixture and on the built graph, result by result.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from pipeline.validation import load_shapes, validate_graph
from pipeline.vocab import SH

from .conftest import FIXTURES, ROOT, SHARED

JENA = SHARED / "tools" / "jena"
SHAPES_PATH = ROOT / "ontology" / "shapes.ttl"
RES = "https://w3id.org/vjkg/resource/"

Key = tuple[str, str, str, str]


def _jena_validate(data: Path) -> Graph:
    assert JENA.exists(), f"{JENA} missing: shared/ must sit beside the checkout"
    proc = subprocess.run(
        [str(JENA), "shacl", "validate", "--shapes", str(SHAPES_PATH), "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return Graph().parse(data=proc.stdout, format="turtle")


def _node_key(n: object) -> str:
    if isinstance(n, BNode):
        return "_"
    if isinstance(n, Literal):
        return f"{n}|{n.datatype}|{n.language}"
    return str(n)


def _jena_keys(report: Graph) -> set[Key]:
    keys = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        keys.add(
            (
                str(report.value(r, SH.focusNode)),
                _node_key(report.value(r, SH.sourceShape)),
                str(report.value(r, SH.sourceConstraintComponent)),
                _node_key(report.value(r, SH.resultPath)),
            )
        )
    return keys


def _pyshacl_keys(data: Graph) -> set[Key]:
    report = validate_graph(data, load_shapes(SHAPES_PATH))
    return {
        (str(r.focus), _node_key(r.shape), str(r.component), _node_key(r.path))
        for r in report.results
    }


def _merged_fixtures() -> Graph:
    """All shape fixtures in one graph, each fixture's nodes renamed apart."""
    merged = Graph()
    for path in sorted((FIXTURES / "shapes").glob("*.ttl")):
        g = Graph().parse(path)

        def rename(t, stem=path.stem):
            if isinstance(t, URIRef) and str(t).startswith(RES):
                return URIRef(f"{RES}{stem}/{str(t)[len(RES) :]}")
            return t

        for s, p, o in g:
            merged.add((rename(s), p, rename(o)))
    return merged


def test_jena_and_pyshacl_agree_on_every_shape_fixture(tmp_path: Path) -> None:
    merged = _merged_fixtures()
    data = tmp_path / "fixtures.ttl"
    merged.serialize(data, format="turtle")
    ours = _pyshacl_keys(merged)
    theirs = _jena_keys(_jena_validate(data))
    assert len(ours) > 60  # every fixture violates something
    assert ours == theirs, {"only pyshacl": ours - theirs, "only jena": theirs - ours}


def test_jena_agrees_the_built_graph_conforms() -> None:
    report = _jena_validate(ROOT / "graphs" / "kg.nt")
    conforms = report.value(next(report.subjects(RDF.type, SH.ValidationReport)), SH.conforms)
    assert conforms is not None and conforms.toPython() is True


@pytest.mark.parametrize("broken", ["no-label", "bad-date"])
def test_jena_and_pyshacl_agree_on_a_broken_sample_of_the_built_graph(
    tmp_path: Path, broken: str
) -> None:
    from rdflib.namespace import RDFS, XSD

    g = Graph().parse(ROOT / "graphs" / "kg.nt", format="nt")
    jetro = URIRef(RES + "jetro")
    if broken == "no-label":
        g.remove((jetro, RDFS.label, None))
    else:
        start = URIRef("https://w3id.org/vjkg/ontology#startDate")
        event = URIRef(RES + "japan-ict-day-2026")
        g.remove((event, start, None))
        g.add((event, start, Literal("4/2", datatype=XSD.string)))
    data = tmp_path / "sample.nt"
    g.serialize(data, format="nt")
    ours = _pyshacl_keys(g)
    assert ours, "the broken sample must fail"
    assert ours == _jena_keys(_jena_validate(data))


ILL_TYPED = """
@prefix vjkg: <https://w3id.org/vjkg/ontology#> .
@prefix res: <https://w3id.org/vjkg/resource/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
res:x vjkg:foundingDate "2021-13"^^xsd:gYearMonth .
res:y vjkg:foundingDate "2021-09-31"^^xsd:date .
"""


def test_pyshacl_alone_accepts_an_ill_typed_date() -> None:
    """The disagreement, pinned: pySHACL's sh:datatype passes "2021-13"^^xsd:gYearMonth.

    If this starts failing, pySHACL has fixed it and the sh:pattern workaround in
    ontology/shapes.ttl (vjkgsh:IsGYearMonth, IsDate) may go.
    """
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix vjkg: <https://w3id.org/vjkg/ontology#> .
        <urn:s> a sh:NodeShape ; sh:targetSubjectsOf vjkg:foundingDate ;
            sh:property <urn:p> .
        <urn:p> sh:path vjkg:foundingDate ; sh:datatype xsd:gYearMonth .
        """,
        format="turtle",
    )
    only_gyearmonth = "\n".join(x for x in ILL_TYPED.splitlines() if "res:y" not in x)
    data = Graph().parse(data=only_gyearmonth, format="turtle")
    from pyshacl import validate

    conforms, _, _ = validate(data, shacl_graph=shapes)
    assert conforms is True  # wrong: the value is ill-typed (Jena says so below)


def test_with_our_shapes_both_validators_reject_ill_typed_dates(tmp_path: Path) -> None:
    data = tmp_path / "ill.ttl"
    data.write_text(ILL_TYPED, encoding="utf-8")
    g = Graph().parse(data)
    ours = _pyshacl_keys(g)
    theirs = _jena_keys(_jena_validate(data))
    assert ours == theirs
    assert {k[0] for k in ours} == {RES + "x", RES + "y"}
