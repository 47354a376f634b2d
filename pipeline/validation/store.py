"""A read-only, three-way indexed rdflib store for pySHACL's data and shapes graphs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import Graph, URIRef
from rdflib.store import Store
from rdflib.term import Node

from .partition import Triple


def partition_graph(triples: Iterable[Triple]) -> Graph:
    """A read-only graph of ``triples`` for pySHACL, backed by :class:`IndexedTriples`."""
    return Graph(store=IndexedTriples(triples))


def indexed_shapes(shapes: Graph) -> Graph:
    """``shapes`` (and their prefixes) in an :class:`IndexedTriples` store.

    pySHACL looks up each shape's constraints in the shapes graph again for every group of
    focus nodes it evaluates; most of its graph look-ups are these.
    """
    g = Graph(store=IndexedTriples(shapes))
    for prefix, ns in shapes.namespaces():
        g.bind(prefix, ns, override=True)
    return g


class IndexedTriples(Store):
    """An rdflib store of a fixed set of triples, indexed three ways, for validation.

    rdflib's ``Memory`` store keeps per-triple context bookkeeping that a partition of one
    graph does not need; it took a third of pySHACL's time on the bench corpus (profiled).
    This store answers every ``triples`` pattern from a subject, predicate or object index
    and keeps namespace bindings; it is filled once and not changed afterwards. pySHACL only
    accepts context- and graph-aware stores, so it says it is both, with every triple in
    one graph.
    """

    context_aware = True
    formula_aware = False
    graph_aware = True
    transaction_aware = False

    def __init__(self, triples: Iterable[Triple] = ()):
        super().__init__()
        self._spo: dict[Node, dict[Node, set[Node]]] = {}
        self._pos: dict[Node, dict[Node, set[Node]]] = {}
        self._osp: dict[Node, dict[Node, set[Node]]] = {}
        self._count = 0
        self._ns: dict[str, URIRef] = {}
        self._prefix: dict[URIRef, str] = {}
        for t in triples:
            self._index(*t)

    def _index(self, s: Node, p: Node, o: Node) -> None:
        objects = self._spo.setdefault(s, {}).setdefault(p, set())
        if o in objects:
            return
        objects.add(o)
        self._pos.setdefault(p, {}).setdefault(o, set()).add(s)
        self._osp.setdefault(o, {}).setdefault(s, set()).add(p)
        self._count += 1

    def add(self, triple, context=None, quoted=False):
        self._index(*triple)

    def remove(self, triple, context=None):
        raise TypeError("IndexedTriples is read-only")

    def triples(self, triple_pattern, context=None):
        for t in self._match(*triple_pattern):
            yield t, iter(())

    def _match(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        if s is not None:
            by_p = self._spo.get(s)
            if not by_p:
                return
            if p is not None:
                objects = by_p.get(p, ())
                if o is None:
                    yield from ((s, p, x) for x in objects)
                elif o in objects:
                    yield s, p, o
            elif o is not None:
                yield from ((s, x, o) for x in self._osp.get(o, {}).get(s, ()))
            else:
                for q, objects in by_p.items():
                    yield from ((s, q, x) for x in objects)
        elif p is not None:
            by_o = self._pos.get(p)
            if not by_o:
                return
            if o is not None:
                yield from ((x, p, o) for x in by_o.get(o, ()))
            else:
                for x, subjects in by_o.items():
                    yield from ((y, p, x) for y in subjects)
        elif o is not None:
            for x, predicates in self._osp.get(o, {}).items():
                yield from ((x, q, o) for q in predicates)
        else:
            for x, by_p in self._spo.items():
                for q, objects in by_p.items():
                    yield from ((x, q, y) for y in objects)

    def __len__(self, context=None):
        return self._count

    def contexts(self, triple=None):
        return iter(())

    def add_graph(self, graph):
        """Graphs are not kept apart: every triple is in the one graph."""

    def remove_graph(self, graph):
        raise TypeError("IndexedTriples is read-only")

    def bind(self, prefix, namespace, override=True):
        namespace = URIRef(namespace)
        if not override and (prefix in self._ns or namespace in self._prefix):
            return
        old = self._ns.get(prefix)
        if old is not None:
            self._prefix.pop(old, None)
        self._prefix.pop(namespace, None)
        self._ns[prefix] = namespace
        self._prefix[namespace] = prefix

    def namespace(self, prefix):
        return self._ns.get(prefix)

    def prefix(self, namespace):
        return self._prefix.get(URIRef(namespace))

    def namespaces(self):
        yield from self._ns.items()
