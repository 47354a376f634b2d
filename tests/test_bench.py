"""The benchmark's parts, small: generator, partitioned validation, incremental build, harness.

Speed is measured by ``make bench`` only; these tests check behaviour (no timings asserted).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from pipeline.build import build_dataset, load_ontology
from pipeline.load import load_corpus
from pipeline.validation import load_shapes, validate_graph, validate_triples
from pipeline.vocab import Vocabulary

from .conftest import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate

SHAPES = load_shapes(ROOT / "ontology" / "shapes.ttl")
SMALL = 5_000


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "sources"
    generate(SMALL, out, violations=0.05)
    return out


def test_generator_is_deterministic(corpus_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "sources"
    generate(SMALL, again, violations=0.05)
    assert _tree(again) == _tree(corpus_dir)
    other = tmp_path / "other"
    generate(SMALL, other, violations=0.05, seed=9)
    assert _tree(other) != _tree(corpus_dir)


def test_generated_corpus_loads_with_amounts_dates_and_aliases(corpus_dir: Path) -> None:
    corpus = load_corpus(corpus_dir)  # raises InputError on any quote not found once
    assert len(corpus.sources) == 5
    assert any(c.qualifiers.amount and "tỷ" in c.qualifiers.amount.text for c in corpus.claims)
    assert any(c.qualifiers.date for c in corpus.claims)
    assert any(e.aliases for e in corpus.entities.values())


def test_violations_flag_gives_unevidenced_entities(corpus_dir: Path, tmp_path: Path) -> None:
    v = Vocabulary()
    onto = load_ontology(ROOT / "ontology" / "vjkg.ttl", v)
    ds = build_dataset(load_corpus(corpus_dir), onto, v)
    report = validate_graph(ds.to_graph(), SHAPES, ds.origins)
    assert report.violations
    assert {str(r.shape).rsplit("#", 1)[-1] for r in report.violations} == {"EntityShape"}
    clean = tmp_path / "clean"
    generate(SMALL, clean, violations=0)
    ds = build_dataset(load_corpus(clean), onto, v)
    assert validate_graph(ds.to_graph(), SHAPES, ds.origins).conforms


def _described(report) -> list[str]:
    return [r.describe({}) for r in report.results]


@pytest.mark.parametrize("max_triples", [500, 4_000, 10**9])
def test_partitioned_validation_equals_whole_graph(corpus_dir: Path, max_triples: int) -> None:
    v = Vocabulary()
    ds = build_dataset(load_corpus(corpus_dir), load_ontology(ROOT / "ontology" / "vjkg.ttl", v), v)
    whole = validate_graph(ds.to_graph(), SHAPES, ds.origins)
    parted = validate_triples(ds.graphs, SHAPES, ds.origins, workers=2, max_triples=max_triples)
    assert len(parted.violations) == len(whole.violations) > 0
    assert _described(parted) == _described(whole)


@pytest.mark.parametrize(
    "fixture", sorted((FIXTURES / "shapes").glob("*.ttl")), ids=lambda p: p.stem
)
def test_partitioned_validation_equals_whole_graph_on_shape_fixtures(fixture: Path) -> None:
    """Every known-bad fixture, each subject in its own partition: the reach of every shape."""
    data = Graph().parse(fixture)
    whole = validate_graph(data, SHAPES)
    groups = {s: {t for t in data if t[0] == s} for s in set(data.subjects())}
    parted = validate_triples(groups, SHAPES, workers=1, max_triples=1, groups_per_partition=1)
    assert sorted(_described(parted)) == sorted(_described(whole))
    assert len(parted.violations) == len(whole.violations) > 0


def test_indexed_store_answers_every_pattern_as_rdflib_does() -> None:
    """The store partitions are validated on: every bound/unbound pattern, same answers."""
    from itertools import product

    from pipeline.validation import IndexedTriples, indexed_shapes

    plain = Graph().parse(ROOT / "graphs" / "kg.nt")
    plain += SHAPES  # blank nodes and RDF lists too
    ours = Graph(store=IndexedTriples(plain))
    assert len(ours) == len(plain)
    from rdflib import BNode, Literal

    triples = sorted(plain)
    samples = [
        next(t for t in triples if isinstance(t[2], Literal)),
        next(t for t in triples if isinstance(t[0], BNode)),
        next(t for t in triples if not isinstance(t[2], Literal) and t[2] != t[0]),
    ]
    for t in samples:
        for pattern in product(*((x, None) for x in t)):
            assert sorted(ours.triples(pattern)) == sorted(plain.triples(pattern)), pattern
    s, p, o = samples[-1]
    absent = (s, p, s)
    assert absent not in plain and absent not in ours
    shapes = indexed_shapes(SHAPES)
    assert dict(shapes.namespaces())["vjkgsh"] == dict(SHAPES.namespaces())["vjkgsh"]
    with pytest.raises(TypeError, match="read-only"):
        ours.remove((s, p, o))


def _kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, text=True
    )


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.mark.parametrize("validator", ["sparql", "pyshacl"])
def test_incremental_build_is_byte_identical_and_reprocesses_only_the_edit(
    tmp_path: Path, validator: str
) -> None:
    sources = tmp_path / "sources"
    generate(40_000, sources, violations=0.01)
    out, cold = tmp_path / "graphs", tmp_path / "cold"
    engine = ("--validator", validator)
    first = _kg("build", "--sources", str(sources), "--out", str(out), "--keep-going", *engine)
    assert first.returncode == 4, first.stderr  # the generated violations, written anyway
    assert "violation" in (out / "validation.txt").read_text()
    meta = sources / "017" / "meta.yaml"
    meta.write_text(meta.read_text().replace('  vi: "', '  vi: "[sửa] ', 1))
    inc = _kg("build", "--sources", str(sources), "--out", str(out), "--keep-going", *engine)
    assert inc.returncode == 4, inc.stderr
    full = _kg("build", "--sources", str(sources), "--out", str(cold), "--keep-going",
               "--no-cache", *engine)  # fmt: skip
    assert full.returncode == 4, full.stderr
    assert not (cold / ".kg-cache").exists()
    assert _outputs(out) == _outputs(cold)
    line = next(x for x in inc.stderr.splitlines() if "cache:" in x)
    reloaded = [w for w in line.split("'") if w.startswith("source ")]
    assert reloaded == ["source 017"], line
    partitions = [w for w in line.split("'") if w.startswith("validation partition")]
    if validator == "pyshacl":
        # Only the validation partition holding the edited source's triples was rerun.
        assert len(partitions) == 1, line
    else:  # the SPARQL engine validates the whole graph each time; nothing to cache
        assert partitions == [], line
    assert int(line.split("cache: ")[1].split(" reused")[0]) >= 39, line
    # A new title leaves the links between entities as they were: the explorer's layout is
    # the cached one (and kg.html, above, is byte-identical to the cold build's).
    assert "layout" not in line, line


def test_both_validators_give_the_same_report_bytes(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    generate(8_000, sources, violations=0.05)
    outs = {}
    for engine in ("sparql", "pyshacl"):
        outs[engine] = tmp_path / engine
        done = _kg("build", "--sources", str(sources), "--out", str(outs[engine]),
                   "--keep-going", "--no-cache", "--validator", engine)  # fmt: skip
        assert done.returncode == 4, done.stderr
        assert f"({engine})" in done.stderr
    assert _outputs(outs["sparql"]) == _outputs(outs["pyshacl"])


def test_harness_smoke_run_writes_every_stage(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--smoke",
            "--work",
            str(tmp_path),
            "--results",
            str(tmp_path / "results"),
            "--naive-timeout",
            "300",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    size = results["sizes"]["10000"]
    from run import STAGE_NAMES  # bench/run.py

    # every stage, the validation's wait too: at 10k it runs in a forked copy of kg
    assert set(size["stages"]) == set(STAGE_NAMES)
    for key in ("floor pyoxigraph", "floor jena shacl", "naive rdflib+pyshacl", "kg html"):
        assert size[key]["seconds"] > 0, key
    assert size["queries"]["2-hop join"]["query_ms"] is not None
    # every saved query ran and answered (the entity parameter only where a query takes it)
    assert len(size["queries"]) >= 20
    assert size["ratios"]["failed_queries"] == [], size["queries"]
    assert size["incremental"]["differing_files"] == []
    assert size["incremental"]["nothing_changed"]["up_to_date"]
    # "build + exports" measured alone wrote the five exports, the same bytes as kg build's
    alone = size["build+exports alone"]
    assert (alone["files"], alone["differing_files"]) == (5, [])
    assert 0 < size["ratios"]["build_plus_exports_seconds"] < size["build"]["seconds"]
    assert size["violations"] == size["naive rdflib+pyshacl"]["violations"] > 0
    assert "versions" in results["machine"]
    assert "## Targets" in (tmp_path / "results" / "results.md").read_text()
