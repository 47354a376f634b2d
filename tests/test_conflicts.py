"""Conflicts between sources are kept in the graph and reported."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.conflicts import find_conflicts, to_conflicts_text
from pipeline.load import load_corpus

from .conftest import run_kg


def test_bundled_corpus_reports_the_digital_rank_disagreement(corpus) -> None:
    conflicts = find_conflicts(corpus)
    value = [c for c in conflicts if c.kind == "value" and c.relation == "rankedIn"]
    assert value, "doc-002 (32nd) and doc-003 (38th) disagree on Japan's current rank"
    sources = {s.source for s in value[0].statements}
    assert {"doc-002", "doc-003"} <= sources
    over_time = [c for c in conflicts if c.kind == "over-time"]
    assert any("doc-001" in {s.source for s in c.statements} for c in over_time)


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
    assert "japan rankedIn" in r.stdout and "sources/002/annotations.yaml:" in r.stdout
    j = run_kg("conflicts", "--json")
    assert json.loads(j.stdout) == json.loads(
        (Path(__file__).parents[1] / "graphs" / "conflicts.json").read_text(encoding="utf-8")
    )
