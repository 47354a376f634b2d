"""The SPARQL-compiled validator gives pySHACL's results, result for result, and the W3C
SHACL core suite's expected results for every case whose features it compiles."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD

from pipeline.readers import to_rdflib
from pipeline.validation import load_shapes, run_pyshacl
from pipeline.validation.sparql import (
    Unsupported,
    compile_shapes,
    rewritten_datatypes,
    supported,
    validate_with_sparql,
)
from pipeline.vocab import SH

from .conftest import FIXTURES, MINI, ROOT, SHARED, run_kg

SHAPES = load_shapes(ROOT / "ontology" / "shapes.ttl")
W3C = SHARED / "w3c" / "shacl" / "core"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"


def _key(r: tuple) -> tuple:
    sev, focus, path, value, message, shape, component = r
    blank = lambda n: None if isinstance(n, BNode) else n  # noqa: E731
    return (sev, blank(focus), blank(path), blank(value), message, blank(shape), component)


def _both(data: Graph, shapes: Graph) -> tuple[set[tuple], set[tuple]]:
    return (
        {_key(r) for r in run_pyshacl(data, shapes)},
        {_key(r) for r in validate_with_sparql(data, shapes)},
    )


@pytest.mark.parametrize(
    "fixture", sorted((FIXTURES / "shapes").glob("*.ttl")), ids=lambda p: p.stem
)
def test_same_results_as_pyshacl_on_every_shape_fixture(fixture: Path) -> None:
    ours, theirs = _both(Graph().parse(fixture), SHAPES)
    assert theirs, "each fixture violates its shape"
    assert ours == theirs, {"only pyshacl": ours - theirs, "only sparql": theirs - ours}


def test_same_results_on_a_generated_corpus_with_planted_violations(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    from pipeline.run import build

    generate(4_000, tmp_path / "sources", violations=0.05)
    b = build(tmp_path / "sources", ROOT / "ontology", validate=False)
    data = Graph()
    for triples in b.dataset.graphs.values():
        for t in triples:
            data.add(t)
    ours, theirs = _both(data, SHAPES)
    assert len(ours) >= 2  # the planted violations are found
    assert ours == theirs


def test_the_built_graph_conforms_for_both(dataset) -> None:
    data = dataset.to_graph()
    assert _both(data, SHAPES) == (set(), set())


def test_our_shapes_compile() -> None:
    queries = compile_shapes(SHAPES)
    assert supported(SHAPES) and len(queries) > 100


def test_unsupported_shapes_are_refused_not_guessed() -> None:
    g = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .""",
        format="turtle",
    )
    assert not supported(g)
    with pytest.raises(Unsupported):
        compile_shapes(g)


COUNTS = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:{param} {n} ; sh:message "not {param} {n}" ] ."""


@pytest.mark.parametrize("param", ["minCount", "maxCount"])
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_small_counts_compile_and_count_as_pyshacl(param: str, n: int) -> None:
    data = Graph().parse(
        data="@prefix ex: <http://e/> .\n"
        + "".join(
            f"ex:n{m} a ex:C .\n" + "".join(f"ex:n{m} ex:p {v} .\n" for v in range(m))
            for m in range(7)
        ),
        format="turtle",
    )
    shapes = Graph().parse(data=COUNTS.format(param=param, n=n), format="turtle")
    ours, theirs = _both(data, shapes)
    assert ours == theirs
    assert len(ours) == (n if param == "minCount" else 6 - n)  # nodes with 0..6 values


@pytest.mark.parametrize("count", ["sh:minCount 40", "sh:maxCount 100000",
                                   "sh:qualifiedValueShape [ sh:datatype xsd:integer ] ; "
                                   "sh:qualifiedMinCount 9"])  # fmt: skip
def test_a_large_count_is_left_to_pyshacl(count: str, tmp_path: Path) -> None:
    """k distinct values were k joined variables: sh:minCount 40 ran for minutes and
    sh:maxCount 100000 wrote a query of 5 billion filters. Only pySHACL counts them now."""
    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> . "
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . "
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
        f"sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; {count} ] .",
        format="turtle",
    )
    assert not supported(shapes)
    onto = tmp_path / "ontology"
    onto.mkdir()
    (onto / "vjkg.ttl").write_bytes((ROOT / "ontology" / "vjkg.ttl").read_bytes())
    text = (ROOT / "ontology" / "shapes.ttl").read_text(encoding="utf-8")
    shapes.serialize(onto / "extra.ttl", format="turtle")
    extra = (onto / "extra.ttl").read_text(encoding="utf-8")
    body = "\n".join(line for line in extra.splitlines() if not line.startswith("@prefix"))
    (onto / "shapes.ttl").write_text(
        text + "\n@prefix ex: <http://e/> .\n" + body, encoding="utf-8"
    )
    forced = run_kg("validate", "--sources", str(MINI), "--ontology", str(onto),
                    "--validator", "sparql")  # fmt: skip
    assert forced.returncode == 3, forced.stderr
    assert "--validator sparql cannot compile these shapes: a count of" in forced.stderr
    assert "internal error" not in forced.stderr
    auto = run_kg("validate", "--sources", str(MINI), "--ontology", str(onto), "-q")
    assert auto.returncode == 0, auto.stderr  # no ex:C in the data: pySHACL finds nothing


def test_datatypes_the_store_rewrites_are_kept() -> None:
    # pyoxigraph stores "10"^^xsd:nonNegativeInteger as xsd:integer; sh:datatype must still see
    # the datatype as written.
    assert "http://www.w3.org/2001/XMLSchema#nonNegativeInteger" in rewritten_datatypes()
    g = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:n ;
            sh:datatype xsd:nonNegativeInteger ; sh:maxInclusive 5 ] .
        ex:a a ex:C ; ex:n "3"^^xsd:nonNegativeInteger .
        ex:b a ex:C ; ex:n "7"^^xsd:nonNegativeInteger .
        ex:c a ex:C ; ex:n "3"^^xsd:integer .""",
        format="turtle",
    )
    found = {(str(r[1]).rsplit("/", 1)[-1], str(r[6]).rsplit("#", 1)[-1])
             for r in validate_with_sparql(g, g)}  # fmt: skip
    assert found == {("b", "MaxInclusiveConstraintComponent"), ("c", "DatatypeConstraintComponent")}


# ---------------------------------------------------------------- W3C SHACL core


def _w3c_cases() -> list[tuple[str, Path, URIRef]]:
    cases = []
    for manifest in sorted(W3C.glob("*/manifest.ttl")):
        for inc in Graph().parse(manifest).objects(None, URIRef(MF + "include")):
            path = Path(str(inc).removeprefix("file://"))
            g = Graph().parse(path)
            for entries in g.objects(None, URIRef(MF + "entries")):
                for entry in Collection(g, entries):
                    cases.append((f"{path.parent.name}/{path.stem}", path, entry))
    return cases


CASES = _w3c_cases()
# The features our shapes use, each with a W3C case that must run (and pass) here.
REQUIRED = {
    "node/class-001", "property/datatype-001", "property/minCount-001", "property/maxCount-001",
    "property/hasValue-001", "node/pattern-001", "node/in-001", "node/languageIn-001",
    "property/uniqueLang-001", "node/minLength-001", "property/lessThan-001", "node/node-001",
    "node/or-001", "property/qualifiedValueShape-001", "node/nodeKind-001",
    "targets/targetClass-001", "targets/targetSubjectsOf-001", "path/path-inverse-001",
    "misc/severity-001", "misc/deactivated-001",
}  # fmt: skip


def _unblank(*items: object) -> tuple:
    return tuple(None if isinstance(x, BNode) else x for x in items)


def _expected(g: Graph, entry: URIRef) -> set[tuple] | None:
    result = g.value(entry, URIRef(MF + "result"))
    if result is None or (result, RDF.type, SH.ValidationReport) not in g:
        return None  # expected failures (sht:Failure) are not compared
    out = set()
    for r in g.objects(result, SH.result):
        sev = str(g.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        fields = (g.value(r, SH.focusNode), g.value(r, SH.resultPath), g.value(r, SH.value),
                  g.value(r, SH.sourceShape), g.value(r, SH.sourceConstraintComponent))  # fmt: skip
        out.add(_unblank(*fields, sev))
    return out


def _as_written(iri: object) -> Graph:
    """A W3C test file's triples with every literal as written: rdflib's own parser would
    rewrite ``"1"^^xsd:boolean`` as ``"true"``, which the suite tests on purpose."""
    path = str(iri).removeprefix("file://")
    g = Graph()
    for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri="file://" + path):
        o = to_rdflib(t.object)
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))  # a simple literal: the same RDF term, as rdflib writes it
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), o))
    return g


def test_w3c_core_cases_of_our_features_pass() -> None:
    ran, failed = set(), []
    for name, path, entry in CASES:
        g = _as_written(path)  # the expected results too, as written
        action = g.value(entry, URIRef(MF + "action"))
        expected = _expected(g, entry)
        if expected is None or action is None:
            continue
        data = _as_written(g.value(action, URIRef(SHT + "dataGraph")))
        shapes = _as_written(g.value(action, URIRef(SHT + "shapesGraph")))
        if not supported(shapes):
            continue
        got = set()
        for sev, focus, rpath, value, _, shape, comp in validate_with_sparql(data, shapes):
            got.add(_unblank(focus, rpath, value, shape, comp, sev))
        ran.add(name)
        if got != expected:
            failed.append((name, {"missing": expected - got, "extra": got - expected}))
    assert not failed, failed
    assert ran >= REQUIRED, REQUIRED - ran
    assert len(ran) >= 60


def test_instances_are_found_once_per_class_and_leave_the_store_as_it_was(tmp_path: Path) -> None:
    """run_compiled writes each class's instances into the store for a while (one path
    evaluation per class instead of one per query and value): the results must be those
    of the path itself, the store must be left as it was, and a store that already holds
    the private predicate is validated with the paths."""
    from pipeline.validation.sparql import INSTANCE_OF, run_compiled, to_store

    data = Graph()
    for fixture in sorted((FIXTURES / "shapes").glob("*.ttl")):
        data.parse(fixture)
    queries = compile_shapes(SHAPES)
    assert sum(1 for q in queries if q.classes) > len(queries) // 2
    plain = [type(q)(q.check, q.text) for q in queries]  # the paths only
    expected = run_compiled(to_store(data), plain)
    store = to_store(data)
    before = sorted(str(q) for q in store)
    got = run_compiled(store, queries)
    assert sorted(map(str, got)) == sorted(map(str, expected)) and len(got) > 20
    assert sorted(str(q) for q in store) == before
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode(INSTANCE_OF[1:-1]), ox.Literal("x")))
    assert sorted(map(str, run_compiled(store, queries))) == sorted(map(str, expected))
