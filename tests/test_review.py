"""`kg review`: the review page in Debian's Chromium, offline, on a phone and a desktop.

Each page is opened from ``file://`` with every http(s) request aborted and recorded, the
network off, and CSP violations and script errors collected, as for the explorer.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from pipeline.authoring.review import review_data, to_review_html
from pipeline.errors import ProblemCollector
from pipeline.load import load_annotations, load_corpus

from .conftest import ROOT, run_kg
from .test_browser import CHROMIUM, CHROMIUM_ARGS, WATCH

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus with doc-004 half annotated: its first 8 mentions and 9 claims kept."""
    dest = tmp_path_factory.mktemp("review") / "sources"
    shutil.copytree(ROOT / "sources", dest)
    path = dest / "004" / "annotations.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("  - ")]
    claims_at = lines.index("claims:")
    mention_starts = [i for i in starts if i < claims_at]
    claim_starts = [i for i in starts if i > claims_at]
    kept = lines[: mention_starts[8]] + lines[claims_at : claim_starts[9]]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def page_file(sources: Path) -> Path:
    out = sources.parent / "review-004.html"
    r = run_kg("review", str(sources / "004"), "-o", str(out), "--ontology", str(ROOT / "ontology"))
    assert r.returncode == 0, r.stderr
    return out


class Opened:
    def __init__(self, page: Page):
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []

    def csp(self) -> list[str]:
        return self.page.evaluate("window.__csp")


def open_review(browser: Browser, path: Path, viewport: dict[str, int]) -> Opened:
    context = browser.new_context(viewport=viewport, offline=True)  # type: ignore[arg-type]
    context.add_init_script(WATCH)
    page = context.new_page()
    opened = Opened(page)

    def block(route: Route) -> None:
        opened.requests.append(route.request.url)
        route.abort()

    context.route("http://*/**", block)
    context.route("https://*/**", block)
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith(("file:", "data:", "blob:")) else opened.requests.append(r.url)
        ),
    )
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("dialog", lambda d: (opened.errors.append("dialog " + d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.vjkgReview && window.vjkgReview.ready")
    return opened


def _interface_words(page: Page) -> list[str]:
    """Every interface word: labelled elements, the switch, aria-labels, notes, the title."""
    return page.evaluate(
        """[
        ...Array.from(document.querySelectorAll('[data-i18n], #lang')).map(e => e.textContent),
        ...Array.from(document.querySelectorAll('[aria-label]')).map(e => e.ariaLabel),
        ...Array.from(document.querySelectorAll('.line-notes .note')).map(e => e.textContent),
        document.title]"""
    )


@pytest.mark.parametrize(
    "viewport", [SMALL_PHONE, PHONE, DESKTOP], ids=["360px", "phone", "desktop"]
)
def test_page_shows_everything_offline_without_horizontal_scroll(
    browser: Browser, page_file: Path, viewport: dict[str, int]
) -> None:
    o = open_review(browser, page_file, viewport)
    page = o.page
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"horizontal scroll: {width}px wide"
    assert page.locator(".hl.mention").count() >= 8
    assert page.locator(".hl.claim").count() >= 9
    assert page.locator(".hl.sug").count() >= 5
    assert page.locator("#facts li").count() == 9
    assert page.locator("#suggestions li").count() >= 5
    # Coverage gaps (entities no annotation uses any more) and warnings sit at their lines:
    # line 5's claim quote "Ông Lê Quang Lương phát biểu tại sự kiện" names no event.
    line5 = page.locator("#L5 .line-notes").text_content()
    assert "japan-ict-day-2026" in line5 and "annotations.yaml:" in line5
    notes = page.locator(".line-notes .note").all_text_contents()
    assert any("registry entity" in n for n in notes)
    # The claim is on hover (title) and on tap (the detail box).
    claim = page.locator(".hl.claim").first
    assert "·" in (claim.get_attribute("title") or "")
    claim.click()
    assert "·" in page.locator("#detail").text_content()
    assert o.requests == [] and o.errors == [] and o.csp() == []
    page.context.close()


def test_accepted_suggestions_give_yaml_that_loads(
    browser: Browser, page_file: Path, sources: Path, tmp_path: Path
) -> None:
    o = open_review(browser, page_file, PHONE)
    page = o.page
    first_claim = page.locator('#suggestions li[data-kind="claim"]').first
    first_mention = page.locator('#suggestions li[data-kind="mention"]').first
    title = first_claim.locator(".title").text_content()
    first_claim.locator("button.accept").click()
    first_mention.locator("button.accept").click()
    page.locator('#suggestions li[data-kind="claim"]').nth(1).locator("button.reject").click()
    page.locator("#show-yaml").click()
    yaml_text = page.locator("#yaml").input_value()
    assert "claims:" in yaml_text and "mentions:" in yaml_text
    assert yaml_text.count("  - subject:") == 1 and yaml_text.count("  - entity:") == 1
    assert page.locator("#suggestions li.accepted").count() == 2
    assert page.locator(".hl.sug.accepted").count() >= 1
    assert title
    with page.expect_download() as dl:
        page.locator("#download-yaml").click()
    assert Path(dl.value.path()).read_text(encoding="utf-8") == yaml_text
    # The accepted YAML is annotations: it anchors in the text with the real loader.
    corpus = load_corpus(sources)
    source = next(s for s in corpus.sources if s.meta.id == "doc-004")
    path = tmp_path / "accepted.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    problems = ProblemCollector()
    claims, mentions = load_annotations(path, source, corpus.entities, problems)
    assert problems.problems == [] and len(claims) == 1 and len(mentions) == 1
    assert o.requests == [] and o.errors == [] and o.csp() == []
    page.context.close()


def test_language_switch_changes_every_interface_word(browser: Browser, page_file: Path) -> None:
    o = open_review(browser, page_file, DESKTOP)
    page = o.page
    assert page.evaluate("document.documentElement.lang") == "vi"
    vi = _interface_words(page)
    page.locator("#lang").click()
    en = _interface_words(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert len(vi) == len(en) > 20
    same = [(a, b) for a, b in zip(vi, en, strict=True) if a == b or not a or not b]
    assert same == []
    assert "Suggestions" in en and "Gợi ý" in vi
    # the data that has both languages follows too: the source's title, a role's name
    assert page.inner_text("#doc-title") == "[Japan ICT Day 2026, from VINASA's side]"
    assert "(Speaker)" in page.inner_text("#facts") and "Diễn giả" not in page.inner_text("#facts")
    page.locator("#lang").click()
    assert _interface_words(page) == vi
    assert page.inner_text("#doc-title") == "[Japan ICT Day 2026 từ góc nhìn của VINASA]"
    assert "(Diễn giả)" in page.inner_text("#facts")
    page.context.close()


def test_data_is_text_never_markup(browser: Browser, tmp_path: Path) -> None:
    """A hostile text and label show as text; nothing runs, nothing is fetched."""
    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "tests" / "fixtures" / "suggest", sources)
    text = sources / "001" / "text.txt"
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    text.write_text(
        text.read_text(encoding="utf-8") + f"\nSony {hostile}\n\u202eevil\u202c Sony\n",
        encoding="utf-8",
    )
    reg = sources / "registry.yaml"
    reg.write_text(
        reg.read_text(encoding="utf-8").replace(
            "label: {vi: Sony, en: Sony}", 'label: {vi: Sony, en: "Sony</script><b>x</b>"}'
        ),
        encoding="utf-8",
    )
    data: dict[str, Any] = review_data(sources / "001", ROOT / "ontology", validate=False)
    out = tmp_path / "r.html"
    out.write_text(to_review_html(data), encoding="utf-8")
    o = open_review(browser, out, DESKTOP)
    shown = o.page.locator("#text").text_content() or ""
    assert hostile in shown
    # a right-to-left override would draw the rest of its line backwards: it shows as U+FFFD
    assert "\ufffdevil\ufffd Sony" in shown and "\u202e" not in shown
    assert o.page.locator("#text img, #text script, #suggestions b").count() == 0
    o.page.locator("#lang").click()
    assert "Sony</script><b>x</b>" in o.page.locator("#suggestions").text_content()
    assert o.requests == [] and o.errors == [] and o.csp() == []
    o.page.context.close()
