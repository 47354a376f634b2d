"""Inter-annotator agreement: two annotations of the same texts, compared fact by fact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.agreement import compare_corpora, score, total
from pipeline.cli import main
from pipeline.errors import Location
from pipeline.load import load_corpus

from .conftest import MINI


def second_annotation(tmp_path: Path) -> Path:
    """The mini corpus annotated again: one fact dropped and one qualifier left out."""
    dest = tmp_path / "b"
    shutil.copytree(MINI, dest)
    ann = dest / "a" / "annotations.yaml"
    text = ann.read_text(encoding="utf-8")
    text = text.replace(
        "  - subject: sony\n    relation: memberOf\n    object: rapidus\n"
        "    quote: Sony là thành viên của Rapidus.\n",
        "",
    )
    text = text.replace('    date: "2024"\n', "", 1)  # the second annotator leaves the date out
    ann.write_text(text, encoding="utf-8")
    return dest


def test_scores_count_each_side(tmp_path: Path) -> None:
    docs = compare_corpora(load_corpus(MINI), load_corpus(second_annotation(tmp_path)))
    a = next(d for d in docs if d.source.endswith("a") or d.facts.only_a)
    # the dropped memberOf is A-only; the funds fact still agrees on (s, r, o) ...
    assert ("sony", "memberOf", "rapidus") in a.only_a
    assert a.facts.only_b == 0 and a.facts.precision == 1.0 and a.facts.recall < 1.0
    # ... but not with its qualifiers (the date 2024 is missing)
    assert a.qualified.only_a == a.facts.only_a + 1 and a.qualified.only_b == 1


def test_same_annotation_agrees_fully() -> None:
    docs = compare_corpora(load_corpus(MINI), load_corpus(MINI))
    for kind in ("facts", "qualified", "mentions"):
        s = total(docs, kind)
        assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0) and s.both > 0


def test_an_entity_under_another_id_is_matched_by_its_names(tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(MINI, b)
    reg = b / "registry.yaml"
    reg.write_text(reg.read_text(encoding="utf-8").replace("id: rapidus", "id: rapidus-corp"))
    for ann in b.glob("*/annotations.yaml"):
        ann.write_text(ann.read_text(encoding="utf-8").replace(": rapidus\n", ": rapidus-corp\n"))
    docs = compare_corpora(load_corpus(MINI), load_corpus(b))
    assert total(docs, "facts").f1 == 1.0


def test_score_edges() -> None:
    assert score(set(), set()).f1 == 0.0 or score(set(), set()).precision == 1.0
    assert score({1}, set()).recall == 0.0 and score(set(), {1}).precision == 0.0


def test_cli_prints_tables_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = second_annotation(tmp_path)
    assert main(["agreement", str(MINI), str(b)]) == 0
    out = capsys.readouterr().out
    assert "| **all** |" in out and "A only: sony memberOf rapidus" in out
    assert main(["agreement", str(MINI), str(b), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["total"]["facts"]["only_a"] == 1


def test_two_texts_under_one_id_are_refused_not_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two folders with the same source id but different texts were scored as if they were
    one document; the scores meant nothing and nothing said so."""
    b = tmp_path / "b"
    shutil.copytree(MINI, b)
    text = b / "a" / "text.txt"
    original = text.read_text(encoding="utf-8")
    text.write_text(original + "Sự kiện kết thúc lúc 17 giờ.\n", encoding="utf-8")
    line = len(original.splitlines()) + 1  # the first line that differs
    assert main(["agreement", str(MINI), str(b)]) == 3
    err = capsys.readouterr().err
    assert f"{b / 'a' / 'text.txt'}:{line}: the text of" in err
    reference = Location.of(MINI / "a" / "text.txt", line)  # shown from the working directory
    assert f"differs from {reference}:" in err and "copy the reference's text.txt" in err
