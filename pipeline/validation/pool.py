"""Worker processes that validate partitions in parallel (a fork server, clean workers)."""

from __future__ import annotations

import itertools
import multiprocessing
import signal
from collections.abc import Iterator

from rdflib import Graph
from rdflib.term import Node

from ..readers import schema_from_text
from .engine import run_pyshacl
from .partition import Triple
from .report import RawResult
from .store import indexed_shapes, partition_graph

_SHAPES: list[Graph] = []  # a worker's copy of the shapes, set by _init_worker


def _init_worker(shapes_ttl: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _SHAPES[:] = [indexed_shapes(schema_from_text(shapes_ttl))]


def _validate_partition(task: tuple[int, list[Node], list[Triple]]) -> tuple[int, list[RawResult]]:
    index, focus, triples = task
    return index, run_pyshacl(partition_graph(triples), _SHAPES[0], focus)


def run_partitions(
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
            yield i, run_pyshacl(partition_graph(triples), indexed, focus)
        return
    # No preloading: the fork server stays small (it lives until the build ends) and each
    # worker imports pySHACL itself, in parallel.
    ctx = multiprocessing.get_context("forkserver")
    shapes_ttl = shapes.serialize(format="turtle")  # keeps the prefixes messages use
    tasks = ((i, plans[i][0], plans[i][1]) for i in itertools.chain([first], todo))
    with ctx.Pool(min(workers, len(plans)), _init_worker, (shapes_ttl,)) as pool:
        yield from pool.imap_unordered(_validate_partition, tasks)
