"""Validation in a child process while ``kg build`` writes its exports gives the same report,
the same files and the same exit codes as validating first, and leaves nothing behind."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from pipeline import errors
from pipeline.export import Rows
from pipeline.run import build
from pipeline.validation.background import BackgroundValidation, ForkedValidation
from pipeline.validation.sparql import store_from_ntriples, stored_forms, to_store

from .conftest import MINI, ROOT, run_kg

SHAPES_TTL = (ROOT / "ontology" / "shapes.ttl").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus with SHACL violations planted in it."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    sources = tmp_path_factory.mktemp("planted") / "sources"
    generate(4_000, sources, violations=0.05)
    return sources


def _files(b) -> dict[str, str]:
    return {name: "".join([pieces] if isinstance(pieces, str) else pieces)
            for name, pieces in b.outputs()}  # fmt: skip


def test_the_report_and_every_file_are_the_same_as_validating_first(planted: Path) -> None:
    first = build(planted, ROOT / "ontology")
    lines: list[str] = []
    later = build(planted, ROOT / "ontology", background_from=0, progress=lines.append)
    assert any("in a background process" in line for line in lines)
    assert later.report is not None and first.report is not None
    assert len(first.report.violations) >= 2  # the planted violations are found
    assert later.report == first.report  # located and sorted the same, result for result
    assert _files(later) == _files(first)


def test_a_small_graph_validated_in_a_forked_copy_gives_the_same_report_and_files(
    planted: Path,
) -> None:
    first = build(planted, ROOT / "ontology")
    lines: list[str] = []
    later = build(planted, ROOT / "ontology", background_from=10**9, progress=lines.append)
    assert isinstance(later._pending, ForkedValidation)
    assert later.report is not None and first.report is not None
    assert len(first.report.violations) >= 2
    assert later.report == first.report
    assert _files(later) == _files(first)
    assert any(line.startswith("validation: ") and "in a forked process" in line for line in lines)


@pytest.mark.parametrize("background_from", [0, 10**9], ids=["fresh child", "forked copy"])
def test_shapes_the_compiler_does_not_take_are_validated_by_pyshacl_in_the_build(
    background_from: int, tmp_path: Path
) -> None:
    """The child finds that the shapes do not compile (sh:closed); the build then validates
    with pySHACL itself, as it does without a child."""
    onto = tmp_path / "ontology"
    onto.mkdir()
    shutil.copy(ROOT / "ontology" / "vjkg.ttl", onto)
    closed = (
        "\nvjkgsh:ClosedRanking a sh:NodeShape ; sh:targetClass vjkg:Ranking ; sh:closed true .\n"
    )
    (onto / "shapes.ttl").write_text(SHAPES_TTL + closed, encoding="utf-8")
    first = build(MINI, onto)
    lines: list[str] = []
    later = build(MINI, onto, background_from=background_from, progress=lines.append)
    assert later.report is not None and later.report == first.report
    assert [line for line in lines if line.startswith("validation: ")] == [
        f"validation: {len(first.report.violations)} violation(s), "
        f"{len(first.report.warnings)} warning(s) (pyshacl)"
    ]


@pytest.mark.parametrize(
    ("validator", "background_from"),
    [("pyshacl", None), ("sparql", None), ("auto", 10**9), ("auto", 0)],
    ids=["pyshacl", "sparql here", "forked copy", "fresh child"],
)
def test_under_another_base_the_shapes_find_the_same_violations(
    planted: Path, validator: str, background_from: int | None
) -> None:
    """The shapes move to ``--base`` with the ontology (their SPARQL prefixes too): before,
    every entity's evidence failed under another base, and the SPARQL-based shapes matched
    nothing."""
    base = "https://example.org/kg/"
    default = build(planted, ROOT / "ontology")
    moved = build(
        planted, ROOT / "ontology", base, validator=validator, background_from=background_from
    )
    assert default.report is not None and moved.report is not None
    assert len(default.report.violations) >= 2

    def outline(report, root: str) -> list[tuple[str, ...]]:
        def local(node: object) -> str:
            return str(node).removeprefix(root) if node is not None else ""

        return sorted(
            (local(r.focus), local(r.path), local(r.value), local(r.shape), local(r.component))
            for r in report.results
        )

    assert outline(moved.report, base) == outline(default.report, "https://w3id.org/vjkg/")


def test_a_cancelled_forked_validation_stops_its_process(planted: Path) -> None:
    b = build(planted, ROOT / "ontology", background_from=10**9)
    pending = b._pending
    assert isinstance(pending, ForkedValidation)
    b.cancel()
    assert not pending._child.process.is_alive()
    assert b.report is None


def test_the_analysis_started_once_validation_is_done_gives_the_same_files(
    planted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a very large graph a thread starts the analysis's child when the validation's
    child is done, while the explorer is drawn: the files are the same."""
    import pipeline.run as run

    first = _files(build(planted, ROOT / "ontology"))
    monkeypatch.setattr(run, "ANALYSIS_AFTER_VALIDATION_FROM", 0)
    lines: list[str] = []
    later = build(planted, ROOT / "ontology", background_from=0, progress=lines.append)
    assert _files(later) == first
    assert "rendered analysis (in a background process)" in lines


def test_a_failed_validation_is_raised_even_when_the_analysis_waits_for_it(
    planted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.run as run

    monkeypatch.setattr(run, "ANALYSIS_AFTER_VALIDATION_FROM", 0)
    b = build(planted, ROOT / "ontology", background_from=0)
    assert b._pending is not None
    b._pending._child.close()  # the validation's process dies before it answers
    with pytest.raises(RuntimeError, match="SHACL validation failed in its process"):
        _files(b)


def test_a_file_written_with_stored_forms_loads_into_the_store_to_store_makes(
    tmp_path: Path,
) -> None:
    g = Graph().parse(
        data="""@prefix ex: <http://e/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:a ex:n "10"^^xsd:nonNegativeInteger , "4.0"^^xsd:decimal , "01"^^xsd:integer ,
                  "2021-13"^^xsd:gYearMonth , "300"^^xsd:byte , "x"@vi , "y" ,
                  "2021-09"^^xsd:gYearMonth , "1"^^xsd:boolean .""",
        format="turtle",
    )
    rows = Rows((s, p, o, None) for s, p, o in g)
    stored = stored_forms(rows.terms)
    assert stored  # some literals must be written differently for the store
    path = tmp_path / "union.nt"
    path.write_text(
        "".join(f"{s} {p} {stored.get(o, o)} .\n" for s, p, o in rows.triples()), encoding="utf-8"
    )
    from_file = set(store_from_ntriples(path).quads_for_pattern(None, None, None))
    assert from_file == set(to_store(g).quads_for_pattern(None, None, None))


def test_a_failing_child_is_an_error_with_its_reason_and_leaves_no_file() -> None:
    bad = BackgroundValidation([[("<http://e/a>", "<http://e/p>", "not a term")]], {}, SHAPES_TTL)
    folder = bad._dir
    with pytest.raises(RuntimeError, match="SHACL validation failed in its process"):
        bad.raw()
    assert not folder.exists()


def test_a_cancelled_validation_stops_its_process_and_leaves_no_file(planted: Path) -> None:
    b = build(planted, ROOT / "ontology", background_from=0)
    pending = b._pending
    assert pending is not None
    b.cancel()
    assert not pending._process.is_alive() and not pending._dir.exists()
    assert b.report is None  # nothing was validated


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_kg_build_in_the_background_refuses_a_non_conforming_graph_and_changes_nothing(
    mini_copy: Path, tmp_path: Path
) -> None:
    out, scratch = tmp_path / "out", tmp_path / "tmp"
    scratch.mkdir()
    env = {"TMPDIR": str(scratch)}
    ok = run_kg("build", "--sources", str(mini_copy), "--out", str(out), "--background-from", "0",
                env=env)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "in a background process" in ok.stderr
    cold = tmp_path / "cold"
    same = run_kg("build", "--sources", str(MINI), "--out", str(cold), "--background-from", "1e9")
    assert same.returncode == errors.EXIT_USAGE  # not a number of quads
    same = run_kg("build", "--sources", str(mini_copy), "--out", str(cold), "--no-cache")
    assert same.returncode == 0 and "background" not in same.stderr
    assert _snapshot(out) == _snapshot(cold)
    before = _snapshot(out)
    reg = mini_copy / "registry.yaml"  # an entity nobody mentions has no evidence
    reg.write_text(
        reg.read_text() + "  - id: orphan\n    class: Person\n    label: {vi: Ai đó, en: Someone}\n"
    )
    r = run_kg("build", "--sources", str(mini_copy), "--out", str(out), "--background-from", "0",
               env=env)  # fmt: skip
    assert r.returncode == errors.EXIT_NOT_CONFORMING
    assert "no evidence" in r.stderr and "was left unchanged" in r.stderr
    assert _snapshot(out) == before
    kept = run_kg("build", "--sources", str(mini_copy), "--out", str(out), "--background-from",
                  "0", "--keep-going", env=env)  # fmt: skip
    assert kept.returncode == errors.EXIT_NOT_CONFORMING
    assert "orphan" in (out / "validation.txt").read_text(encoding="utf-8")
    assert list(scratch.iterdir()) == []  # the union file of every run was removed
    neg = run_kg("build", "--sources", str(MINI), "--out", str(cold), "--background-from", "-1")
    assert neg.returncode == errors.EXIT_USAGE and "0 or more" in neg.stderr
