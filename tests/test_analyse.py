"""`kg analyse`: centrality, components, communities, Japan–Vietnam bridges, per-source stats.

The bridges fixture (tests/fixtures/bridges) is small enough to work out by hand:

    ict-day(VN) —organizer→ jetro(JP)      ict-day —locatedIn→ hanoi(VN)
    ict-day —patron→ most(VN)              meti(JP) —oversees→ jetro   (sources a and b)
    vinasa(VN) —partnerOf→ most            undp(no country) —partnerOf→ meti, vinasa
    jetro —locatedIn→ hanoi                sony(JP), japan, vietnam: mentioned, no fact

ICT Day has a Vietnamese country but a Japanese organiser (JETRO), so it is on the
Japanese side: an event's side is its organisers'. Without places (the default) the network
is the 6-cycle ict-day–jetro–meti–undp–vinasa–most with the Japanese side ict-day, jetro,
meti and the Vietnamese side vinasa, most; its 6 connected (Japanese, Vietnamese) pairs give
the brokerage values asserted below (undp: meti–vinasa 1, meti–most ½, jetro–vinasa ½, so
2/6; most: ict-day–vinasa 1, jetro–vinasa ½, so 1.5/6).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.analyse import analyse_network
from pipeline.network import to_networkx
from pipeline.readers import read_quads

from .conftest import FIXTURES, ROOT, run_kg
from .test_network import build_nq

BRIDGES = FIXTURES / "bridges"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bridges corpus as N-Quads, and the analysis `kg analyse` writes beside it."""
    out = tmp_path_factory.mktemp("bridges-graphs")
    build_nq(BRIDGES, out)
    done = run_kg("analyse", "--input", str(out / "kg.nq"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("analysed 10 entities, 8 facts: 1 linked component (")
    return out


@pytest.fixture(scope="module")
def analysis(built: Path) -> dict:
    return json.loads((built / "analysis.json").read_text(encoding="utf-8"))


def test_build_writes_the_same_analysis_as_analyse_on_its_output(
    built: Path, tmp_path: Path
) -> None:
    done = run_kg("build", "-q", "--sources", str(BRIDGES), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for name in ("analysis.json", "analysis.md"):
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name


def test_direct_bridges_are_the_organisations_linked_to_both_sides(analysis: dict) -> None:
    direct = analysis["bridges"]["direct"]
    assert [(r["id"], r["japan_partners"], r["vietnam_partners"]) for r in direct] == [
        ("undp", ["meti"], ["vinasa"]),  # no country of its own, partners on both sides
        ("most", ["ict-day"], ["vinasa"]),  # Vietnamese, patron of a Japanese-run event
    ]
    assert [r["cross_border_partners"] for r in direct] == [["meti", "vinasa"], ["ict-day"]]
    # JETRO's only Vietnamese tie is "located in Hanoi": with places left out, no bridge
    assert "jetro" not in {r["id"] for r in direct}
    links = analysis["bridges"]["cross_border_links"]
    assert links == [{"japan": "ict-day", "vietnam": "most", "facts": 1}]


def test_an_event_takes_the_side_of_its_organisers_not_its_venue(analysis: dict) -> None:
    rows = {r["id"]: r for r in analysis["bridges"]["other_brokers"]}
    assert rows["ict-day"]["country"] == "vietnam"  # where it is held
    assert rows["ict-day"]["side"] == "japan"  # who organises it: JETRO
    assert analysis["summary"]["entities_per_side"] == {"japan": 5, "vietnam": 4, "none": 1}


def test_places_are_left_out_of_centrality_and_bridges_unless_included(
    built: Path, analysis: dict, tmp_path: Path
) -> None:
    assert analysis["summary"]["places"] == {"count": 3, "in_centrality_and_bridges": False}
    ranked = [r["id"] for r in analysis["centrality"]["by_degree"]]
    assert "hanoi" not in ranked and "japan" not in ranked
    md = (built / "analysis.md").read_text(encoding="utf-8")
    assert "- places: 3, left out of centrality and bridges." in md
    done = run_kg(
        "analyse", "--include-places", "--input", str(built / "kg.nq"), "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    with_places = json.loads((tmp_path / "analysis.json").read_text(encoding="utf-8"))
    assert with_places["summary"]["places"] == {"count": 3, "in_centrality_and_bridges": True}
    top = with_places["centrality"]["by_degree"]
    assert [(r["id"], r["degree"]) for r in top[:2]] == [("ict-day", 3), ("jetro", 3)]
    direct = {r["id"]: r["cross_border_partners"] for r in with_places["bridges"]["direct"]}
    assert direct["jetro"] == ["hanoi"]  # the located-in tie counts only when asked for
    assert "- places: 3, included in centrality and bridges." in (
        tmp_path / "analysis.md"
    ).read_text(encoding="utf-8")


def test_brokerage_is_the_share_of_cross_border_shortest_paths(analysis: dict) -> None:
    brokers = {r["id"]: r["brokerage"] for r in analysis["bridges"]["brokers"]}
    assert brokers == {
        "undp": 0.3333,
        "most": 0.25,
        "jetro": 0.0833,
        "meti": 0.0833,
        "vinasa": 0.0833,
    }
    others = {r["id"]: r["brokerage"] for r in analysis["bridges"]["other_brokers"]}
    assert others == {"ict-day": 0.3333}  # an event: a broker, but not an organisation


def test_centrality_components_and_communities(analysis: dict) -> None:
    top = analysis["centrality"]["by_degree"]
    # without places: the 6-cycle (degree 2 each, the same betweenness) and sony, alone
    assert [(r["degree"]) for r in top] == [2] * 6 + [0] and top[-1]["id"] == "sony"
    assert analysis["centrality"]["by_betweenness"][0]["betweenness"] == pytest.approx(0.1333)
    comps = analysis["components"]
    assert comps["sizes"] == [7]
    assert comps["isolated_entities"] == ["japan", "sony", "vietnam"]
    assert comps["largest_diameter"] == 3
    communities = analysis["communities"]["communities"]
    members = [m for c in communities for m in c["members"]]
    assert sorted(members) == sorted(comps["components"][0]["members"])  # a partition
    assert analysis["communities"]["modularity"] > 0


def test_per_source_statistics(analysis: dict) -> None:
    rows = {r["id"]: r for r in analysis["per_source"]}
    assert rows["doc-a"]["facts"] == 8 and rows["doc-a"]["exclusive_facts"] == 7
    assert rows["doc-a"]["cross_border_facts"] == 1  # ict-day (JP side) —patron→ most
    assert rows["doc-a"]["largest_component_without"] == 2  # only b's meti–jetro is left
    assert rows["doc-b"]["facts"] == 1 and rows["doc-b"]["exclusive_facts"] == 0
    assert rows["doc-b"]["largest_component_without"] == 7
    assert rows["doc-b"]["title"] == "Bản tin B" and rows["doc-b"]["issued"] == "2025"


def test_markdown_report_defines_its_measures_and_names_the_bridges(built: Path) -> None:
    md = (built / "analysis.md").read_text(encoding="utf-8")
    for heading in ("## Most central entities", "## Connected components", "## Communities",
                    "## Organisations bridging Japan and Vietnam", "## Per source"):  # fmt: skip
        assert heading in md
    assert "vjkg:country is Japan" in md  # the side is defined in the report
    assert "| United Nations Development Programme | `undp` | — | meti | vinasa | 0.3333 |" in md


def test_the_bundled_graph_has_bridges_with_partners_on_the_other_side() -> None:
    analysis = analyse_network(to_networkx(read_quads(ROOT / "graphs" / "kg.nq")))
    direct = analysis["bridges"]["direct"]
    assert direct, "the bundled corpus is about Vietnam–Japan cooperation: bridges expected"
    for r in direct:
        if r["side"] == "japan":
            assert r["cross_border_partners"] == r["vietnam_partners"] != []
        elif r["side"] == "vietnam":
            assert r["cross_border_partners"] == r["japan_partners"] != []
        else:
            assert r["japan_partners"] and r["vietnam_partners"]
    assert analysis["bridges"]["brokers"], "some organisation lies between the two sides"


def test_analyse_bytes_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    outputs = []
    for seed in ("0", "1234"):
        out = tmp_path / seed
        done = run_kg("analyse", "--out", str(out), env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        outputs.append([(out / n).read_bytes() for n in ("analysis.json", "analysis.md")])
    assert outputs[0] == outputs[1]


def test_missing_input_exits_3_with_a_hint(tmp_path: Path) -> None:
    done = run_kg("analyse", "--input", str(tmp_path / "none.nq"), "--out", str(tmp_path))
    assert done.returncode == 3
    assert "no such graph file" in done.stderr and "kg build" in done.stderr
    assert not (tmp_path / "analysis.json").exists()


LARGE_COMMUNITIES = """
import json
import networkx as nx
from pipeline.analyse import _communities
# A random graph without clear communities (Louvain territory: > 1,000 entities), where
# tie-breaking decides the partition; integer-seeded, so the graph itself is the same.
r = nx.gnm_random_graph(1200, 2400, seed=1)
g = nx.Graph()
for i in sorted(r):
    g.add_node(f"e{i:04d}", id=f"e{i:04d}", cls="Company", country=None)
for a, b in sorted(r.edges()):
    g.add_edge(f"e{a:04d}", f"e{b:04d}", weight=1)
print(json.dumps(_communities(g, {})))
"""


def test_large_graph_communities_do_not_depend_on_the_hash_seed() -> None:
    import subprocess
    import sys

    outs = []
    for seed in ("1", "999"):
        done = subprocess.run(
            [sys.executable, "-c", LARGE_COMMUNITIES],
            capture_output=True,
            text=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout)
    assert outs[0] == outs[1]
    assert '"count": ' in outs[0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_path_sums_equal_networkx_betweenness(seed: int) -> None:
    """Our Brandes gives networkx's numbers: to the last bit up to EXACT_LIMIT nodes (one
    search at a time), and to 1e-12 above it (batched sparse products), exact, sampled and
    subset; rounded as the output is, the batched numbers are the same."""
    import networkx as nx

    from pipeline.analyse import (
        DIGITS,
        EXACT_LIMIT,
        PIVOTS,
        _betweenness,
        _path_sums,
        _path_sums_one_by_one,
    )

    g = nx.relabel_nodes(
        nx.gnm_random_graph(1_300, 2_600, seed=seed), lambda i: f"n{(i * 7919) % 1300:04d}"
    )
    g.add_nodes_from(["isolated-a", "isolated-b"])
    assert g.number_of_nodes() > EXACT_LIMIT  # so the batched path is the one tested
    small = g.subgraph(sorted(g)[:300]).copy()
    assert _betweenness(small, None) == nx.betweenness_centrality(small)
    sampled = _betweenness(g, PIVOTS)
    expected = nx.betweenness_centrality(g, k=PIVOTS, seed=7)
    assert sampled == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert {v: round(b, DIGITS) for v, b in sampled.items()} == {
        v: round(b, DIGITS) for v, b in expected.items()
    }
    sources, targets = sorted(g)[:40], sorted(g)[600:700]
    theirs = nx.betweenness_centrality_subset(g, sources, targets, normalized=False)
    halved = {v: b / 2 for v, b in _path_sums(g, sources, targets).items()}
    assert halved == pytest.approx(theirs, rel=1e-12, abs=1e-15)  # networkx halves pairs
    sub = g.subgraph(sorted(g)[:EXACT_LIMIT]).copy()
    theirs = nx.betweenness_centrality_subset(sub, sources, targets[:30], normalized=False)
    ours = _path_sums_one_by_one(sub, sources, targets[:30])
    assert _path_sums(sub, sources, targets[:30]) == ours
    assert {v: b / 2 for v, b in ours.items()} == theirs
    assert any(b > 0 for b in theirs.values())


@pytest.mark.parametrize("seed", range(6))
def test_diameter_and_largest_component_without_equal_networkx(seed: int) -> None:
    """The scipy routines, and the searches in Python used below SCIPY_FROM entities, give
    networkx's integers on random sparse graphs."""
    import random

    import networkx as nx

    from pipeline.analyse import (
        _adjacency,
        _exact_diameter,
        _largest_without,
        _largest_without_sparse,
        _sparse_diameter,
    )

    rng = random.Random(seed)
    g = nx.gnm_random_graph(rng.randint(2, 300), rng.randint(1, 500), seed=seed)
    g.add_edge(0, 0)  # a self-loop changes neither
    biggest = g.subgraph(max(nx.connected_components(g), key=len)).copy()
    assert _sparse_diameter(biggest) == _exact_diameter(biggest) == nx.diameter(biggest)
    edges = list(g.edges())
    removed = rng.sample(edges, min(len(edges), rng.randint(0, 40)))
    without = g.copy()
    without.remove_edges_from(removed)
    expected = max(len(c) for c in nx.connected_components(without))
    flipped = [(b, a) for a, b in removed]  # the direction an edge is named in is no matter
    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    assert _largest_without_sparse(_adjacency(g, nodes), index, flipped) == expected
    assert _largest_without(g, flipped) == expected


def test_labels_and_titles_move_no_number_and_no_row() -> None:
    """`kg build` keeps an analysis's structure (the analysis of its skeleton: no labels, no
    titles) and labels it again after an edit of a title or a label. That is only right if
    the labels and titles decide nothing: relabelled in the reverse order of the ids, and
    retitled, the bundled graph's analysis is the kept structure dressed with the new names."""
    from pipeline.analyse import (
        analysis_inputs,
        analysis_skeleton,
        analysis_structure,
        analysis_view,
        dress,
    )

    network = to_networkx(read_quads(ROOT / "graphs" / "kg.nq"))
    structure = analysis_structure(network)
    ids = sorted(network.nodes[n]["id"] for n in network)
    renamed = network.copy()
    for _, d in renamed.nodes(data=True):
        rank = ids.index(d["id"])
        d["labels"] = {"en": f"{len(ids) - rank:04d} en", "vi": f"{len(ids) - rank:04d} vi"}
    sources = renamed.graph["sources"] = {
        iri: {**meta, "title": f"tựa {i}", "titles": {"en": f"title {i}"}}
        for i, (iri, meta) in enumerate(sorted(network.graph["sources"].items()))
    }
    assert len(sources) == 5
    view, renamed_view = analysis_view(network), analysis_view(renamed)
    assert analysis_inputs(analysis_skeleton(view)) == analysis_inputs(
        analysis_skeleton(renamed_view)
    )
    assert analysis_inputs(view) != analysis_inputs(renamed_view)
    again = analyse_network(renamed)
    assert dress(structure, renamed_view) == again
    top = again["centrality"]["by_degree"][0]
    assert top["label"].endswith(" en") and top["label_vi"].endswith(" vi")
    assert {r["title"] for r in again["per_source"]} == {f"tựa {i}" for i in range(5)}
    assert dress(structure, view) == analyse_network(network)
    assert "_node" not in json.dumps(again)


def test_control_and_bidi_characters_in_a_label_are_escapes_in_the_report(
    tmp_path: Path,
) -> None:
    """A label is anybody's text: in analysis.md a NUL, an escape or a right-to-left
    override is written as an escape, so the report stays text and reads as stored."""
    nq = (ROOT / "graphs" / "kg.nq").read_text(encoding="utf-8")
    meti = '"Ministry of Economy, Trade and Industry"@en'
    assert meti in nq
    hostile = '"M\\u0000E\\u001b[2J \\u202Eevil\\u202C"@en'
    (tmp_path / "kg.nq").write_text(nq.replace(meti, hostile), encoding="utf-8")
    done = run_kg("analyse", "--input", str(tmp_path / "kg.nq"), "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "o" / "analysis.md").read_text(encoding="utf-8")
    assert "\x00" not in report and "\x1b" not in report and "\u202e" not in report
    assert "M\\x00E\\x1b\\[2J \\u202eevil\\u202c" in report  # "[" escaped as Markdown
    # the machine-readable file keeps the label as it is (JSON escapes what it must)
    data = (tmp_path / "o" / "analysis.json").read_text(encoding="utf-8")
    assert json.dumps("M\x00E\x1b[2J \u202eevil\u202c", ensure_ascii=False) in data


def test_a_label_holding_markup_reads_as_written_in_analysis_md(tmp_path: Path) -> None:
    """Read by a CommonMark viewer (markdown-it, with tables), analysis.md shows a label
    holding HTML, emphasis, a link and a cell separator as written, and makes none of them;
    the ids stay code and every row of a table keeps its cells."""
    from markdown_it import MarkdownIt

    nq = (ROOT / "graphs" / "kg.nq").read_text(encoding="utf-8")
    meti = '"Ministry of Economy, Trade and Industry"@en'
    hostile = '"<img src=x onerror=alert(1)> *R&D* | [x](javascript:alert(2))"@en'
    (tmp_path / "kg.nq").write_text(nq.replace(meti, hostile), encoding="utf-8")
    done = run_kg("analyse", "--input", str(tmp_path / "kg.nq"), "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "o" / "analysis.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<img" not in html and "<em>" not in html and "<a " not in html
    assert "&lt;img src=x onerror=alert(1)&gt; *R&amp;D* | [x](javascript:alert(2))" in html
    assert "<code>meti</code>" in html
    table = html.split("<h2>Most central entities</h2>")[1].split("</table>")[0]
    header, *rows = table.split("<tr>")[1:]
    assert rows and all(row.count("<td") == header.count("<th") for row in rows)
