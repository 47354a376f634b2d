"""kg serve's pages for people, in real Chromium against a real server: the query editor
(saved queries as tabs, a form for declared parameters, paging, links to entity pages) and
the entity pages (HTML for browsers, RDF for RDF clients), offline, on a phone and a desktop,
in Vietnamese and English."""

from __future__ import annotations

import re
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from pipeline.sparql.pages import EDITOR_UI

from .test_browser import CHROMIUM, CHROMIUM_ARGS
from .test_serve import GRAPH, KG, REPO, Server, start_server, stop

SHOTS = REPO / "docs"
SIZES = {"phone": (390, 844), "small": (360, 640), "desktop": (1280, 800)}
RES = "https://w3id.org/vjkg/resource/"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = start_server(limits=False)  # the package's saved queries, default limits
    yield srv
    stop(srv.process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """A page with every request outside the server recorded (and refused)."""

    def __init__(self, browser: Browser, server: Server, size: str, lang: str = "en"):
        width, height = SIZES[size]
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale="vi-VN" if lang == "vi" else "en"
        )
        self.outside: list[str] = []
        self.errors: list[str] = []
        origin = server.url

        def guard(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(origin):
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        self.context.route(re.compile(".*"), guard)
        self.page: Page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))

    def no_sideways_scroll(self) -> bool:
        return bool(
            self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        )

    def close(self) -> None:
        self.context.close()
        assert self.outside == [], f"the page asked for {self.outside}"
        assert self.errors == [], self.errors


@pytest.mark.parametrize("size", list(SIZES))
def test_editor_runs_a_saved_query_with_its_parameter_and_links_results(
    browser: Browser, server: Server, size: str
) -> None:
    v = Visit(browser, server, size)
    page = v.page
    page.goto(server.url + "/?lang=en")
    page.wait_for_selector(".cm-editor")
    if size != "desktop":  # the saved queries are a drawer on small screens
        page.click("#drawer-toggle")
    page.get_by_role("button", name="entity-names", exact=True).click()
    assert "PREFIX" in page.inner_text(".cm-content")
    page.fill("#params input[name=entity]", "res:jetro")
    page.click("#run")
    page.wait_for_selector("#results table")
    rows = page.locator("#results tbody tr")
    assert rows.count() > 3  # JETRO's names, not every entity's
    assert "JETRO" in page.inner_text("#results")
    link = page.locator("#results a[href^='/resource/jetro']").first
    assert v.no_sideways_scroll()
    if size == "desktop":
        page.screenshot(path=str(SHOTS / "endpoint.png"), full_page=True)
    link.click()
    page.wait_for_selector("main h1")
    assert "Japan External Trade Organization" in page.inner_text("main h1")
    assert v.no_sideways_scroll()
    v.close()


def test_without_its_parameter_a_saved_query_asks_for_it(browser: Browser, server: Server) -> None:
    v = Visit(browser, server, "desktop")
    v.page.goto(server.url + "/?lang=en&saved=entity-evidence")
    v.page.wait_for_selector(".cm-editor")
    v.page.click("#run")
    assert "Fill in the parameter entity" in v.page.inner_text("#results")
    v.close()


def test_results_page_and_offer_downloads(browser: Browser, server: Server) -> None:
    v = Visit(browser, server, "desktop")
    page = v.page
    page.goto(server.url + "/?lang=en")
    page.wait_for_selector(".cm-editor")
    page.click("#tabs button[aria-label='New query']")
    page.click(".cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT ?s WHERE { ?s a <https://w3id.org/vjkg/ontology#Organization> }")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#results table")
    assert page.locator("#results tbody tr").count() == 50  # one page of 50
    assert "Page 1 of" in page.inner_text("#results .pager")
    page.click("#results .pager button:has-text('Next')")
    assert "Page 2 of" in page.inner_text("#results .pager")
    csv = page.locator("#results .downloads a", has_text="CSV").get_attribute("href")
    assert csv and csv.startswith("/sparql?")
    got = server.request(csv)
    assert got.status == 200 and got.headers["Content-Type"].startswith("text/csv")
    assert got.body.splitlines()[0] == "s"
    v.close()


def test_every_interface_word_follows_the_language(browser: Browser, server: Server) -> None:
    v = Visit(browser, server, "phone", lang="vi")
    page = v.page
    page.goto(server.url + "/")
    page.wait_for_selector(".cm-editor")
    assert page.evaluate("document.documentElement.lang") == "vi"
    assert page.inner_text("#run") == "Chạy"
    page.click("#drawer-toggle")
    listing = page.inner_text("#saved")
    assert "Truy vấn đã lưu" in listing and "Mọi tên của một thực thể" in listing
    assert "Every name of one entity" not in listing
    # every interface string in sight is the Vietnamese one: no English UI string is left
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
             .filter(e => !e.closest('.cm-editor, #lang-switch, #results table'))
             .flatMap(e => Array.from(e.childNodes))
             .filter(n => n.nodeType === 3 && n.textContent.trim())
             .map(n => n.textContent.trim())"""
    )
    english = {w for k, w in EDITOR_UI["en"].items() if w != EDITOR_UI["vi"][k] and "{" not in w}
    assert not [t for t in shown if t in english], shown
    page.click("#lang-switch label:has-text('English')")
    assert page.inner_text("#run") == "Run" and "Saved queries" in page.inner_text("#saved")
    v.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_entity_page_in_both_languages(browser: Browser, server: Server, size: str) -> None:
    v = Visit(browser, server, size, lang="vi")
    page = v.page
    page.goto(server.url + "/resource/japan-ict-day-2026")
    page.wait_for_selector("main h1")
    assert page.evaluate("document.documentElement.lang") == "vi"
    text = page.inner_text("main")
    assert "Dữ kiện" in text and "vinasa" not in text.lower().split("dữ kiện")[0]
    assert page.locator("blockquote mark").count() > 0  # every fact with its quote
    assert v.no_sideways_scroll()
    page.click("a[hreflang=en]")
    assert "Facts" in page.inner_text("main")
    v.close()


@pytest.mark.parametrize(("size", "lang"), [("small", "vi"), ("desktop", "en")])
def test_the_html_results_page_reads_on_a_phone_in_its_language_and_links_here(
    browser: Browser, server: Server, size: str, lang: str
) -> None:
    """format=html: a page for a phone as well (no sideways scrolling of the page; the table
    scrolls in its box), in the page's language, whose graph IRIs open this server's entity
    pages instead of leaving the machine."""
    v = Visit(browser, server, size, lang=lang)
    page = v.page
    query = (
        "SELECT ?s ?label WHERE { ?s a <https://w3id.org/vjkg/ontology#Organization> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s LIMIT 30"
    )
    page.goto(server.url + "/sparql?" + urllib.parse.urlencode({"query": query, "format": "html"}))
    assert page.evaluate("document.documentElement.lang") == lang
    assert ("30 kết quả" if lang == "vi" else "30 results") in page.inner_text("body")
    assert v.no_sideways_scroll()
    links = page.eval_on_selector_all("td a", "as => as.map(a => a.getAttribute('href'))")
    assert links and all(h.startswith("/resource/") for h in links), links[:5]
    page.click("td a >> nth=0")
    page.wait_for_selector("main h1")
    v.close()


def test_an_entity_page_takes_bidi_controls_out_and_wraps_a_long_label(
    browser: Browser, tmp_path: Path
) -> None:
    """A graph from anywhere (kg serve --input): a right-to-left override in one label drew
    every name after it on the entity page backwards, and a 6,000-letter label ran off the
    page. The override is taken out, as the explorer does, and the label wraps."""
    nq = GRAPH.read_text(encoding="utf-8")
    rlo = '"JETRO \\u202Egnp.exe"@en'
    nq = nq.replace('"Japan External Trade Organization"@en', rlo)
    nq = nq.replace('"Ministry of Economy, Trade and Industry"@en', '"' + "W" * 6000 + '"@en')
    hostile = tmp_path / "hostile.nq"
    hostile.write_text(nq, encoding="utf-8")
    srv = start_server("--input", str(hostile), limits=False)
    try:
        v = Visit(browser, srv, "small")
        page = v.page
        page.goto(srv.url + "/resource/jetro?lang=en")
        page.wait_for_selector("main h1")
        html_text = page.content()
        assert "\u202e" not in html_text and "JETRO gnp.exe" in page.inner_text("main")
        page.goto(srv.url + "/resource/meti?lang=en")
        page.wait_for_selector("main h1")
        assert v.no_sideways_scroll()
        widest = page.evaluate(
            "Math.max(...Array.from(document.querySelectorAll('main p, main li'))"
            ".map(e => e.scrollWidth))"
        )
        assert widest <= 360, widest  # every paragraph wraps within the window
        v.close()
    finally:
        stop(srv.process)


def test_entity_iris_dereference_as_rdf(server: Server) -> None:
    for accept, fmt in (
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ):
        got = server.request("/resource/jetro", headers={"Accept": accept})
        assert got.status == 200 and got.headers["Content-Type"].startswith(accept)
        triples = list(ox.parse(got.body.encode("utf-8"), format=fmt))
        subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
        assert RES + "jetro" in subjects
        assert any("/fact/" in s for s in subjects) and any("/selector/" in s for s in subjects)
    html = server.request("/resource/jetro", headers={"Accept": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html")
    assert "script-src" not in html.headers["Content-Security-Policy"]  # no script at all


def test_an_iri_the_graph_does_not_hold_is_404_and_its_links_stay_in_resource(
    server: Server,
) -> None:
    """A dereferenceable IRI the graph does not hold was 200; its page linked
    ``/resource/../../etc/passwd?format=turtle``, which a browser resolves to ``/etc/…``."""
    missing = server.request("/resource/nonexistent-entity", headers={"Accept": "text/html"})
    assert missing.status == 404 and "Nothing in the graph has this IRI" in missing.body
    dotted = server.request(
        "/resource/%2e%2e%2f%2e%2e%2fetc%2fpasswd", headers={"Accept": "text/html"}
    )
    assert dotted.status == 404
    assert 'href="/resource/%2E%2E/%2E%2E/etc/passwd?format=turtle"' in dotted.body
    assert 'href="/resource/../' not in dotted.body
    assert server.request("/resource/jetro", headers={"Accept": "text/html"}).status == 200


def test_parameters_are_bound_as_terms_never_spliced(server: Server) -> None:
    text = (REPO / "pipeline" / "queries" / "entity-names.rq").read_text(encoding="utf-8")
    ok = server.request(
        "/sparql?" + urllib.parse.urlencode({"query": text, "param": "entity=res:jetro"}),
        headers={"Accept": "text/csv"},
    )
    assert ok.status == 200 and "JETRO" in ok.body
    hostile = server.request(
        "/sparql?" + urllib.parse.urlencode({"query": text, "param": "entity=} ?s ?p ?o {"}),
        headers={"Accept": "text/csv"},
    )
    # an odd value is a plain string literal: no rows, and certainly not every triple
    assert hostile.status == 200 and len(hostile.body.splitlines()) == 1
    unknown = server.request(
        "/sparql?" + urllib.parse.urlencode({"query": text, "param": "nope=res:jetro"})
    )
    assert unknown.status == 400 and "param nope" in unknown.body
    # a misspelt prefix matched nothing, silently, as the string "rse:jetro"
    typo = server.request(
        "/sparql?" + urllib.parse.urlencode({"query": text, "param": "entity=rse:jetro"})
    )
    assert typo.status == 400 and "did you mean res:jetro?" in typo.body


def test_assets_are_the_packages_own(server: Server) -> None:
    assert server.request("/assets/editor.bundle.js").status == 200
    assert server.request("/assets/../serve.py").status == 404
    assert server.request("/assets/nowhere.js").status == 404


def test_screenshots_exist_for_the_readme() -> None:
    # written by the desktop run of the editor test above
    assert Path(SHOTS / "endpoint.png").stat().st_size > 10_000


def test_kg_serve_reads_its_input_under_the_same_caps_as_every_command() -> None:
    got = subprocess.run(
        [str(KG), "serve", "--input", str(GRAPH), "--max-input-bytes", "100", "--port", "0"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert got.returncode == 3
    assert "over the input cap of 100 bytes" in got.stderr and "--max-input-bytes" in got.stderr
