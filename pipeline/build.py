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
from typing import Any, cast

from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.term import Node

from .errors import Location
from .iri import escape_string, from_nt, iri_nt, short_hash, to_nt
from .model import Amount, Anchor, Claim, Corpus, Entity, Labels, Source
from .quantities import parse_date
from .readers import MAX_SCHEMA_BYTES, read_schema
from .schema import QUALIFIERS
from .vocab import OA as _OA
from .vocab import ORG as _ORG
from .vocab import RELATIONS, ROLE_BY_ID, Hoisted, Vocabulary, class_ancestors

# Every term is added hundreds of thousands of times on a large corpus: read once each.
DCTERMS, PROV, RDF, RDFS = Hoisted(ns.DCTERMS), Hoisted(ns.PROV), Hoisted(ns.RDF), Hoisted(ns.RDFS)
SKOS, XSD, OA, ORG = Hoisted(ns.SKOS), Hoisted(ns.XSD), Hoisted(_OA), Hoisted(_ORG)

Triple = tuple[Node, Node, Node]
NTriple = tuple[str, str, str]  # (subject, predicate, object) in N-Triples syntax
ONTOLOGY_GRAPH = "ontology"


class Terms(dict[str, Node]):
    """Terms by N-Triples form, each made when first asked for (:func:`from_nt`).

    The builder writes forms, not terms: a million quads need about 350,000 distinct terms,
    and the exports and the validator read the forms only. ``get`` makes a term too (a form
    that is not a term gives the default).
    """

    def __missing__(self, nt: str) -> Node:
        term = self[nt] = from_nt(nt)
        return term

    def get(self, nt: str, default: Any = None) -> Any:
        try:
            return self[nt]
        except ValueError:
            return default


@dataclass
class Dataset:
    """Quads grouped by named graph, plus where each node came from (for reports).

    The builder writes every term once, in N-Triples syntax (:func:`pipeline.iri.to_nt`):
    ``triples`` maps each graph's form to its triples' forms and ``terms`` maps each form to
    its rdflib term. The exports and the validator sort and write the forms as they are
    (:meth:`pipeline.export.Rows.from_dataset`); :meth:`quads` and :attr:`graphs` give the
    rdflib terms to the code that reads them.
    """

    triples: dict[str, set[NTriple]] = field(default_factory=dict)
    terms: Terms = field(default_factory=Terms)
    origins: dict[URIRef, list[Location]] = field(default_factory=lambda: defaultdict(list))
    _graphs: dict[URIRef, set[Triple]] | None = field(default=None, repr=False)

    def add(self, graph: str, s: str, p: str, o: str) -> None:
        """Add one triple, every term in N-Triples syntax (:class:`_Forms`)."""
        found = self.triples.get(graph)
        if found is None:
            found = self.triples[graph] = set()
        found.add((s, p, o))
        self._graphs = None

    @property
    def graphs(self) -> dict[URIRef, set[Triple]]:
        """The triples of each graph as rdflib terms (made when first asked for)."""
        if self._graphs is None:
            t = self.terms
            self._graphs = {
                cast(URIRef, t[g]): {(t[s], t[p], t[o]) for s, p, o in triples}
                for g, triples in self.triples.items()
            }
        return self._graphs

    def quads(self) -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """Every quad as rdflib terms, graph by graph (unordered; writers sort)."""
        t = self.terms
        for g, triples in self.triples.items():
            graph = cast(URIRef, t[g])
            for s, p, o in triples:
                yield t[s], t[p], t[o], graph

    def nt_quads(self) -> Iterator[tuple[str, str, str, str]]:
        """Every quad in N-Triples forms, graph by graph (no rdflib term is made)."""
        for g, triples in self.triples.items():
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
        return sum(len(t) for t in self.triples.values())


def load_ontology(path: Path, vocab: Vocabulary, max_bytes: int = MAX_SCHEMA_BYTES) -> Graph:
    """Read ``ontology/vjkg.ttl`` (:func:`pipeline.readers.read_schema`: a file over
    ``max_bytes`` or with a syntax error is exit 3), moved to ``vocab``'s base IRI when it
    differs."""
    return moved_ontology(read_schema(path, max_bytes), vocab)


def moved_ontology(g: Graph, vocab: Vocabulary) -> Graph:
    """The ontology or the shapes ``g`` moved to ``vocab``'s base IRI (``g`` itself when it is
    the default): every IRI under the default base, the ``xsd:anyURI`` literals that name a
    namespace (``sh:namespace``, which the SPARQL-based shapes' prefixes come from) and the
    prefixes bound to such namespaces."""
    default = Vocabulary()
    if vocab.base == default.base:
        return g
    moved = Graph()
    old = default.base

    def move(t: Node) -> Node:
        if isinstance(t, URIRef) and t.startswith(old):
            return URIRef(vocab.base + t[len(old) :])
        if isinstance(t, Literal) and t.datatype == ns.XSD.anyURI and t.startswith(old):
            return Literal(vocab.base + t[len(old) :], datatype=ns.XSD.anyURI)
        return t

    for s, p, o in g:
        moved.add((move(s), move(p), move(o)))
    for prefix, iri in g.namespaces():
        moved.bind(prefix, move(iri), override=True, replace=True)
    return moved


class _Forms:
    """The N-Triples forms of the terms the builder writes: :func:`to_nt`'s forms, so the
    exports are the same bytes as when every triple held rdflib terms, and their terms come
    back from :class:`Terms` (tests/test_build.py checks both ways)."""

    def __init__(self, terms: Terms):
        self.terms = terms
        self._nodes: dict[Node, str] = {}
        self._iris: dict[str, str] = {}

    def node(self, term: Node) -> str:
        """Any rdflib term (the ontology's, the namespaces' constants), kept as it is."""
        nt = self._nodes.get(term)
        if nt is None:
            nt = self._nodes[term] = to_nt(term)
            self.terms.setdefault(nt, term)
        return nt

    def iri(self, text: str) -> str:
        """An IRI that recurs (an entity, a graph), its form remembered."""
        nt = self._iris.get(text)
        if nt is None:
            nt = self._iris[text] = iri_nt(text)
        return nt

    @staticmethod
    def literal(text: str, lang: str | None = None) -> str:
        """A plain or language-tagged literal."""
        body = '"' + escape_string(text) + '"'
        return body + "@" + lang if lang else body

    @staticmethod
    def typed(lexical: str, datatype: str) -> str:
        """A typed literal (``datatype`` in N-Triples syntax, never ``xsd:string``), its
        lexical form kept as written."""
        return '"' + escape_string(lexical) + '"^^' + datatype


class _Constants:
    """A namespace whose terms' N-Triples forms, once looked up, are plain attributes."""

    def __init__(self, namespace: Hoisted, forms: _Forms):
        self._namespace, self._forms = namespace, forms

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        nt = self._forms.node(getattr(self._namespace, name))
        setattr(self, name, nt)
        return nt


class _Builder:
    def __init__(self, corpus: Corpus, vocab: Vocabulary, ontology: Graph):
        self.corpus = corpus
        self.v = vocab
        self.ds = Dataset()
        self.ontology = ontology
        self.f = f = _Forms(self.ds.terms)
        self.add = self.ds.add
        self.RDF, self.RDFS = _Constants(RDF, f), _Constants(RDFS, f)
        self.DCTERMS, self.SKOS = _Constants(DCTERMS, f), _Constants(SKOS, f)
        self.PROV, self.OA, self.ORG = _Constants(PROV, f), _Constants(OA, f), _Constants(ORG, f)
        self.XSD = _Constants(XSD, f)
        self._ont: dict[str, str] = {}
        self._res = str(vocab.RES)
        self._graph_ns = str(vocab.GRAPH)

    def t(self, name: str) -> str:
        """An ontology term (class or property) by local name."""
        nt = self._ont.get(name)
        if nt is None:
            nt = self._ont[name] = self.f.node(self.v.term(name))
        return nt

    def entity(self, entity_id: str) -> str:
        return self.f.iri(self._res + entity_id)

    def node(self, kind: str, key: str) -> str:
        """A fact, annotation, selector, source or role node (most are written once)."""
        return iri_nt(f"{self._res}{kind}/{key}")

    def decimal(self, value: Decimal) -> str:
        return self.f.typed(format(value, "f"), self.XSD.decimal)

    def date(self, text: str) -> str:
        value, kind = parse_date(text)
        return self.f.typed(value, getattr(self.XSD, kind))

    def integer(self, value: int, datatype: str | None = None) -> str:
        return self.f.typed(str(value), datatype or self.XSD.integer)

    def graph(self, name: str) -> str:
        return self.f.iri(self._graph_ns + name)

    def origin(self, nt: str, where: Location) -> None:
        self.ds.origins[cast(URIRef, self.ds.terms[nt])].append(where)

    def build(self) -> Dataset:
        g = self.graph(ONTOLOGY_GRAPH)
        node = self.f.node
        for s, p, o in self.ontology:
            self.add(g, node(s), node(p), node(o))
        for entity in self.corpus.entities.values():
            self.add_entity(g, entity)
        for source in self.corpus.sources:
            self.add_source(source)
        for claim in self.corpus.claims:
            self.add_claim(claim)
        OA = self.OA
        for mention in self.corpus.mentions:
            graph = self.graph(mention.source_id)
            ann = self.add_evidence(
                graph, mention.source_id, mention.anchor, "mention", mention.entity
            )
            self.add(graph, ann, OA.motivatedBy, OA.identifying)
            self.add(graph, ann, OA.hasBody, self.entity(mention.entity))
            self.origin(ann, mention.where)
        return self.ds

    def _labels(self, labels: Labels) -> Iterable[str]:
        for lang, text in labels:
            yield self.f.literal(text, lang)

    def add_entity(self, g: str, e: Entity) -> None:
        node = self.entity(e.id)
        self.origin(node, e.where)
        add, RDFS, SKOS = self.add, self.RDFS, self.SKOS
        for cls in class_ancestors(e.cls):
            add(g, node, self.RDF.type, self.t(cls))
        add(g, node, self.DCTERMS.identifier, self.f.literal(e.id))
        for lit in self._labels(e.labels):
            add(g, node, RDFS.label, lit)
            add(g, node, SKOS.prefLabel, lit)
        for lang, names in e.aliases:
            for name in names:
                add(g, node, SKOS.altLabel, self.f.literal(name, lang))
        if e.country:
            add(g, node, self.t("country"), self.entity(e.country))

    def source_node(self, source_id: str) -> str:
        return self.node("source", source_id)

    def add_source(self, source: Source) -> None:
        m = source.meta
        g = self.graph(m.id)
        node = self.source_node(m.id)
        self.origin(node, m.where)
        add, f, DCTERMS, t = self.add, self.f, self.DCTERMS, self.t
        for cls in ("SourceDocument", m.kind):
            add(g, node, self.RDF.type, t(cls))
        add(g, node, DCTERMS.identifier, f.literal(m.id))
        for lit in self._labels(m.title):
            add(g, node, DCTERMS.title, lit)
            add(g, node, self.RDFS.label, lit)
        add(g, node, DCTERMS.issued, self.date(m.issued))
        add(g, node, DCTERMS.language, f.literal(m.language))
        for prop, value in (
            (DCTERMS.publisher, m.publisher),
            (DCTERMS.creator, m.author),
            (t("issue"), m.issue),
            (t("authorAffiliation"), m.affiliation),
        ):
            if value:
                add(g, node, prop, f.literal(value, "vi"))
        add(g, node, t("sourceFolder"), f.literal(f"sources/{m.folder}"))
        digest = hashlib.sha256(source.text.encode("utf-8")).hexdigest()
        add(g, node, t("textSha256"), f.literal(digest))
        add(g, node, t("textLength"), self.integer(len(source.text)))
        add(g, g, self.RDF.type, t("SourceGraph"))
        add(g, g, self.PROV.wasDerivedFrom, node)

    def add_evidence(
        self, g: str, source_id: str, anchor: Anchor, kind: str, extra: str = ""
    ) -> str:
        key = short_hash(source_id, anchor.start, anchor.end, kind, extra)
        ann = self.node("annotation", key)
        target = self.node("target", key)
        quote = self.node("selector", key + "-quote")
        position = self.node("selector", key + "-position")
        add, f, OA, a = self.add, self.f, self.OA, self.RDF.type
        add(g, ann, a, OA.Annotation)
        add(g, ann, OA.hasTarget, target)
        add(g, target, a, OA.SpecificResource)
        add(g, target, OA.hasSource, self.source_node(source_id))
        add(g, target, OA.hasSelector, quote)
        add(g, target, OA.hasSelector, position)
        add(g, quote, a, OA.TextQuoteSelector)
        add(g, quote, OA.exact, f.literal(anchor.exact))
        add(g, quote, OA.prefix, f.literal(anchor.prefix))
        add(g, quote, OA.suffix, f.literal(anchor.suffix))
        add(g, position, a, OA.TextPositionSelector)
        add(g, position, OA.start, self.integer(anchor.start, self.XSD.nonNegativeInteger))
        add(g, position, OA.end, self.integer(anchor.end, self.XSD.nonNegativeInteger))
        return ann

    def fact_node(self, claim: Claim) -> str:
        return self.node("fact", short_hash(*claim.fact_key()))

    def add_amount(self, g: str, fact: str, prefix: str, amount: Amount) -> None:
        add, f, t = self.add, self.f, self.t
        add(g, fact, t(prefix), self.decimal(amount.value))
        if amount.upper is not None:
            add(g, fact, t(prefix + "Upper"), self.decimal(amount.upper))
        if amount.bound:
            add(g, fact, t(prefix + "Bound"), f.literal(amount.bound))
        if prefix == "share":
            return  # a share is a percentage: no currency, no unit
        if amount.currency:
            add(g, fact, t("currency"), f.literal(amount.currency))
        if amount.unit:
            add(g, fact, t("unit"), f.literal(amount.unit, "vi"))

    def add_claim(self, claim: Claim) -> None:
        rel = RELATIONS[claim.relation]
        g = self.graph(claim.source_id)
        add, f, t, a = self.add, self.f, self.t, self.RDF.type
        fact = self.fact_node(claim)
        subject = self.entity(claim.subject)
        self.origin(fact, claim.where)
        add(g, fact, a, t(rel.fact_class))
        add(g, fact, a, t("Fact"))
        add(g, fact, t("subject"), subject)
        add(g, fact, t("relation"), t(rel.name))
        q = claim.qualifiers
        if claim.object is not None:
            obj = self.entity(claim.object)
            add(g, fact, t("object"), obj)
            add(g, subject, t(rel.name), obj)
            if rel.org_membership:
                add(g, fact, self.ORG.member, subject)
                add(g, fact, self.ORG.organization, obj)
        elif rel.name == "figure":
            add(g, subject, t("figure"), fact)
        else:
            assert q.date is not None  # attribute relations require a date
            add(g, subject, t(rel.name), self.date(q.date))
        if q.role is not None:
            role = ROLE_BY_ID[q.role]
            add(g, fact, t("roleType"), self.node("role", role.id))
            add(g, fact, t("role"), f.literal(role.vi, "vi"))
            add(g, fact, t("role"), f.literal(role.en, "en"))
        for lit in self._labels(q.measure):
            add(g, fact, t("measure"), lit)
        if q.date:
            add(g, fact, t("date"), self.date(q.date))
        if q.until:
            add(g, fact, t("endDate"), self.date(q.until))
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
                add(g, fact, prop, self.integer(value, self.XSD.positiveInteger))
            elif qualifier.kind == "entity":
                add(g, fact, prop, self.entity(value))
        ann = self.add_evidence(
            g, claim.source_id, claim.anchor, "claim", short_hash(*claim.fact_key())
        )
        OA = self.OA
        add(g, ann, OA.motivatedBy, OA.describing)
        add(g, ann, OA.hasBody, fact)
        add(g, fact, self.PROV.wasDerivedFrom, ann)
        self.add_wording(g, ann, claim)
        self.origin(ann, claim.where)

    def add_wording(self, g: str, ann: str, claim: Claim) -> None:
        """How this source wrote the fact's qualifiers: on its evidence, not on the fact."""
        w = claim.wording
        add, f, t = self.add, self.f, self.t
        for prop, text in (
            ("amountText", w.amount_text),
            ("shareText", w.share_text),
            ("roleText", w.role_text),
            ("dateText", w.date_text),
            ("dateQuote", w.date_quote),
        ):
            if text:
                add(g, ann, t(prop), f.literal(text, "vi"))
        if w.date_text:
            add(g, ann, t("dateResolvedAgainst"), self.source_node(claim.source_id))
        if w.date_reason:
            add(g, ann, t("dateReason"), f.literal(w.date_reason))


def build_dataset(corpus: Corpus, ontology: Graph, vocab: Vocabulary | None = None) -> Dataset:
    """Build the dataset for ``corpus``; ``ontology`` is the parsed ``ontology/vjkg.ttl``."""
    return _Builder(corpus, vocab or Vocabulary(), ontology).build()
