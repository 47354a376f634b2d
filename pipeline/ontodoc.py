"""Ontology documentation: one self-contained HTML page for ``ontology/vjkg.ttl``.

pyLODE 3.6 needs Python ≥ 3.12 (we support 3.11), so this is a small generator of our own:
the ontology's metadata, a class tree, then every class and property with its labels
(vi/en/ja), comments, super-classes / super-properties (the alignments to ORG, schema.org,
FOAF, PROV-O, …), domain, range, inverse, and anything else said about it. Pure function of
the triples: the same ontology always gives the same bytes; every string is escaped and only
http(s) IRIs become links.

>>> from rdflib import Literal, URIRef
>>> from rdflib.namespace import OWL, RDF, RDFS
>>> C = URIRef("https://w3id.org/vjkg/ontology#Ministry")
>>> page = to_ontology_html([(C, RDF.type, OWL.Class, None),
...                          (C, RDFS.label, Literal("Bộ <x>", lang="vi"), None)])
>>> "Bộ &lt;x&gt;" in page and 'id="Ministry"' in page
True
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS
from rdflib.term import Node

from .iri import compact_or_bracket as compact_iri
from .vocab import Vocabulary

Quad = tuple[Node, Node, Node, Node | None]

# The page's own words in English and Vietnamese; the reader picks a language with the two
# buttons at the top (CSS only: the page runs no script), and the other language is hidden.
UI_VI = {
    "IRI": "IRI", "namespace": "không gian tên", "version": "phiên bản", "licence": "giấy phép",
    "comment": "chú thích", "label": "nhãn", "subclass of": "lớp con của",
    "superclass of": "lớp cha của", "domain of": "là miền của",
    "range of": "là miền giá trị của", "kind": "loại", "subproperty of": "thuộc tính con của",
    "superproperty of": "thuộc tính cha của", "domain": "miền", "range": "miền giá trị",
    "inverse of": "nghịch đảo của", "also a": "cũng là", "Contents": "Mục lục",
    "Classes": "Các lớp", "Object properties": "Thuộc tính đối tượng",
    "Datatype properties": "Thuộc tính dữ liệu", "Other properties": "Thuộc tính khác",
    "Namespaces": "Không gian tên", "Class hierarchy": "Phân cấp lớp",
    "object property": "thuộc tính đối tượng", "datatype property": "thuộc tính dữ liệu",
    "annotation property": "thuộc tính chú giải", "property": "thuộc tính",
    "symmetric": "đối xứng", "transitive": "bắc cầu", "functional": "hàm",
    "inverse functional": "hàm ngược", "asymmetric": "phi đối xứng", "reflexive": "phản xạ",
    "irreflexive": "phi phản xạ", "prefix": "tiền tố",
}  # fmt: skip


def _w(en: str, vi: str | None = None) -> str:
    """Interface words in both languages, one shown (see :data:`UI_VI`); escaped."""
    vi = UI_VI.get(en, en) if vi is None else vi
    if vi == en:
        return html.escape(en)
    return (
        f'<span class="ui-en">{html.escape(en)}</span>'
        f'<span class="ui-vi" lang="vi">{html.escape(vi)}</span>'
    )


PROPERTY_TYPES: dict[Node, str] = {
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "datatype property",
    OWL.AnnotationProperty: "annotation property",
    RDF.Property: "property",
}
FLAG_TYPES: dict[Node, str] = {
    OWL.SymmetricProperty: "symmetric",
    OWL.TransitiveProperty: "transitive",
    OWL.FunctionalProperty: "functional",
    OWL.InverseFunctionalProperty: "inverse functional",
    OWL.AsymmetricProperty: "asymmetric",
    OWL.ReflexiveProperty: "reflexive",
    OWL.IrreflexiveProperty: "irreflexive",
}
SHOWN = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    OWL.inverseOf,
}
LANG_ORDER = {"vi": 0, "en": 1, "ja": 2}

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45;color:#222;
margin:0 auto;max-width:68em;padding:1em 1.5em 4em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:2em}h3{margin:1.6em 0 .4em}h3 code{font-size:1em}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;
padding:.25em .6em;border-top:1px solid #eee}th{width:11em;color:#555;font-weight:600}
.term{border:1px solid #e3e3e3;border-radius:6px;padding:.2em 1em .8em;margin:1em 0}
.lang{color:#888;font-size:.8em;margin-left:.3em}.iri{color:#666;font-size:.85em;
word-break:break-all}nav ul{columns:3 14em}ul.tree,ul.tree ul{list-style:none;
padding-left:1.2em}a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}
*{box-sizing:border-box}td,th,code,li,p{overflow-wrap:anywhere}
table{table-layout:fixed}
.switch{float:right;font-size:.9em}.switch label{margin-left:.6em;cursor:pointer}
body:has(#ui-vi:checked) .ui-en,body:not(:has(#ui-vi:checked)) .ui-vi{display:none}
@media (max-width:600px){body{padding:.6em .8em 3em}h1{font-size:1.3em}.switch{float:none}
th,td{display:block;width:auto;padding:.1em .3em}th{border-top:1px solid #eee;padding-top:.4em}
td{border-top:0}.term{padding:.2em .6em .6em}nav ul{columns:1}}
""".strip()


def _sort_literals(values: Iterable[Node]) -> list[Literal]:
    lits = [v for v in values if isinstance(v, Literal)]
    return sorted(
        lits, key=lambda v: (LANG_ORDER.get(v.language or "", 9), v.language or "", str(v))
    )


class _Doc:
    def __init__(self, quads: Iterable[Quad], prefixes: Mapping[str, str], ns: str):
        self.ns = ns
        self.prefixes = dict(prefixes)
        self.out: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
        for s, p, o, _ in quads:
            self.out[s][p].add(o)

    def values(self, s: Node, p: Node) -> list[Node]:
        return sorted(self.out.get(s, {}).get(p, set()), key=lambda n: (type(n).__name__, str(n)))

    def subjects_with(self, p: Node, o: Node) -> list[Node]:
        return sorted((s for s, po in self.out.items() if o in po.get(p, ())), key=str)

    def own(self, node: Node) -> bool:
        return isinstance(node, URIRef) and str(node).startswith(self.ns)

    def local(self, node: Node) -> str:
        return str(node)[len(self.ns) :]

    def of_type(self, *types: Node) -> list[URIRef]:
        found = {s for s, po in self.out.items() for t in types if t in po.get(RDF.type, ())}
        own = [s for s in found if isinstance(s, URIRef) and self.own(s)]
        return sorted(own, key=lambda s: self.local(s).lower())

    def label(self, node: Node, lang: str = "en") -> str:
        for v in _sort_literals(self.values(node, RDFS.label)):
            if v.language == lang:
                return str(v)
        return ""

    def ref(self, node: Node) -> str:
        """A term as a link: in-page for our terms, outward for http(s) IRIs."""
        if self.own(node):
            local = self.local(node)
            title = self.label(node)
            tip = f' title="{html.escape(title)}"' if title else ""
            code = f"<code>vjkg:{html.escape(local)}</code>"
            return f'<a href="#{html.escape(quote(local))}"{tip}>{code}</a>'
        if isinstance(node, URIRef):
            iri = str(node)
            shown = html.escape(compact_iri(iri, self.prefixes))
            if iri.startswith(("http://", "https://")):
                return f'<a href="{html.escape(iri)}"><code>{shown}</code></a>'
            return f"<code>{shown}</code>"
        if isinstance(node, Literal):
            return _literal(node)
        return html.escape(str(node))


def _literal(lit: Literal) -> str:
    lang = f'<span class="lang">@{html.escape(lit.language)}</span>' if lit.language else ""
    return f"{html.escape(str(lit))}{lang}"


def _row(name: str, cells: list[str]) -> str:
    """A table row: ``name`` is an interface word (:func:`_w`) or markup made by it."""
    if not cells:
        return ""
    shown = _w(name) if "<" not in name else name
    return f"<tr><th>{shown}</th><td>{', '.join(cells)}</td></tr>"


def _term_section(doc: _Doc, term: URIRef, kind: str) -> str:
    local = doc.local(term)
    en, vi = doc.label(term, "en"), doc.label(term, "vi")
    rows = [f'<tr><th>IRI</th><td class="iri"><code>{html.escape(str(term))}</code></td></tr>']
    for lit in _sort_literals(doc.values(term, RDFS.label)):
        rows.append(
            _row(f"{_w('label')} ({html.escape(lit.language or '—')})", [html.escape(str(lit))])
        )
    for lit in _sort_literals(doc.values(term, RDFS.comment)):
        rows.append(_row("comment", [_literal(lit)]))
    if kind == "class":
        rows.append(_row("subclass of", [doc.ref(c) for c in doc.values(term, RDFS.subClassOf)]))
        rows.append(
            _row("superclass of", [doc.ref(c) for c in doc.subjects_with(RDFS.subClassOf, term)])
        )
        rows.append(_row("domain of", [doc.ref(p) for p in doc.subjects_with(RDFS.domain, term)]))
        rows.append(_row("range of", [doc.ref(p) for p in doc.subjects_with(RDFS.range, term)]))
    else:
        types = doc.values(term, RDF.type)
        kinds = [PROPERTY_TYPES[t] for t in types if t in PROPERTY_TYPES]
        kinds += [FLAG_TYPES[t] for t in types if t in FLAG_TYPES]
        rows.append(_row("kind", [_w(k) for k in kinds]))
        rows.append(
            _row("subproperty of", [doc.ref(p) for p in doc.values(term, RDFS.subPropertyOf)])
        )
        rows.append(
            _row(
                "superproperty of",
                [doc.ref(p) for p in doc.subjects_with(RDFS.subPropertyOf, term)],
            )
        )
        rows.append(_row("domain", [doc.ref(c) for c in doc.values(term, RDFS.domain)]))
        rows.append(_row("range", [doc.ref(c) for c in doc.values(term, RDFS.range)]))
        inverse = doc.values(term, OWL.inverseOf) + doc.subjects_with(OWL.inverseOf, term)
        rows.append(_row("inverse of", [doc.ref(p) for p in inverse]))
    other_types = [
        t
        for t in doc.values(term, RDF.type)
        if t not in PROPERTY_TYPES and t not in FLAG_TYPES and t != OWL.Class
    ]
    rows.append(_row("also a", [doc.ref(t) for t in other_types]))
    for p in sorted(doc.out.get(term, {}), key=str):
        if p not in SHOWN:
            name = html.escape(compact_iri(str(p), doc.prefixes))
            rows.append(_row(f"<code>{name}</code>", [doc.ref(v) for v in doc.values(term, p)]))
    heading = f"<code>vjkg:{html.escape(local)}</code>"
    names = " — ".join(html.escape(x) for x in (en, vi) if x)
    return (
        f'<section class="term" id="{html.escape(quote(local))}">\n'
        f"<h3>{heading}{' — ' + names if names else ''}</h3>\n"
        f"<table>\n{''.join(r + chr(10) for r in rows if r)}</table>\n</section>"
    )


def _tree(doc: _Doc, classes: list[URIRef]) -> str:
    own = set(classes)
    children: dict[Node, list[URIRef]] = defaultdict(list)
    roots = []
    for c in classes:
        parents = [p for p in doc.values(c, RDFS.subClassOf) if p in own]
        for p in parents:
            children[p].append(c)
        if not parents:
            roots.append(c)

    def branch(node: URIRef, seen: frozenset[Node]) -> str:
        kids = [k for k in children.get(node, []) if k not in seen]
        inner = "".join(branch(k, seen | {k}) for k in kids)
        return f"<li>{doc.ref(node)}{'<ul>' + inner + '</ul>' if inner else ''}</li>"

    return '<ul class="tree">' + "".join(branch(r, frozenset({r})) for r in roots) + "</ul>"


def to_ontology_html(quads: Iterable[Quad], prefixes: Mapping[str, str] | None = None) -> str:
    """The documentation page of the ontology in ``quads`` (graph names are ignored)."""
    vocab = Vocabulary()
    ns = str(vocab.ONT)
    pfx = dict(prefixes or vocab.prefixes())
    doc = _Doc(quads, pfx, ns)
    onto = next(
        iter(
            sorted(
                (s for s, po in doc.out.items() if OWL.Ontology in po.get(RDF.type, ())), key=str
            )
        ),
        None,
    )
    classes = doc.of_type(OWL.Class, RDFS.Class)
    object_props = doc.of_type(OWL.ObjectProperty)
    data_props = doc.of_type(OWL.DatatypeProperty)
    listed = set(object_props) | set(data_props)
    other_props = [p for p in doc.of_type(*PROPERTY_TYPES, *FLAG_TYPES) if p not in listed]

    title = (doc.label(onto, "en") if onto is not None else "") or "vjkg ontology"
    title_vi = (doc.label(onto, "vi") if onto is not None else "") or title
    parts = [
        '<p class="switch"><input type="radio" name="ui" id="ui-en" checked>'
        '<label for="ui-en">English</label> <input type="radio" name="ui" id="ui-vi">'
        '<label for="ui-vi" lang="vi">Tiếng Việt</label></p>',
        f"<h1>{_w(title, title_vi)}</h1>",
    ]
    if onto is not None:
        vi = doc.label(onto, "vi")
        if vi:
            parts.append(f'<p lang="vi" class="ui-en"><em>{html.escape(vi)}</em></p>')
        meta = [
            f'<tr><th>IRI</th><td class="iri"><code>{html.escape(str(onto))}</code></td></tr>',
            f'<tr><th>{_w("namespace")}</th><td class="iri"><code>{html.escape(ns)}</code> '
            f"({_w('prefix')} <code>vjkg:</code>)</td></tr>",
        ]
        for p, name in ((OWL.versionInfo, "version"), (DCTERMS.license, "licence")):
            meta.append(_row(name, [doc.ref(v) for v in doc.values(onto, p)]))
        for lit in _sort_literals(doc.values(onto, RDFS.comment)):
            meta.append(_row("comment", [_literal(lit)]))
        parts.append("<table>" + "".join(m for m in meta if m) + "</table>")
    counts = _w(
        f"{len(classes)} classes, {len(object_props)} object properties, "
        f"{len(data_props)} datatype properties.",
        f"{len(classes)} lớp, {len(object_props)} thuộc tính đối tượng, "
        f"{len(data_props)} thuộc tính dữ liệu.",
    )
    made = _w("Generated from", "Được tạo từ")
    parts.append(
        f"<p>{counts} {made} <code>ontology/vjkg.ttl</code> {_w('by', 'bởi')} "
        "<code>kg build</code>.</p>"
    )

    def nav(name: str, anchor: str, terms: list[URIRef]) -> str:
        items = "".join(f"<li>{doc.ref(t)}</li>" for t in terms)
        return f'<h3><a href="#{anchor}">{_w(name)}</a></h3><ul>{items}</ul>'

    parts.append(f"<nav><h2>{_w('Contents')}</h2>")
    parts.append(nav("Classes", "classes", classes))
    parts.append(nav("Object properties", "object-properties", object_props))
    parts.append(nav("Datatype properties", "datatype-properties", data_props))
    if other_props:
        parts.append(nav("Other properties", "other-properties", other_props))
    parts.append(f'<h3><a href="#namespaces">{_w("Namespaces")}</a></h3></nav>')
    parts.append(f'<h2 id="hierarchy">{_w("Class hierarchy")}</h2>' + _tree(doc, classes))
    parts.append(f'<h2 id="classes">{_w("Classes")}</h2>')
    parts += [_term_section(doc, c, "class") for c in classes]
    parts.append(f'<h2 id="object-properties">{_w("Object properties")}</h2>')
    parts += [_term_section(doc, p, "property") for p in object_props]
    parts.append(f'<h2 id="datatype-properties">{_w("Datatype properties")}</h2>')
    parts += [_term_section(doc, p, "property") for p in data_props]
    if other_props:
        parts.append(f'<h2 id="other-properties">{_w("Other properties")}</h2>')
        parts += [_term_section(doc, p, "property") for p in other_props]
    rows = "".join(
        f'<tr><th><code>{html.escape(k)}:</code></th><td class="iri"><code>'
        f"{html.escape(v)}</code></td></tr>"
        for k, v in pfx.items()
    )
    parts.append(f'<h2 id="namespaces">{_w("Namespaces")}</h2><table>{rows}</table>')
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
