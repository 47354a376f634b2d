"""Validate stage: SHACL validation of the union graph with pySHACL.

Validation returns a report and never exits. The report maps each result back to the
entity or claim it concerns and the ``file:line`` that produced it; the machine report
is rewritten with deterministic IRIs (pySHACL's results are blank nodes).

Large graphs are validated in partitions (:func:`validate_triples`), still by pySHACL: every
subject of the graph is the focus of exactly one partition, whose data graph is the focus
nodes' neighbourhood — their own triples, the triples pointing at them, the triples of the
nodes they point at, and the class hierarchy. Every shape in ``ontology/shapes.ttl`` looks no
further than that (one step backwards for the evidence of an entity, two forwards for
``sh:class`` and for the SPARQL check of a fact's direct triple), so each focus node gets the
same results as on the whole graph; tests/test_bench.py checks the counts match, and
:func:`partitionable` falls back to one whole-graph run for shapes that target in other ways.
Partitions run in parallel worker processes, each holding one partition at a time, on
read-only indexed stores (:class:`IndexedTriples`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import multiprocessing
import os
import signal
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.store import Store
from rdflib.term import Node

from .errors import Location
from .iri import local_name, short_hash, term_nt
from .vocab import SH, Vocabulary


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, located."""

    severity: str  # "Violation", "Warning" or "Info"
    focus: Node
    path: Node | None
    value: Node | None
    message: str
    shape: Node | None
    component: Node | None
    where: tuple[Location, ...] = ()

    def describe(self, labels: Mapping[Node, str]) -> str:
        """One readable line (or several, one per location)."""
        label = labels.get(self.focus)
        focus = f"<{self.focus}>" + (f" ({label})" if label else "")
        bits = [f"[{self.severity}] {focus}: {self.message}"]
        if self.path is not None:
            bits.append(f"path {_short(self.path)}")
        if self.value is not None:
            bits.append(f"value {_short(self.value)}")
        if self.shape is not None:
            bits.append(f"shape {_short(self.shape)}")
        text = "; ".join(bits)
        if not self.where:
            return text
        return "\n".join(f"{w}: {text}" for w in self.where)


def _short(node: Node) -> str:
    if isinstance(node, URIRef):
        return local_name(str(node))
    return repr(str(node)) if isinstance(node, Literal) else str(node)


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a graph."""

    conforms: bool
    results: tuple[ValidationResult, ...]

    @property
    def violations(self) -> list[ValidationResult]:
        """Results that fail the build."""
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        """Results reported without failing the build."""
        return [r for r in self.results if r.severity != "Violation"]


def load_shapes(path: Path) -> Graph:
    """Read the SHACL shapes file."""
    g = Graph()
    g.parse(path, format="turtle")
    return g


RawResult = tuple[str, Node, Node | None, Node | None, str, Node | None, Node | None]
"""(severity, focus, path, value, message, shape, component): one pySHACL result, unlocated."""


@contextlib.contextmanager
def _sparql_parsed_once() -> Iterator[None]:
    """Let rdflib parse each distinct SPARQL text once while pySHACL validates.

    pySHACL hands rdflib the same ``sh:select`` text for every focus node of a SPARQL-based
    constraint, and rdflib parses it again each time (pyparsing, ~20 ms a parse): on the
    bench corpus that was 55% of validation. The parsed query is what ``prepareQuery`` gives
    and rdflib evaluates it with each focus node's bindings exactly as before.
    """
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    parsed: dict[tuple[object, ...], Any] = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, frozenset((initNs or {}).items()))
            if key not in parsed:
                parsed[key] = processor.translateQuery(
                    processor.parseQuery(strOrQuery), base, initNs
                )
            strOrQuery = parsed[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


@contextlib.contextmanager
def _targets_limited_to(focus: Collection[Node] | None) -> Iterator[None]:
    """Let pySHACL's shapes target only ``focus`` nodes (all nodes when ``None``).

    pySHACL 0.40.1 has a ``focus_nodes`` option, but it filters the nodes of nested checks
    too (a ``sh:qualifiedValueShape`` then sees no conforming value, so every qualified count
    fails) and tests membership in a list. Restricting what the targets find is what the
    option means for top-level shapes, and leaves nested checks alone.
    """
    if focus is None:
        yield
        return
    from pyshacl.shape import Shape

    original = Shape.focus_nodes
    wanted = set(focus)

    def focus_nodes(self, data_graph, debug=False):
        return {n for n in original(self, data_graph, debug=debug) if n in wanted}

    Shape.focus_nodes = focus_nodes  # type: ignore[method-assign]
    try:
        yield
    finally:
        Shape.focus_nodes = original  # type: ignore[method-assign]


class _MemberSet(list):
    """A list whose ``in`` is a set look-up (see :func:`_constraint_lookup_by_hash`)."""

    def __init__(self, items: Iterable[object]):
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


@contextlib.contextmanager
def _constraint_lookup_by_hash() -> Iterator[None]:
    """Let pySHACL find a shape's constraint parameters by hash, not by scanning a list.

    For every (shape, focus nodes) evaluation pySHACL tests each of the shape's predicates
    against its list of ~40 constraint parameters with ``in``, one ``URIRef.__eq__`` call per
    element: 15% of validation time on the bench corpus. The same parameters, in the same
    order, looked up in a set.
    """
    from pyshacl import shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    original = getattr(shape, "CONSTRAINT_PARAMS", None)
    shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _MemberSet(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )
    try:
        yield
    finally:
        if original is None:
            del shape.CONSTRAINT_PARAMS  # type: ignore[attr-defined]
        else:
            shape.CONSTRAINT_PARAMS = original  # type: ignore[attr-defined]


def run_pyshacl(
    data: Graph, shapes: Graph, focus: Collection[Node] | None = None
) -> list[RawResult]:
    """pySHACL's top-level results for ``data`` (only for ``focus`` nodes, when given).

    Core SHACL with SPARQL-based constraints, no SHACL-AF (``advanced``): our shapes use no
    rules, and advanced mode makes pySHACL copy the whole data graph before it starts.
    """
    with _sparql_parsed_once(), _targets_limited_to(focus), _constraint_lookup_by_hash():
        _, results_graph, _ = shacl_validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            allow_warnings=True,
            abort_on_first=False,
        )
    # Only the report's own results: pySHACL also types the nested results it puts under
    # sh:detail as sh:ValidationResult, which are explanations, not results (Jena omits them).
    top = [
        r
        for rep in results_graph.subjects(RDF.type, SH.ValidationReport)
        for r in results_graph.objects(rep, SH.result)
    ]
    out: list[RawResult] = []
    for r in top:
        severity = str(results_graph.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        messages = sorted(
            results_graph.objects(r, SH.resultMessage),
            key=lambda m: (getattr(m, "language", None) != "en", str(m)),
        )
        focus_node = results_graph.value(r, SH.focusNode)
        assert focus_node is not None
        out.append(
            (
                severity,
                focus_node,
                results_graph.value(r, SH.resultPath),
                results_graph.value(r, SH.value),
                str(messages[0]) if messages else "constraint not met",
                results_graph.value(r, SH.sourceShape),
                results_graph.value(r, SH.sourceConstraintComponent),
            )
        )
    return out


def _sort_key(r: ValidationResult) -> tuple[object, ...]:
    def text(n: Node | None) -> str:
        return "" if n is None or isinstance(n, BNode) else str(n)

    return (
        r.severity != "Violation",
        r.where,
        str(r.focus),
        r.message,
        text(r.shape),
        text(r.path),
        text(r.value),
    )


def to_report(
    raw: Iterable[RawResult], origins: Mapping[Node, Sequence[Location]] | None = None
) -> ValidationReport:
    """A located, sorted report from pySHACL's raw results."""
    origins = origins or {}
    results = [ValidationResult(*r, tuple(sorted(set(origins.get(r[1], ()))))) for r in raw]
    results.sort(key=_sort_key)
    return ValidationReport(not any(x.severity == "Violation" for x in results), tuple(results))


def validate_graph(
    data: Graph,
    shapes: Graph,
    origins: Mapping[Node, Sequence[Location]] | None = None,
) -> ValidationReport:
    """Validate ``data`` against ``shapes`` in one pySHACL run; locate each result."""
    return to_report(run_pyshacl(data, shapes), origins)


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


class ResultCache(Protocol):
    """Where partition results are kept between runs (pipeline/cache.py has one on disk)."""

    def get(self, key: str) -> list[RawResult] | None:
        """The results stored under ``key``, if any."""

    def put(self, key: str, results: list[RawResult]) -> None:
        """Store ``results`` under ``key``."""


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


_SHAPES: list[Graph] = []  # a worker's copy of the shapes, set by _init_worker


def _init_worker(shapes_ttl: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    g = Graph()
    g.parse(data=shapes_ttl, format="turtle")
    _SHAPES[:] = [indexed_shapes(g)]


def _validate_partition(task: tuple[int, list[Node], list[Triple]]) -> tuple[int, list[RawResult]]:
    index, focus, triples = task
    return index, run_pyshacl(_partition_graph(triples), _SHAPES[0], focus)


def _partition_graph(triples: Iterable[Triple]) -> Graph:
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


def validate_triples(
    triples_groups: Mapping[Node, Collection[Triple]],
    shapes: Graph,
    origins: Mapping[Node, Sequence[Location]] | None = None,
    workers: int | None = None,
    max_triples: int = 25_000,
    cache: ResultCache | None = None,
    groups_per_partition: int = 25,
) -> ValidationReport:
    """Validate the union of ``triples_groups`` with pySHACL, partitioned and in parallel.

    Same results as :func:`validate_graph` on the union (see the module docstring); falls
    back to that when :func:`partitionable` says the shapes need the whole graph. ``workers``
    defaults to the number of CPUs (at most 2 processes are worth it on small partitions).
    """
    if not partitionable(shapes):
        whole = Graph()
        for group in triples_groups.values():
            for t in group:
                whole.add(t)
        return validate_graph(whole, shapes, origins)
    plans = plan_partitions(triples_groups, max_triples, groups_per_partition)
    # Largest partitions first, so the last one to finish is a small one.
    order = sorted(range(len(plans)), key=lambda i: -len(plans[i][1]))
    raw: list[RawResult] = []
    keys: dict[int, str] = {}

    def todo() -> Iterator[int]:
        """The partitions to validate; cached results go straight into ``raw``.

        Run lazily: when workers validate, the digests of the later partitions are computed
        here while the workers are busy with the earlier ones.
        """
        if cache is None:
            yield from order
            return
        salt = shapes_digest(shapes)
        for i in order:
            keys[i] = key = partition_key(*plans[i], salt)
            hit = cache.get(key)
            if hit is None:
                yield i
            else:
                raw.extend(hit)

    for i, results in _run_partitions(plans, todo(), shapes, workers or os.cpu_count() or 1):
        raw.extend(results)
        if cache is not None:
            cache.put(keys[i], results)
    return to_report(raw, origins)


def _run_partitions(
    plans: list[tuple[list[Node], list[Triple]]], todo: Iterator[int], shapes: Graph, workers: int
) -> Iterator[tuple[int, list[RawResult]]]:
    """(index, results) of each partition ``todo`` yields, in worker processes when it pays.

    Workers come from a fork server, a fresh interpreter that never held the data, and each
    partition is sent to them pickled: forking the building process would share its whole
    graph with every worker, and Python's reference counting soon copies those pages into
    each one. The pool is started only once there is a partition to validate.
    """
    first = next(todo, None)
    if first is None:
        return
    if workers <= 1 or len(plans) <= 1:
        indexed = indexed_shapes(shapes)
        for i in itertools.chain([first], todo):
            focus, triples = plans[i]
            yield i, run_pyshacl(_partition_graph(triples), indexed, focus)
        return
    # No preloading: the fork server stays small (it lives until the build ends) and each
    # worker imports pySHACL itself, in parallel.
    ctx = multiprocessing.get_context("forkserver")
    shapes_ttl = shapes.serialize(format="turtle")  # keeps the prefixes messages use
    tasks = ((i, plans[i][0], plans[i][1]) for i in itertools.chain([first], todo))
    with ctx.Pool(min(workers, len(plans)), _init_worker, (shapes_ttl,)) as pool:
        yield from pool.imap_unordered(_validate_partition, tasks)


def to_report_text(report: ValidationReport, labels: Mapping[Node, str]) -> str:
    """The report a person reads."""
    head = "conforms" if report.conforms else "does NOT conform"
    lines = [
        f"SHACL validation: {head} — {len(report.violations)} violation(s), "
        f"{len(report.warnings)} warning(s)."
    ]
    lines.extend(r.describe(labels) for r in report.results)
    return "\n".join(lines) + "\n"


def to_report_graph(report: ValidationReport, vocab: Vocabulary) -> Graph:
    """The machine report as an ``sh:ValidationReport`` with deterministic IRIs, no blank nodes."""
    g = Graph()
    node = vocab.node("validation", "report")
    g.add((node, RDF.type, SH.ValidationReport))
    g.add((node, SH.conforms, Literal(report.conforms)))
    for r in report.results:
        key = short_hash(r.focus, r.path, r.value, r.shape, r.component, r.message)
        res = vocab.node("validation", key)
        g.add((node, SH.result, res))
        g.add((res, RDF.type, SH.ValidationResult))
        g.add((res, SH.resultSeverity, SH[r.severity]))
        g.add((res, SH.focusNode, r.focus))
        g.add((res, SH.resultMessage, Literal(r.message, lang="en")))
        for prop, value in (
            (SH.resultPath, r.path),
            (SH.value, r.value),
            (SH.sourceShape, r.shape),
            (SH.sourceConstraintComponent, r.component),
        ):
            if value is not None and not _is_blank(value):
                g.add((res, prop, value))
        for w in r.where:
            g.add((res, RDFS.comment, Literal(f"from {w}")))
    return g


def _is_blank(node: Node) -> bool:
    from rdflib import BNode

    return isinstance(node, BNode)
