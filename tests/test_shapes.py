"""The shapes themselves are tested: each targeted shape has a fixture that must violate it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from pipeline.validation import load_shapes, validate_graph
from pipeline.validation.wellformed import shape_problems
from pipeline.vocab import SH

from .conftest import FIXTURES, MINI, ROOT, SHARED, run_kg

SHAPES = load_shapes(ROOT / "ontology" / "shapes.ttl")
TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
TARGETED = sorted({s for t in TARGETS for s in SHAPES.subjects(t, None)}, key=str)
FIXTURE_DIR = FIXTURES / "shapes"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")


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


# ---------------------------------------------------------------- a broken shapes file

BROKEN = [  # (what the file says, what it is changed to, what the error says)
    ("sh:minCount 1 ", 'sh:minCount "x" ', 'sh:minCount "x": must be a whole number'),
    ("sh:maxCount 1 ", "sh:maxCount -1 ", "sh:maxCount -1: must be a whole number of 0 or more"),
    ('sh:pattern "', 'sh:pattern "([', "not a regular expression the SPARQL engine accepts"),
    ("sh:datatype xsd:date ", 'sh:datatype "date" ', 'sh:datatype "date": must be an IRI'),
    ("sh:nodeKind sh:IRI", "sh:nodeKind sh:Iri", "must be one of sh:IRI, sh:Literal"),
    ("sh:in (", 'sh:in "x" ; rdfs:comment (', 'sh:in "x": must be a list'),
    ("FILTER NOT EXISTS", "FILTER NOT EXIST", "sh:select is not a SPARQL query: expected"),
]


@pytest.mark.parametrize(("was", "now", "says"), BROKEN, ids=[b[1].strip() for b in BROKEN])
def test_a_misused_shacl_parameter_is_exit_3_at_its_line(
    was: str, now: str, says: str, tmp_path: Path
) -> None:
    """Each was an internal error, a SPARQL error in a query nobody wrote, or (a negative
    count, a broken pattern) a check that silently matched nothing while pySHACL refused."""
    text = (ROOT / "ontology" / "shapes.ttl").read_text(encoding="utf-8")
    line = text[: text.index(was)].count("\n") + 1
    onto = tmp_path / "ontology"
    onto.mkdir()
    (onto / "vjkg.ttl").write_bytes((ROOT / "ontology" / "vjkg.ttl").read_bytes())
    (onto / "shapes.ttl").write_text(text.replace(was, now, 1), encoding="utf-8")
    done = run_kg("validate", "--sources", str(MINI), "--ontology", str(onto))
    assert done.returncode == 3, done.stderr
    first = done.stderr.splitlines()[0]  # a broken query: the line of its error
    assert first.startswith(f"{onto / 'shapes.ttl'}:{line}: "), first
    assert says in first and " — " in first and "internal error" not in done.stderr


def test_the_w3c_shacl_core_shapes_are_all_well_formed() -> None:
    """No false alarm on shapes nobody here wrote: every Turtle file of the W3C SHACL test
    suites passes the check, except those the suite says a validator must refuse (the
    check refuses the forbidden SPARQL of those)."""
    files = sorted((SHARED / "w3c" / "shacl").rglob("*.ttl"))
    checked = 0
    refused: set[str] = set()
    for path in files:
        g = Graph()
        try:
            g.parse(path, format="turtle")
        except Exception:  # a syntax test of the suite: not a shapes graph to check
            continue
        checked += 1
        text = path.read_text(encoding="utf-8")
        problems = list(shape_problems(g, str(path), text))
        if (None, MF.result, SHT.Failure) in g:  # the suite says a validator must refuse it
            if problems:
                refused.add(path.stem)
        else:
            assert problems == [], path
    assert checked > 100
    # SHACL §5.3.1: MINUS, VALUES, SERVICE and AS $this where $this is pre-bound
    assert {f"unsupported-sparql-00{n}" for n in (1, 2, 3, 5)} <= refused, refused


# Shapes SHACL says are not well formed, appended to ours as one line each: every one was an
# internal error (exit 1) or made the two validators disagree. (what is added, what is said)
ILL_FORMED = [
    ("sh:property [ sh:minCount 1 ]", "a property shape needs sh:path"),
    ('sh:sparql [ sh:message "x" ]', "a SPARQL constraint needs exactly one sh:select"),
    ('sh:sparql [ sh:select "ASK { ?s ?p ?o }" ]', "sh:select must be a SELECT query"),
    ('sh:sparql [ sh:select "SELECT ?x WHERE { ?x ?p ?o }" ]', "sh:select must project $this"),
    ('sh:sparql [ sh:select "SELECT $this { $this ?p ?o MINUS { $this a <urn:x> } }" ]',
     "uses MINUS, which SHACL forbids"),
    ('sh:sparql [ sh:select "SELECT $this { BIND (<urn:a> AS $this) }" ]',
     "assigns $this with AS"),
    ('sh:sparql [ sh:select "SELECT $this { $this a ex:X }" ]',
     "sh:select is not a SPARQL query: the prefix ex: is not declared"),
    ("sh:targetNode [] ; sh:minLength 1", "must be an IRI or a literal, not a blank node"),
    ('sh:targetSubjectsOf "x"', 'sh:targetSubjectsOf "x": must be an IRI'),
    ("sh:property [ sh:path [ sh:alternativePath () ] ; sh:minCount 1 ]",
     "sh:alternativePath needs a list of at least two paths"),
    ('sh:property [ sh:path [ sh:inversePath "x" ] ; sh:minCount 1 ]',
     'a path is an IRI or [ … ], not the literal "x"'),
    ("sh:or ( ex:S )", "the shape ex:S refers to itself (ex:S → ex:S)"),
    ("sh:node ex:T . ex:T sh:property [ sh:path rdfs:label ; sh:node ex:S ]",
     "refers to itself (ex:S → ex:T → [ … ] → ex:S)"),
    ("sh:uniqueLang true", "applies to a property shape only"),
    ("sh:lessThan rdfs:label", "applies to a property shape only"),
    ("sh:property [ sh:path rdfs:label ; sh:qualifiedValueShape [ sh:datatype xsd:string ] ]",
     "needs sh:qualifiedMinCount or sh:qualifiedMaxCount"),
    ('sh:property [ sh:path rdfs:label ; sh:minInclusive "abc"^^xsd:integer ]',
     "is not a valid xsd:integer"),
    ('sh:property [ sh:path rdfs:label ; sh:equals "x" ]', 'sh:equals "x": must be an IRI'),
    ("sh:property [ sh:path rdfs:label ; sh:languageIn ( 1 ) ]", "holds 1, not a language tag"),
    ("sh:message ex:m ; sh:minLength 1", "sh:message <http://e/m>: must be a literal"),
    # 5,000 deep: a RecursionError (exit 1) in the check, the compiler and pySHACL alike
    ("sh:property [ sh:path " + "[ sh:inversePath " * 5000 + "rdfs:label" + " ]" * 5000
     + " ; sh:minCount 1 ]", "a path nested more than 64 deep"),
    ("sh:not " + "[ sh:not " * 5000 + "ex:U" + " ]" * 5000,
     "the shape ex:S nests shapes 5002 deep"),
]  # fmt: skip


@pytest.mark.parametrize(("added", "says"), ILL_FORMED, ids=[s[:60] for _, s in ILL_FORMED])
def test_an_ill_formed_shape_is_exit_3_at_its_line(added: str, says: str, tmp_path: Path) -> None:
    text = (ROOT / "ontology" / "shapes.ttl").read_text(encoding="utf-8")
    line = text.count("\n") + 3
    onto = tmp_path / "ontology"
    onto.mkdir()
    (onto / "vjkg.ttl").write_bytes((ROOT / "ontology" / "vjkg.ttl").read_bytes())
    shape = f"ex:S a sh:NodeShape ; sh:targetClass vjkg:Organization ; {added} .\n"
    (onto / "shapes.ttl").write_text(text + "\n@prefix ex: <http://e/> .\n" + shape, "utf-8")
    done = run_kg("validate", "--sources", str(MINI), "--ontology", str(onto))
    assert done.returncode == 3, done.stderr
    located = [s for s in done.stderr.splitlines() if s.startswith(f"{onto / 'shapes.ttl'}:")]
    assert any(s.startswith(f"{onto / 'shapes.ttl'}:{line}: ") and says in s for s in located), (
        done.stderr
    )
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_a_sparql_target_may_bind_this_itself() -> None:
    """SHACL-AF targets are not pre-bound: VALUES there is no problem, in a constraint it is."""
    g = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
        ex:S a sh:NodeShape ; sh:nodeKind sh:IRI ; sh:target [ a sh:SPARQLTarget ;
            sh:select "SELECT ?this WHERE { VALUES ?this { <http://e/a> } }" ] .
        ex:T a sh:NodeShape ; sh:targetNode ex:a ;
            sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .""",
        format="turtle",
    )
    assert [p.what for p in shape_problems(g, "s.ttl", "")] == [
        "sh:select uses VALUES, which SHACL forbids where $this is pre-bound"
    ]
