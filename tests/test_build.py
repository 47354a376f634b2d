"""The build stage: deterministic IRIs, no blank nodes, facts with evidence, a graph per source."""

from __future__ import annotations

from decimal import Decimal

from rdflib import BNode, Literal
from rdflib.namespace import PROV, RDF, XSD

from pipeline.vocab import OA, ORG, Vocabulary

V = Vocabulary()


def test_no_blank_nodes(dataset) -> None:
    for s, p, o, _ in dataset.quads():
        assert not isinstance(s, BNode) and not isinstance(o, BNode), (s, p, o)


def test_one_named_graph_per_source_plus_ontology(dataset, corpus) -> None:
    expected = {V.graph("ontology")} | {V.graph(s.meta.id) for s in corpus.sources}
    assert set(dataset.graphs) == expected


def test_same_fact_from_two_sources_is_one_node_with_two_evidence(mini_dataset) -> None:
    g = mini_dataset.to_graph()
    sony, rapidus = V.entity("sony"), V.entity("rapidus")
    facts = [f for f in g.subjects(V.term("subject"), sony) if (f, V.term("object"), rapidus) in g]
    assert len(facts) == 1
    evidence = set(g.objects(facts[0], PROV.wasDerivedFrom))
    sources = {g.value(g.value(a, OA.hasTarget), OA.hasSource) for a in evidence}
    assert sources == {V.node("source", "doc-a"), V.node("source", "doc-b")}
    # and the fact sits in both sources' named graphs
    for doc in ("doc-a", "doc-b"):
        assert (facts[0], RDF.type, V.term("Membership")) in mini_dataset.graphs[V.graph(doc)]


def test_direct_triple_and_qualified_node(mini_dataset) -> None:
    g = mini_dataset.to_graph()
    meti, rapidus = V.entity("meti"), V.entity("rapidus")
    assert (meti, V.term("funds"), rapidus) in g
    funding = [f for f in g.subjects(RDF.type, V.term("Funding")) if g.value(f, V.term("date"))]
    assert len(funding) == 1
    f = funding[0]
    amount = g.value(f, V.term("amount"))
    assert isinstance(amount, Literal) and amount.datatype == XSD.decimal
    assert Decimal(str(amount)) == Decimal("590000000000")
    assert str(g.value(f, V.term("currency"))) == "JPY"
    # the amount as written is how one source wrote it: on its evidence, not on the fact
    assert g.value(f, V.term("amountText")) is None
    ann = g.value(f, PROV.wasDerivedFrom)
    assert g.value(ann, V.term("amountText")) == Literal("590 tỷ Yên", lang="vi")
    assert g.value(f, V.term("date")) == Literal("2024", datatype=XSD.gYear)
    # memberships are also W3C ORG memberships
    m = next(g.subjects(RDF.type, V.term("Membership")))
    assert g.value(m, ORG.member) == V.entity("sony")
    assert g.value(m, ORG.organization) == rapidus


def test_dates_keep_their_precision(mini_dataset) -> None:
    g = mini_dataset.to_graph()
    assert g.value(V.entity("ict-day"), V.term("startDate")) == Literal(
        "2026-02-04", datatype=XSD.date
    )
    assert g.value(V.node("source", "doc-b"), __import__("rdflib").DCTERMS.issued) == Literal(
        "2024", datatype=XSD.gYear
    )


def test_evidence_selectors_point_at_the_text(mini_dataset, corpus) -> None:
    from pipeline.load import load_corpus

    from .conftest import MINI

    texts = {s.meta.id: s.text for s in load_corpus(MINI).sources}
    g = mini_dataset.to_graph()
    checked = 0
    for target in g.subjects(RDF.type, OA.SpecificResource):
        source = str(g.value(target, OA.hasSource)).rsplit("/", 1)[-1]
        sels = list(g.objects(target, OA.hasSelector))
        quote = next(s for s in sels if (s, RDF.type, OA.TextQuoteSelector) in g)
        pos = next(s for s in sels if (s, RDF.type, OA.TextPositionSelector) in g)
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))
        assert texts[source][start:end] == str(g.value(quote, OA.exact))
        assert texts[source][:start].endswith(str(g.value(quote, OA.prefix)))
        assert texts[source][end:].startswith(str(g.value(quote, OA.suffix)))
        checked += 1
    assert checked >= 8


def test_iris_are_deterministic_and_independent_of_order(mini_dataset) -> None:
    from dataclasses import replace

    from pipeline.build import build_dataset, load_ontology
    from pipeline.load import load_corpus

    from .conftest import MINI, ROOT

    corpus = load_corpus(MINI)
    reordered = replace(
        corpus,
        claims=tuple(reversed(corpus.claims)),
        mentions=tuple(reversed(corpus.mentions)),
        sources=tuple(reversed(corpus.sources)),
    )
    again = build_dataset(reordered, load_ontology(ROOT / "ontology" / "vjkg.ttl", V))
    assert set(again.quads()) == set(mini_dataset.quads())


def test_configurable_base_iri() -> None:
    from pipeline.build import build_dataset, load_ontology
    from pipeline.load import load_corpus

    from .conftest import MINI, ROOT

    v = Vocabulary("https://example.org/kg/")
    ds = build_dataset(load_corpus(MINI), load_ontology(ROOT / "ontology" / "vjkg.ttl", v), v)
    iris = {str(t) for q in ds.quads() for t in q[:3] if not isinstance(t, Literal)}
    assert not [i for i in iris if i.startswith("https://w3id.org/vjkg/")]
    assert "https://example.org/kg/resource/meti" in iris


def test_every_entity_has_vi_and_en_labels_and_evidence(dataset, corpus) -> None:
    from rdflib.namespace import RDFS

    g = dataset.to_graph()
    for eid in corpus.entities:
        node = V.entity(eid)
        langs = {o.language for o in g.objects(node, RDFS.label)}
        assert {"vi", "en"} <= langs, eid
        used = (
            (None, OA.hasBody, node) in g
            or (None, V.term("subject"), node) in g
            or (None, V.term("object"), node) in g
        )
        assert used, f"{eid} has no evidence"


def test_the_forms_the_builder_writes_are_the_forms_of_its_terms(dataset) -> None:
    """The builder writes N-Triples forms and makes terms only when asked for: each form
    must be what to_nt writes for its term, so the exports are the bytes they were when
    every triple held rdflib terms (and the validator and the statistics read the same)."""
    from pipeline.build import Terms
    from pipeline.iri import to_nt

    seen = set()
    for quad in dataset.nt_quads():
        seen.update(quad)
    fresh = Terms()  # every term made from its form alone
    assert seen and all(to_nt(fresh[nt]) == nt for nt in seen)
    assert all(fresh[nt] == dataset.terms[nt] for nt in seen)


def test_statistics_from_forms_equal_statistics_from_terms(dataset) -> None:
    from pipeline.stats import compute_stats

    by_terms = compute_stats(dataset.quads(), V)
    assert compute_stats(dataset.nt_quads(), V, forms=True) == by_terms
    assert by_terms["facts"] > 100 and by_terms["entities"] > 100
