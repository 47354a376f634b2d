"""The one bridge from RDF to networkx: entities as nodes, facts between entities as edges.

Provenance nodes (facts, annotations, selectors, sources) are not nodes of the network;
each edge carries its relation, the fact IRI and its evidence (quote and source title).
The bridge reads plain quads, so it works on a built dataset or on any parsed RDF file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from .vocab import ENTITY_CLASSES, OA, Vocabulary


@dataclass
class Evidence:
    """One quote supporting a fact."""

    quote: str
    source: str  # source document IRI
    source_title: str


@dataclass
class _Index:
    types: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    props: dict[Node, dict[Node, list[Node]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    graphs_of: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))


def _index(quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> _Index:
    ix = _Index()
    for s, p, o, g in quads:
        if p == RDF.type:
            ix.types[s].add(o)
        ix.props[s][p].append(o)
        if g is not None:
            ix.graphs_of[s].add(g)
    return ix


def _langs(values: Iterable[Node]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in sorted(values, key=str):
        if isinstance(v, Literal):
            out.setdefault(v.language or "", str(v))
    return out


def to_networkx(
    quads: Iterable[tuple[Node, Node, Node, Node | None]], vocab: Vocabulary | None = None
) -> nx.MultiDiGraph:
    """Build the entity network from quads.

    Node attributes: ``id``, ``cls`` (most specific class), ``classes``, ``labels``
    (lang → text), ``aliases``, ``country``. Edge attributes: ``relation``, ``fact``,
    ``sources`` (source IRIs), ``evidence`` (list of :class:`Evidence`), plus the
    qualifier values ``date``, ``amount_text``, ``role``.
    """
    v = vocab or Vocabulary()
    ix = _index(quads)
    entity_classes = {v.term(c): c for c in ENTITY_CLASSES}
    g = nx.MultiDiGraph()
    for node, types in ix.types.items():
        names = [entity_classes[t] for t in types if t in entity_classes]
        if not names:
            continue
        # the most specific class: the one with the longest ancestor chain
        from .vocab import class_ancestors

        cls = max(names, key=lambda c: (len(class_ancestors(c)), c))
        p = ix.props[node]
        ident = p.get(DCTERMS.identifier)
        g.add_node(
            str(node),
            id=str(ident[0]) if ident else str(node).rsplit("/", 1)[-1],
            cls=cls,
            classes=sorted(names),
            labels=_langs(p.get(RDFS.label, [])),
            aliases=sorted({str(a) for a in p.get(SKOS.altLabel, [])}),
            country=str(p[v.term("country")][0]) if p.get(v.term("country")) else None,
        )
    fact_class = v.term("Fact")
    for fact, types in sorted(ix.types.items(), key=lambda kv: str(kv[0])):
        if fact_class not in types:
            continue
        p = ix.props[fact]
        subj = p.get(v.term("subject"), [None])[0]
        obj = p.get(v.term("object"), [None])[0]
        rel = p.get(v.term("relation"), [None])[0]
        if subj is None or obj is None or rel is None:
            continue
        if str(subj) not in g or str(obj) not in g:
            continue
        evidence = [_evidence(ix, ann) for ann in p.get(PROV.wasDerivedFrom, [])]
        evidence = [e for e in evidence if e is not None]
        evidence.sort(key=lambda e: (e.source, e.quote))
        role = _langs(p.get(v.term("role"), []))
        amount_text = p.get(v.term("amountText"))
        date = p.get(v.term("date"))
        g.add_edge(
            str(subj),
            str(obj),
            key=str(fact),
            relation=str(rel).rsplit("#", 1)[-1],
            fact=str(fact),
            sources=sorted({e.source for e in evidence}),
            evidence=evidence,
            role=role,
            amount_text=str(amount_text[0]) if amount_text else None,
            date=str(date[0]) if date else None,
        )
    return g


def _evidence(ix: _Index, ann: Node) -> Evidence | None:
    target = ix.props[ann].get(OA.hasTarget, [None])[0]
    if target is None:
        return None
    tp = ix.props[target]
    source = tp.get(OA.hasSource, [None])[0]
    quote = ""
    for sel in tp.get(OA.hasSelector, []):
        exact = ix.props[sel].get(OA.exact)
        if exact:
            quote = " ".join(str(exact[0]).split())
    titles = _langs(ix.props[source].get(DCTERMS.title, [])) if source is not None else {}
    title = titles.get("vi") or titles.get("en") or str(source)
    return Evidence(quote, str(source), title)


def label_of(g: nx.MultiDiGraph, node: str, lang: str = "en") -> str:
    """A node's label in ``lang`` (falling back to the other language, then the id)."""
    labels = g.nodes[node].get("labels", {})
    return labels.get(lang) or labels.get("en") or labels.get("vi") or g.nodes[node]["id"]


def entity_iri(node: URIRef) -> str:
    """The string key of an entity node in the network."""
    return str(node)
