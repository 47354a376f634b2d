"""kg diff: random corpus edits land in the right group, the RDF Patch is exact, git revisions."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.build import build_dataset, load_ontology
from pipeline.diff import (
    apply_rdf_patch,
    canonical_quad,
    diff_quads,
    to_diff_json,
    to_diff_markdown,
    to_rdf_patch,
)
from pipeline.export import to_nquads
from pipeline.load import load_corpus
from pipeline.model import Corpus
from pipeline.readers import read_quads
from pipeline.vocab import Vocabulary

from .conftest import MINI, ROOT, run_kg

VOCAB = Vocabulary()
ONTOLOGY = load_ontology(ROOT / "ontology" / "vjkg.ttl", VOCAB)
MINI_CORPUS = load_corpus(MINI)
CLAIMS = MINI_CORPUS.claims
ENTITY_IDS = sorted(MINI_CORPUS.entities)


def quads_of(corpus: Corpus) -> list:
    return list(build_dataset(corpus, ONTOLOGY, VOCAB).quads())


def edit(corpus: Corpus, *, drop=(), redate=(), relabel=()) -> Corpus:
    """The corpus without the claims in ``drop``, with a new date on ``redate``, and new
    English labels on the entities in ``relabel``."""
    claims = []
    for i, claim in enumerate(corpus.claims):
        if i in drop:
            continue
        if i in redate:
            q = dataclasses.replace(claim.qualifiers, date="2031-05")
            claim = dataclasses.replace(claim, qualifiers=q)
        claims.append(claim)
    entities = dict(corpus.entities)
    for eid in relabel:
        e = entities[eid]
        labels = tuple(
            (lang, f"{text} (renamed)" if lang == "en" else text) for lang, text in e.labels
        )
        entities[eid] = dataclasses.replace(e, labels=labels)
    return dataclasses.replace(corpus, claims=tuple(claims), entities=entities)


def key(i: int) -> tuple[str, str, str, str | None]:
    c = CLAIMS[i]
    return (c.source_id, c.subject, c.relation, c.object)


@st.composite
def edits(draw):
    """Disjoint sets of claims to add, remove and re-date, and entities to relabel."""
    indexes = list(range(len(CLAIMS)))
    chosen = draw(st.lists(st.sampled_from(indexes), unique=True, max_size=len(indexes)))
    roles = draw(
        st.lists(
            st.sampled_from(["add", "remove", "change"]), min_size=len(chosen), max_size=len(chosen)
        )
    )
    relabel = draw(st.lists(st.sampled_from(ENTITY_IDS), unique=True, max_size=3))
    by_role: dict[str, set[int]] = {"add": set(), "remove": set(), "change": set()}
    for i, role in zip(chosen, roles, strict=True):
        by_role[role].add(i)
    return by_role, set(relabel)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_random_edits_are_reported_in_their_group_and_nothing_else(plan) -> None:
    by_role, relabel = plan
    # OLD lacks the claims to add; NEW lacks the claims to remove and re-dates the changed.
    old = edit(MINI_CORPUS, drop=by_role["add"])
    new = edit(MINI_CORPUS, drop=by_role["remove"], redate=by_role["change"], relabel=relabel)
    # A claim whose date is already 2031-05 cannot change; the mini corpus has none.
    assert all(CLAIMS[i].qualifiers.date != "2031-05" for i in by_role["change"])
    d = diff_quads(quads_of(old), quads_of(new), vocab=VOCAB)

    reported: dict[str, set[tuple[str, str, str, str | None]]] = {
        "added": set(),
        "removed": set(),
        "changed": set(),
    }
    res = str(VOCAB.RES)
    for f in d.facts:
        s = f.subject.value[len(res) :]
        r = f.relation.value.rpartition("#")[2]
        o = f.object.value[len(res) :] if f.object else None
        for source in f.sources:
            reported[f.change].add((source, s, r, o))
        if f.change == "changed":
            assert [c.property.value for c in f.changes] == [str(VOCAB.term("date"))]
            assert f.changes[0].new == ("2031-05",)
    assert reported["added"] == {key(i) for i in by_role["add"]}
    assert reported["removed"] == {key(i) for i in by_role["remove"]}
    assert reported["changed"] == {key(i) for i in by_role["change"]}
    assert sum(len(f.sources) for f in d.facts) == sum(len(v) for v in by_role.values())

    assert {e.id for e in d.entities} == relabel
    for e in d.entities:
        assert e.change == "relabelled" and not e.changes
        assert [(lb.lang, lb.new) for lb in e.labels] == [
            ("en", MINI_CORPUS.entities[e.id].label("en") + " (renamed)")
        ]
    assert d.evidence == () and d.other == ()  # nothing else
    assert d.differ == bool(relabel or any(by_role.values()))
    # The patch is exact whatever the edit.
    assert apply_rdf_patch(quads_of(old), to_rdf_patch(d)) == set(quads_of(new))


def test_a_changed_qualifier_shows_old_and_new_with_labels_in_the_chosen_language() -> None:
    funds = next(i for i, c in enumerate(CLAIMS) if c.relation == "funds" and c.qualifiers.date)
    old, new = MINI_CORPUS, edit(MINI_CORPUS, redate={funds})
    d = diff_quads(quads_of(old), quads_of(new), vocab=VOCAB, lang="vi")
    (f,) = d.facts
    assert f.subject.label == "Bộ Kinh tế, Thương mại và Công nghiệp Nhật Bản"
    assert f.object is not None and f.object.label == "Rapidus"
    assert f.changes[0].old == ("2024",) and f.changes[0].new == ("2031-05",)
    md = to_diff_markdown(d)
    assert "→ 2031-05" in md and "2024 → 2031-05" in md
    assert "https://" not in md.split("## Sources")[0]  # labels, not IRIs
    assert "METI hỗ trợ Rapidus 590 tỷ Yên vào năm 2024." in md  # the quote
    data = json.loads(to_diff_json(d))
    assert data["counts"]["facts_changed"] == 1 and data["differ"] is True


def test_a_second_quote_for_a_fact_is_evidence_added_and_a_removed_source_is_summarised() -> None:
    corpus = MINI_CORPUS
    a_claim = next(c for c in corpus.claims if c.source_id == "doc-a" and c.relation == "patron")
    moved = dataclasses.replace(a_claim.anchor, start=0, end=6, exact="Ngày 4")
    extra = dataclasses.replace(a_claim, anchor=moved)
    new = dataclasses.replace(corpus, claims=(*corpus.claims, extra))
    d = diff_quads(quads_of(corpus), quads_of(new), vocab=VOCAB)
    assert d.facts == () and d.entities == ()
    (ev,) = d.evidence
    assert (ev.change, ev.source, ev.quote, ev.kind) == ("added", "doc-a", "Ngày 4", "claim")
    assert ev.about == "ICT Day patron Ministry of Science and Technology"
    # A whole source dropped: one row per graph that changed, the source marked removed.
    only_a = dataclasses.replace(
        corpus,
        sources=tuple(s for s in corpus.sources if s.meta.id == "doc-a"),
        claims=tuple(c for c in corpus.claims if c.source_id == "doc-a"),
        mentions=tuple(m for m in corpus.mentions if m.source_id == "doc-a"),
    )
    d = diff_quads(quads_of(corpus), quads_of(only_a), vocab=VOCAB)
    rows = {s.source: s for s in d.sources}
    assert set(rows) == {"doc-b"} and rows["doc-b"].status == "removed"
    assert rows["doc-b"].facts_removed == 2 and rows["doc-b"].quads_added == 0


HOSTILE_LABEL = "<img src=x onerror=alert(1)> *R&D* | [x](javascript:alert(2)) `c` &lt;"


def test_a_label_holding_markup_reads_as_written_in_the_markdown_report() -> None:
    """Labels and quotes are anybody's text: read by a CommonMark viewer (markdown-it, with
    tables), the report shows a label holding HTML, emphasis, a link, a code span, an entity
    and a cell separator as written, and makes none of them."""
    from markdown_it import MarkdownIt

    entities = dict(MINI_CORPUS.entities)
    e = entities["meti"]
    entities["meti"] = dataclasses.replace(
        e, labels=tuple((lang, HOSTILE_LABEL if lang == "en" else t) for lang, t in e.labels)
    )
    new = dataclasses.replace(MINI_CORPUS, entities=entities)
    d = diff_quads(quads_of(MINI_CORPUS), quads_of(new), vocab=VOCAB)
    html = MarkdownIt("commonmark").enable("table").render(to_diff_markdown(d))
    assert "<img" not in html and "<em>" not in html and "<a " not in html
    assert "<code>c</code>" not in html and "<code>meti</code>" in html  # ids stay code
    shown = "&lt;img src=x onerror=alert(1)&gt; *R&amp;D* | [x](javascript:alert(2)) `c` &amp;lt;"
    assert shown in html
    # each row of the sources table still has its eleven cells
    for row in html.split("<h2>Sources</h2>")[1].split("<tr>")[2:]:
        assert row.count("<td") == 11


def test_reports_are_deterministic() -> None:
    old = edit(MINI_CORPUS, drop={0, 3})
    new = edit(MINI_CORPUS, drop={1}, redate={5}, relabel={"meti", "sony"})
    first = diff_quads(quads_of(old), quads_of(new), vocab=VOCAB)
    again = diff_quads(list(reversed(quads_of(old))), quads_of(new)[::-1], vocab=VOCAB)
    assert to_diff_markdown(first) == to_diff_markdown(again)
    assert to_diff_json(first) == to_diff_json(again)
    assert to_rdf_patch(first) == to_rdf_patch(again)


# ---------------------------------------------------------------- the CLI, files and revisions


def write(tmp: Path, name: str, corpus: Corpus) -> Path:
    path = tmp / name
    path.write_text(to_nquads(quads_of(corpus)), encoding="utf-8")
    return path


def test_kg_diff_of_two_files_markdown_json_patch_and_exit_codes(tmp_path: Path) -> None:
    old = write(tmp_path, "old.nq", MINI_CORPUS)
    new = write(tmp_path, "new.nq", edit(MINI_CORPUS, drop={4}, relabel={"hanoi"}))
    done = run_kg("diff", str(old), str(new), "--patch", str(tmp_path / "p.rdfp"), "-q")
    assert done.returncode == 0, done.stderr
    assert "### Removed (1)" in done.stdout and "**Sony** member of **Rapidus**" in done.stdout
    assert "Hanoi (renamed)" in done.stdout
    patch = (tmp_path / "p.rdfp").read_text(encoding="utf-8")
    assert patch.splitlines()[1] == "TX ." and patch.endswith("TC .\n")
    assert apply_rdf_patch(read_quads(old), patch) == {canonical_quad(q) for q in read_quads(new)}
    assert run_kg("diff", str(old), str(new), "--exit-code", "-q").returncode == 8
    same = run_kg("diff", str(old), str(old), "--exit-code", "--json", "-q")
    assert same.returncode == 0 and json.loads(same.stdout)["differ"] is False
    # Turtle and N-Quads of the same data do not differ as far as facts go.
    assert run_kg("diff", str(old), "--rev", "HEAD", "-q").returncode == 0
    bad = run_kg("diff", str(old))
    assert bad.returncode == 2 and "give two sides" in bad.stderr
    missing = run_kg("diff", str(old), str(tmp_path / "nope.nq"))
    assert missing.returncode == 3 and "nope.nq: no such graph file" in missing.stderr
    # the input caps every reader of graph files has
    capped = run_kg("diff", str(old), str(new), "--max-input-bytes", "100")
    assert capped.returncode == 3 and "over the input cap of 100 bytes" in capped.stderr
    unknown = run_kg("diff", "--rev", "no-such-tag", "--rev", "HEAD")
    assert unknown.returncode == 2 and "no-such-tag" in unknown.stderr


def test_a_union_against_named_graphs_compares_the_unions_and_says_so(tmp_path: Path) -> None:
    """kg.ttl (the union) against kg.nq (named graphs) of one build: no differences, where
    graph by graph every quad would differ; an edit reads as it would between two files of
    a kind (an entity relabelled, not an entity added); the patch still turns OLD into NEW."""
    ttl, nq = ROOT / "graphs" / "kg.ttl", ROOT / "graphs" / "kg.nq"
    same = run_kg("diff", str(ttl), str(nq), "--exit-code", "-q")
    assert same.returncode == 0, same.stdout[:2000]
    assert "No differences" in same.stdout and "compares the union" in same.stderr
    meti = '"Ministry of Economy, Trade and Industry"@en'
    new = tmp_path / "new.nq"
    new.write_text(nq.read_text(encoding="utf-8").replace(meti, '"METI"@en'), encoding="utf-8")
    patch = tmp_path / "p.rdfp"
    done = run_kg("diff", str(ttl), str(new), "--json", "-q", "--patch", str(patch))
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)["counts"]
    assert counts.get("entities_relabelled") == 1 and "entities_added" not in counts
    assert {k for k, n in counts.items() if n} == {
        "entities_relabelled",
        "quads_added",
        "quads_removed",
    }
    applied = apply_rdf_patch(read_quads(ttl), patch.read_text(encoding="utf-8"))
    assert applied == {canonical_quad(q) for q in read_quads(new)}
    # both sides unions: the relabelling is an entity's, not an "other" change
    nt = tmp_path / "new.nt"
    nt.write_text(
        (ROOT / "graphs" / "kg.nt").read_text(encoding="utf-8").replace(meti, '"METI"@en')
    )
    both = json.loads(
        run_kg("diff", str(ROOT / "graphs" / "kg.nt"), str(nt), "--json", "-q").stdout
    )
    assert both["counts"].get("entities_relabelled") == 1 and not both["other"]


def test_kg_diff_never_writes_its_patch_over_a_side_it_compares(tmp_path: Path) -> None:
    old = write(tmp_path, "old.nq", MINI_CORPUS)
    new = write(tmp_path, "new.nq", edit(MINI_CORPUS, drop={4}))
    before = {p: p.read_bytes() for p in (old, new)}
    other_spelling = tmp_path / ".." / tmp_path.name / "old.nq"
    for target in (old, new, other_spelling):
        done = run_kg("diff", str(old), str(new), "--patch", str(target), "-q")
        assert done.returncode == 2 and "would destroy the input" in done.stderr, done.stderr
    assert {p: p.read_bytes() for p in (old, new)} == before


OLD_REV, NEW_REV = "c336a9a", "2768a94"  # two commits of this repository that changed sources


def committed_quads(rev: str) -> set[str]:
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:graphs/kg.nq"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {str(q) for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)}


def test_diff_of_two_revisions_equals_the_set_difference_of_their_n_quads(tmp_path: Path) -> None:
    status_before = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
    ).stdout
    patch = tmp_path / "history.rdfp"
    done = run_kg("diff", "--rev", OLD_REV, "--rev", NEW_REV, "--json", "--patch", str(patch))
    assert done.returncode == 0, done.stderr
    old, new = committed_quads(OLD_REV), committed_quads(NEW_REV)
    lines = patch.read_text(encoding="utf-8").splitlines()
    deleted = {
        str(next(iter(ox.parse(x[2:].encode(), format=ox.RdfFormat.N_QUADS))))
        for x in lines
        if x.startswith("D ")
    }
    added = {
        str(next(iter(ox.parse(x[2:].encode(), format=ox.RdfFormat.N_QUADS))))
        for x in lines
        if x.startswith("A ")
    }
    assert deleted == old - new and added == new - old
    assert deleted and added
    counts = json.loads(done.stdout)["counts"]
    assert counts["quads_removed"] == len(old - new) and counts["quads_added"] == len(new - old)
    # Each revision was built in a temporary folder: the working tree is as it was.
    after = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
    ).stdout
    assert after == status_before


@pytest.mark.parametrize("suffix", [".ttl", ".trig", ".jsonld", ".nt"])
def test_every_format_reads_as_the_same_graph(tmp_path: Path, suffix: str) -> None:
    from pipeline.export import render

    quads = quads_of(MINI_CORPUS)
    nq = tmp_path / "g.nq"
    nq.write_text(to_nquads(quads), encoding="utf-8")
    other = tmp_path / f"g{suffix}"
    fmt = {".ttl": "turtle", ".trig": "trig", ".jsonld": "jsonld", ".nt": "ntriples"}[suffix]
    other.write_text(render(fmt, quads, VOCAB.prefixes()), encoding="utf-8")
    done = run_kg("diff", str(nq), str(other), "--json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["differ"] is False
    # a union file has no named graphs: the unions are compared, and the note says so
    assert ("compares the union" in done.stderr) == (suffix in (".ttl", ".nt"))


def test_a_quote_shared_by_two_facts_and_a_moved_quote() -> None:
    patron = next(c for c in CLAIMS if c.relation == "patron")
    # A second claim on the same quote: one annotation supporting two facts.
    sharing = dataclasses.replace(patron, relation="organizer")
    both = dataclasses.replace(MINI_CORPUS, claims=(*CLAIMS, sharing))
    d = diff_quads(quads_of(both), quads_of(MINI_CORPUS), vocab=VOCAB)
    assert [(f.change, f.relation.label) for f in d.facts] == [("removed", "organizer")]
    assert d.evidence == () and d.other == ()
    # The same quote found at another place (the text moved): one piece of evidence changed.
    anchor = dataclasses.replace(patron.anchor, start=patron.anchor.start + 3)
    anchor = dataclasses.replace(anchor, end=patron.anchor.end + 3)
    moved = tuple(dataclasses.replace(c, anchor=anchor) if c == patron else c for c in CLAIMS)
    d = diff_quads(
        quads_of(MINI_CORPUS), quads_of(dataclasses.replace(MINI_CORPUS, claims=moved)), vocab=VOCAB
    )
    assert d.facts == ()
    (ev,) = d.evidence
    assert ev.change == "changed" and ev.quote == patron.anchor.exact and not ev.old_quote
    assert {c.property.label for c in ev.changes} == {"position start", "position end"}
    start = next(c for c in ev.changes if c.property.label == "position start")
    assert start.old == (str(patron.anchor.start),) and start.new == (str(anchor.start),)


def test_kg_diff_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    old = write(tmp_path, "old.nq", edit(MINI_CORPUS, drop={0, 3}))
    new = write(tmp_path, "new.nq", edit(MINI_CORPUS, drop={1}, redate={5}, relabel={"meti"}))
    outputs = set()
    for seed in ("1", "2"):
        patch = tmp_path / f"p{seed}.rdfp"
        md = run_kg("diff", str(old), str(new), "-q", "--patch", str(patch),
                    env={"PYTHONHASHSEED": seed})  # fmt: skip
        js = run_kg("diff", str(old), str(new), "-q", "--json", env={"PYTHONHASHSEED": seed})
        outputs.add((md.stdout, js.stdout, patch.read_bytes()))
    assert len(outputs) == 1


def test_two_revisions_naming_the_same_commit_do_not_differ() -> None:
    """Both sides were extracted into one folder named after the commit: exit 5, File exists."""
    full = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", f"{NEW_REV}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    same = run_kg("diff", "--rev", NEW_REV, "--rev", full, "--exit-code", "--json", "-q")
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["differ"] is False
    head = run_kg("diff", "--rev", "HEAD", "--rev", "HEAD", "--exit-code", "-q")
    assert head.returncode == 0, head.stderr
    assert "No differences" in head.stdout


def test_blank_nodes_are_labelled_from_their_graph_so_the_same_graph_does_not_differ(
    tmp_path: Path,
) -> None:
    """Two reads of one Turtle file with ``[]`` differed (a parser's labels are random):
    "2 quads added, 2 removed", other bytes on every run, and a patch naming labels no
    fresh read has. Now the same graph, under any labels, does not differ; a real change is
    reported with the same bytes every time, and its patch applies to a fresh read."""
    t1 = tmp_path / "t1.ttl"
    t1.write_text("[] <http://b> [ <http://b> [] ] .\n", encoding="utf-8")
    same = tmp_path / "same.nt"
    same.write_text("_:x <http://b> _:y .\n_:y <http://b> _:z .\n", encoding="utf-8")
    grown = tmp_path / "grown.nt"
    grown.write_text(same.read_text(encoding="utf-8") + '_:z <http://b> "x" .\n', "utf-8")
    for other in (t1, same):
        done = run_kg("diff", str(t1), str(other), "--exit-code", "-q")
        assert done.returncode == 0 and "No differences" in done.stdout, done.stdout
    runs = [
        run_kg(
            "diff",
            str(t1),
            str(grown),
            "-q",
            "--patch",
            str(tmp_path / f"p{i}.rdfp"),
            env={"PYTHONHASHSEED": str(i)},
        )
        for i in (1, 2)
    ]
    assert runs[0].stdout == runs[1].stdout and "`_:b" in runs[0].stdout
    patch = (tmp_path / "p1.rdfp").read_text(encoding="utf-8")
    assert patch == (tmp_path / "p2.rdfp").read_text(encoding="utf-8")
    applied = apply_rdf_patch(read_quads(t1), patch)
    from pipeline.diff import label_blank_nodes

    assert applied == {canonical_quad(q) for q in label_blank_nodes(read_quads(grown))}


def _text(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("mark", ["\u2028", "\u2029", "\u0085"])
def test_a_patch_whose_literal_holds_a_unicode_line_separator_applies(
    tmp_path: Path, mark: str
) -> None:
    """N-Triples lets a literal hold U+2028, U+2029 or U+0085 as it is, so the patch holds
    it raw: applying reads rows up to "\\n" alone (str.splitlines would split the row)."""
    label = "<http://ex.org/a> <http://www.w3.org/2000/01/rdf-schema#label>"
    old = _text(tmp_path, "old.nt", f'{label} "x" .\n')
    new = _text(tmp_path, "new.nt", f'{label} "x\\u{ord(mark):04x}y" .\n')
    done = run_kg("diff", str(old), str(new), "--patch", str(tmp_path / "p.rdfp"), "-q")
    assert done.returncode == 0, done.stderr
    patch = (tmp_path / "p.rdfp").read_text(encoding="utf-8")
    assert mark in patch
    assert apply_rdf_patch(read_quads(old), patch) == {canonical_quad(q) for q in read_quads(new)}


def test_kg_diff_says_what_a_side_is_when_it_is_not_a_graph_file(tmp_path: Path) -> None:
    """The same refusals as every command's reader: a directory, a FIFO, a dangling link."""
    import os

    good = _text(tmp_path, "g.nt", '<http://ex.org/a> <http://ex.org/p> "x" .\n')
    (tmp_path / "dir.nt").mkdir()
    os.mkfifo(tmp_path / "fifo.nt")
    (tmp_path / "dangling.nt").symlink_to(tmp_path / "nowhere.nt")
    for name, says in (
        ("dir.nt", "is a directory, not a graph file"),
        ("fifo.nt", "is not a regular file"),
        ("dangling.nt", "is a symbolic link to"),
    ):
        done = run_kg("diff", str(tmp_path / name), str(good), "-q")
        assert done.returncode == 3, done.stderr
        assert f"{name}: {says}" in done.stderr, done.stderr
