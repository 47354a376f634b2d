"""Stats: counts per class, relation and source, from the built dataset."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from .iri import iri_text, to_nt
from .vocab import ENTITY_CLASSES, OA, Vocabulary


def compute_stats(
    quads: Iterable[tuple[Any, Any, Any, Any]],
    vocab: Vocabulary | None = None,
    *,
    distinct_triples: int | None = None,
    forms: bool = False,
) -> dict:
    """Counts a person checks after a build: triples, entities per class, facts per relation.

    ``quads`` is read once: rdflib terms (the graph ``None`` for the default graph), or with
    ``forms`` their N-Triples forms (:meth:`pipeline.build.Dataset.nt_quads`), which need no
    rdflib term made. ``distinct_triples``, when the caller knows it (``kg build`` has the
    union sorted for its exports), saves holding a set of every triple to count them.
    """
    v = vocab or Vocabulary()
    spell: Callable[[Node], Any] = to_nt if forms else _as_is
    iri: Callable[[Any], str | None] = _iri_of_form if forms else _iri_of_term
    per_graph: Counter[str] = Counter()
    triples: set[tuple[Node, Node, Node]] = set()
    entity_types: dict[Node, set[str]] = {}
    fact_rel: dict[Node, str] = {}
    fact_graphs: dict[Node, set[str]] = {}
    annotations: Counter[str] = Counter()
    classes = {spell(v.term(c)): c for c in ENTITY_CLASSES}
    facts: set[Node] = set()
    # sets, not ==: rdflib's __eq__ is Python code, a set's hash is C (and namespace
    # look-ups are slow)
    is_type, is_annotation = {spell(RDF.type)}, {spell(OA.Annotation)}
    is_fact, is_relation = {spell(v.term("Fact"))}, {spell(v.term("relation"))}
    graph_names: dict[Node | None, str] = {}
    for s, p, o, g in quads:
        gname = graph_names.get(g)
        if gname is None:
            named = (iri(g) or str(g)) if g else None  # a blank node graph: its label
            gname = graph_names[g] = named.rsplit("/", 1)[-1] if named else "default"
        per_graph[gname] += 1
        if distinct_triples is None:
            triples.add((s, p, o))
        # Set and dict look-ups, not ==: rdflib's __eq__ is Python code, the hash is C, and
        # most quads match none of these terms (2M comparisons at 1M quads).
        if p in is_type:
            if o in classes:
                entity_types.setdefault(s, set()).add(classes[o])
            elif o in is_fact:
                facts.add(s)
                fact_graphs.setdefault(s, set()).add(gname)
            elif o in is_annotation:
                annotations[gname] += 1
        elif p in is_relation and (name := iri(o)) is not None:
            fact_rel[s] = name.rsplit("#", 1)[-1]
    per_class: Counter[str] = Counter()
    for types in entity_types.values():
        for c in types:
            per_class[c] += 1
    per_relation = Counter(fact_rel[f] for f in facts if f in fact_rel)
    facts_per_graph: Counter[str] = Counter()
    for f in facts:
        facts_per_graph.update(fact_graphs.get(f, ()))
    per_source: dict[str, dict[str, int]] = {}
    for gname in sorted(per_graph):
        if gname == "ontology":
            continue
        per_source[gname] = {
            "quads": per_graph[gname],
            "facts": facts_per_graph[gname],
            "annotations": annotations[gname],
        }
    return {
        "triples": len(triples) if distinct_triples is None else distinct_triples,
        "quads": sum(per_graph.values()),
        "graphs": dict(sorted(per_graph.items())),
        "entities": len(entity_types),
        "entities_per_class": dict(sorted(per_class.items())),
        "facts": len(facts),
        "facts_per_relation": dict(sorted(per_relation.items())),
        "facts_stated_by_several_sources": sum(1 for f in facts if len(fact_graphs.get(f, ())) > 1),
        "per_source": per_source,
    }


def _as_is(term: Node) -> Node:
    return term


def _iri_of_term(term: Node | None) -> str | None:
    return str(term) if isinstance(term, URIRef) else None


def _iri_of_form(nt: str | None) -> str | None:
    return iri_text(nt) if nt and nt[0] == "<" else None


def to_stats_json(stats: dict) -> str:
    """Stable JSON text."""
    return json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def to_stats_text(stats: dict) -> str:
    """A short table for the terminal."""
    lines = [
        f"triples {stats['triples']}, quads {stats['quads']}, entities {stats['entities']}, "
        f"facts {stats['facts']} "
        f"({stats['facts_stated_by_several_sources']} stated by several sources)",
        "",
        "entities per class:",
    ]
    lines += [f"  {k:<28}{n:>6}" for k, n in stats["entities_per_class"].items()]
    lines += ["", "facts per relation:"]
    lines += [f"  {k:<28}{n:>6}" for k, n in stats["facts_per_relation"].items()]
    lines += ["", "per source:            quads   facts  annotations"]
    lines += [
        f"  {k:<20}{d['quads']:>7}{d['facts']:>8}{d['annotations']:>13}"
        for k, d in stats["per_source"].items()
    ]
    return "\n".join(lines) + "\n"
