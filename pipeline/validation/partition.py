"""Partitioned validation: which focus nodes and which triples each partition gets.

Every subject of the graph is the focus of exactly one partition, whose data graph is the
focus nodes' neighbourhood — their own triples, the triples pointing at them, the triples of
the nodes they point at, and the class hierarchy. Every shape in ``ontology/shapes.ttl``
looks no further than that (one step backwards for the evidence of an entity, two forwards
for ``sh:class`` and for the SPARQL check of a fact's direct triple), so each focus node gets
the same results as on the whole graph; tests/test_bench.py checks the counts match, and
:func:`partitionable` falls back to one whole-graph run for shapes that target in other ways.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from ..iri import term_nt
from ..vocab import SH

Triple = tuple[Node, Node, Node]
_TARGETS_OK = {SH.targetClass, SH.targetSubjectsOf}
_TARGETS_ALL = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def partitionable(shapes: Graph) -> bool:
    """Whether partitioned validation gives the whole-graph results for ``shapes``.

    True when every target is ``sh:targetClass`` or ``sh:targetSubjectsOf`` (a focus node is
    then always the subject of one of its own triples) and no shape is also a class
    (implicit class targets). The reach of the constraints is covered by the tests.
    """
    for kind in _TARGETS_ALL:
        if kind not in _TARGETS_OK and next(iter(shapes.subject_objects(kind)), None):
            return False
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return not any((s, RDF.type, RDFS.Class) in shapes for s in shape_nodes)


def _bucket(node: object, buckets: int) -> int:
    return int(hashlib.sha256(str(node).encode("utf-8")).hexdigest()[:8], 16) % buckets


def plan_partitions(
    groups: Mapping[Node, Collection[Triple]], max_triples: int, groups_per_partition: int = 25
) -> list[tuple[list[Node], list[Triple]]]:
    """Split the union of ``groups`` into (focus nodes, neighbourhood triples) partitions.

    ``groups`` are the named graphs, in a stable order. A subject belongs to the first group
    it is a subject in. When the union has more than ``max_triples`` triples, groups are
    gathered into partitions of about ``groups_per_partition`` groups, with boundaries
    decided by a hash of each group's name (not by sizes), so editing one source changes
    only the partitions that see its triples and the rest stay cached; a group larger than
    ``max_triples`` (the registry) is split by a hash of each subject. Which partition a node
    lands in never changes its results, only how the work is shared.
    """
    by_subject: dict[Node, set[Triple]] = {}
    by_object: dict[Node, list[Triple]] = defaultdict(list)
    hierarchy: set[Triple] = set()
    owned: list[tuple[Node, list[Node]]] = []
    total = 0
    for name, group in groups.items():
        new: list[Node] = []
        for t in group:
            s, p, o = t
            triples = by_subject.get(s)
            if triples is None:
                triples = by_subject[s] = set()
                new.append(s)
            if t in triples:
                continue
            triples.add(t)
            total += 1
            if not isinstance(o, Literal):
                by_object[o].append(t)
            if p == RDFS.subClassOf:
                hierarchy.add(t)
        new.sort(key=str)
        owned.append((name, new))
    chunks: list[list[Node]] = []
    if total <= max_triples:
        chunks.append([s for _, subjects in owned for s in subjects])
    else:
        current: list[Node] = []
        for name, subjects in owned:
            size = sum(len(by_subject[s]) for s in subjects)
            if size > max_triples:
                k = -(-size // max_triples)
                split: list[list[Node]] = [[] for _ in range(k)]
                for s in subjects:
                    split[_bucket(s, k)].append(s)
                chunks.extend(split)
                continue
            current.extend(subjects)
            if _bucket(name, groups_per_partition) == 0:
                chunks.append(current)
                current = []
        chunks.append(current)
    plans = []
    for focus in chunks:
        if not focus:
            continue
        data: set[Triple] = set(hierarchy)
        for s in focus:
            own = by_subject[s]
            data |= own
            data.update(by_object.get(s, ()))
            for _, _, o in own:
                if not isinstance(o, Literal):
                    data |= by_subject.get(o, set())
        plans.append((focus, list(data)))
    return plans


def partition_key(focus: Iterable[Node], triples: Iterable[Triple], salt: str) -> str:
    """A digest of what a partition's results depend on: its data, its focus, the shapes."""

    h = hashlib.sha256(salt.encode("utf-8"))
    for line in sorted(f"{term_nt(s)} {term_nt(p)} {term_nt(o)}" for s, p, o in triples):
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    h.update(b"focus\n")
    for line in sorted(term_nt(f) for f in focus):
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def shapes_digest(shapes: Graph) -> str:
    """A digest of the shapes and the validator's version (part of every partition key)."""
    from importlib.metadata import version

    from rdflib.compare import to_canonical_graph

    canonical = to_canonical_graph(shapes)
    lines = sorted({f"{term_nt(s)} {term_nt(p)} {term_nt(o)} .\n" for s, p, o in canonical})
    text = "".join(lines)  # the canonical graph as sorted N-Triples
    return hashlib.sha256(f"pyshacl {version('pyshacl')}\n{text}".encode()).hexdigest()
