"""The one bridge from RDF to networkx: entities as nodes, facts between entities as edges.

Provenance nodes (facts, annotations, selectors, sources) are not nodes of the network;
each edge carries its relation, the fact IRI and its evidence (quote and source title).
The bridge reads plain quads, so it works on a built dataset or on any parsed RDF file.

A tiny graph with language tags shows the shape of the result:

>>> from rdflib import Graph
>>> ttl = '''
... @prefix v: <https://w3id.org/vjkg/ontology#> .
... @prefix r: <https://w3id.org/vjkg/resource/> .
... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
... @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
... @prefix dct: <http://purl.org/dc/terms/> .
... @prefix oa: <http://www.w3.org/ns/oa#> .
... @prefix prov: <http://www.w3.org/ns/prov#> .
... @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
... r:meti a v:Ministry ; dct:identifier "meti" ; v:country r:japan ;
...     rdfs:label "Bộ Kinh tế, Thương mại và Công nghiệp"@vi, "METI (en)"@en ;
...     skos:altLabel "METI"@en .
... r:rapidus a v:Company ; dct:identifier "rapidus" ; rdfs:label "Rapidus"@en ;
...     v:foundingDate "2022-08"^^xsd:gYearMonth .
... r:japan a v:Country ; dct:identifier "japan" ; rdfs:label "Nhật Bản"@vi .
... r:f1 a v:Fact, v:Funding ; v:subject r:meti ; v:relation v:funds ; v:object r:rapidus ;
...     v:amount "590000000000"^^xsd:decimal ; v:currency "JPY" ;
...     v:amountText "590 tỷ Yên"@vi ; v:date "2024-04-02"^^xsd:date ;
...     prov:wasDerivedFrom r:a1 .
... r:a1 a oa:Annotation ; oa:hasTarget r:t1 .
... r:t1 oa:hasSource r:doc ; oa:hasSelector r:s1 .
... r:s1 oa:exact "METI hỗ trợ  590 tỷ Yên  cho Rapidus" .
... r:doc a v:NewsArticle, v:SourceDocument ; dct:identifier "doc-1" ;
...     dct:title "Tin số 1"@vi, "News 1"@en ; dct:issued "2024-04"^^xsd:gYearMonth .
... '''
>>> g = to_networkx((s, p, o, None) for s, p, o in Graph().parse(data=ttl, format="turtle"))
>>> sorted(g.nodes[n]["id"] for n in g)
['japan', 'meti', 'rapidus']
>>> meti = g.nodes["https://w3id.org/vjkg/resource/meti"]
>>> meti["cls"], meti["labels"]["vi"], meti["aliases"], meti["country"]
('Ministry', 'Bộ Kinh tế, Thương mại và Công nghiệp', ['METI'], 'https://w3id.org/vjkg/resource/japan')
>>> g.nodes["https://w3id.org/vjkg/resource/rapidus"]["dates"]
{'foundingDate': ['2022-08']}
>>> [(u.rsplit("/", 1)[1], v.rsplit("/", 1)[1], d["relation"]) for u, v, d in g.edges(data=True)]
[('meti', 'rapidus', 'funds')]
>>> (edge,) = [d for _, _, d in g.edges(data=True)]
>>> edge["amount"], edge["currency"], edge["amount_text"], edge["date"]
(Decimal('590000000000'), 'JPY', '590 tỷ Yên', '2024-04-02')
>>> edge["evidence"][0].quote, edge["evidence"][0].source_title, edge["source_titles"]
('METI hỗ trợ 590 tỷ Yên cho Rapidus', 'Tin số 1', ['Tin số 1'])
>>> g.graph["sources"]["https://w3id.org/vjkg/resource/doc"]["titles"]["en"]
'News 1'
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import networkx as nx
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import BNode, Node

from .iri import literal_parts, text_of, to_nt
from .vocab import ENTITY_CLASSES, OA, RELATIONS, Vocabulary, class_ancestors

# Relations whose value is a date on the entity itself (no object): the node's ``dates``.
DATE_RELATIONS = tuple(
    sorted(name for name, r in RELATIONS.items() if not r.has_object and name != "figure")
)


@dataclass
class Evidence:
    """One quote supporting a fact, with the text around it and where it sits in the source."""

    quote: str
    source: str  # source document IRI
    source_title: str
    prefix: str = ""  # the text just before the quote (oa:prefix), as the source has it
    suffix: str = ""  # ... and just after it (oa:suffix)
    start: int | None = None  # code-point offsets into the NFC source text (oa:start, oa:end)
    end: int | None = None
    annotation: str = ""  # the IRIs of the oa:Annotation, its target and its two selectors
    target: str = ""
    quote_selector: str = ""
    position_selector: str = ""
    # How this source wrote the fact's qualifiers (amountText, shareText, roleText, …)
    wording: tuple[tuple[str, str], ...] = ()


@dataclass
class _Index:
    """Every quad by subject, all terms in N-Triples forms (pipeline.iri.to_nt): the
    ``rdf:type`` quads in ``types``, the others in ``props``."""

    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    props: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)

    def source_title(self, source: str, t: _Terms) -> tuple[str, str]:
        """A source's IRI and the title it is shown by (Vietnamese first, else English, else
        the IRI), read once per source: a source backs thousands of pieces of evidence."""
        found = self.titles.get(source)
        if found is None:
            titles = _langs(self.props[source].get(t.title, []))
            where = text_of(source)
            found = self.titles[source] = (where, titles.get("vi") or titles.get("en") or where)
        return found


def _index(quads: Iterable[tuple[Any, Any, Any, Any]], forms: bool) -> _Index:
    ix = _Index()
    is_type = to_nt(RDF.type)
    types, props = ix.types, ix.props
    if not forms:
        quads = _as_forms(quads)
    for s, p, o, _ in quads:
        if p == is_type:  # types are read from ``types`` alone
            types[s].add(o)
        else:
            props[s][p].append(o)
    return ix


def _as_forms(
    quads: Iterable[tuple[Node, Node, Node, Node | None]],
) -> Iterator[tuple[str, str, str, None]]:
    """rdflib quads as N-Triples forms (each term converted once; a blank node keeps its
    label as it is, so ``_str`` gives what ``str()`` gave)."""
    memo: dict[Node, str] = {}
    get = memo.get

    def form(term: Node) -> str:
        text = "_:" + str(term) if isinstance(term, BNode) else to_nt(term)
        memo[term] = text
        return text

    for s, p, o, _ in quads:
        yield get(s) or form(s), get(p) or form(p), get(o) or form(o), None


def _language(nt: str) -> str | None:
    """A literal's language tag (``None`` for other terms and untagged literals)."""
    return literal_parts(nt)[1] if nt[0] == '"' else None


def _is_literal(nt: str) -> bool:
    return nt[0] == '"'


@functools.lru_cache(maxsize=4096)
def _local(nt: str) -> str:
    """The part of an IRI after its last ``#`` (asked of properties and relations only: a
    few dozen distinct forms, each read once)."""
    return text_of(nt).rsplit("#", 1)[-1]


def _langs(values: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in sorted(values, key=lambda v: (text_of(v), _language(v) or "")):
        if _is_literal(v):
            out.setdefault(_language(v) or "", text_of(v))
    return out


def _first(values: list[str] | None) -> str | None:
    """The smallest value as text (several values are sorted first, so the choice is stable)."""
    return min(text_of(v) for v in values) if values else None


def _decimal(values: list[str] | None) -> Decimal | None:
    text = _first(values)
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class _Terms:
    """The vocabulary's terms in N-Triples forms, as the index holds them."""

    def __init__(self, v: Vocabulary):
        self._v = v
        self._found: dict[str, str] = {}
        self.identifier, self.label = to_nt(DCTERMS.identifier), to_nt(RDFS.label)
        self.alt_label, self.title = to_nt(SKOS.altLabel), to_nt(DCTERMS.title)
        self.issued, self.publisher = to_nt(DCTERMS.issued), to_nt(DCTERMS.publisher)
        self.derived = to_nt(PROV.wasDerivedFrom)

    def __call__(self, name: str) -> str:
        """An ontology term by local name."""
        nt = self._found.get(name)
        if nt is None:
            nt = self._found[name] = to_nt(self._v.term(name))
        return nt


def to_networkx(
    quads: Iterable[tuple[Any, Any, Any, Any]],
    vocab: Vocabulary | None = None,
    *,
    forms: bool = False,
) -> nx.MultiDiGraph:
    """Build the entity network from quads: rdflib terms, or with ``forms`` their N-Triples
    forms (:meth:`pipeline.build.Dataset.nt_quads`, which need no rdflib term made).

    Node attributes: ``id``, ``cls`` (most specific class), ``classes``, ``labels``
    (lang → text), ``aliases``, ``country`` (IRI or ``None``), ``dates`` (relation →
    dates, e.g. ``{"foundingDate": ["2022-08"]}``), ``figures`` (the figure facts about
    the entity: ``measure``, ``amount_text``, ``amount``, ``unit``, ``currency``, ``date``,
    ``evidence``). Edge attributes: ``relation``,
    ``fact``, ``sources`` (source IRIs), ``source_titles``, ``evidence`` (list of
    :class:`Evidence`), plus the qualifier values ``date``, ``amount_text``, ``amount``
    (exact :class:`~decimal.Decimal` in base units), ``amount_bound``, ``currency``
    (ISO 4217), ``share``, ``rank`` and ``role`` (lang → text). Graph attribute
    ``sources``: source IRI → ``{"id", "title", "titles", "issued", "publisher", "folder",
    "sha256"}`` (the folder and text digest the build records);
    ``terms``: ontology class or property name → its labels (lang → text).
    Nodes and edges are added in sorted order, so algorithms that depend on insertion
    order give the same result on every run.
    """
    v = vocab or Vocabulary()
    t = _Terms(v)
    ix = _index(quads, forms)
    entity_classes = {t(c): c for c in ENTITY_CLASSES}
    g = nx.MultiDiGraph()
    g.graph["ontology"] = str(v.term(""))
    g.graph["sources"] = _sources(ix, t)
    g.graph["terms"] = _term_labels(ix, v)
    fact_class, figure = t("Fact"), t("figure")
    # Only entities and facts are read below: sort those alone (evidence nodes are most).
    wanted = {*entity_classes, fact_class}
    by_iri = sorted(
        ((n, types) for n, types in ix.types.items() if not wanted.isdisjoint(types)),
        key=lambda kv: text_of(kv[0]),
    )
    for node, types in by_iri:
        names = [entity_classes[c] for c in types if c in entity_classes]
        if not names:
            continue
        # the most specific class: the one with the longest ancestor chain
        cls = max(names, key=lambda c: (len(class_ancestors(c)), c))
        p = ix.props[node]
        ident = p.get(t.identifier)
        iri = text_of(node)
        dates = {
            rel: sorted({text_of(d) for d in p[t(rel)]}) for rel in DATE_RELATIONS if p.get(t(rel))
        }
        g.add_node(
            iri,
            id=text_of(ident[0]) if ident else iri.rsplit("/", 1)[-1],
            cls=cls,
            classes=sorted(names),
            labels=_langs(p.get(t.label, [])),
            aliases=sorted({text_of(a) for a in p.get(t.alt_label, [])}),
            country=text_of(p[t("country")][0]) if p.get(t("country")) else None,
            dates=dates,
            figures=[],
        )
    for fact, types in by_iri:
        if fact_class not in types:
            continue
        p = ix.props[fact]
        subj = p.get(t("subject"), [None])[0]
        obj = p.get(t("object"), [None])[0]
        rel = p.get(t("relation"), [None])[0]
        if rel == figure and subj is not None and text_of(subj) in g:
            g.nodes[text_of(subj)]["figures"].append(_figure(ix, p, t))
            continue
        if subj is None or obj is None or rel is None:
            continue
        if text_of(subj) not in g or text_of(obj) not in g:
            continue
        found = (_evidence(ix, ann, t) for ann in p.get(t.derived, []))
        evidence = [e for e in found if e is not None]
        evidence.sort(key=lambda e: (e.source, e.quote))
        titles = {e.source: e.source_title for e in evidence}
        rank = _first(p.get(t("rank")))
        g.add_edge(
            text_of(subj),
            text_of(obj),
            key=text_of(fact),
            relation=_local(rel),
            fact=text_of(fact),
            sources=sorted(titles),
            source_titles=[titles[s] for s in sorted(titles)],
            evidence=evidence,
            role=_langs(p.get(t("role"), [])),
            amount_text=_amount_text(ix, p, t),
            amount=_decimal(p.get(t("amount"))),
            amount_bound=_first(p.get(t("amountBound"))),
            currency=_first(p.get(t("currency"))),
            share=_decimal(p.get(t("share"))),
            rank=int(rank) if rank is not None and rank.isdigit() else None,
            date=_first(p.get(t("date"))),
        )
    return g


def _figure(ix: _Index, p: dict[str, list[str]], t: _Terms) -> dict:
    """A figure fact about an entity: what it measures, the amount as written, its evidence."""
    found = (_evidence(ix, ann, t) for ann in p.get(t.derived, []))
    return {
        "measure": _langs(p.get(t("measure"), [])),
        "amount_text": _amount_text(ix, p, t),
        "amount": _decimal(p.get(t("amount"))),
        "unit": _first(p.get(t("unit"))),
        "currency": _first(p.get(t("currency"))),
        "date": _first(p.get(t("date"))),
        "evidence": sorted((e for e in found if e is not None), key=lambda e: (e.source, e.quote)),
    }


def _term_labels(ix: _Index, v: Vocabulary) -> dict[str, dict[str, str]]:
    """The ontology's labels per class and property name (``{"coOrganizer": {"vi": …}}``),
    when the quads include the ontology (built graphs do)."""
    namespace = str(v.term(""))
    label = to_nt(RDFS.label)
    # An IRI's form escapes it character by character: the namespace's form, less its ">",
    # begins the form of every IRI in the namespace.
    begins = to_nt(v.term(""))[:-1]
    out: dict[str, dict[str, str]] = {}
    for node, props in ix.props.items():
        if label not in props or not node.startswith(begins):
            continue
        name = text_of(node)
        if name.startswith(namespace):
            out[name[len(namespace) :]] = _langs(props[label])
    return dict(sorted(out.items()))


def _sources(ix: _Index, t: _Terms) -> dict[str, dict]:
    """Every source document in the quads: IRI → id, title, titles, issued, publisher."""
    out: dict[str, dict] = {}
    document = t("SourceDocument")
    for node, types in ix.types.items():
        if document not in types:
            continue
        p = ix.props[node]
        iri, title = ix.source_title(node, t)
        out[iri] = {
            "id": _first(p.get(t.identifier)) or iri.rsplit("/", 1)[-1],
            "title": title,
            "titles": _langs(p.get(t.title, [])),
            "issued": _first(p.get(t.issued)),
            "publisher": _langs(p.get(t.publisher, [])).get("vi"),
            "folder": _first(p.get(t("sourceFolder"))),
            "sha256": _first(p.get(t("textSha256"))),
        }
    return dict(sorted(out.items()))


def _amount_text(ix: _Index, p: dict[str, list[str]], t: _Terms) -> str | None:
    """The amount as written: on the fact (older graphs) or on its evidence, first by text."""
    on_fact = _first(p.get(t("amountText")))
    if on_fact is not None:
        return on_fact
    amount_text = t("amountText")
    texts = sorted(
        text_of(text) for ann in p.get(t.derived, []) for text in ix.props[ann].get(amount_text, [])
    )
    return texts[0] if texts else None


# The evidence's own record of how its source wrote a qualifier (pipeline/build.py).
WORDING = frozenset({"amountText", "shareText", "roleText", "dateText", "dateQuote"})


_HAS_TARGET, _HAS_SOURCE, _HAS_SELECTOR = (
    to_nt(OA.hasTarget),
    to_nt(OA.hasSource),
    to_nt(OA.hasSelector),
)
_EXACT, _PREFIX, _SUFFIX = to_nt(OA.exact), to_nt(OA.prefix), to_nt(OA.suffix)
_START, _END = to_nt(OA.start), to_nt(OA.end)


def _evidence(ix: _Index, ann: str, t: _Terms) -> Evidence | None:
    target = ix.props[ann].get(_HAS_TARGET, [None])[0]
    if target is None:
        return None
    tp = ix.props[target]
    source = tp.get(_HAS_SOURCE, [None])[0]
    quote = prefix = suffix = quote_selector = position_selector = ""
    start = end = None
    for sel in sorted(tp.get(_HAS_SELECTOR, []), key=text_of):
        sp = ix.props[sel]
        exact = sp.get(_EXACT)
        if exact:
            quote = " ".join(text_of(exact[0]).split())
            prefix = _first(sp.get(_PREFIX)) or ""
            suffix = _first(sp.get(_SUFFIX)) or ""
            quote_selector = text_of(sel)
        first, last = _first(sp.get(_START)), _first(sp.get(_END))
        if first is not None and last is not None and first.isdigit() and last.isdigit():
            start, end = int(first), int(last)
            position_selector = text_of(sel)
    if source is None:
        where = title = "None"
    else:
        where, title = ix.source_title(source, t)
    wording = tuple(
        sorted(
            (_local(prop), text_of(values[0]))
            for prop, values in ix.props[ann].items()
            if _local(prop) in WORDING and values and _is_literal(values[0])
        )
    )
    return Evidence(
        quote,
        where,
        title,
        prefix,
        suffix,
        start,
        end,
        text_of(ann),
        text_of(target),
        quote_selector,
        position_selector,
        wording,
    )


def label_of(g: nx.MultiDiGraph, node: str, lang: str = "en") -> str:
    """A node's label in ``lang`` (falling back to the other language, then the id)."""
    labels = g.nodes[node].get("labels", {})
    return labels.get(lang) or labels.get("en") or labels.get("vi") or g.nodes[node]["id"]


def node_by_id(g: nx.MultiDiGraph, entity_id: str) -> str | None:
    """The node whose registry id is ``entity_id`` (``None`` if there is none).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("https://w3id.org/vjkg/resource/meti", id="meti")
    >>> node_by_id(g, "meti")
    'https://w3id.org/vjkg/resource/meti'
    """
    for n, ident in g.nodes(data="id"):
        if ident == entity_id:
            return str(n)
    return None


def to_simple_graph(g: nx.MultiDiGraph, *, evidence_only: bool = True) -> nx.Graph:
    """The undirected simple graph of who shares a fact with whom, for network measures.

    Node attributes are kept; each edge's ``weight`` is the number of facts between the
    two entities (either direction), ``facts`` their fact IRIs. Self-loops are dropped.
    With ``evidence_only`` a fact counts only when at least one quote supports it. Nodes
    and edges are inserted in sorted order, so results do not depend on the input order.

    >>> m = nx.MultiDiGraph()
    >>> m.add_nodes_from(["b", "a", "c"])
    >>> _ = m.add_edge("a", "b", key="f1", evidence=[Evidence("q", "s", "t")])
    >>> _ = m.add_edge("b", "a", key="f2", evidence=[Evidence("q", "s", "t")])
    >>> _ = m.add_edge("b", "c", key="f3", evidence=[])
    >>> s = to_simple_graph(m)
    >>> list(s.nodes), list(s.edges(data="weight"))
    (['a', 'b', 'c'], [('a', 'b', 2)])
    """
    simple = nx.Graph()
    for n in sorted(g.nodes):
        simple.add_node(n, **g.nodes[n])
    facts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for u, v, key, d in g.edges(keys=True, data=True):
        if u == v or (evidence_only and not d.get("evidence")):
            continue
        a, b = sorted((u, v))
        facts[(a, b)].append(str(key))
    for (a, b), keys in sorted(facts.items()):
        simple.add_edge(a, b, weight=len(keys), facts=sorted(keys))
    return simple


def to_ego_network(g: nx.MultiDiGraph, node: str, radius: int = 1) -> nx.MultiDiGraph:
    """The entities within ``radius`` facts of ``node`` (either direction) and their facts.

    >>> m = nx.MultiDiGraph([("a", "b"), ("c", "b"), ("c", "d")])
    >>> sorted(to_ego_network(m, "a", radius=2).nodes)
    ['a', 'b', 'c']
    """
    keep = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), node, radius)
    return g.subgraph(sorted(keep)).copy()
