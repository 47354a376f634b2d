"""The explorer page as bytes: one page for any RDF format, deterministic, offline, inert.

What the page does in a browser is tested in ``test_browser.py``; here we check what can be
checked without one: the file `kg html` writes, the data it carries and the layout.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from pipeline.explorer import (
    OVERVIEW_SIZE,
    OVERVIEW_THRESHOLD,
    compute_layout,
    to_html,
    to_page_data,
)
from pipeline.network import to_networkx
from pipeline.readers import read_quads
from pipeline.text import fold

from .conftest import ROOT, run_kg
from .fixtures.html.hostile import PAYLOADS, QUOTE, hostile_trig
from .fixtures.html.synthetic import synthetic_quads

GRAPHS = ROOT / "graphs"
FORMATS = ["ttl", "trig", "nt", "nq", "jsonld"]


class _Elements(HTMLParser):
    """Every start tag of a document, with its attributes, parsed as a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse_page(text: str) -> _Elements:
    """The elements and script bodies of a page."""
    parser = _Elements()
    parser.feed(text)
    parser.close()
    return parser


def page_data(text: str) -> dict:
    """The JSON the page runs on, decoded from its data block."""
    scripts = parse_page(text).scripts
    return json.loads(scripts[0])


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hostile graph drawn by the real `kg html`."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.trig").write_text(hostile_trig(), encoding="utf-8")
    done = run_kg("html", str(folder / "hostile.trig"), "-o", str(folder / "hostile.html"))
    assert done.returncode == 0, done.stderr
    return (folder / "hostile.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bundled_graph() -> nx.MultiDiGraph:
    """The entity network of the committed graphs/kg.nq."""
    return to_networkx(read_quads(GRAPHS / "kg.nq"))


# ------------------------------------------------------------------ one page, any format


@pytest.mark.parametrize("fmt", FORMATS)
def test_kg_html_draws_every_format_as_the_page_kg_build_wrote(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"kg-{fmt}.html"
    done = run_kg("html", str(GRAPHS / f"kg.{fmt}"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (GRAPHS / "kg.html").read_bytes(), (
        f"kg html graphs/kg.{fmt} differs from graphs/kg.html: rebuild with `kg build`"
    )


def test_kg_html_writes_next_to_the_graph_by_default(tmp_path: Path) -> None:
    graph = tmp_path / "mine.ttl"
    graph.write_bytes((GRAPHS / "kg.ttl").read_bytes())
    done = run_kg("html", str(graph))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mine.html").read_bytes() == (GRAPHS / "kg.html").read_bytes()


def test_kg_html_names_the_line_of_a_syntax_error_and_writes_nothing(tmp_path: Path) -> None:
    graph = tmp_path / "broken.ttl"
    graph.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    done = run_kg("html", str(graph), "-o", str(tmp_path / "out.html"))
    assert done.returncode == 3, done.stderr
    assert "broken.ttl:2" in done.stderr
    assert not (tmp_path / "out.html").exists()


def test_kg_html_says_so_when_a_graph_has_no_vjkg_entity(tmp_path: Path) -> None:
    graph = tmp_path / "other.nt"
    graph.write_text('<http://example.org/a> <http://example.org/b> "c" .\n', encoding="utf-8")
    done = run_kg("html", str(graph))
    assert done.returncode == 0, done.stderr
    assert "0 entities" in done.stdout
    assert "no entity of the vjkg ontology" in done.stderr and "--base" in done.stderr
    assert page_data((tmp_path / "other.html").read_text(encoding="utf-8"))["nodes"] == []


@pytest.mark.parametrize("seed", ["0", "1", "4242"])
def test_the_page_is_byte_identical_whatever_the_hash_seed(seed: str, tmp_path: Path) -> None:
    out = tmp_path / "kg.html"
    done = run_kg("html", str(GRAPHS / "kg.trig"), "-o", str(out), env={"PYTHONHASHSEED": seed})
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (GRAPHS / "kg.html").read_bytes()


def test_the_page_does_not_depend_on_the_order_of_the_quads(bundled_graph) -> None:
    quads = read_quads(GRAPHS / "kg.nq")
    random.Random(3).shuffle(quads)
    assert to_html(to_networkx(quads)) == to_html(bundled_graph)


# ------------------------------------------------------------------ what it draws


def test_one_node_per_entity_and_no_provenance_nodes(bundled_graph) -> None:
    data = page_data((GRAPHS / "kg.html").read_text(encoding="utf-8"))
    entities = {str(s) for s in _entity_subjects(GRAPHS / "kg.nq")}
    assert {n["id"] for n in data["nodes"]} == entities
    assert len(data["nodes"]) == len(entities) == bundled_graph.number_of_nodes()
    assert not [
        n for n in data["nodes"] if re.search(r"/(fact|annotation|selector|source)/", n["id"])
    ]
    assert len(data["edges"]) == bundled_graph.number_of_edges()
    assert data["overview"] == 0  # the bundled graph is drawn whole


def _entity_subjects(path: Path) -> set:
    """Entities counted straight from the RDF: subjects typed with one of the top classes."""
    from rdflib.namespace import RDF

    from pipeline.vocab import ENTITY_CLASSES, Vocabulary

    v = Vocabulary()
    tops = {v.term(c) for c, parent in ENTITY_CLASSES.items() if parent is None}
    return {s for s, p, o, _ in read_quads(path) if p == RDF.type and o in tops}


def test_every_fact_carries_its_quotes_and_the_titles_of_their_sources(bundled_graph) -> None:
    data = to_page_data(bundled_graph)
    titles = {s["iri"]: s["titles"] for s in data["sources"]}
    for edge in data["edges"]:
        u, v, key = edge["from"], edge["to"], edge["id"]
        expected = bundled_graph.edges[u, v, key]["evidence"]
        assert [e["quote"] for e in edge["evidence"]] == [e.quote for e in expected]
        for e in edge["evidence"]:
            assert titles[e["source"]]["vi"]
    quoted = [e for e in data["edges"] if e["evidence"]]
    assert len(quoted) == len(data["edges"]), "every bundled fact is quoted"


def test_nodes_carry_class_colour_shape_size_by_degree_and_folded_names(bundled_graph) -> None:
    data = to_page_data(bundled_graph)
    by_class = {c["name"]: c for c in data["classes"]}
    for n in data["nodes"]:
        assert n["color"] == by_class[n["cls"]]["color"]
        assert n["shape"] == by_class[n["cls"]]["shape"]
    most = next(n for n in data["nodes"] if n["eid"] == "most")
    assert "bo khoa hoc va cong nghe" in most["search"]
    sizes = sorted((n["degree"], n["size"]) for n in data["nodes"])
    assert sizes == sorted(sizes, key=lambda p: p[1]), "more facts, bigger node"
    assert len({c["color"] for c in data["classes"] if c["depth"] == 0}) == len(
        [c for c in data["classes"] if c["depth"] == 0]
    ), "top classes are told apart by colour"


def test_every_class_has_a_colour_of_its_own_and_the_ontology_s_labels(bundled_graph) -> None:
    data = to_page_data(bundled_graph)
    colours = [c["color"] for c in data["classes"]]
    assert len(set(colours)) == len(colours)
    by_class = {c["name"]: c for c in data["classes"]}
    assert by_class["GovernmentBody"]["labels"] == {
        "en": "Government body",
        "vi": "Cơ quan nhà nước",
    }
    relations = {r["name"]: r for r in data["relations"]}
    assert relations["coOrganizer"]["labels"] == {"en": "co-organizer", "vi": "đơn vị đồng tổ chức"}
    assert data["terms"]["startDate"]["vi"] == "ngày diễn ra"


def test_the_page_carries_each_source_text_and_each_quote_s_place_in_it(bundled_graph) -> None:
    data = page_data((GRAPHS / "kg.html").read_text(encoding="utf-8"))
    texts = {s["iri"]: s["text"] for s in data["sources"]}
    assert len(texts) == len(data["sources"]) == 5
    evidence = [ev for e in data["edges"] for ev in e["evidence"]]
    evidence += [ev for n in data["nodes"] for f in n["figures"] for ev in f["evidence"]]
    assert evidence
    for ev in evidence:
        text = texts[ev["source"]]
        exact = text[ev["start"] : ev["end"]]  # code points into the NFC text
        assert " ".join(exact.split()) == ev["quote"]
        assert text[: ev["start"]].endswith(ev["prefix"])
        assert text[ev["end"] :].startswith(ev["suffix"])
        assert "/annotation/" in ev["ann"] and "tgt" not in ev  # the build's IRIs, derivable


def test_a_source_text_is_embedded_only_when_its_digest_matches(
    bundled_graph, tmp_path: Path
) -> None:
    from pipeline.explorer import read_source_texts

    found = read_source_texts(bundled_graph, [ROOT])
    assert len(found) == 5
    for info in bundled_graph.graph["sources"].values():
        folder = tmp_path / info["folder"]
        folder.mkdir(parents=True)
        text = (ROOT / info["folder"] / "text.txt").read_text(encoding="utf-8")
        (folder / "text.txt").write_text(text.replace("Nhật Bản", "Nhat Ban"), encoding="utf-8")
    assert read_source_texts(bundled_graph, [tmp_path]) == {}  # edited texts are not used
    assert read_source_texts(bundled_graph, [tmp_path, ROOT]) == found


def test_fold_ignores_vietnamese_diacritics_and_case() -> None:
    assert fold("Bộ Khoa học và Công nghệ") == "bo khoa hoc va cong nghe"
    assert fold("ĐẠI HỌC Quốc gia Hà Nội") == "dai hoc quoc gia ha noi"


# ------------------------------------------------------------------ offline and inert


def test_nothing_is_loaded_from_the_network() -> None:
    text = (GRAPHS / "kg.html").read_text(encoding="utf-8")
    page = parse_page(text)
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "poster", "data", "action"):
            assert name not in attrs, f"<{tag} {name}=…> loads something"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), "a stylesheet fetches a URL"
    assert "@import" not in text
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in csp and "'unsafe-eval'" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_the_csp_allows_exactly_the_page_s_own_scripts() -> None:
    text = (GRAPHS / "kg.html").read_text(encoding="utf-8")
    page = parse_page(text)
    tags = [a for t, a in page.tags if t == "script"]
    assert [a.get("type") for a in tags] == ["application/json", None, None]
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    allowed = set(re.findall(r"'sha256-([^']+)'", csp))
    digests = {
        base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in page.scripts[1:]
    }
    assert allowed == digests


def test_hostile_strings_stay_data(hostile_page: str) -> None:
    page = parse_page(hostile_page)
    assert [t for t, _ in page.tags if t == "script"] == ["script"] * 3
    assert not [t for t, _ in page.tags if t in {"img", "svg", "iframe", "object", "embed"}]
    for name, payload in PAYLOADS.items():
        assert payload not in hostile_page, f"the {name} payload appears unescaped"
    data = page_data(hostile_page)
    # ...and every payload arrives intact, to be shown as text.
    org = next(n for n in data["nodes"] if n["id"].endswith("hostile-org"))
    assert org["labels"] == {"en": PAYLOADS["img"], "vi": PAYLOADS["script"], "ja": PAYLOADS["svg"]}
    assert org["eid"] == PAYLOADS["script"]
    assert sorted(org["aliases"]) == sorted([PAYLOADS["comment"], PAYLOADS["template"]])
    quotes = [e["quote"] for edge in data["edges"] for e in edge["evidence"]]
    assert QUOTE in quotes
    titles = [s["titles"] for s in data["sources"]]
    assert {"vi": PAYLOADS["script"], "en": PAYLOADS["img"]} in titles
    assert "x'onerror=alert(9)" in [r["name"] for r in data["relations"]]


def test_the_page_written_in_pieces_carries_the_data_written_whole(
    tmp_path: Path, monkeypatch
) -> None:
    """kg.html is written piece by piece, each entity's and fact's record made as it is
    reached (at 10M quads the data made whole took gigabytes): with pieces of five
    characters, each hostile string cut across pieces, its data block is still byte for byte
    the escaped JSON of the whole data."""
    from pipeline import webpage

    (tmp_path / "hostile.trig").write_text(hostile_trig(), encoding="utf-8")
    g = to_networkx(read_quads(tmp_path / "hostile.trig"))
    whole = webpage.json_for_script(to_page_data(g))
    monkeypatch.setattr(webpage, "PIECE_CHARS", 5)
    page = to_html(g)
    assert parse_page(page).scripts[0] == whole
    for payload in PAYLOADS.values():
        assert payload not in page


# ------------------------------------------------------------------ layout


def test_layout_is_deterministic_and_ignores_insertion_order(bundled_graph) -> None:
    shuffled = nx.MultiDiGraph()
    nodes = list(bundled_graph.nodes(data=True))
    random.Random(5).shuffle(nodes)
    shuffled.add_nodes_from(nodes)
    edges = list(bundled_graph.edges(keys=True, data=True))
    random.Random(6).shuffle(edges)
    shuffled.add_edges_from(edges)
    assert compute_layout(shuffled) == compute_layout(bundled_graph)


def test_even_spacing_of_a_small_layout_measures_what_the_k_d_tree_measures() -> None:
    """Up to EXACT_LIMIT nodes every pair is measured instead of importing scipy's k-d tree:
    the layout must come out the same to the bit, with coincident and rounded positions."""
    import numpy as np
    from scipy.spatial import cKDTree

    from pipeline.explorer.layout import EXACT_LIMIT, _even_spacing

    rng = np.random.default_rng(3)
    for case in range(400):
        n = int(rng.integers(3, EXACT_LIMIT + 1))
        pos = rng.normal(size=(n, 2)) * rng.uniform(0.01, 100)
        if case % 5 == 0:
            pos[1] = pos[0]  # two nodes in one place
        if case % 7 == 0:
            pos = np.round(pos, 1)  # many equal distances
        nearest = float(np.median(cKDTree(pos).query(pos, k=2)[0][:, 1]))
        expected = pos / nearest if nearest > 1e-9 else pos
        assert np.array_equal(_even_spacing(pos), expected), case


class _DictMemo:
    """A memo in memory, counting what it is asked (the build keeps it on disk)."""

    def __init__(self) -> None:
        self.kept: dict[bytes, object] = {}
        self.hits = 0

    def get(self, inputs: bytes) -> object | None:
        found = self.kept.get(inputs)
        self.hits += found is not None
        return found

    def put(self, inputs: bytes, value: object) -> None:
        self.kept[inputs] = value


def test_a_kept_layout_is_reused_while_the_links_stay_and_redone_when_they_change(
    bundled_graph,
) -> None:
    memo = _DictMemo()
    cold = compute_layout(bundled_graph)
    assert compute_layout(bundled_graph, memo) == cold and memo.hits == 0
    relabelled = bundled_graph.copy()
    linked = next(u for u, v in relabelled.edges() if u != v)
    relabelled.nodes[linked]["labels"] = {"vi": "Tên mới", "en": "A new name"}
    assert compute_layout(relabelled, memo) == cold and memo.hits == 1  # same links: kept
    relinked = bundled_graph.copy()
    a, b = sorted(relinked.nodes)[:2]
    relinked.add_edge(a, b, key="new-fact", relation="partnerOf")
    fresh = compute_layout(relinked, memo)
    assert memo.hits == 1 and fresh == compute_layout(relinked)  # a new link: laid out again
    assert len(memo.kept) == 2
    # the order of the unlinked entities is part of what is kept
    lonely = bundled_graph.copy()
    for n in ("https://w3id.org/vjkg/resource/zz-late", "https://w3id.org/vjkg/resource/aa-early"):
        lonely.add_node(n, id=n.rsplit("/", 1)[1], cls="Person", labels={"en": n[-4:]})
    moved = compute_layout(lonely, memo)
    assert moved == compute_layout(lonely) and len(memo.kept) == 3


def test_layout_keeps_entities_apart_and_linked_ones_close(bundled_graph) -> None:
    pos = compute_layout(bundled_graph)
    points = sorted(pos.values())
    assert len(set(points)) == len(points), "two entities drawn on the same spot"
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in points)
    linked = [math.dist(pos[u], pos[v]) for u, v in bundled_graph.edges() if u != v]
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    diagonal = math.dist((min(xs), min(ys)), (max(xs), max(ys)))
    assert sorted(linked)[len(linked) // 2] < diagonal / 8, "linked entities are drawn near"


def test_a_graph_of_5000_entities_opens_on_an_overview() -> None:
    # The time this takes is measured in docs/explorer.md and bench/, not asserted here.
    text = to_html(to_networkx(synthetic_quads(5000)))
    data = page_data(text)
    assert len(data["nodes"]) == 5000 > OVERVIEW_THRESHOLD
    assert data["overview"] == OVERVIEW_SIZE
    overview = [n for n in data["nodes"] if "ox" in n]
    assert len(overview) == OVERVIEW_SIZE
    assert min(n["degree"] for n in overview) >= max(
        n["degree"] for n in data["nodes"] if "ox" not in n
    ), "the overview holds the best-connected entities"


def _random_tree(n: int, seed: int):
    """Random start positions and the edges of a random tree on ``n`` nodes."""
    import numpy as np

    rng = np.random.default_rng(seed)
    edges = sorted((int(rng.integers(0, k)), k) for k in range(1, n))
    return rng.normal(size=(n, 2)) * 10, np.array(edges, dtype=np.int64)


def test_close_pairs_pushed_in_runs_move_each_entity_as_all_at_once(monkeypatch) -> None:
    """A large component's pushes are summed in runs of PAIR_RUN pairs (the 10M corpus's
    largest component has about 40M close pairs): one step moves every entity as one run
    does, to rounding, and the drawing keeps its spacing."""
    import numpy as np
    from scipy.spatial import cKDTree

    from pipeline.explorer import layout

    pos, edges = _random_tree(3000, seed=1)
    assert len(cKDTree(pos).query_pairs(layout.CUTOFF)) > 20 * 997  # many runs below
    whole = {steps: layout._relax(pos, edges, steps) for steps in (1, 25)}
    monkeypatch.setattr(layout, "PAIR_RUN", 997)
    runs = {steps: layout._relax(pos, edges, steps) for steps in (1, 25)}
    assert np.allclose(runs[1], whole[1], rtol=0, atol=1e-9)
    assert np.array_equal(layout._relax(pos, edges, 25), runs[25]), "not deterministic"

    def spacing(p: np.ndarray) -> tuple[float, float]:
        nearest = cKDTree(p).query(p, k=2)[0][:, 1]
        linked = np.linalg.norm(p[edges[:, 0]] - p[edges[:, 1]], axis=1)
        return float(np.median(nearest)), float(np.median(linked))

    for got, want in zip(spacing(runs[25]), spacing(whole[25]), strict=True):
        assert abs(got - want) < 0.1 * want
