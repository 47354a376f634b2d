"""The explorer in a real headless Chromium (Debian's, driven by Playwright), offline.

Every page is opened from ``file://`` with every http(s) request aborted and recorded, so
a test fails if the page so much as tries to fetch something. The counts the page shows
are checked against the RDF. These tests never skip: without Chromium they fail and say
how to install it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, sync_playwright

from pipeline.html import OVERVIEW_SIZE, to_html
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


def open_page(browser: Browser, path: Path, *, csp: bool = True) -> Opened:
    """Open ``path`` from disk with the network cut off; wait until the graph is drawn."""
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=not csp, offline=True)
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
    page.goto(path.as_uri())
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


def test_the_bundled_page_works_offline_and_draws_every_entity(bundled: Opened, graph) -> None:
    assert bundled.blocked == []
    assert [u for u in bundled.requests if not u.startswith(("file:", "data:"))] == []
    entities = len(_entity_subjects(GRAPHS / "kg.nq"))
    assert bundled.api("x.totalNodes") == entities == graph.number_of_nodes()
    assert bundled.drawn() == entities
    assert bundled.api("x.visibleNodes()") == entities
    assert bundled.drawn_edges() == graph.number_of_edges()
    assert bundled.api("x.mode()") == "all"
    status = bundled.page.inner_text("#status")
    assert f"{entities} entities of {entities}" in status
    assert bundled.page.evaluate("window.__csp") == []


def test_the_bundled_page_is_interactive_once_drawn(bundled: Opened) -> None:
    # How fast is measured and reported (docs/explorer.md), not asserted: timings belong
    # to benchmarks, not to tests that a busy CI machine would make flaky.
    ready_ms = bundled.api("x.readyAt")
    print(f"\nbundled graph: drawn after {ready_ms:.0f} ms")
    assert bundled.api("x.ready") is True
    bundled.page.fill("#search", "meti")
    bundled.page.wait_for_selector("#results button", timeout=30_000)


def test_physics_is_off_and_nothing_moves_after_load(bundled: Opened, graph) -> None:
    assert bundled.api("x.physicsEnabled()") is False
    before = bundled.api("x.positions()")
    bundled.page.wait_for_timeout(800)
    assert bundled.api("x.positions()") == before
    # the positions are the ones computed in Python (vis reports whole pixels)
    from pipeline.html import compute_layout

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


def test_searching_an_alias_finds_the_entity(bundled: Opened) -> None:
    bundled.page.fill("#search", "Bo KH&CN")
    bundled.settle()
    assert bundled.page.locator("#results button").first.get_attribute("data-node") == R + "most"


def _class_box(opened: Opened, cls: str) -> Locator:
    return opened.page.locator(f"input[data-filter=cls][value={cls}]")


def test_unticking_a_class_hides_its_entities_and_their_facts(bundled: Opened, graph) -> None:
    persons = {n for n in graph if graph.nodes[n]["cls"] == "Person"}
    assert persons
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
    _class_box(bundled, "Organization").uncheck()
    bundled.settle()
    assert bundled.drawn() == graph.number_of_nodes() - len(orgs)
    assert not _class_box(bundled, "Ministry").is_checked()


def test_unticking_a_relation_hides_exactly_its_facts(bundled: Opened, graph) -> None:
    located = [e for e in graph.edges(data="relation") if e[2] == "locatedIn"]
    assert located
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
    shown = [q.strip("“”") for q in details.locator(".fact blockquote").all_inner_texts()]
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
    assert details.locator("blockquote").first.inner_text() == f"“{evidence[0].quote}”"


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
    assert opened.drawn() == 5000
    print(f"5,000 entities: 'Show all' drew everything in {time.monotonic() - t0:.2f} s")
    assert opened.blocked == [] and opened.errors == []
    opened.page.context.close()


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
