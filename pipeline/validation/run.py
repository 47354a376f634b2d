"""Validate the union of the named graphs, with one of two engines that give the same results.

- ``sparql`` (the default when the shapes allow it): the shapes compiled to SPARQL and run on
  pyoxigraph (:mod:`.sparql`), about four times faster than partitioned pySHACL at 100k quads;
- ``pyshacl``: pySHACL, partitioned, cached and in parallel when it pays
  (:func:`validate_triples`); used for shapes the compiler does not know.

The tests hold the two equal result for result (tests/test_validation_sparql.py).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Protocol

from rdflib import Graph
from rdflib.term import Node

from ..errors import Location
from .engine import shapes_error, validate_graph
from .partition import Triple, partition_key, partitionable, plan_partitions, shapes_digest
from .pool import run_partitions
from .report import RawResult, ValidationReport, to_report

ENGINES = ("auto", "sparql", "pyshacl")


def validate_dataset(
    triples_groups: Mapping[Node, Collection[Triple]],
    shapes: Graph,
    origins: Mapping[Node, Sequence[Location]] | None = None,
    *,
    engine: str = "auto",
    workers: int | None = None,
    cache: ResultCache | None = None,
) -> tuple[ValidationReport, str]:
    """Validate the union of ``triples_groups``; returns the report and the engine used.

    ``auto`` takes ``sparql`` when :func:`.sparql.supported` says every shape compiles, else
    ``pyshacl``. ``workers`` and ``cache`` apply to pySHACL (the SPARQL engine is fast enough
    to run whole).
    """
    from .sparql import Unsupported, compile_shapes, run_compiled, to_store

    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {ENGINES}")
    if engine in ("sparql", "auto"):
        try:
            queries = compile_shapes(shapes)  # once (compiling is 0.2 s of a small build)
        except Unsupported as exc:
            if engine == "sparql":  # as asked: say so, instead of validating another way
                raise shapes_error(
                    f"--validator sparql cannot compile these shapes: {exc}",
                    "use --validator auto or pyshacl: pySHACL validates them",
                ) from None
        else:
            union = {t for group in triples_groups.values() for t in group}
            return to_report(run_compiled(to_store(union), queries), origins), "sparql"
    report = validate_triples(triples_groups, shapes, origins, workers, cache=cache)
    return report, "pyshacl"


class ResultCache(Protocol):
    """Where partition results are kept between runs (pipeline/cache.py has one on disk)."""

    def get(self, key: str) -> list[RawResult] | None:
        """The results stored under ``key``, if any."""

    def put(self, key: str, results: list[RawResult]) -> None:
        """Store ``results`` under ``key``."""


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

    for i, results in run_partitions(plans, todo(), shapes, workers or os.cpu_count() or 1):
        raw.extend(results)
        if cache is not None:
            cache.put(keys[i], results)
    return to_report(raw, origins)
