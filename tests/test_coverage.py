"""`kg coverage` shows an annotator the gaps; the bundled corpus has none unexplained."""

from __future__ import annotations

from pathlib import Path

from pipeline import errors
from pipeline.coverage import find_gaps
from pipeline.load import load_corpus

from .conftest import run_kg


def test_bundled_corpus_has_no_unexplained_gap() -> None:
    r = run_kg("coverage", "--strict")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no unexplained gaps in 5 source(s)" in r.stdout


def test_unannotated_entity_acronym_and_name_are_found(mini_copy: Path) -> None:
    text = mini_copy / "b" / "text.txt"
    text.write_text(
        text.read_text(encoding="utf-8") + "Bộ KH&CN và Sony gặp ông Yamada Taro tại JAIST.\n",
        encoding="utf-8",
    )
    gaps = find_gaps(load_corpus(mini_copy), [])
    found = {(g.source, g.kind, g.text) for g in gaps}
    assert ("doc-b", "entity", "Bộ KH&CN") in found  # most is named but not annotated in doc-b
    assert ("doc-b", "acronym", "JAIST") in found
    assert ("doc-b", "name", "Yamada Taro") in found
    r = run_kg("coverage", "--strict", "--sources", str(mini_copy))
    assert r.returncode == errors.EXIT_BAD_INPUT
    assert "b/text.txt:2: acronym 'JAIST'" in r.stdout


def test_ignore_entries_need_reasons_and_go_stale(mini_copy: Path) -> None:
    ignore = mini_copy / "coverage-ignore.yaml"
    ignore.write_text("ignore:\n  - text: JAIST\n", encoding="utf-8")
    r = run_kg("coverage", "--sources", str(mini_copy))
    assert r.returncode == errors.EXIT_BAD_INPUT and "missing 'reason'" in r.stderr
    ignore.write_text("ignore:\n  - text: JAIST\n    reason: test\n", encoding="utf-8")
    r = run_kg("coverage", "--strict", "--sources", str(mini_copy))
    assert "matches nothing any more" in r.stdout and r.returncode == errors.EXIT_BAD_INPUT


def test_names_are_found_whatever_their_case_and_diacritics(mini_copy: Path) -> None:
    """The matcher of kg suggest: "Bộ khoa học và công Nghệ", "Bo Khoa hoc va Cong nghe"."""
    text = mini_copy / "b" / "text.txt"
    text.write_text(
        text.read_text(encoding="utf-8") + "Đại diện Bộ khoa học và công Nghệ phát biểu.\n",
        encoding="utf-8",
    )
    gaps = find_gaps(load_corpus(mini_copy), [])
    assert ("doc-b", "entity", "Bộ khoa học và công Nghệ") in {
        (g.source, g.kind, g.text) for g in gaps
    }
    text.write_text(
        text.read_text(encoding="utf-8").replace(
            "Bộ khoa học và công Nghệ", "Bo Khoa hoc va Cong nghe"
        ),
        encoding="utf-8",
    )
    gaps = find_gaps(load_corpus(mini_copy), [])
    assert ("doc-b", "entity", "Bo Khoa hoc va Cong nghe") in {
        (g.source, g.kind, g.text) for g in gaps
    }
