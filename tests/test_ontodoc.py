"""graphs/ontology.html: complete, escaped, well-formed and byte-identical across hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from pipeline.ontodoc import to_ontology_html
from pipeline.readers import read_quads

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology" / "vjkg.ttl"
PAGE = REPO / "graphs" / "ontology.html"
NS = "https://w3id.org/vjkg/ontology#"
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}

RENDER = (
    "import sys; from pathlib import Path; from pipeline.ontodoc import to_ontology_html; "
    "from pipeline.readers import read_quads; from pipeline.vocab import Vocabulary; "
    "page = to_ontology_html(read_quads(Path(sys.argv[1])), Vocabulary().prefixes()); "
    "sys.stdout.buffer.write(page.encode())"
)


class TagChecker(HTMLParser):
    """Collects ids and checks that every non-void tag is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"] or "")
        if found.get("href"):
            self.hrefs.append(found["href"] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def check(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert not checker.problems and not checker.stack, (checker.problems, checker.stack)
    return checker


def test_the_page_is_byte_identical_across_hash_seeds() -> None:
    pages = set()
    for seed in ("0", "1", "4242"):
        done = subprocess.run(
            [sys.executable, "-c", RENDER, str(ONTOLOGY)],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
            timeout=120,
        )
        pages.add(done.stdout)
    assert len(pages) == 1
    assert PAGE.read_bytes() in pages, "graphs/ontology.html is stale: run `kg build`"


def test_every_class_and_property_has_a_section_with_its_labels() -> None:
    quads = read_quads(ONTOLOGY)
    page = to_ontology_html(quads)
    ids = set(check(page).ids)
    terms = {
        s
        for s, p, o, _ in quads
        if p == RDF.type
        and o in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        and str(s).startswith(NS)
    }
    assert len(terms) > 50
    for term in terms:
        assert str(term)[len(NS) :] in ids, term
    for s, p, o, _ in quads:
        if p == RDFS.label and s in terms:
            assert str(o).replace("&", "&amp;").replace("'", "&#x27;") in page, (s, o)
    assert "org:memberOf" in page and 'href="http://www.w3.org/ns/org#memberOf"' in page


def test_every_string_is_escaped_and_only_web_iris_are_links() -> None:
    c = URIRef(NS + "Thing")
    quads = [
        (c, RDF.type, OWL.Class, None),
        (c, RDFS.label, Literal('<img src=x onerror="alert(1)">', lang="en"), None),
        (c, RDFS.comment, Literal("</table><script>alert(2)</script>", lang="vi"), None),
        (c, RDFS.seeAlso, URIRef("javascript:alert(3)"), None),
        (c, RDFS.subClassOf, URIRef('http://example.org/"onmouseover="alert(4)'), None),
    ]
    page = to_ontology_html(quads)
    checker = check(page)
    assert "<script>" not in page and "<img" not in page
    assert all(not h.lower().startswith("javascript:") for h in checker.hrefs)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert 'href="http://example.org/&quot;onmouseover=&quot;alert(4)"' in page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_ontology_title_is_given_in_vietnamese_and_english(lang: str) -> None:
    page = to_ontology_html(read_quads(ONTOLOGY))
    title = next(
        str(o)
        for s, p, o, _ in read_quads(ONTOLOGY)
        if p == RDFS.label
        and isinstance(o, Literal)
        and o.language == lang
        and (s, RDF.type, OWL.Ontology, None) in read_quads(ONTOLOGY)
    )
    assert title.replace("'", "&#x27;") in page
