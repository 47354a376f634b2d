"""``kg serve``'s pages for people: the query editor and the entity pages.

Both are pure functions of query results, so the server only runs the queries (through its
worker pool, like any other query) and sends what these return:

- :func:`to_editor_html` — the query page: a CodeMirror editor (vendored from npm, see
  ``frontend/editor/``) with SPARQL highlighting and completion of the graph's prefixes and
  ontology terms, the saved queries as tabs, a form field for each parameter a saved query
  declares, results with paging, links to entity pages and downloads;
- :func:`entity_queries` and :func:`to_entity_html` — ``/resource/<id>``: labels, facts with
  their quotes and sources, mentions and neighbours, in Vietnamese or English;
- :func:`entity_construct` — the same entity as RDF, for clients that ask for Turtle or JSON-LD,
  so the graph's IRIs dereference when the graph is served at its base.

Data reaches the editor page only as JSON read with ``textContent``; the entity pages are
rendered here with every string escaped, and run no script at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from ..text import fold
from ..vocab import Vocabulary
from ..webpage import json_for_script, page_text, read_asset
from .query import QueryResult, SavedQuery

LANGS = ("vi", "en")

EDITOR_UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "vjkg — SPARQL endpoint",
        "queries": "Queries",
        "savedQueries": "Saved queries",
        "run": "Run",
        "shortcut": "Ctrl+Enter runs the query",
        "running": "Running…",
        "newQuery": "New query",
        "closeTab": "Close",
        "results": "{n} results",
        "noResults": "No results.",
        "time": "{ms} ms",
        "download": "Download",
        "previous": "Previous",
        "next": "Next",
        "page": "Page {p} of {n} (rows {from}–{to})",
        "answer": "Answer",
        "yes": "yes",
        "no": "no",
        "needsParam": "Fill in the parameter {name} first.",
        "size": "{quads} quads",
    },
    "vi": {
        "title": "vjkg — điểm truy vấn SPARQL",
        "queries": "Truy vấn",
        "savedQueries": "Truy vấn đã lưu",
        "run": "Chạy",
        "shortcut": "Ctrl+Enter để chạy truy vấn",
        "running": "Đang chạy…",
        "newQuery": "Truy vấn mới",
        "closeTab": "Đóng",
        "results": "{n} kết quả",
        "noResults": "Không có kết quả.",
        "time": "{ms} ms",
        "download": "Tải xuống",
        "previous": "Trang trước",
        "next": "Trang sau",
        "page": "Trang {p}/{n} (dòng {from}–{to})",
        "answer": "Trả lời",
        "yes": "có",
        "no": "không",
        "needsParam": "Hãy điền tham số {name} trước.",
        "size": "{quads} bộ bốn",
    },
}

TABLE_FORMATS = ("csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")


@dataclass(frozen=True)
class Term:
    """An ontology term offered by completion after its prefix."""

    prefix: str
    name: str
    kind: str  # "class" or "property"
    label: str


def to_editor_html(
    saved: Sequence[SavedQuery],
    vocab: Vocabulary,
    terms: Sequence[Term] = (),
    quads: int = 0,
    endpoint: str = "/sparql",
) -> str:
    """The query page (its script and style are served from ``/assets/``)."""
    by_prefix: dict[str, list[dict[str, str]]] = defaultdict(list)
    for term in sorted(terms, key=lambda x: (x.prefix, x.name)):
        by_prefix[term.prefix].append({"name": term.name, "kind": term.kind, "label": term.label})
    data = {
        "endpoint": endpoint,
        "resourceBase": str(vocab.RES),
        "prefixes": vocab.prefixes(),
        "terms": dict(by_prefix),
        "quads": quads,
        "tableFormats": list(TABLE_FORMATS),
        "graphFormats": list(GRAPH_FORMATS),
        "saved": [
            {
                "name": q.name,
                "description": q.description,
                "description_vi": q.description_vi,
                "text": q.text,
                "parameters": [
                    {
                        "name": p.name,
                        "description": p.description,
                        "description_vi": p.description_vi,
                    }
                    for p in q.parameters
                ],
            }
            for q in saved
        ],
        "ui": EDITOR_UI,
    }
    return read_asset("editor.html").replace("__DATA__", json_for_script(data))


# Content-Security-Policy of the pages: scripts and styles from this server only, requests
# only to it, nothing framed, no inline script anywhere.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
ENTITY_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


# ---------------------------------------------------------------- entity pages


def _prefix_block(vocab: Vocabulary) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in vocab.prefixes().items())


def entity_queries(iri: str, vocab: Vocabulary) -> dict[str, str]:
    """The SELECT queries an entity page needs, by name (``iri`` must be a checked IRI)."""
    me = f"<{iri}>"
    head = _prefix_block(vocab)
    return {
        "about": head + f"SELECT ?p ?o WHERE {{ {me} ?p ?o }} ORDER BY ?p ?o",
        "facts": head
        + f"""SELECT DISTINCT ?fact ?rel ?subject ?object ?source ?quote ?prefix ?suffix ?start
WHERE {{
  {{ ?fact vjkg:subject {me} }} UNION {{ ?fact vjkg:object {me} }}
  ?fact a vjkg:Fact ; vjkg:relation ?rel ; vjkg:subject ?subject .
  OPTIONAL {{ ?fact vjkg:object ?object }}
  ?fact prov:wasDerivedFrom/oa:hasTarget ?target .
  ?target oa:hasSource/dcterms:identifier ?source ; oa:hasSelector ?sel .
  ?sel oa:exact ?quote . OPTIONAL {{ ?sel oa:prefix ?prefix }} OPTIONAL {{ ?sel oa:suffix ?suffix }}
  OPTIONAL {{ ?target oa:hasSelector/oa:start ?start }}
}} ORDER BY ?rel ?subject ?object ?source ?start""",
        "qualifiers": head
        + f"""SELECT DISTINCT ?fact ?p ?v WHERE {{
  {{ ?fact vjkg:subject {me} }} UNION {{ ?fact vjkg:object {me} }}
  ?fact a vjkg:Fact ; ?p ?v . FILTER (isLiteral(?v))
}} ORDER BY ?fact ?p ?v""",
        "mentions": head
        + f"""SELECT DISTINCT ?source ?quote ?start WHERE {{
  ?ann oa:hasBody {me} ; oa:hasTarget ?target .
  ?target oa:hasSource/dcterms:identifier ?source ; oa:hasSelector ?sel .
  ?sel oa:exact ?quote . OPTIONAL {{ ?target oa:hasSelector/oa:start ?start }}
}} ORDER BY ?source ?start""",
        "labels": head
        + f"""SELECT DISTINCT ?x ?label WHERE {{
  {{
    {{ ?fact vjkg:subject {me} }} UNION {{ ?fact vjkg:object {me} }}
    {{ ?fact vjkg:subject ?x }} UNION {{ ?fact vjkg:object ?x }} UNION {{ ?fact vjkg:relation ?x }}
    UNION {{ ?fact ?x ?v FILTER (isLiteral(?v)) }}
  }} UNION {{ {me} a ?x }}
  ?x rdfs:label ?label .
}}""",
    }


def entity_construct(iri: str, vocab: Vocabulary) -> str:
    """A CONSTRUCT of the entity's description: its own triples, every fact about it with its
    evidence (annotations, targets, selectors), and its mentions with theirs."""
    me = f"<{iri}>"
    about = f"{{ ?fact vjkg:subject {me} }} UNION {{ ?fact vjkg:object {me} }}"
    annotations = f"{{ ?a oa:hasBody {me} }} UNION {{ {about} ?a oa:hasBody ?fact }}"
    return (
        _prefix_block(vocab)
        + f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ {me} ?p ?o . BIND ({me} AS ?s) }}
  UNION {{ {about} ?fact a vjkg:Fact ; ?p ?o . BIND (?fact AS ?s) }}
  UNION {{ {annotations} ?a ?p ?o . BIND (?a AS ?s) }}
  UNION {{ {annotations} ?a oa:hasTarget ?s . ?s ?p ?o }}
  UNION {{ {annotations} ?a oa:hasTarget/oa:hasSelector ?s . ?s ?p ?o }}
}}"""
    )


ENTITY_UI: dict[str, dict[str, str]] = {
    "en": {
        "facts": "Facts",
        "mentions": "Mentioned in",
        "neighbours": "Linked entities",
        "names": "Names",
        "classes": "Classes",
        "source": "source",
        "endpoint": "Query page",
        "rdf": "As RDF",
        "none": "None.",
        "notFound": "Nothing in the graph has this IRI.",
        "other": "Other languages",
    },
    "vi": {
        "facts": "Dữ kiện",
        "mentions": "Được nhắc đến trong",
        "neighbours": "Thực thể liên quan",
        "names": "Tên gọi",
        "classes": "Lớp",
        "source": "nguồn",
        "endpoint": "Trang truy vấn",
        "rdf": "Dạng RDF",
        "none": "Không có.",
        "notFound": "Không có gì trong đồ thị mang IRI này.",
        "other": "Ngôn ngữ khác",
    },
}

_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _rows(result: QueryResult) -> list[dict[str, object]]:
    names = result.variables
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def _value(term: object) -> str:
    return "" if term is None else str(getattr(term, "value", term))


def _lang(term: object) -> str:
    return getattr(term, "language", None) or ""


def _pick(labels: Mapping[str, str], lang: str, fallback: str) -> str:
    return (
        labels.get(lang)
        or labels.get("en")
        or labels.get("vi")
        or next(iter(labels.values()), fallback)
    )


def local_path(iri: str, vocab: Vocabulary) -> str | None:
    """The page path of an IRI under the resource namespace, else ``None``.

    >>> local_path("https://w3id.org/vjkg/resource/meti", Vocabulary())
    '/resource/meti'

    A ``.`` or ``..`` segment is percent-encoded: a browser would resolve it, and the link
    would lead out of ``/resource/`` (``/resource/../../etc/passwd`` to ``/etc/passwd``).

    >>> local_path("https://w3id.org/vjkg/resource/../x", Vocabulary())
    '/resource/%2E%2E/x'
    """
    base = str(vocab.RES)
    if not iri.startswith(base):
        return None
    segments = [quote(seg, safe="-._~") for seg in iri[len(base) :].split("/")]
    return "/resource/" + "/".join(
        s.replace(".", "%2E") if s in (".", "..") else s for s in segments
    )


def to_entity_html(
    iri: str, answers: Mapping[str, QueryResult], vocab: Vocabulary, lang: str = "en"
) -> str:
    """The page of one IRI: names, classes, facts with quotes and sources, mentions, links."""
    ui = ENTITY_UI[lang if lang in ENTITY_UI else "en"]
    esc = page_text  # escaped, and no bidi override reorders the names after it
    about = _rows(answers["about"])
    names: dict[str, str] = {}
    aliases: list[tuple[str, str]] = []
    classes: list[str] = []
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _rows(answers["labels"]):
        labels[_value(row["x"])][_lang(row["label"])] = _value(row["label"])
    for row in about:
        p, o = _value(row["p"]), row["o"]
        if p == _RDFS_LABEL:
            names[_lang(o)] = _value(o)
        elif p == _SKOS_ALT:
            aliases.append((_lang(o), _value(o)))
        elif p == _RDF_TYPE:
            classes.append(_value(o))

    def name_of(x: str) -> str:
        return _pick(labels.get(x, {}), lang, x.rsplit("/", 1)[-1].rsplit("#", 1)[-1])

    def link(x: str) -> str:
        path = local_path(x, vocab)
        text = esc(name_of(x))
        return f'<a href="{esc(path)}?lang={lang}">{text}</a>' if path else text

    title = _pick(names, lang, iri.rsplit("/", 1)[-1])
    parts = [f"<h1>{esc(title)}</h1>", f'<p class="iri">{esc(iri)}</p>']
    other = [f"{esc(v)} <span class=tag>@{esc(k)}</span>" for k, v in sorted(names.items())]
    alias_text = [f"{esc(a)} <span class=tag>@{esc(k)}</span>" for k, a in sorted(aliases)]
    if other or alias_text:
        parts.append(f"<h2>{ui['names']}</h2><p>{' · '.join(other + alias_text)}</p>")
    if classes:
        shown = sorted({name_of(c) for c in classes}, key=fold)  # the ontology's labels
        parts.append(f"<h2>{ui['classes']}</h2><p>{esc(', '.join(shown))}</p>")
    # facts: one block per fact node, its qualifiers, then each piece of evidence
    # a qualifier written in several languages (a role, a measure) is shown in the page's
    # language, else in English, else as it comes
    by_lang: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in _rows(answers["qualifiers"]):
        p = _value(row["p"])
        if not p.endswith("#identifier"):
            by_lang[(_value(row["fact"]), p)].setdefault(_lang(row["v"]), _value(row["v"]))
    quals: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (fact_iri, p), texts in sorted(by_lang.items()):
        quals[fact_iri].append((p, _pick(texts, lang, "")))
    facts: dict[str, dict[str, object]] = {}
    for row in _rows(answers["facts"]):
        f = facts.setdefault(
            _value(row["fact"]),
            {
                "rel": _value(row["rel"]),
                "subject": _value(row["subject"]),
                "object": _value(row["object"]),
                "evidence": [],
            },
        )
        evidence = f["evidence"]
        assert isinstance(evidence, list)
        evidence.append(
            (
                _value(row["source"]),
                _value(row["prefix"]),
                _value(row["quote"]),
                _value(row["suffix"]),
            )
        )
    parts.append(f"<h2>{ui['facts']} ({len(facts)})</h2>")
    if not facts:
        parts.append(f"<p>{ui['none']}</p>")
    neighbours: set[str] = set()
    for fact_iri, f in sorted(facts.items(), key=lambda kv: (str(kv[1]["rel"]), kv[0])):
        subject, obj, rel = str(f["subject"]), str(f["object"]), str(f["rel"])
        neighbours.update(x for x in (subject, obj) if x and x != iri)
        line = f"{link(subject)} <strong>{esc(name_of(rel))}</strong>"
        if obj:
            line += f" {link(obj)}"
        q = "".join(
            f"<li><span class=tag>{esc(name_of(k))}</span> {esc(v)}</li>"
            for k, v in quals.get(fact_iri, [])
            if not k.endswith("#amountText")
        )
        ev = "".join(
            f'<blockquote><span class="ctx">…{esc(pre[-60:])}</span><mark>{esc(exact)}</mark>'
            f'<span class="ctx">{esc(post[:60])}…</span>'
            f"<footer>{ui['source']}: {esc(src)}</footer></blockquote>"
            for src, pre, exact, post in f["evidence"]  # type: ignore[attr-defined]
        )
        fact_path = local_path(fact_iri, vocab) or ""
        parts.append(
            f'<article class="fact"><p>{line} <a class="more" href="{esc(fact_path)}?lang={lang}">'
            f"#</a></p><ul>{q}</ul>{ev}</article>"
        )
    mentions = _rows(answers["mentions"])
    if mentions:
        parts.append(f"<h2>{ui['mentions']} ({len(mentions)})</h2><ul>")
        parts.extend(
            f"<li><span class=tag>{esc(_value(m['source']))}</span> {esc(_value(m['quote']))}</li>"
            for m in mentions
        )
        parts.append("</ul>")
    if neighbours:
        ordered = sorted(neighbours, key=lambda x: fold(name_of(x)))
        parts.append(f"<h2>{ui['neighbours']} ({len(ordered)})</h2><ul class=cols>")
        parts.extend(f"<li>{link(x)}</li>" for x in ordered)
        parts.append("</ul>")
    if not about and not facts and not mentions:
        parts.append(f"<p>{ui['notFound']}</p>")
    here = local_path(iri, vocab) or "/"
    switch = " · ".join(
        f'<a href="{esc(here)}?lang={code}" hreflang="{code}">{name}</a>'
        for code, name in (("vi", "Tiếng Việt"), ("en", "English"))
    )
    nav = (
        f'<nav><a href="/?lang={lang}">{ui["endpoint"]}</a> · '
        f'<a href="{esc(here)}?format=turtle">{ui["rdf"]}: Turtle</a> · '
        f'<a href="{esc(here)}?format=jsonld">JSON-LD</a> <span class="lang">{switch}</span></nav>'
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)} — vjkg</title>\n"
        '<link rel="stylesheet" href="/assets/entity.css">\n</head>\n<body>\n'
        f"{nav}\n<main>\n" + "\n".join(parts) + "\n</main>\n</body>\n</html>\n"
    )
