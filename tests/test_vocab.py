"""The annotation vocabulary (pipeline/vocab.py) and the ontology (ontology/vjkg.ttl) agree."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS

from pipeline.vocab import ENTITY_CLASSES, RELATIONS, SOURCE_KINDS, Vocabulary

from .conftest import ROOT

V = Vocabulary()
ONTOLOGY = Graph().parse(ROOT / "ontology" / "vjkg.ttl")


def _langs(node, prop) -> set[str]:
    return {o.language for o in ONTOLOGY.objects(node, prop) if isinstance(o, Literal)}


def test_no_blank_nodes_in_the_ontology() -> None:
    assert not [t for t in ONTOLOGY if any(isinstance(x, BNode) for x in t)]


def test_every_class_and_relation_the_annotations_use_is_in_the_ontology() -> None:
    classes = set(ONTOLOGY.subjects(RDF.type, OWL.Class))
    for name in [*ENTITY_CLASSES, *SOURCE_KINDS, *{r.fact_class for r in RELATIONS.values()}]:
        assert V.term(name) in classes, name
    props = set(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty)) | set(
        ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty)
    )
    for name in RELATIONS:
        assert V.term(name) in props, name


def test_class_hierarchy_matches_the_vocabulary() -> None:
    for name, parent in ENTITY_CLASSES.items():
        if parent:
            assert (V.term(name), RDFS.subClassOf, V.term(parent)) in ONTOLOGY, name


def test_every_term_has_vi_and_en_labels_and_an_english_comment() -> None:
    terms = [
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ONTOLOGY.subjects(RDF.type, kind)
    ]
    assert len(terms) > 80
    for t in terms:
        assert {"vi", "en"} <= _langs(t, RDFS.label), t
        assert "en" in _langs(t, RDFS.comment), t


def test_alignments_to_standard_vocabularies() -> None:
    org = "http://www.w3.org/ns/org#"
    schema = "https://schema.org/"
    expect = [
        ("memberOf", RDFS.subPropertyOf, org + "memberOf"),
        ("Membership", RDFS.subClassOf, org + "Membership"),
        ("subOrganizationOf", RDFS.subPropertyOf, org + "subOrganizationOf"),
        ("GovernmentBody", RDFS.subClassOf, schema + "GovernmentOrganization"),
        ("Company", RDFS.subClassOf, schema + "Corporation"),
        ("Event", RDFS.subClassOf, schema + "Event"),
        ("organizer", RDFS.subPropertyOf, schema + "organizer"),
        ("patron", RDFS.subPropertyOf, schema + "sponsor"),
        ("Person", RDFS.subClassOf, "http://xmlns.com/foaf/0.1/Person"),
    ]
    from rdflib import URIRef

    for local, prop, target in expect:
        assert (V.term(local), prop, URIRef(target)) in ONTOLOGY, local
    assert (V.term("fundedBy"), RDFS.subPropertyOf, URIRef(schema + "funder")) in ONTOLOGY
