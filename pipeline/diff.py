"""Diff stage: what changed between two versions of the graph, as a typed report.

:func:`diff_quads` compares two datasets (quads, as :func:`pipeline.readers.read_quads`
gives them) and sorts every differing quad into the group a reader thinks in:

- **facts** added, removed or changed. A fact node's IRI is a hash of its identity
  (subject, relation, object and qualifiers), so a qualifier edit gives a new IRI: a removed
  and an added fact of the same source with the same subject, relation and object are
  paired into one *changed* fact (old → new per qualifier). The plain direct triple and the
  evidence of an added or removed fact belong to that fact;
- **entities** (registry entries in the ontology graph) added, removed, relabelled or
  otherwise changed (aliases, type, country);
- **evidence** (``oa:Annotation`` with its target and selectors) added, removed or changed
  where the fact or entity it supports is not itself added or removed: a second quote for
  a fact, a moved quote, a mention;
- **sources**: one summary row per named graph that changed, with its metadata changes;
- **other**: anything else (ontology terms), subject by subject.

Every group is sorted by labels in the chosen language, then by IRI, so the report is the
same on every run. Renderers: :func:`to_diff_markdown`, :func:`to_diff_json` and
:func:`to_rdf_patch` (https://afs.github.io/rdf-patch/), whose output
:func:`apply_rdf_patch` applies. :func:`build_revision` (I/O) builds the graph of a git
revision with that revision's own code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from .errors import InputError, Location, Problem, UsageError
from .iri import term_nt
from .readers import to_rdflib
from .text import markdown_code, markdown_text
from .vocab import OA, RELATIONS, Vocabulary

Quad = tuple[Node, Node, Node, Node | None]
GraphKey = Node | None
Desc = frozenset[tuple[Node, Node]]  # (predicate, object) pairs of one subject in one graph

LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel)
# Standard properties the ontology does not label, by the name a reader knows them by.
PLAIN_NAMES: dict[Node, str] = {
    RDF.type: "type",
    RDFS.label: "label",
    RDFS.comment: "comment",
    SKOS.prefLabel: "preferred label",
    SKOS.altLabel: "alias",
    DCTERMS.identifier: "identifier",
    DCTERMS.title: "title",
    DCTERMS.issued: "issued",
    DCTERMS.publisher: "publisher",
    DCTERMS.creator: "author",
    DCTERMS.language: "language",
    PROV.wasDerivedFrom: "derived from",
    OA.exact: "quote",
    OA.prefix: "text before",
    OA.suffix: "text after",
    OA.start: "start",
    OA.end: "end",
    OA.hasBody: "supports",
    OA.hasSource: "source",
}
CHANGE_ORDER = {"added": 0, "removed": 1, "changed": 2, "relabelled": 2}


@dataclass(frozen=True, order=True)
class Ref:
    """A node as a reader sees it: its label in the chosen language, and its IRI or value."""

    label: str
    value: str


@dataclass(frozen=True, order=True)
class Values:
    """The values one property has on one node (sorted, rendered)."""

    property: Ref
    values: tuple[str, ...]


@dataclass(frozen=True, order=True)
class ValueChange:
    """One property whose values changed: ``old`` → ``new``."""

    property: Ref
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True, order=True)
class Quote:
    """A piece of evidence: the source and the exact quote."""

    source: str
    quote: str


@dataclass(frozen=True)
class FactChange:
    """A fact added, removed or changed (qualifiers old → new), in one or more sources."""

    change: str
    subject: Ref
    relation: Ref
    object: Ref | None
    fact: str  # the fact IRI (the new one for a changed fact)
    old_fact: str | None = None  # a changed fact's previous IRI
    qualifiers: tuple[Values, ...] = ()  # the added fact's, removed fact's or the new ones
    changes: tuple[ValueChange, ...] = ()  # for a changed fact
    sources: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class LabelChange:
    """A label in one language: ``old`` → ``new`` (empty when absent)."""

    lang: str
    old: str
    new: str


@dataclass(frozen=True)
class EntityChange:
    """A registry entity added, removed, relabelled or changed."""

    change: str
    entity: Ref
    id: str
    labels: tuple[LabelChange, ...] = ()
    changes: tuple[ValueChange, ...] = ()


@dataclass(frozen=True)
class EvidenceChange:
    """A piece of evidence added, removed or changed, with what it supports."""

    change: str
    source: str
    quote: str
    about: str  # "METI funds Rapidus", or "mention of METI"
    kind: str  # "claim" or "mention"
    annotation: str
    old_quote: str = ""  # for a changed piece of evidence whose quote changed
    changes: tuple[ValueChange, ...] = ()


@dataclass(frozen=True)
class SourceSummary:
    """What changed in one named graph."""

    source: str
    title: str
    status: str  # added, removed or changed
    quads_added: int
    quads_removed: int
    facts_added: int
    facts_removed: int
    facts_changed: int
    evidence_added: int
    evidence_removed: int
    evidence_changed: int
    metadata: tuple[ValueChange, ...] = ()


@dataclass(frozen=True)
class OtherChange:
    """Changes to a node that is neither a fact, an entity nor evidence (ontology terms)."""

    graph: str
    subject: Ref
    added: tuple[Values, ...] = ()
    removed: tuple[Values, ...] = ()


@dataclass(frozen=True)
class DatasetDiff:
    """The whole comparison of OLD with NEW."""

    old_name: str
    new_name: str
    lang: str
    facts: tuple[FactChange, ...]
    entities: tuple[EntityChange, ...]
    evidence: tuple[EvidenceChange, ...]
    sources: tuple[SourceSummary, ...]
    other: tuple[OtherChange, ...]
    removed_quads: tuple[Quad, ...] = field(repr=False, default=())
    added_quads: tuple[Quad, ...] = field(repr=False, default=())

    @property
    def differ(self) -> bool:
        """Whether OLD and NEW hold different quads."""
        return bool(self.removed_quads or self.added_quads)

    def counts(self) -> dict[str, int]:
        """Entries per group and change (``facts_added``, …) and the quads added/removed."""
        out: dict[str, int] = {"quads_added": len(self.added_quads)}
        out["quads_removed"] = len(self.removed_quads)
        for group, entries in (
            ("facts", self.facts),
            ("entities", self.entities),
            ("evidence", self.evidence),
        ):
            for entry in entries:
                key = f"{group}_{entry.change}"
                out[key] = out.get(key, 0) + 1
        out["other"] = len(self.other)
        return dict(sorted(out.items()))


# ---------------------------------------------------------------- indexing


_XSD_STRING = str(XSD.string)


def canonical_quad(q: Quad) -> Quad:
    """``q`` with an ``xsd:string`` literal written plain (rdflib tells the two apart; RDF
    1.1 does not), so a graph read from a file equals the same graph built in memory."""
    s, p, o, g = q
    if isinstance(o, Literal) and o.datatype is not None and str.__eq__(o.datatype, _XSD_STRING):
        return s, p, Literal(str(o)), g
    return q


class _Side:
    """One dataset indexed by graph and by (graph, subject)."""

    def __init__(self, quads: Iterable[Quad]):
        self.graphs: dict[GraphKey, set[tuple[Node, Node, Node]]] = defaultdict(set)
        for q in quads:
            s, p, o, g = canonical_quad(q)
            self.graphs[g].add((s, p, o))
        self.by_subject: dict[tuple[GraphKey, Node], set[tuple[Node, Node]]] = defaultdict(set)
        for g, triples in self.graphs.items():
            for s, p, o in triples:
                self.by_subject[(g, s)].add((p, o))

    def desc(self, g: GraphKey, s: Node) -> Desc:
        return frozenset(self.by_subject.get((g, s), ()))

    def quads(self) -> set[Quad]:
        return {(s, p, o, g) for g, ts in self.graphs.items() for s, p, o in ts}


def _values(desc: Desc, pred: Node) -> list[Node]:
    return sorted((o for p, o in desc if p == pred), key=term_nt)


def _one(desc: Desc, pred: Node) -> Node | None:
    found = _values(desc, pred)
    return found[0] if found else None


class _Namer:
    """Labels in one language (falling back to en, vi, ja, any), else a compact IRI."""

    def __init__(self, sides: Iterable[_Side], lang: str, prefixes: Mapping[str, str]):
        self.lang = lang
        self.found: dict[Node, dict[str, str]] = {}
        for side in sides:  # NEW first: its labels win
            for (_g, s), pairs in side.by_subject.items():
                for p, o in pairs:
                    if p in LABEL_PREDICATES and isinstance(o, Literal):
                        langs = self.found.setdefault(s, {})
                        langs.setdefault(o.language or "", str(o))
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def compact(self, iri: str) -> str:
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"

    def label(self, node: Node) -> str:
        langs = self.found.get(node)
        if langs:
            for lang in (self.lang, "en", "vi", "ja"):
                if lang in langs:
                    return langs[lang]
            return langs[sorted(langs)[0]]
        if node in PLAIN_NAMES:
            return PLAIN_NAMES[node]
        if isinstance(node, URIRef):
            return self.compact(str(node))
        return self.value(node)

    def value(self, node: Node) -> str:
        """A value as written in a report: a literal's text (with @lang), an IRI's label."""
        if isinstance(node, Literal):
            return f"{node}@{node.language}" if node.language else str(node)
        if isinstance(node, URIRef):
            return self.label(node)
        if isinstance(node, BNode):
            return term_nt(node)  # _:label, not a bare word that reads as an IRI
        return str(node)

    def ref(self, node: Node) -> Ref:
        return Ref(self.label(node), str(node) if isinstance(node, URIRef) else term_nt(node))


# ---------------------------------------------------------------- classification


class _Kinds:
    """What a subject IRI is: entity, fact, evidence (by annotation key), source, graph."""

    def __init__(self, vocab: Vocabulary):
        self.res = str(vocab.RES)
        self.graph_ns = str(vocab.GRAPH)
        self.vocab = vocab

    def of(self, node: Node) -> tuple[str, str]:
        text = str(node)
        if isinstance(node, URIRef) and text.startswith(self.res):
            rest = text[len(self.res) :]
            head, sep, key = rest.partition("/")
            if not sep:
                return "entity", rest
            if head in ("annotation", "target"):
                return "evidence", key
            if head == "selector":
                return "evidence", key.rsplit("-", 1)[0]
            if head in ("fact", "source"):
                return head, key
        if isinstance(node, URIRef) and text.startswith(self.graph_ns):
            return "graph", text[len(self.graph_ns) :]
        return "other", text

    def source_id(self, g: GraphKey) -> str:
        if g is None:
            return "default graph"
        text = str(g)
        return text[len(self.graph_ns) :] if text.startswith(self.graph_ns) else f"<{text}>"


_FACT_STRUCTURE = frozenset({RDF.type, PROV.wasDerivedFrom, ORG.member, ORG.organization})


def _value_changes(old: Desc, new: Desc, namer: _Namer, skip: Iterable[Node]) -> list[ValueChange]:
    skipped = set(skip)
    preds = {p for p, _ in old ^ new} - skipped
    out = []
    for p in preds:
        before = tuple(sorted(namer.value(o) for q, o in old if q == p))
        after = tuple(sorted(namer.value(o) for q, o in new if q == p))
        if before != after:
            out.append(ValueChange(namer.ref(p), before, after))
        else:  # same rendering, different terms (a datatype changed): show the terms
            before = tuple(sorted(term_nt(o) for q, o in old if q == p))
            after = tuple(sorted(term_nt(o) for q, o in new if q == p))
            out.append(ValueChange(namer.ref(p), before, after))
    return sorted(out)


def _all_values(
    desc: Desc, namer: _Namer, skip: Iterable[Node], compact: bool = False
) -> tuple[Values, ...]:
    """Values per property; ``compact`` names properties by compact IRI, not label."""
    skipped = set(skip)
    by_pred: dict[Node, list[str]] = defaultdict(list)
    for p, o in desc:
        if p not in skipped:
            by_pred[p].append(namer.value(o))

    def name(p: Node) -> Ref:
        return Ref(namer.compact(str(p)), str(p)) if compact else namer.ref(p)

    return tuple(sorted(Values(name(p), tuple(sorted(v))) for p, v in by_pred.items()))


@dataclass
class _Fact:
    graph: GraphKey
    iri: Node
    desc: Desc


def _fact_key(desc: Desc, vocab: Vocabulary) -> tuple[str, str, str]:
    parts = (_one(desc, vocab.term(n)) for n in ("subject", "relation", "object"))
    s, r, o = (term_nt(x) if x is not None else "" for x in parts)
    return s, r, o


def _qualifier_preds(vocab: Vocabulary) -> frozenset[Node]:
    return _FACT_STRUCTURE | {vocab.term(n) for n in ("subject", "relation", "object")}


def _pair(removed: list[_Fact], added: list[_Fact], skip: frozenset[Node]):
    """Pair removed and added facts with the same key, most shared qualifiers first."""
    candidates = []
    for i, r in enumerate(removed):
        rq = {(p, o) for p, o in r.desc if p not in skip}
        for j, a in enumerate(added):
            aq = {(p, o) for p, o in a.desc if p not in skip}
            candidates.append((-len(rq & aq), term_nt(r.iri), term_nt(a.iri), i, j))
    candidates.sort()
    used_r: set[int] = set()
    used_a: set[int] = set()
    pairs = []
    for _, _, _, i, j in candidates:
        if i not in used_r and j not in used_a:
            used_r.add(i)
            used_a.add(j)
            pairs.append((removed[i], added[j]))
    rest_r = [r for i, r in enumerate(removed) if i not in used_r]
    rest_a = [a for j, a in enumerate(added) if j not in used_a]
    return pairs, rest_r, rest_a


# ---------------------------------------------------------------- the comparison


def label_blank_nodes(quads: Iterable[Quad], rounds: int = 3) -> list[Quad]:
    """``quads`` with every blank node relabelled from what surrounds it, so that the same
    graph read twice, or written with other labels, has the same labels (a parser's are
    random). A node's label is a hash of its triples, refined ``rounds`` times with its
    blank neighbours' labels (linear in the quads: no canonicalisation that a crafted graph
    could make exponential); nodes that still look alike are numbered in the order they
    first occur.

    >>> from rdflib import BNode
    >>> a = label_blank_nodes([(BNode("x1"), RDFS.label, Literal("a"), None)])
    >>> b = label_blank_nodes([(BNode("y9"), RDFS.label, Literal("a"), None)])
    >>> a == b and str(a[0][0]).startswith("b")
    True
    """
    quads = list(quads)
    order: dict[Node, int] = {}
    for s, _, o, _ in quads:
        for t in (s, o):
            if isinstance(t, BNode) and t not in order:
                order[t] = len(order)
    if not order:
        return quads
    colour = dict.fromkeys(order, "")
    # the quads that touch a blank node, with the forms that stay the same in every round
    touching = [
        (s, o, term_nt(s), term_nt(p), term_nt(o), term_nt(g) if g is not None else "")
        for s, p, o, g in quads
        if s in colour or o in colour
    ]
    for _ in range(rounds):
        seen: dict[Node, list[str]] = defaultdict(list)
        for s, o, s_nt, p_nt, o_nt, where in touching:
            s_form = "_:" + colour[s] if s in colour else s_nt
            o_form = "_:" + colour[o] if o in colour else o_nt
            if s in colour:
                seen[s].append(f"out {p_nt} {o_form} {where}")
            if o in colour:
                seen[o].append(f"in {s_form} {p_nt} {where}")
        colour = {
            b: hashlib.sha256("\n".join(sorted(seen[b])).encode("utf-8")).hexdigest()[:20]
            for b in order
        }
    count: dict[str, int] = defaultdict(int)
    label: dict[Node, BNode] = {}
    for b in order:  # in the order they first occur
        c = colour[b]
        label[b] = BNode(f"b{c}" + (f"_{count[c]}" if count[c] else ""))
        count[c] += 1
    return [(label.get(s, s), p, label.get(o, o), g) for s, p, o, g in quads]


def diff_quads(
    old: Iterable[Quad],
    new: Iterable[Quad],
    *,
    vocab: Vocabulary | None = None,
    lang: str = "en",
    old_name: str = "OLD",
    new_name: str = "NEW",
) -> DatasetDiff:
    """Compare two datasets; every differing quad lands in exactly one group of the report.

    >>> v = Vocabulary()
    >>> onto = v.graph("ontology")
    >>> label = lambda text: (v.entity("meti"), RDFS.label, Literal(text, lang="en"), onto)
    >>> d = diff_quads([label("METI")], [label("Ministry of Economy")], vocab=v)
    >>> [(e.change, e.id, e.labels[0].old, e.labels[0].new) for e in d.entities]
    [('relabelled', 'meti', 'METI', 'Ministry of Economy')]
    """
    old, new = label_blank_nodes(old), label_blank_nodes(new)
    return _Comparison(_Side(old), _Side(new), vocab or Vocabulary(), lang).run(old_name, new_name)


def _graph_order(item: tuple[GraphKey, Node]) -> tuple[str, str]:
    g, node = item
    return (term_nt(g) if g is not None else "", str(node))


class _Comparison:
    """One comparison of OLD (``a``) with NEW (``b``), section by section."""

    ROLES = ("annotation", "target", "quote", "position")
    LINKS = (OA.hasTarget, OA.hasSelector)  # IRIs that follow the evidence key

    def __init__(self, a: _Side, b: _Side, v: Vocabulary, lang: str):
        self.a, self.b, self.v, self.lang = a, b, v, lang
        self.namer = _Namer([b, a], lang, v.prefixes())
        self.kinds = _Kinds(v)
        self.qual_skip = _qualifier_preds(v)
        old_quads, new_quads = a.quads(), b.quads()
        self.removed: set[Quad] = old_quads - new_quads
        self.added: set[Quad] = new_quads - old_quads
        # Subjects touched, by kind; facts' direct triples kept aside (quad, added?).
        self.touched: dict[str, set[tuple[GraphKey, Node]]] = defaultdict(set)
        self.direct: list[tuple[Quad, bool]] = []
        onto_graph = v.graph("ontology")
        # Two unions (Turtle, N-Triples: no named graphs) hold the registry and the facts'
        # direct triples in one graph: there the relation a triple uses tells them apart.
        self.unions = not any(g is not None for side in (a, b) for g in side.graphs)
        self.relations = frozenset(v.term(name) for name in RELATIONS)
        for q in sorted(self.removed | self.added, key=_quad_sort_key):
            s, _p, _o, g = q
            kind, key = self.kinds.of(s)
            if kind == "entity" and (_p in self.relations if self.unions else g != onto_graph):
                self.direct.append((q, q in self.added))  # reported with its fact
            elif kind == "evidence":
                self.touched["evidence"].add((g, v.node("annotation", key)))
            elif kind in ("source", "graph"):
                self.touched["source"].add((g, s))
            else:
                self.touched[kind].add((g, s))
        self.paired: list[tuple[_Fact, _Fact]] = []
        self.lone_removed: list[_Fact] = []
        self.lone_added: list[_Fact] = []
        self.fact_counts: dict[GraphKey, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.evidence_counts: dict[GraphKey, list[int]] = defaultdict(lambda: [0, 0, 0])

    def run(self, old_name: str, new_name: str) -> DatasetDiff:
        self.match_facts()
        facts = self.fact_changes()
        evidence = self.evidence_changes()
        return DatasetDiff(
            old_name,
            new_name,
            self.lang,
            facts,
            self.entity_changes(),
            evidence,
            self.source_summaries(),
            self.other_changes(),
            tuple(sorted(self.removed, key=_quad_sort_key)),
            tuple(sorted(self.added, key=_quad_sort_key)),
        )

    # -- facts

    def match_facts(self) -> None:
        """Sort touched facts into removed, added and pairs (same IRI, or same key)."""
        a, b = self.a, self.b
        removed: dict[GraphKey, list[_Fact]] = defaultdict(list)
        added: dict[GraphKey, list[_Fact]] = defaultdict(list)
        for g, iri in sorted(self.touched["fact"], key=_graph_order):
            od, nd = a.desc(g, iri), b.desc(g, iri)
            if od and nd:
                if _value_changes(od, nd, self.namer, _FACT_STRUCTURE):  # not just a new quote
                    self.paired.append((_Fact(g, iri, od), _Fact(g, iri, nd)))
            elif od:
                removed[g].append(_Fact(g, iri, od))
            else:
                added[g].append(_Fact(g, iri, nd))
        for g in sorted(set(removed) | set(added), key=lambda g: term_nt(g) if g else ""):
            groups: dict[tuple[str, str, str], tuple[list[_Fact], list[_Fact]]]
            groups = defaultdict(lambda: ([], []))
            for fct in removed.get(g, []):
                groups[_fact_key(fct.desc, self.v)][0].append(fct)
            for fct in added.get(g, []):
                groups[_fact_key(fct.desc, self.v)][1].append(fct)
            for fkey in sorted(groups):
                pairs, rest_r, rest_a = _pair(*groups[fkey], self.qual_skip)
                self.paired.extend(pairs)
                self.lone_removed.extend(rest_r)
                self.lone_added.extend(rest_a)
        # Evidence that belongs to these facts is reported with them.
        self.new_side = {(f.graph, f.iri) for f in self.lone_added}
        self.new_side |= {(n.graph, n.iri) for _, n in self.paired}
        self.old_side = {(f.graph, f.iri) for f in self.lone_removed}
        self.old_side |= {(o.graph, o.iri) for o, _ in self.paired}

    def fact_refs(self, desc: Desc) -> tuple[Ref, Ref, Ref | None]:
        s, r, o = (_one(desc, self.v.term(n)) for n in ("subject", "relation", "object"))
        ref = self.namer.ref
        empty = Ref("", "")
        return (ref(s) if s else empty, ref(r) if r else empty, ref(o) if o else None)

    def fact_changes(self) -> tuple[FactChange, ...]:
        """One entry per fact and change, merged across the sources that share it."""
        namer, skip = self.namer, self.qual_skip
        raw: list[tuple[FactChange, GraphKey, list[Quote]]] = []
        for change, facts, side, column in (
            ("added", self.lone_added, self.b, 0),
            ("removed", self.lone_removed, self.a, 1),
        ):
            for f in facts:
                s, r, o = self.fact_refs(f.desc)
                entry = FactChange(
                    change, s, r, o, str(f.iri), None, _all_values(f.desc, namer, skip)
                )
                raw.append((entry, f.graph, self.quotes_for(side, f.graph, f.iri)))
                self.fact_counts[f.graph][column] += 1
        for old_f, new_f in self.paired:
            s, r, o = self.fact_refs(new_f.desc)
            what = _FACT_STRUCTURE if old_f.iri == new_f.iri else skip
            changes = tuple(_value_changes(old_f.desc, new_f.desc, namer, what))
            quals = _all_values(new_f.desc, namer, skip)
            entry = FactChange("changed", s, r, o, str(new_f.iri), str(old_f.iri), quals, changes)
            raw.append((entry, new_f.graph, self.quotes_for(self.b, new_f.graph, new_f.iri)))
            self.fact_counts[new_f.graph][2] += 1
        merged: dict[FactChange, tuple[set[str], set[Quote]]] = {}
        for entry, g, quotes in raw:
            srcs, qs = merged.setdefault(entry, (set(), set()))
            srcs.add(self.kinds.source_id(g))
            qs.update(quotes)
        out = [
            dataclasses.replace(e, sources=tuple(sorted(srcs)), quotes=tuple(sorted(qs)))
            for e, (srcs, qs) in merged.items()
        ]
        return tuple(sorted(out, key=_fact_sort_key))

    # -- evidence

    def quote_of(self, side: _Side, g: GraphKey, key: str) -> str:
        exact = _one(side.desc(g, self.v.node("selector", key + "-quote")), OA.exact)
        return str(exact) if exact is not None else ""

    def quotes_for(self, side: _Side, g: GraphKey, fact: Node) -> list[Quote]:
        out = []
        for p, ann in side.desc(g, fact):
            if p == PROV.wasDerivedFrom:
                key = self.kinds.of(ann)[1]
                out.append(Quote(self.kinds.source_id(g), self.quote_of(side, g, key)))
        return sorted(out)

    def evidence_diff(
        self, g: GraphKey, old_key: str, new_key: str, skip_body: bool
    ) -> tuple[ValueChange, ...]:
        """What changed between two pieces of evidence, node by node (quote, position, …)."""
        out = []
        skip = ((OA.hasBody,) if skip_body else ()) + (self.LINKS if old_key != new_key else ())
        v = self.v
        nodes = zip(self.ROLES, _evidence_iris(v, old_key), _evidence_iris(v, new_key), strict=True)
        for role, old_node, new_node in nodes:
            old_desc, new_desc = self.a.desc(g, old_node), self.b.desc(g, new_node)
            for c in _value_changes(old_desc, new_desc, self.namer, skip):
                prop = Ref(f"{role} {c.property.label}", c.property.value)
                out.append(ValueChange(prop, c.old, c.new))
        return tuple(out)

    def evidence_changes(self) -> tuple[EvidenceChange, ...]:
        """Evidence not explained by a fact change; a moved or re-quoted piece is one change."""
        a, b, has_body = self.a, self.b, OA.hasBody
        # (graph, old key or "", new key or "", changes) for each piece of evidence to report.
        entries: list[tuple[GraphKey, str, str, tuple[ValueChange, ...]]] = []
        lone: dict[tuple[GraphKey, Node | None], tuple[list[str], list[str]]]
        lone = defaultdict(lambda: ([], []))
        for g, ann in sorted(self.touched["evidence"], key=_graph_order):
            key = self.kinds.of(ann)[1]
            od, nd = a.desc(g, ann), b.desc(g, ann)
            # One quote can support several facts (one annotation, several bodies).
            obodies, nbodies = set(_values(od, has_body)), set(_values(nd, has_body))
            if od and nd:
                # Bodies that left or came with a reported fact change are part of it.
                follows = all((g, x) in self.old_side for x in obodies - nbodies) and all(
                    (g, x) in self.new_side for x in nbodies - obodies
                )
                changes = self.evidence_diff(g, key, key, follows)
                if changes:  # otherwise only bodies moved: part of the facts' changes
                    entries.append((g, key, key, changes))
            elif nd and not all((g, x) in self.new_side for x in nbodies):
                lone[(g, min(nbodies, key=str, default=None))][1].append(key)
            elif od and not nd and not all((g, x) in self.old_side for x in obodies):
                lone[(g, min(obodies, key=str, default=None))][0].append(key)
        # A removed and an added piece of evidence for the same fact or entity in the same
        # source are one piece that moved or was re-quoted: the same quote pairs first.
        for (g, _body), (gone, came) in sorted(
            lone.items(), key=lambda kv: _graph_order((kv[0][0], URIRef(str(kv[0][1]))))
        ):
            gone, came = sorted(gone), sorted(came)
            for same_quote in (True, False):
                for old_key in list(gone):
                    quote = self.quote_of(a, g, old_key)
                    match = [k for k in came if not same_quote or self.quote_of(b, g, k) == quote]
                    if match:
                        gone.remove(old_key)
                        came.remove(match[0])
                        changes = self.evidence_diff(g, old_key, match[0], False)
                        entries.append((g, old_key, match[0], changes))
            entries.extend((g, k, "", ()) for k in gone)
            entries.extend((g, "", k, ()) for k in came)
        out = []
        for g, old_key, new_key, changes in entries:
            change = "changed" if old_key and new_key else "added" if new_key else "removed"
            side, key = (b, new_key) if new_key else (a, old_key)
            ann = self.v.node("annotation", key)
            bodies = _values(side.desc(g, ann), has_body)
            kind = "mention" if bodies and self.kinds.of(bodies[0])[0] == "entity" else "claim"
            about = "; ".join(sorted(_about(side, g, x, self.namer, self.v) for x in bodies))
            quote = self.quote_of(side, g, key)
            old_quote = self.quote_of(a, g, old_key) if change == "changed" else ""
            source = self.kinds.source_id(g)
            old_quote = old_quote if old_quote != quote else ""
            out.append(
                EvidenceChange(change, source, quote, about, kind, str(ann), old_quote, changes)
            )
            self.evidence_counts[g][{"added": 0, "removed": 1, "changed": 2}[change]] += 1
        return tuple(sorted(out, key=_evidence_sort_key))

    # -- entities, other nodes, sources

    def entity_changes(self) -> tuple[EntityChange, ...]:
        """Registry entities (in the ontology graph) added, removed, relabelled, changed."""
        out = []
        for g, node in self.touched["entity"]:
            od, nd = self.a.desc(g, node), self.b.desc(g, node)
            if self.unions:  # its registry entry, without the facts' direct triples
                od = frozenset(x for x in od if x[0] not in self.relations)
                nd = frozenset(x for x in nd if x[0] not in self.relations)
            ident, ref = self.kinds.of(node)[1], self.namer.ref(node)
            if not od or not nd:
                out.append(EntityChange("added" if nd else "removed", ref, ident))
                continue
            labels = _label_changes(od, nd)
            others = tuple(_value_changes(od, nd, self.namer, LABEL_PREDICATES))
            kind = "relabelled" if labels else "changed"
            out.append(EntityChange(kind, ref, ident, labels, others))
        out.sort(key=lambda e: (CHANGE_ORDER[e.change], e.entity.label.casefold(), e.id))
        return tuple(out)

    def other_changes(self) -> tuple[OtherChange, ...]:
        """Other subjects, and direct triples that no reported fact change explains."""
        explained: set[tuple[GraphKey, Node | None, Node | None]] = set()
        v = self.v
        for fct in [*self.lone_added, *self.lone_removed, *(x for p in self.paired for x in p)]:
            subj, rel = _one(fct.desc, v.term("subject")), _one(fct.desc, v.term("relation"))
            explained.add((fct.graph, subj, rel))
        loose: dict[tuple[GraphKey, Node], tuple[set[tuple[Node, Node]], set[tuple[Node, Node]]]]
        loose = defaultdict(lambda: (set(), set()))
        for (s, p, o, g), is_added in self.direct:
            if (g, s, p) not in explained:
                loose[(g, s)][0 if is_added else 1].add((p, o))
        for g, node in self.touched["other"]:
            od, nd = self.a.desc(g, node), self.b.desc(g, node)
            loose[(g, node)] = (set(nd - od), set(od - nd))
        out = []
        for (g, node), (plus, minus) in loose.items():
            is_other = self.kinds.of(node)[0] == "other"
            label = (
                self.namer.value(node)
                if isinstance(node, BNode)
                else self.namer.compact(str(node))
                if is_other
                else self.namer.label(node)
            )
            out.append(
                OtherChange(
                    self.kinds.source_id(g),
                    Ref(label, str(node)),
                    _all_values(frozenset(plus), self.namer, (), compact=True),
                    _all_values(frozenset(minus), self.namer, (), compact=True),
                )
            )
        out.sort(key=lambda x: (x.graph, x.subject.label, x.subject.value))
        return tuple(out)

    def source_summaries(self) -> tuple[SourceSummary, ...]:
        """One row per named graph that changed (after the fact and evidence counts)."""
        a, b = self.a, self.b
        metadata: dict[GraphKey, list[ValueChange]] = defaultdict(list)
        for g, node in self.touched["source"]:
            od, nd = a.desc(g, node), b.desc(g, node)
            if od and nd:
                metadata[g].extend(_value_changes(od, nd, self.namer, ()))
        quads: dict[GraphKey, list[int]] = defaultdict(lambda: [0, 0])
        for *_, g in self.added:
            quads[g][0] += 1
        for *_, g in self.removed:
            quads[g][1] += 1
        out = []
        for g in sorted(quads, key=self.kinds.source_id):
            status = "added" if g not in a.graphs else "removed" if g not in b.graphs else "changed"
            title = _title(b if g in b.graphs else a, g, self.v, self.lang)
            (qa, qr), (fa, fr, fc), (ea, er, ec) = (
                quads[g],
                self.fact_counts[g],
                self.evidence_counts[g],
            )
            out.append(
                SourceSummary(
                    self.kinds.source_id(g),
                    title,
                    status,
                    qa,
                    qr,
                    fa,
                    fr,
                    fc,
                    ea,
                    er,
                    ec,
                    tuple(sorted(metadata[g])),
                )
            )
        return tuple(out)


def _evidence_iris(v: Vocabulary, key: str) -> list[Node]:
    return [
        v.node("annotation", key),
        v.node("target", key),
        v.node("selector", key + "-quote"),
        v.node("selector", key + "-position"),
    ]


def _about(side: _Side, g: GraphKey, body: Node, namer: _Namer, v: Vocabulary) -> str:
    desc = side.desc(g, body)
    if not desc:  # an entity (mention), described in the ontology graph
        return f"mention of {namer.label(body)}"
    s, r, o = (_one(desc, v.term(n)) for n in ("subject", "relation", "object"))
    parts = [namer.label(x) for x in (s, r, o) if x is not None]
    return " ".join(parts)


def _label_changes(old: Desc, new: Desc) -> tuple[LabelChange, ...]:
    def by_lang(desc: Desc) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for p, o in desc:
            if p in LABEL_PREDICATES and isinstance(o, Literal):
                out[o.language or ""].add(str(o))
        return out

    before, after = by_lang(old), by_lang(new)
    out = []
    for lang in sorted(set(before) | set(after)):
        b, n = before.get(lang, set()), after.get(lang, set())
        if b != n:
            out.append(LabelChange(lang, " / ".join(sorted(b)), " / ".join(sorted(n))))
    return tuple(out)


def _title(side: _Side, g: GraphKey, v: Vocabulary, lang: str) -> str:
    if g is None:
        return ""
    _, _, name = str(g).rpartition("/")
    titles = {
        (o.language or ""): str(o)
        for p, o in side.desc(g, v.node("source", name))
        if p == DCTERMS.title and isinstance(o, Literal)
    }
    for choice in (lang, "en", "vi"):
        if choice in titles:
            return titles[choice]
    return next(iter(sorted(titles.values())), "")


def _fact_sort_key(f: FactChange) -> tuple[object, ...]:
    obj = f.object.label.casefold() if f.object else ""
    return (
        CHANGE_ORDER[f.change],
        f.subject.label.casefold(),
        f.relation.label.casefold(),
        obj,
        f.sources,
        f.fact,
        f.old_fact or "",
    )


def _evidence_sort_key(e: EvidenceChange) -> tuple[object, ...]:
    return (CHANGE_ORDER[e.change], e.source, e.about.casefold(), e.quote, e.annotation)


def _quad_sort_key(q: Quad) -> tuple[str, str, str, str]:
    s, p, o, g = q
    return (term_nt(g) if g is not None else "", term_nt(s), term_nt(p), term_nt(o))


# ---------------------------------------------------------------- renderers


def _md(text: str) -> str:
    """Text safe inside a Markdown line or table cell (graphs are anybody's text)."""
    return markdown_text(text)


def _fact_line(f: FactChange) -> str:
    obj = f" **{_md(f.object.label)}**" if f.object else ""
    return f"**{_md(f.subject.label)}** {_md(f.relation.label)}{obj}"


def _values_text(values: Iterable[Values]) -> str:
    return "; ".join(f"{_md(q.property.label)}: {_md(', '.join(q.values))}" for q in values)


def _change_text(c: ValueChange) -> str:
    old = ", ".join(c.old) or "—"
    new = ", ".join(c.new) or "—"
    return f"{_md(c.property.label)}: {_md(old)} → {_md(new)}"


def _quotes_text(quotes: Iterable[Quote]) -> str:
    return "; ".join(f"{_md(q.source)}: “{_md(q.quote)}”" for q in quotes)


def to_diff_markdown(diff: DatasetDiff) -> str:
    """The report a person reads: facts, entities, evidence, sources, other changes."""
    lines = [f"# Changes from {_md(diff.old_name)} to {_md(diff.new_name)}", ""]
    if not diff.differ:
        lines += ["No differences: both hold the same quads.", ""]
        return "\n".join(lines)
    c = diff.counts()

    def n(key: str) -> int:
        return c.get(key, 0)

    lines += [
        f"{len(diff.added_quads)} quads added, {len(diff.removed_quads)} removed. "
        f"Facts: {n('facts_added')} added, {n('facts_removed')} removed, "
        f"{n('facts_changed')} changed. Entities: {n('entities_added')} added, "
        f"{n('entities_removed')} removed, {n('entities_relabelled')} relabelled, "
        f"{n('entities_changed')} changed. Evidence: {n('evidence_added')} added, "
        f"{n('evidence_removed')} removed, {n('evidence_changed')} changed.",
        "",
        f"Labels in `{diff.lang}`.",
        "",
        "## Facts",
        "",
    ]
    for change, title in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed")):
        group = [f for f in diff.facts if f.change == change]
        lines += [f"### {title} ({len(group)})", ""]
        for f in group:
            where = ", ".join(map(_md, f.sources))
            if change == "changed":
                what = "; ".join(_change_text(x) for x in f.changes)
                lines.append(f"- {_fact_line(f)} ({where}): {what}")
            else:
                quals = _values_text(f.qualifiers)
                lines.append(f"- {_fact_line(f)} ({where})" + (f" — {quals}" if quals else ""))
            for q in f.quotes:
                lines.append(f"  - {_md(q.source)}: “{_md(q.quote)}”")
        if not group:
            lines.append("None.")
        lines.append("")
    lines += ["## Entities", ""]
    for change, title in (
        ("added", "Added"),
        ("removed", "Removed"),
        ("relabelled", "Relabelled"),
        ("changed", "Changed"),
    ):
        entity_group = [e for e in diff.entities if e.change == change]
        lines += [f"### {title} ({len(entity_group)})", ""]
        for e in entity_group:
            parts = [
                f"label@{lb.lang or '-'}: {_md(lb.old) or '—'} → {_md(lb.new) or '—'}"
                for lb in e.labels
            ]
            parts += [_change_text(x) for x in e.changes]
            detail = f": {'; '.join(parts)}" if parts else ""
            lines.append(f"- **{_md(e.entity.label)}** ({markdown_code(e.id)}){detail}")
        if not entity_group:
            lines.append("None.")
        lines.append("")
    lines += ["## Evidence", ""]
    for change, title in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed")):
        evidence_group = [e for e in diff.evidence if e.change == change]
        lines += [f"### {title} ({len(evidence_group)})", ""]
        for ev in evidence_group:
            quote = f"“{_md(ev.quote)}”"
            if ev.old_quote:
                quote = f"“{_md(ev.old_quote)}” → {quote}"
            detail = ""
            if change == "changed" and not ev.old_quote:
                detail = " — " + "; ".join(_change_text(x) for x in ev.changes)
            lines.append(f"- {_md(ev.source)}: {quote} ({_md(ev.about)}){detail}")
        if not evidence_group:
            lines.append("None.")
        lines.append("")
    lines += [
        "## Sources",
        "",
        "| source | title | status | quads + | quads − | facts + | facts − | facts ~ "
        "| evidence + | evidence − | evidence ~ |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in diff.sources:
        lines.append(
            f"| {_md(s.source)} | {_md(s.title)} | {s.status} | {s.quads_added} | "
            f"{s.quads_removed} | {s.facts_added} | {s.facts_removed} | {s.facts_changed} | "
            f"{s.evidence_added} | {s.evidence_removed} | {s.evidence_changed} |"
        )
    meta = [s for s in diff.sources if s.metadata]
    if meta:
        lines += ["", "Source metadata changed:", ""]
        for s in meta:
            lines.append(f"- {_md(s.source)}: " + "; ".join(_change_text(x) for x in s.metadata))
    lines += ["", f"## Other changes ({len(diff.other)})", ""]
    for o in diff.other:
        parts = []
        if o.added:
            parts.append("added " + _values_text(o.added))
        if o.removed:
            parts.append("removed " + _values_text(o.removed))
        lines.append(f"- {_md(o.graph)}: {markdown_code(o.subject.label)} — " + "; ".join(parts))
    if not diff.other:
        lines.append("None.")
    lines.append("")
    return "\n".join(lines)


def to_diff_json(diff: DatasetDiff) -> str:
    """The report for programs (every group, every field; no quads — see the RDF Patch)."""
    data = {
        "old": diff.old_name,
        "new": diff.new_name,
        "lang": diff.lang,
        "differ": diff.differ,
        "counts": diff.counts(),
        "facts": [asdict(f) for f in diff.facts],
        "entities": [asdict(e) for e in diff.entities],
        "evidence": [asdict(e) for e in diff.evidence],
        "sources": [asdict(s) for s in diff.sources],
        "other": [asdict(o) for o in diff.other],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _quad_line(op: str, q: Quad) -> str:
    s, p, o, g = q
    graph = f" {term_nt(g)}" if g is not None else ""
    return f"{op} {term_nt(s)} {term_nt(p)} {term_nt(o)}{graph} .\n"


def to_rdf_patch(diff: DatasetDiff) -> str:
    """An RDF Patch that turns OLD into NEW: one transaction, deletions then additions.

    The header's ``id`` is a hash of the body, so the same change always has the same id.
    """
    body = "".join(_quad_line("D", q) for q in diff.removed_quads)
    body += "".join(_quad_line("A", q) for q in diff.added_quads)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f"H id <urn:vjkg:patch:{digest}> .\nTX .\n{body}TC .\n"


def apply_rdf_patch(quads: Iterable[Quad], patch: str) -> set[Quad]:
    """Apply an RDF Patch (A/D lines within TX … TC; TA aborts) to a set of quads.

    Literals come back as :func:`canonical_quad` writes them.

    Strict: deleting a quad that is absent, or adding one that is present, is an error,
    so a patch applied to the wrong base fails instead of half-applying.

    >>> p = 'TX .\\nA <urn:s> <urn:p> "v"@vi <urn:g> .\\nTC .\\n'
    >>> sorted(str(t) for t in next(iter(apply_rdf_patch([], p))))
    ['urn:g', 'urn:p', 'urn:s', 'v']
    """
    # blank nodes labelled as kg diff labels them, so that its patches apply to a fresh read
    current = {canonical_quad(q) for q in label_blank_nodes(quads)}
    pending: list[tuple[str, Quad]] = []
    # Rows end at "\n" alone: a literal may hold U+2028, U+2029 or U+0085 as it is (valid
    # N-Triples), which str.splitlines would also split at.
    for number, raw in enumerate(patch.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        if op in ("H", "PA", "PD"):
            continue
        if op in ("TX", "TA"):
            pending = []
        elif op == "TC":
            for kind, q in pending:
                if kind == "A":
                    if q in current:
                        raise ValueError(f"patch line {number}: adds a quad that is present")
                    current.add(q)
                else:
                    if q not in current:
                        raise ValueError(f"patch line {number}: deletes a quad that is absent")
                    current.remove(q)
            pending = []
        elif op in ("A", "D"):
            parsed = list(ox.parse(rest.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
            if len(parsed) != 1:
                raise ValueError(f"patch line {number}: expected one quad")
            pq = parsed[0]
            g = None if isinstance(pq.graph_name, ox.DefaultGraph) else to_rdflib(pq.graph_name)
            terms = (to_rdflib(pq.subject), to_rdflib(pq.predicate), to_rdflib(pq.object), g)
            pending.append((op, canonical_quad(terms)))
        else:
            raise ValueError(f"patch line {number}: unknown operation {op!r}")
    return current


# ---------------------------------------------------------------- I/O edge: git revisions


def resolve_revision(repo: Path, rev: str) -> str:
    """The full commit id of ``rev`` in ``repo`` (a usage error when git does not know it)."""
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise UsageError(
            f"--rev {rev!r}: not a commit of the git repository at {repo} — "
            "give a tag, branch or commit id (git log --oneline lists them)"
        )
    return done.stdout.strip()


def build_revision(repo: Path, commit: str, workdir: Path, timeout: float = 600.0) -> Path:
    """Build the graph of ``commit`` with that commit's own code; return its ``kg.nq``.

    The whole tree at ``commit`` is extracted with ``git archive`` into ``workdir`` (the
    working tree and the index are not touched), then ``python -m pipeline.cli build``
    runs there with the current interpreter, so sources written for older code are built
    by the code they were written for. A failed build is an input error naming the commit.
    A commit already built in ``workdir`` (both sides of ``kg diff --rev HEAD --rev HEAD``)
    is not built again: its graph is returned.
    """
    tree = workdir / commit  # the whole id: two commits may share a 12-digit prefix
    graph = tree / ".kg-diff-build" / "kg.nq"
    if graph.is_file():
        return graph
    tree.mkdir(parents=True)
    archive = workdir / f"{commit}.tar"
    with open(archive, "wb") as fh:
        done = subprocess.run(["git", "-C", str(repo), "archive", commit], stdout=fh)
    if done.returncode != 0:
        raise UsageError(f"git archive {commit} failed in {repo}")
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    out = graph.parent
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    try:
        built = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "build", "--quiet", "--out", str(out)],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise InputError(
            [
                Problem(
                    Location(f"revision {commit[:12]}"),
                    f"building it took over {timeout:g} s",
                    "raise --build-timeout",
                )
            ]
        ) from None
    if built.returncode != 0 or not graph.is_file():
        tail = " ".join((built.stderr or built.stdout).strip().splitlines()[-3:])
        raise InputError(
            [
                Problem(
                    Location(f"revision {commit[:12]}"),
                    f"its sources do not build with its own code (exit {built.returncode}): {tail}",
                    "diff a revision that builds, or diff graph files",
                )
            ]
        )
    return graph


def temporary_workdir() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for revision builds, removed afterwards."""
    return tempfile.TemporaryDirectory(prefix="kg-diff-")
