"""The RDF → networkx bridge: entities as nodes, quoted facts as edges, provenance left out."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.network import to_ego_network, to_networkx, to_simple_graph
from pipeline.readers import read_quads

from .conftest import MINI, ROOT

R = "https://w3id.org/vjkg/resource/"

# What pipeline/explorer/ and other callers read: these keys must stay.
NODE_KEYS = {"id", "cls", "classes", "labels", "aliases", "country"}
EDGE_KEYS = {"relation", "fact", "sources", "evidence", "role", "amount_text", "date"}


def build_nq(sources: Path, out: Path) -> Path:
    """Build a corpus in-process (load, anchor, build) and write its N-Quads file."""
    from pipeline.build import build_dataset, load_ontology
    from pipeline.export import to_nquads
    from pipeline.load import load_corpus
    from pipeline.vocab import Vocabulary

    dataset = build_dataset(
        load_corpus(sources), load_ontology(ROOT / "ontology" / "vjkg.ttl", Vocabulary())
    )
    path = out / "kg.nq"
    path.write_text(to_nquads(dataset.quads()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mini_nq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini corpus, built and written as N-Quads."""
    return build_nq(MINI, tmp_path_factory.mktemp("mini-graphs"))


@pytest.fixture(scope="module")
def mini_graph(mini_nq: Path):
    return to_networkx(read_quads(mini_nq))


def test_entities_are_nodes_with_labels_per_language_and_no_provenance_nodes(mini_graph) -> None:
    g = mini_graph
    assert sorted(g.nodes[n]["id"] for n in g) == [
        "hanoi", "ict-day", "japan", "meti", "most", "rapidus", "sony", "tran-anh-tu", "vietnam",
    ]  # fmt: skip
    assert all(n.startswith(R) and "/" not in n[len(R) :] for n in g)  # no fact/, ann/, source/
    most = g.nodes[R + "most"]
    assert set(most) >= NODE_KEYS
    assert most["labels"] == {
        "vi": "Bộ Khoa học và Công nghệ",
        "en": "Ministry of Science and Technology",
    }
    assert most["aliases"] == ["Bộ KH&CN"]
    assert most["cls"] == "Ministry" and "Organization" in most["classes"]
    assert most["country"] == R + "vietnam"
    assert g.nodes[R + "ict-day"]["dates"] == {"startDate": ["2026-02-04"]}


def test_facts_are_edges_with_relation_quote_source_title_and_amount(mini_graph) -> None:
    g = mini_graph
    funds = [d for _, _, d in g.edges(data=True) if d["relation"] == "funds"]
    assert len(funds) == 2  # one dated (source a), one not (source b): two facts
    for d in funds:
        assert set(d) >= EDGE_KEYS
        assert d["amount"] == Decimal("590000000000") and d["currency"] == "JPY"
        assert d["amount_text"] == "590 tỷ Yên"
    dated = next(d for d in funds if d["date"])
    assert dated["date"] == "2024"
    assert [(e.quote, e.source_title) for e in dated["evidence"]] == [
        ("METI hỗ trợ Rapidus 590 tỷ Yên vào năm 2024.", "Bài A")
    ]
    assert dated["source_titles"] == ["Bài A"]
    speaker = next(d for _, _, d in g.edges(data=True) if d["relation"] == "participant")
    assert speaker["role"] == {"en": "Speaker", "vi": "Diễn giả"}  # the role vocabulary's labels


def test_a_fact_stated_by_two_sources_is_one_edge_with_two_quotes(mini_graph) -> None:
    edges = mini_graph.get_edge_data(R + "sony", R + "rapidus")
    (d,) = edges.values()
    assert d["relation"] == "memberOf"
    assert [e.source.rsplit("/", 1)[1] for e in d["evidence"]] == ["doc-a", "doc-b"]
    assert d["source_titles"] == ["Bài A", "Bản tin B"]


def test_built_dataset_and_reparsed_file_give_the_same_network(mini_dataset, mini_graph) -> None:
    """kg build draws the network from the dataset's N-Triples forms, kg html from a file's
    rdflib terms: the same quads must give the same network either way."""
    from_terms = to_networkx(mini_dataset.quads())
    from_forms = to_networkx(mini_dataset.nt_quads(), forms=True)
    for from_memory in (from_terms, from_forms):
        assert list(from_memory.nodes(data=True)) == list(mini_graph.nodes(data=True))
        assert list(from_memory.edges(keys=True, data=True)) == list(
            mini_graph.edges(keys=True, data=True)
        )
        assert from_memory.graph == mini_graph.graph
    assert len(mini_graph.edges) > 3


def test_network_does_not_depend_on_quad_order(mini_nq: Path, mini_graph) -> None:
    quads = read_quads(mini_nq)
    random.Random(4).shuffle(quads)
    shuffled = to_networkx(quads)
    assert list(shuffled.nodes) == list(mini_graph.nodes)
    assert list(shuffled.edges(keys=True)) == list(mini_graph.edges(keys=True))
    assert list(to_simple_graph(shuffled).edges(data=True)) == list(
        to_simple_graph(mini_graph).edges(data=True)
    )


def test_simple_graph_counts_facts_per_pair_and_ego_network_keeps_neighbours(mini_graph) -> None:
    s = to_simple_graph(mini_graph)
    assert s.edges[R + "meti", R + "rapidus"]["weight"] == 2
    assert s.degree(R + "japan") == 0
    ego = to_ego_network(mini_graph, R + "rapidus", radius=1)
    assert sorted(ego.nodes[n]["id"] for n in ego) == ["meti", "rapidus", "sony"]
    assert ego.number_of_edges() == 3


def test_sources_are_listed_with_titles(mini_graph) -> None:
    sources = mini_graph.graph["sources"]
    assert [
        (s["id"], s["title"], s["titles"].get("en"), s["issued"]) for s in sources.values()
    ] == [
        ("doc-a", "Bài A", "Article A", "2026-02-04"),
        ("doc-b", "Bản tin B", None, "2024"),
    ]


def test_evidence_keeps_the_quote_s_context_offsets_and_iris(mini_graph) -> None:
    from pipeline.load import load_corpus

    corpus = load_corpus(MINI)
    texts = {f"{R}source/{s.meta.id}": s.text for s in corpus.sources}
    evidence = [e for _, _, ev in mini_graph.edges(data="evidence") for e in ev]
    assert evidence
    for e in evidence:
        text = texts[e.source]
        assert e.start is not None and e.end is not None
        assert " ".join(text[e.start : e.end].split()) == e.quote
        assert text[: e.start].endswith(e.prefix) and text[e.end :].startswith(e.suffix)
        assert e.prefix or e.suffix
        assert e.annotation.startswith(R + "annotation/") and e.target.startswith(R + "target/")
        assert e.quote_selector.endswith("-quote") and e.position_selector.endswith("-position")


def test_the_ontology_s_labels_come_with_the_network(mini_graph) -> None:
    terms = mini_graph.graph["terms"]
    assert terms["Ministry"] == {"en": "Ministry", "vi": "Bộ"}
    assert terms["partnerOf"]["vi"] and terms["partnerOf"]["en"]
    assert mini_graph.graph["ontology"] == "https://w3id.org/vjkg/ontology#"
