"""`kg new-source FILE`: a .txt or a real PDF becomes sources/NNN/, never over anything.

The PDF is made here by Debian's Chromium (Playwright's ``page.pdf``) from a small HTML
page: three pages of Vietnamese text with a running header and a page number in the
footer, as newspaper PDFs have, so that the page furniture rules meet the real thing.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from pipeline.errors import ProblemCollector
from pipeline.load import load_corpus, load_meta

from .conftest import FIXTURES, run_kg
from .test_browser import CHROMIUM, CHROMIUM_ARGS

PARAGRAPHS = [
    "Bộ Khoa học và Công nghệ tổ chức hội thảo về trí tuệ nhân tạo ngày 4/2/2026 tại Hà Nội.",
    "Hiệp hội Phần mềm Việt Nam (VINASA) đã ký thỏa thuận hợp tác với JETRO.",
    "Rapidus là một công ty liên doanh giữa Toyota và Sony.",
]


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    dest = tmp_path / "sources"
    shutil.copytree(FIXTURES / "suggest", dest)
    return dest


def _make_pdf(path: Path) -> None:
    body = "".join(
        f'<p style="page-break-after: always">{p}</p>' if i < 2 else f"<p>{p}</p>"
        for i, p in enumerate(PARAGRAPHS)
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_content(f'<html lang="vi"><body style="font: 14px serif">{body}</body></html>')
        page.pdf(
            path=str(path),
            format="A5",
            display_header_footer=True,
            header_template='<div style="font-size:9px; width:100%">Tạp chí Thử nghiệm</div>',
            footer_template='<div style="font-size:9px; width:100%"><span class="pageNumber">'
            "</span></div>",
            margin={"top": "60px", "bottom": "60px", "left": "40px", "right": "40px"},
        )
        browser.close()


def test_a_pdf_becomes_a_source_without_its_page_furniture(sources: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "bai-bao.pdf"
    _make_pdf(pdf)
    r = run_kg("new-source", str(pdf), "--sources", str(sources))
    assert r.returncode == 0, r.stderr
    assert "page furniture dropped" in r.stdout
    folder = sources / "002"
    text = (folder / "text.txt").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    for p in PARAGRAPHS:
        assert " ".join(p.split()) in " ".join(text.split())
    assert "Tạp chí Thử nghiệm" not in text
    assert not any(line.strip().isdigit() for line in text.splitlines())
    meta = load_meta(folder / "meta.yaml", "002", ProblemCollector())
    assert meta is not None and meta.id == "doc-002" and meta.language == "vi"
    assert meta.issued == "2026-02-04"
    assert "REVIEW" in (folder / "meta.yaml").read_text(encoding="utf-8")
    corpus = load_corpus(sources)  # the new folder loads with the rest
    assert {s.meta.id for s in corpus.sources} == {"doc-001", "doc-002"}
    r = run_kg("suggest", str(folder))
    assert r.returncode == 0, r.stderr
    suggestions = (folder / "suggestions.yaml").read_text(encoding="utf-8")
    assert 'object: "rapidus"' in suggestions and 'entity: "most"' in suggestions


def test_a_txt_becomes_a_source_in_nfc_and_never_overwrites(sources: Path, tmp_path: Path) -> None:
    txt = tmp_path / "tin.txt"
    decomposed = unicodedata.normalize("NFD", "Hội nghị Việt Nam – Nhật Bản\r\n\r\nNgày 4/2/2026.")
    txt.write_bytes(b"\xef\xbb\xbf" + decomposed.encode("utf-8"))
    r = run_kg("new-source", str(txt), "--id", "007", "--sources", str(sources))
    assert r.returncode == 0, r.stderr
    folder = sources / "007"
    text = (folder / "text.txt").read_text(encoding="utf-8")
    assert text == "Hội nghị Việt Nam – Nhật Bản\n\nNgày 4/2/2026.\n"
    meta_text = (folder / "meta.yaml").read_text(encoding="utf-8")
    assert 'vi: "Hội nghị Việt Nam – Nhật Bản"' in meta_text
    assert (folder / "annotations.yaml").read_text(encoding="utf-8").count("[]") == 2
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    r = run_kg("new-source", str(txt), "--id", "007", "--sources", str(sources))
    assert r.returncode == 2 and "never overwrites" in r.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    r = run_kg("new-source", str(txt), "--sources", str(sources))  # the next free number
    assert r.returncode == 0 and (sources / "008" / "text.txt").is_file()


def test_bad_inputs_are_named(sources: Path, tmp_path: Path) -> None:
    doc = tmp_path / "x.docx"
    doc.write_bytes(b"PK")
    r = run_kg("new-source", str(doc), "--sources", str(sources))
    assert r.returncode == 2 and ".txt and .pdf" in r.stderr
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"not a pdf at all")
    r = run_kg("new-source", str(fake), "--sources", str(sources))
    assert r.returncode == 3 and "fake.pdf" in r.stderr and "pdftotext" in r.stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Hà Nội".encode("cp1258", "replace"))
    r = run_kg("new-source", str(latin), "--sources", str(sources))
    assert r.returncode == 3 and "not UTF-8" in r.stderr
    assert sorted(p.name for p in sources.iterdir() if p.is_dir()) == ["001"]


def test_a_text_without_a_date_is_not_given_one(sources: Path, tmp_path: Path) -> None:
    txt = tmp_path / "khong-ngay.txt"
    txt.write_text("Hội thảo về trí tuệ nhân tạo\n\nBộ Khoa học và Công nghệ phát biểu.\n", "utf-8")
    r = run_kg("new-source", str(txt), "--sources", str(sources))
    assert r.returncode == 0, r.stderr
    assert "states no date" in r.stderr
    meta = (sources / "002" / "meta.yaml").read_text(encoding="utf-8")
    assert "\nissued:" not in meta and "add issued:" in meta
    r = run_kg("suggest", str(sources / "002"))
    assert r.returncode == 3 and "meta.yaml" in r.stderr and "issued" in r.stderr


def test_each_cap_refuses_a_file_before_anything_is_written(sources: Path, tmp_path: Path) -> None:
    """The size, text and memory caps of `kg new-source` on a real PDF and a real pdftotext:
    exit 3, the file named, the option that raises the cap, and no folder left behind."""
    pdf = tmp_path / "bai-bao.pdf"
    _make_pdf(pdf)
    big = tmp_path / "dai.txt"
    big.write_text("Bộ Khoa học và Công nghệ.\n" * 100, encoding="utf-8")
    over = "over the 1,024-byte cap"
    cases = [  # (arguments, the file named, what is said, the option that raises the cap)
        ([str(big), "--max-text-bytes", "1K"], "dai.txt", over, "--max-text-bytes"),
        ([str(pdf), "--max-pdf-bytes", "1K"], "bai-bao.pdf", over, "--max-pdf-bytes"),
        ([str(pdf), "--max-text-bytes", "100"], "bai-bao.pdf", "its text is", "--max-text-bytes"),
        ([str(pdf), "--max-pdf-memory", "8M"], "bai-bao.pdf", "out of memory", "--max-pdf-memory"),
    ]
    for args, name, what, option in cases:
        r = run_kg("new-source", *args, "--sources", str(sources))
        assert r.returncode == 3, (args, r.stderr)
        assert name in r.stderr and what in r.stderr and option in r.stderr, r.stderr
    assert sorted(p.name for p in sources.iterdir() if p.is_dir()) == ["001"]
    # Under the caps (the defaults, or raised) the same files are accepted.
    assert run_kg("new-source", str(big), "--sources", str(sources)).returncode == 0
    r = run_kg("new-source", str(pdf), "--sources", str(sources), "--max-pdf-memory", "2G")
    assert r.returncode == 0, r.stderr


def test_a_pdftotext_that_never_ends_is_stopped(tmp_path: Path) -> None:
    """pdftotext reading a FIFO nobody writes to hangs for real; the timeout kills it."""
    import os
    import time

    from pipeline.authoring.newsource import DocumentLimits, extract_pdf
    from pipeline.errors import InputError

    fifo = tmp_path / "treo.pdf"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    with pytest.raises(InputError) as caught:
        extract_pdf(fifo, DocumentLimits(pdf_seconds=0.5))
    problem = caught.value.problems[0]
    assert "treo.pdf" in str(problem) and "took over 0.5 s" in str(problem)
    assert "--pdf-timeout" in str(problem)
    assert time.monotonic() - t0 < 30  # killed, not waited for


@pytest.mark.parametrize(
    ("name", "hidden", "written"),
    [
        ("evil\x1b[31m.txt", "\x1b", "evil\\u001B[31m.txt"),  # an escape sequence
        ("bidi\u202etxt.exe.txt", "\u202e", "bidi\\u202Etxt.exe.txt"),  # shows as "…exe.txt"
    ],
)
def test_a_file_name_with_a_control_gives_a_meta_yaml_that_loads(
    sources: Path, tmp_path: Path, name: str, hidden: str, written: str
) -> None:
    """The file name goes into meta.yaml (a comment and original_file): its control
    characters and bidi controls are written as \\uXXXX, so no escape sequence reaches a
    terminal, no override reorders the name, and the source builds (the loader refuses
    both raw)."""
    doc = tmp_path / name
    doc.write_text("Bộ Khoa học và Công nghệ họp ngày 4/2/2026.\n", encoding="utf-8")
    r = run_kg("new-source", str(doc), "--sources", str(sources))
    assert r.returncode == 0, r.stderr
    stem = name[:4]
    meta = next(p for p in sorted(sources.glob("*/meta.yaml")) if stem in p.read_text("utf-8"))
    text = meta.read_text(encoding="utf-8")
    assert hidden not in text and written in text
    problems = ProblemCollector()
    assert load_meta(meta, meta.parent.name, problems) is not None and not problems.problems


def test_hidden_characters_are_taken_out_and_counted(sources: Path, tmp_path: Path) -> None:
    """A text with a NUL, a terminal escape and a right-to-left override: text.txt holds none
    of them (the two controls are spaces, the override is gone), the title meta.yaml takes
    from the first line loads (the loader refuses a bidi control in any value), and
    kg new-source says what it did instead of doing it silently."""
    txt = tmp_path / "tin.txt"
    txt.write_text("Tin mới\x00về \u202eMETI\x1b[1m hôm nay\nNgày 4/2/2026.\n", encoding="utf-8")
    r = run_kg("new-source", str(txt), "--id", "009", "--sources", str(sources))
    assert r.returncode == 0, r.stderr
    text = (sources / "009" / "text.txt").read_text(encoding="utf-8")
    assert text == "Tin mới về METI [1m hôm nay\nNgày 4/2/2026.\n"
    assert "2 control character(s) made spaces and 1 bidirectional control(s) dropped" in r.stderr
    problems = ProblemCollector()
    meta = load_meta(sources / "009" / "meta.yaml", "009", problems)
    assert meta is not None and not problems.problems, problems.problems
    clean = tmp_path / "clean.txt"
    clean.write_text("Tin mới về METI\nNgày 4/2/2026.\n", encoding="utf-8")
    r = run_kg("new-source", str(clean), "--id", "010", "--sources", str(sources))
    assert r.returncode == 0 and "bidirectional" not in r.stderr and "control" not in r.stderr
