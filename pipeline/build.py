"""Build stage: turn the loaded corpus into an RDF dataset with provenance.

Layout of the dataset:

- ``graph:ontology`` holds the ontology and the registry (entity types, labels, country);
- ``graph:<source-id>`` holds what that source states: its metadata, each fact as a
  qualified node plus the plain direct triple, and the evidence (``oa:Annotation`` with
  a ``TextQuoteSelector`` and a ``TextPositionSelector``).

Every node has a deterministic IRI (a short hash of what defines it); there are no blank
nodes. The same fact stated by two sources is one node with two pieces of evidence.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.term import Node

from .errors import Location
from .iri import short_hash
from .model import Amount, Anchor, Claim, Corpus, Entity, Labels, Source
from .quantities import parse_date
from .schema import QUALIFIERS
from .vocab import OA as _OA
from .vocab import ORG as _ORG
from .vocab import RELATIONS, ROLE_BY_ID, Hoisted, Vocabulary, class_ancestors

# Every term is added hundreds of thousands of times on a large corpus: read once each.
DCTERMS, PROV, RDF, RDFS = Hoisted(ns.DCTERMS), Hoisted(ns.PROV), Hoisted(ns.RDF), Hoisted(ns.RDFS)
SKOS, XSD, OA, ORG = Hoisted(ns.SKOS), Hoisted(ns.XSD), Hoisted(_OA), Hoisted(_ORG)

Triple = tuple[Node, Node, Node]
ONTOLOGY_GRAPH = "ontology"


@dataclass
class Dataset:
    """Quads grouped by named graph, plus where each node came from (for reports)."""

    graphs: dict[URIRef, set[Triple]] = field(default_factory=dict)
    origins: dict[URIRef, list[Location]] = field(default_factory=lambda: defaultdict(list))

    def add(self, graph: URIRef, s: Node, p: Node, o: Node) -> None:
        """Add one triple to ``graph``."""
        self.graphs.setdefault(graph, set()).add((s, p, o))

    def quads(self) -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """Every quad, graph by graph (unordered; writers sort)."""
        for g, triples in self.graphs.items():
            for s, p, o in triples:
                yield s, p, o, g

    def union(self) -> set[Triple]:
        """The union of all named graphs."""
        out: set[Triple] = set()
        for triples in self.graphs.values():
            out |= triples
        return out

    def to_graph(self) -> Graph:
        """The union as an rdflib Graph (for pyshacl and rdflib SPARQL)."""
        g = Graph()
        for t in self.union():
            g.add(t)
        return g

    def __len__(self) -> int:
        return sum(len(t) for t in self.graphs.values())


def decimal_literal(value: Decimal) -> Literal:
    """An ``xsd:decimal`` literal with a stable lexical form (no exponent)."""
    text = format(value, "f")
    return Literal(text, datatype=XSD.decimal, normalize=False)


def date_literal(text: str) -> Literal:
    """A date at the precision written: ``xsd:gYear``, ``xsd:gYearMonth`` or ``xsd:date``."""
    value, kind = parse_date(text)
    return Literal(value, datatype=XSD[kind], normalize=False)


def int_literal(value: int, datatype: URIRef = XSD.integer) -> Literal:
    """An integer literal with a stable lexical form."""
    return Literal(str(value), datatype=datatype, normalize=False)


def _lang_literals(labels: Labels) -> Iterable[Literal]:
    for lang, text in labels:
        yield Literal(text, lang=lang)


def load_ontology(path: Path, vocab: Vocabulary) -> Graph:
    """Read ``ontology/vjkg.ttl``, moved to ``vocab``'s base IRI when it differs."""
    g = Graph()
    g.parse(path, format="turtle")
    default = Vocabulary()
    if vocab.base == default.base:
        return g
    moved = Graph()

    def move(t: Node) -> Node:
        if isinstance(t, URIRef) and str(t).startswith(default.base):
            return URIRef(vocab.base + str(t)[len(default.base) :])
        return t

    for s, p, o in g:
        moved.add((move(s), move(p), move(o)))
    return moved


class _Builder:
    def __init__(self, corpus: Corpus, vocab: Vocabulary, ontology: Graph):
        self.corpus = corpus
        self.v = vocab
        self.ds = Dataset()
        self.ontology = ontology

    def build(self) -> Dataset:
        g = self.v.graph(ONTOLOGY_GRAPH)
        for s, p, o in self.ontology:
            self.ds.add(g, s, p, o)
        for entity in self.corpus.entities.values():
            self.add_entity(g, entity)
        for source in self.corpus.sources:
            self.add_source(source)
        for claim in self.corpus.claims:
            self.add_claim(claim)
        for mention in self.corpus.mentions:
            graph = self.v.graph(mention.source_id)
            ann = self.add_evidence(
                graph, mention.source_id, mention.anchor, "mention", mention.entity
            )
            self.ds.add(graph, ann, OA.motivatedBy, OA.identifying)
            self.ds.add(graph, ann, OA.hasBody, self.v.entity(mention.entity))
            self.ds.origins[ann].append(mention.where)
        return self.ds

    def add_entity(self, g: URIRef, e: Entity) -> None:
        node = self.v.entity(e.id)
        self.ds.origins[node].append(e.where)
        for cls in class_ancestors(e.cls):
            self.ds.add(g, node, RDF.type, self.v.term(cls))
        self.ds.add(g, node, DCTERMS.identifier, Literal(e.id))
        for lit in _lang_literals(e.labels):
            self.ds.add(g, node, RDFS.label, lit)
            self.ds.add(g, node, SKOS.prefLabel, lit)
        for lang, names in e.aliases:
            for name in names:
                self.ds.add(g, node, SKOS.altLabel, Literal(name, lang=lang))
        if e.country:
            self.ds.add(g, node, self.v.term("country"), self.v.entity(e.country))

    def source_node(self, source_id: str) -> URIRef:
        return self.v.node("source", source_id)

    def add_source(self, source: Source) -> None:
        m = source.meta
        g = self.v.graph(m.id)
        node = self.source_node(m.id)
        self.ds.origins[node].append(m.where)
        for cls in ("SourceDocument", m.kind):
            self.ds.add(g, node, RDF.type, self.v.term(cls))
        self.ds.add(g, node, DCTERMS.identifier, Literal(m.id))
        for lit in _lang_literals(m.title):
            self.ds.add(g, node, DCTERMS.title, lit)
            self.ds.add(g, node, RDFS.label, lit)
        self.ds.add(g, node, DCTERMS.issued, date_literal(m.issued))
        self.ds.add(g, node, DCTERMS.language, Literal(m.language))
        for prop, value in (
            (DCTERMS.publisher, m.publisher),
            (DCTERMS.creator, m.author),
            (self.v.term("issue"), m.issue),
            (self.v.term("authorAffiliation"), m.affiliation),
        ):
            if value:
                self.ds.add(g, node, prop, Literal(value, lang="vi"))
        self.ds.add(g, node, self.v.term("sourceFolder"), Literal(f"sources/{m.folder}"))
        digest = hashlib.sha256(source.text.encode("utf-8")).hexdigest()
        self.ds.add(g, node, self.v.term("textSha256"), Literal(digest))
        self.ds.add(g, node, self.v.term("textLength"), int_literal(len(source.text)))
        self.ds.add(g, g, RDF.type, self.v.term("SourceGraph"))
        self.ds.add(g, g, PROV.wasDerivedFrom, node)

    def add_evidence(
        self, g: URIRef, source_id: str, anchor: Anchor, kind: str, extra: str = ""
    ) -> URIRef:
        key = short_hash(source_id, anchor.start, anchor.end, kind, extra)
        ann = self.v.node("annotation", key)
        target = self.v.node("target", key)
        quote = self.v.node("selector", key + "-quote")
        position = self.v.node("selector", key + "-position")
        add = self.ds.add
        add(g, ann, RDF.type, OA.Annotation)
        add(g, ann, OA.hasTarget, target)
        add(g, target, RDF.type, OA.SpecificResource)
        add(g, target, OA.hasSource, self.source_node(source_id))
        add(g, target, OA.hasSelector, quote)
        add(g, target, OA.hasSelector, position)
        add(g, quote, RDF.type, OA.TextQuoteSelector)
        add(g, quote, OA.exact, Literal(anchor.exact))
        add(g, quote, OA.prefix, Literal(anchor.prefix))
        add(g, quote, OA.suffix, Literal(anchor.suffix))
        add(g, position, RDF.type, OA.TextPositionSelector)
        add(g, position, OA.start, int_literal(anchor.start, XSD.nonNegativeInteger))
        add(g, position, OA.end, int_literal(anchor.end, XSD.nonNegativeInteger))
        return ann

    def fact_node(self, claim: Claim) -> URIRef:
        return self.v.node("fact", short_hash(*claim.fact_key()))

    def add_amount(self, g: URIRef, fact: URIRef, prefix: str, amount: Amount) -> None:
        t = self.v.term
        self.ds.add(g, fact, t(prefix), decimal_literal(amount.value))
        if amount.upper is not None:
            self.ds.add(g, fact, t(prefix + "Upper"), decimal_literal(amount.upper))
        if amount.bound:
            self.ds.add(g, fact, t(prefix + "Bound"), Literal(amount.bound))
        if prefix == "share":
            return  # a share is a percentage: no currency, no unit
        if amount.currency:
            self.ds.add(g, fact, t("currency"), Literal(amount.currency))
        if amount.unit:
            self.ds.add(g, fact, t("unit"), Literal(amount.unit, lang="vi"))

    def add_claim(self, claim: Claim) -> None:
        rel = RELATIONS[claim.relation]
        g = self.v.graph(claim.source_id)
        t = self.v.term
        fact = self.fact_node(claim)
        subject = self.v.entity(claim.subject)
        self.ds.origins[fact].append(claim.where)
        add = self.ds.add
        add(g, fact, RDF.type, t(rel.fact_class))
        add(g, fact, RDF.type, t("Fact"))
        add(g, fact, t("subject"), subject)
        add(g, fact, t("relation"), t(rel.name))
        q = claim.qualifiers
        if claim.object is not None:
            obj = self.v.entity(claim.object)
            add(g, fact, t("object"), obj)
            add(g, subject, t(rel.name), obj)
            if rel.org_membership:
                add(g, fact, ORG.member, subject)
                add(g, fact, ORG.organization, obj)
        elif rel.name == "figure":
            add(g, subject, t("figure"), fact)
        else:
            assert q.date is not None  # attribute relations require a date
            add(g, subject, t(rel.name), date_literal(q.date))
        if q.role is not None:
            role = ROLE_BY_ID[q.role]
            add(g, fact, t("roleType"), self.v.node("role", role.id))
            add(g, fact, t("role"), Literal(role.vi, lang="vi"))
            add(g, fact, t("role"), Literal(role.en, lang="en"))
        for lit in _lang_literals(q.measure):
            add(g, fact, t("measure"), lit)
        if q.date:
            add(g, fact, t("date"), date_literal(q.date))
        if q.until:
            add(g, fact, t("endDate"), date_literal(q.until))
        if q.amount:
            self.add_amount(g, fact, "amount", q.amount)
        if q.share:
            self.add_amount(g, fact, "share", q.share)
        for qualifier in QUALIFIERS:  # the generic kinds: a number, an entity
            value = getattr(q, qualifier.field) if qualifier.field else None
            if value is None:
                continue
            prop = t(qualifier.properties[0].name)
            if qualifier.kind == "number":
                add(g, fact, prop, int_literal(value, XSD.positiveInteger))
            elif qualifier.kind == "entity":
                add(g, fact, prop, self.v.entity(value))
        ann = self.add_evidence(
            g, claim.source_id, claim.anchor, "claim", short_hash(*claim.fact_key())
        )
        add(g, ann, OA.motivatedBy, OA.describing)
        add(g, ann, OA.hasBody, fact)
        add(g, fact, PROV.wasDerivedFrom, ann)
        self.add_wording(g, ann, claim)
        self.ds.origins[ann].append(claim.where)

    def add_wording(self, g: URIRef, ann: URIRef, claim: Claim) -> None:
        """How this source wrote the fact's qualifiers: on its evidence, not on the fact."""
        w = claim.wording
        t = self.v.term
        for prop, text in (
            ("amountText", w.amount_text),
            ("shareText", w.share_text),
            ("roleText", w.role_text),
            ("dateText", w.date_text),
            ("dateQuote", w.date_quote),
        ):
            if text:
                self.ds.add(g, ann, t(prop), Literal(text, lang="vi"))
        if w.date_text:
            self.ds.add(g, ann, t("dateResolvedAgainst"), self.source_node(claim.source_id))
        if w.date_reason:
            self.ds.add(g, ann, t("dateReason"), Literal(w.date_reason))


def build_dataset(corpus: Corpus, ontology: Graph, vocab: Vocabulary | None = None) -> Dataset:
    """Build the dataset for ``corpus``; ``ontology`` is the parsed ``ontology/vjkg.ttl``."""
    return _Builder(corpus, vocab or Vocabulary(), ontology).build()
