"""kg serve's pages for people, as pure functions: the query page and the entity pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from pipeline.sparql.pages import entity_construct, entity_queries, to_editor_html, to_entity_html
from pipeline.sparql.query import list_saved_queries, open_store, run_query
from pipeline.vocab import Vocabulary

from .conftest import ROOT

V = Vocabulary()
RES = str(V.RES)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return open_store(ROOT / "graphs" / "kg.nq")


def page(store: ox.Store, entity: str, lang: str) -> str:
    iri = RES + entity
    answers = {k: run_query(store, q) for k, q in entity_queries(iri, V).items()}
    return to_entity_html(iri, answers, V, lang)


def test_entity_page_shows_names_facts_quotes_and_links(store: ox.Store) -> None:
    vi = page(store, "jetro", "vi")
    assert '<html lang="vi">' in vi and "Dữ kiện" in vi
    assert "Tổ chức Xúc tiến Thương mại Nhật Bản" in vi or "JETRO" in vi
    # every fact about JETRO in the graph is listed with a quote from its source
    me = f"<{RES}jetro>"
    about = f"{{ ?f vjkg:subject {me} }} UNION {{ ?f vjkg:object {me} }}"
    n = len(run_query(store, f"SELECT DISTINCT ?f WHERE {{ {about} ?f a vjkg:Fact }}").rows)
    assert n > 0 and vi.count('<article class="fact">') == n
    assert "<mark>" in vi and "doc-00" in vi
    assert 'href="/resource/japan-ict-day-2026?lang=vi"' in vi  # a neighbour, linked
    en = page(store, "jetro", "en")
    assert "Facts" in en and "Japan External Trade Organization" in en


def test_entity_page_escapes_what_the_data_says() -> None:
    s = ox.Store()
    evil = '<script>alert(1)</script>"\u202egnp.exe'
    s.add(ox.Quad(ox.NamedNode(RES + "x"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                  ox.Literal(evil, language="en")))  # fmt: skip
    answers = {k: run_query(s, q) for k, q in entity_queries(RES + "x", V).items()}
    out = to_entity_html(RES + "x", answers, V, "en")
    assert "<script" not in out and "&lt;script&gt;" in out


def test_unknown_iri_says_so(store: ox.Store) -> None:
    assert "Nothing in the graph has this IRI." in page(store, "no-such-entity", "en")


def test_entity_rdf_is_its_description_with_evidence(store: ox.Store) -> None:
    result = run_query(store, entity_construct(RES + "jetro", V))
    subjects = {t.subject.value for t in result.triples}
    assert RES + "jetro" in subjects
    facts = {s for s in subjects if "/fact/" in s}
    selectors = {s for s in subjects if "/selector/" in s}
    assert facts and selectors
    # each fact's evidence chain is complete: annotation -> target -> selectors with exact text
    exact = [t for t in result.triples if t.predicate.value.endswith("#exact")]
    assert len(exact) >= len(facts)


def test_editor_page_carries_saved_queries_in_both_languages() -> None:
    saved = list_saved_queries()
    html = to_editor_html(saved, V, quads=7630)
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', html, re.S).group(1))
    assert [q["name"] for q in data["saved"]] == [q.name for q in saved]
    names = next(q for q in data["saved"] if q["name"] == "entity-names")
    assert names["parameters"][0]["name"] == "entity" and names["parameters"][0]["description_vi"]
    assert all(q["description_vi"] for q in data["saved"])
    assert set(data["ui"]) == {"vi", "en"} and set(data["ui"]["vi"]) == set(data["ui"]["en"])


def test_editor_bundle_is_vendored_with_its_licence() -> None:
    bundle = (ROOT / "pipeline" / "assets" / "editor.bundle.js").read_text(encoding="utf-8")
    lock = json.loads((ROOT / "frontend" / "editor" / "package-lock.json").read_text())
    assert "node_modules/@codemirror/view" in lock["packages"]
    assert "CodeMirror" in bundle[:600] and "MIT" in bundle[:600]
    assert "http://" not in Path(ROOT / "pipeline" / "assets" / "editor.js").read_text()
