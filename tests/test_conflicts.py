"""Conflicts between sources are kept in the graph and reported."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.conflicts import find_conflicts, to_conflicts_text
from pipeline.load import load_corpus

from .conftest import run_kg


def test_bundled_corpus_conflicts(corpus) -> None:
    conflicts = find_conflicts(corpus)
    # Japan's rank in the digital competitiveness ranking the texts do not name: 38th in 2024
    # (doc-001) against 32nd in 2024 (doc-002); doc-003's 38th "hiện tại" is 2026's
    (rank,) = [c for c in conflicts if c.relation == "rankedIn"]
    assert rank.within is None and rank.about == "digital-competitiveness-ranking"
    assert {s.source for s in rank.statements} == {"doc-001", "doc-002"}
    # who launched J-Bridge: JETRO (doc-003) or its Hanoi office (doc-004), both in the
    # words of Haruhiko Ozasa, the office's chief representative
    (jbridge,) = [c for c in conflicts if c.subject == "j-bridge"]
    assert jbridge.relation == "launched" and jbridge.within is None
    assert {(s.source, s.value) for s in jbridge.statements} == {
        ("doc-003", "jetro according to haruhiko-ozasa"),
        ("doc-004", "jetro-hanoi according to haruhiko-ozasa"),
    }
    # a clash inside one source is labelled so
    (geniac,) = [c for c in conflicts if c.subject == "geniac"]
    assert geniac.within == "doc-002"
    assert "value (within doc-002): geniac launched" in to_conflicts_text(conflicts)
    assert len({c.key() for c in conflicts}) == len(conflicts)  # one entry per disagreement


def _ranked(mini: Path, folder: str, sentence: str, rank: str, date: str | None) -> None:
    text = mini / folder / "text.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\n" + sentence + "\n", encoding="utf-8")
    ann = mini / folder / "annotations.yaml"
    claim = f'  - subject: japan\n    relation: rankedIn\n    object: idx\n    rank: "{rank}"\n'
    if date:
        claim += f'    date: "{date}"\n'
    claim += f"    quote: {sentence}\n"
    body = ann.read_text(encoding="utf-8")
    if "claims:" not in body:
        body += "claims:\n"
    ann.write_text(body + claim, encoding="utf-8")


def _with_index(mini: Path) -> None:
    reg = mini / "registry.yaml"
    reg.write_text(
        reg.read_text(encoding="utf-8")
        + "  - id: idx\n    class: Ranking\n    label: {vi: Chỉ số Số, en: Digital Index}\n",
        encoding="utf-8",
    )


def _rank_conflicts(mini: Path) -> list:
    return [c for c in find_conflicts(load_corpus(mini)) if c.relation == "rankedIn"]


def test_undated_ranks_are_not_the_same_year(mini_copy: Path) -> None:
    _with_index(mini_copy)
    _ranked(mini_copy, "a", "Nhật Bản xếp thứ 3 trong Chỉ số Số.", "3", None)
    _ranked(mini_copy, "b", "Nhật Bản xếp thứ 5 trong Chỉ số Số.", "5", None)
    assert _rank_conflicts(mini_copy) == []


def test_now_is_dated_by_the_document(mini_copy: Path) -> None:
    _with_index(mini_copy)
    # doc-a is of 2026-02-04, doc-b of 2024: "hiện" means different years
    _ranked(mini_copy, "a", "Nhật Bản hiện xếp thứ 3 trong Chỉ số Số.", "3", "2026")
    _ranked(mini_copy, "b", "Nhật Bản hiện xếp thứ 5 trong Chỉ số Số.", "5", "2024")
    assert _rank_conflicts(mini_copy) == []
    meta = mini_copy / "b" / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"2024"', '"2026"'), "utf-8")
    ann = mini_copy / "b" / "annotations.yaml"
    ann.write_text(ann.read_text(encoding="utf-8").replace('date: "2024"', 'date: "2026"'))
    (clash,) = _rank_conflicts(mini_copy)
    assert clash.within is None
    assert {s.value for s in clash.statements} == {"rank 3 in 2026", "rank 5 in 2026"}


def test_an_undated_now_is_dated_by_its_document(mini_copy: Path) -> None:
    _with_index(mini_copy)
    # no date written: "hiện" is 2026-02-04 in doc-a and 2024 in doc-b, so no clash
    _ranked(mini_copy, "a", "Nhật Bản hiện xếp thứ 3 trong Chỉ số Số.", "3", None)
    _ranked(mini_copy, "b", "Nhật Bản hiện xếp thứ 5 trong Chỉ số Số.", "5", None)
    assert _rank_conflicts(mini_copy) == []
    meta = mini_copy / "b" / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"2024"', '"2026-01"'), "utf-8")
    (clash,) = _rank_conflicts(mini_copy)
    assert {s.value for s in clash.statements} == {
        "rank 3 now (2026-02-04, the document's date)",
        "rank 5 now (2026-01, the document's date)",
    }


def test_one_entry_per_disagreement_and_intra_source_label(mini_copy: Path) -> None:
    _with_index(mini_copy)
    _ranked(mini_copy, "a", "Năm 2025, Nhật Bản xếp thứ 3 trong Chỉ số Số.", "3", "2025")
    _ranked(mini_copy, "a", "Tháng 6/2025, Nhật Bản xếp thứ 4 trong Chỉ số Số.", "4", "2025-06")
    (clash,) = _rank_conflicts(mini_copy)
    assert clash.within == "doc-a"
    assert "rankedIn (within doc-a)" not in to_conflicts_text([clash])
    assert "value (within doc-a): japan rankedIn [idx]" in to_conflicts_text([clash])
    _ranked(mini_copy, "b", "Năm 2025, Nhật Bản xếp thứ 5 trong Chỉ số Số.", "5", "2025")
    (clash,) = _rank_conflicts(mini_copy)  # still one entry, now between sources
    assert clash.within is None and len(clash.statements) == 3


def test_who_launched_and_when_an_event_took_place_are_compared(mini_copy: Path) -> None:
    a = mini_copy / "a" / "annotations.yaml"
    a.write_text(
        a.read_text(encoding="utf-8").replace('date: "2026-02-04"', 'date: "2026-02"'), "utf-8"
    )
    assert not [c for c in find_conflicts(load_corpus(mini_copy)) if c.relation == "startDate"]
    text = mini_copy / "b" / "text.txt"
    text.write_text(text.read_text("utf-8") + "\nNgày hội CNTT diễn ra ngày 5/3/2026.\n", "utf-8")
    b = mini_copy / "b" / "annotations.yaml"
    b.write_text(
        b.read_text("utf-8")
        + '  - subject: ict-day\n    relation: startDate\n    date: "2026-03-05"\n'
        + "    quote: Ngày hội CNTT diễn ra ngày 5/3/2026.\n",
        "utf-8",
    )
    (clash,) = [c for c in find_conflicts(load_corpus(mini_copy)) if c.relation == "startDate"]
    assert {s.source for s in clash.statements} == {"doc-a", "doc-b"}


def test_member_list_difference_is_reported(mini_copy: Path) -> None:
    ann = mini_copy / "b" / "annotations.yaml"
    ann.write_text(
        ann.read_text(encoding="utf-8")
        .replace(
            "  - subject: sony\n    relation: memberOf",
            "  - subject: meti\n    relation: memberOf",
        )
        .replace("quote: Sony là thành viên của Rapidus.", "quote: thành viên của Rapidus"),
        encoding="utf-8",
    )
    conflicts = find_conflicts(load_corpus(mini_copy))
    lists = [c for c in conflicts if c.kind == "list"]
    assert len(lists) == 1
    text = to_conflicts_text(lists)
    assert "doc-a: sony (does not list meti)" in text
    assert "doc-b: meti (does not list sony)" in text


def test_dates_at_different_precision_agree(mini_copy: Path) -> None:
    ann = mini_copy / "b" / "annotations.yaml"
    ann.write_text(
        ann.read_text(encoding="utf-8")
        + '  - subject: sony\n    relation: foundingDate\n    date: "2024"\n'
        + '    dateReason: "a test"\n    implicit: subject\n    reason: "a test"\n'
        + "    quote: Theo bản tin\n",
        encoding="utf-8",
    )
    a = mini_copy / "a" / "annotations.yaml"
    a.write_text(
        a.read_text(encoding="utf-8")
        + '  - subject: sony\n    relation: foundingDate\n    date: "2024-05"\n'
        + '    dateReason: "a test"\n    implicit: subject\n    reason: "a test"\n'
        + "    quote: Ông Trần Anh Tú phát biểu.\n",
        encoding="utf-8",
    )
    assert not [c for c in find_conflicts(load_corpus(mini_copy)) if c.relation == "foundingDate"]
    a.write_text(a.read_text(encoding="utf-8").replace('"2024-05"', '"2023-05"'), encoding="utf-8")
    assert [c for c in find_conflicts(load_corpus(mini_copy)) if c.relation == "foundingDate"]


def test_kg_conflicts_cli_and_build_output() -> None:
    r = run_kg("conflicts")
    assert r.returncode == 0
    assert "j-bridge launched" in r.stdout and "sources/004/annotations.yaml:" in r.stdout
    j = run_kg("conflicts", "--json")
    assert json.loads(j.stdout) == json.loads(
        (Path(__file__).parents[1] / "graphs" / "conflicts.json").read_text(encoding="utf-8")
    )
