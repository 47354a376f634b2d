"""Property-based tests: any input gives a result or a clean, located error — never a crash."""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.anchor import AnchorError, SourceText, fold_whitespace
from pipeline.errors import InputError
from pipeline.load import load_corpus
from pipeline.quantities import QuantityError, parse_amount, parse_date
from pipeline.yamltree import YamlProblems, read_yaml_text

from .conftest import MINI

VI_TEXT = st.text(
    alphabet=st.sampled_from(
        list("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặỳỷỹýỵ ÀĐỆ\n\t.,:;\"'()-0123456789")
    ),
    min_size=1,
    max_size=300,
)


@given(VI_TEXT, st.data())
def test_a_slice_of_the_text_always_anchors_back_to_itself(text: str, data: st.DataObject) -> None:
    source = SourceText(text)
    start = data.draw(st.integers(0, len(source.text) - 1))
    end = data.draw(st.integers(start + 1, len(source.text)))
    quote = source.text[start:end]
    if not fold_whitespace(quote):
        return
    # Annotators retype line breaks as spaces: the quote must still be found.
    retyped = " ".join(quote.split())
    try:
        anchor = source.anchor(retyped)
    except AnchorError as exc:
        assert "ambiguous" in exc.what  # repeated text: the error says where
        return
    assert fold_whitespace(anchor.exact) == fold_whitespace(quote)
    assert source.text[anchor.start : anchor.end] == anchor.exact


@given(st.text(max_size=400))
def test_yaml_reader_returns_a_tree_or_located_problems(text: str) -> None:
    try:
        read_yaml_text(text, "fuzz.yaml")
    except YamlProblems as exc:
        assert exc.problems and all(str(p).startswith("fuzz.yaml") for p in exc.problems)


@given(st.text(max_size=40))
def test_amounts_parse_or_explain(text: str) -> None:
    try:
        amount = parse_amount(text)
    except QuantityError as exc:
        assert str(exc)
    else:
        assert amount.value >= 0


@given(st.text(max_size=12))
def test_dates_parse_or_explain(text: str) -> None:
    try:
        _value, kind = parse_date(text)
    except QuantityError:
        return
    assert kind in ("gYear", "gYearMonth", "date")


ANNOTATION_PIECES = st.lists(
    st.sampled_from(
        [
            "claims:\n",
            "mentions:\n",
            "  - subject: sony\n",
            "  - entity: japan\n",
            "    relation: memberOf\n",
            "    relation: funds\n",
            "    object: rapidus\n",
            "    amount: 590 tỷ Yên\n",
            "    amount: 3.900\n",
            "    date: 2024\n",
            '    date: "2024-02-30"\n',
            "    quote: Sony là thành viên của Rapidus.\n",
            "    quote: Rapidus\n",
            "    occurrence: 7\n",
            "    start: -1\n",
            "    role: {vi: a, en: b}\n",
            "  - &x [1]\n",
            "  - *x\n",
            "\t\n",
            "    quote: >-\n      Rapidus nhận\n",
            "- ]\n",
            "\x00\n",
        ]
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANNOTATION_PIECES)
def test_any_annotation_file_gives_a_corpus_or_located_errors(pieces: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sources"
        shutil.copytree(MINI, root)
        (root / "b" / "annotations.yaml").write_text("".join(pieces), encoding="utf-8")
        try:
            corpus = load_corpus(root)
        except InputError as exc:
            assert exc.problems
            for p in exc.problems:
                assert str(p.where).startswith(str(root)) or "sources" in str(p.where)
                assert p.what
        else:
            assert corpus.sources


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=200))
def test_any_source_text_gives_a_corpus_or_located_errors(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sources"
        shutil.copytree(MINI, root)
        (root / "b" / "text.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_corpus(root)
        except InputError as exc:
            assert all(p.what for p in exc.problems)


@given(VI_TEXT)
def test_nfc_and_nfd_spellings_of_a_quote_anchor_alike(text: str) -> None:
    source = SourceText(unicodedata.normalize("NFD", text))
    quote = " ".join(text.split())[:40]
    if not quote:
        return
    try:
        a = source.anchor(unicodedata.normalize("NFD", quote))
        b = source.anchor(unicodedata.normalize("NFC", quote))
    except AnchorError:
        return
    assert (a.start, a.end) == (b.start, b.end)


def test_a_character_yaml_refuses_is_named_at_its_line_with_a_fix() -> None:
    """libyaml's reader refuses some characters (U+FFFE) before parsing: the problem has
    the line, not a position in "<unicode string>", and says what to do."""
    try:
        read_yaml_text("a: 1\nb: x\ufffe\n", "f.yaml")
    except YamlProblems as exc:
        (problem,) = exc.problems
        assert str(problem).startswith("f.yaml:2: character U+FFFE is not allowed")
        assert problem.fix and "unicode string" not in str(problem)
    else:
        raise AssertionError("U+FFFE was read")


def test_a_surrogate_pair_escape_is_answered_with_the_escape_yaml_takes() -> None:
    """JSON writes 😀 as two \\u surrogates; YAML refuses that: the fix says how to write it."""
    try:
        read_yaml_text('a: "\\ud83d\\ude00"\n', "f.yaml")
    except YamlProblems as exc:
        (problem,) = exc.problems
        assert (
            str(problem).startswith("f.yaml:1: YAML syntax error") and "\\U0001F600" in problem.fix
        )
    else:
        raise AssertionError("the surrogates were read")
