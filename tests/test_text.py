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
