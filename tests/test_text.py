"""The one fold: Python's (pipeline/text.py) and the explorer script's give the same keys,
so what the page precomputes and what a person types into it meet."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import sync_playwright

from pipeline.text import fold, fold_spacing, fold_with_offsets, name_key, nfc

from .conftest import ROOT
from .test_browser import CHROMIUM, CHROMIUM_ARGS

TRICKY = [
    "Ủy ban Hợp tác Công nghệ thông tin Việt Nam - Nhật Bản",
    "Uỷ  ban\nhợp tác",
    "Bộ KH&CN – Việt–Nam",
    "ĐẠI HỌC QUỐC GIA HÀ NỘI",
    "  a - - b  ",
    "JETRO Hà Nội",
    "Nhật Bản ‒ ― ‐ ‑",
    "Vie\u0323\u0302t",
]


def js_fold() -> str:
    source = (ROOT / "pipeline" / "assets" / "explorer.js").read_text(encoding="utf-8")
    m = re.search(r"\n  function fold\(s\) \{.*?\n  \}\n", source, re.S)
    assert m, "explorer.js has no fold()"
    return m.group(0)


def test_the_explorer_folds_as_python_does(corpus) -> None:
    texts = list(TRICKY)
    for e in corpus.entities.values():
        texts += [name for _, name in e.all_names()]
    texts += [c.anchor.exact for c in corpus.claims]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            folded = page.evaluate(
                "([src, texts]) => { const fold = new Function(src + '; return fold;')();"
                " return texts.map(fold); }",
                [js_fold(), texts],
            )
        finally:
            browser.close()
    mismatches = [(t, js, fold(t)) for t, js in zip(texts, folded, strict=True) if js != fold(t)]
    assert not mismatches, mismatches[:5]
    assert len(texts) > 300


@settings(max_examples=200)
@given(st.text(alphabet="aàảãáạăằẳẵắặâầẩẫấậđĐ -–\n\tBỘxy", max_size=30))
def test_offsets_point_back_at_what_was_folded(text: str) -> None:
    folded, origin = fold_with_offsets(text)
    source = nfc(text)
    assert len(folded) == len(origin)
    for ch, i in zip(folded, origin, strict=True):
        assert (ch == " " and source[i].isspace()) or fold(source[i]) in (ch, "")


def test_keys() -> None:
    assert fold("Việt Nam – Nhật Bản") == fold("viet nam-nhat ban")
    assert name_key("Việt-Nam") == name_key("viet nam") == "viet nam"
    assert fold_spacing("Bộ  KH&CN – X") == "Bộ KH&CN-X"  # case and marks kept


def test_fold_words_drops_every_combining_mark_and_nothing_else() -> None:
    """The translate table fills itself as characters occur: each code point, between two
    letters, folds as decomposing and dropping what ``unicodedata.combining`` marks."""
    import unicodedata

    from pipeline.text import _LETTER_DIGIT, _NON_WORD, fold_words

    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        return " " + _NON_WORD.sub(" ", _LETTER_DIGIT.sub(" ", stripped)).strip() + " "

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = "a" + chr(code) + "b"
        assert fold_words.__wrapped__(text) == reference(text), hex(code)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "\t", "\u00a0", "\u2003", "\u0301"])))
def test_anchor_offsets_map_back_to_the_original_text(text: str) -> None:
    """Every character of the whitespace-folded text maps to the character it came from."""
    from pipeline.anchor import SourceText

    st_ = SourceText(text)
    origin: list[int] = []
    start = 0
    for run in re.finditer(r"\s+", st_.text):
        a, b = run.span()
        origin += range(start, a + 1)
        start = b
    origin += range(start, len(st_.text))
    assert len(origin) == len(st_.folded)
    assert [st_.origin(p) for p in range(len(origin))] == origin
    for p, o in enumerate(origin):
        assert st_.folded[p] == (" " if st_.text[o].isspace() else st_.text[o])


_ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(
    text=_ANY_TEXT,
    lang=st.sampled_from([None, "vi", "en", "ja", "en-GB"]),
    datatype=st.sampled_from([None, "http://www.w3.org/2001/XMLSchema#gYear", 'urn:x:a b\\"c']),
    iri=st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30),
)
def test_from_nt_reads_back_every_term_to_nt_writes(
    text: str, lang: str | None, datatype: str | None, iri: str
) -> None:
    """The builder keeps N-Triples forms and makes terms from them when asked
    (pipeline.build.Terms): reading a form back must give the very term, whatever it holds."""
    from rdflib import Literal, URIRef

    from pipeline.iri import escape_string, from_nt, to_nt, unescape_string

    assert unescape_string(escape_string(text)) == text
    if datatype is not None:
        term = Literal(text, datatype=URIRef(datatype), normalize=False)
    else:
        term = Literal(text, lang=lang)
    for t in (term, URIRef("urn:" + iri)):
        back = from_nt(to_nt(t))
        assert back == t and type(back) is type(t) and to_nt(back) == to_nt(t)
        if isinstance(t, Literal):
            assert str(back) == str(t) and back.language == t.language


def test_lines_of_a_text_end_at_lf_crlf_or_a_lone_cr() -> None:
    """An ambiguous quote names its lines: in a text with old-Mac line ends (a lone CR) they
    were all "line 1"; CRLF is one line end, not two."""
    from pipeline.anchor import SourceText

    text = "Sony.\rSony và Rapidus.\r\nSony.\nSony."
    source = SourceText(text)
    starts = [m.start() for m in re.finditer("Sony", text)]
    assert [source.line_of(i) for i in starts] == [1, 2, 3, 4]
