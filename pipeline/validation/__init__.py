"""Validate stage: SHACL validation of the union graph.

- :mod:`.report` — located results, the text and Turtle reports;
- :mod:`.engine` — one pySHACL run (:func:`validate_graph`);
- :mod:`.patches` — the speed patches to pySHACL and rdflib, as patch/unpatch pairs;
- :mod:`.partition` — which focus nodes and triples each partition gets;
- :mod:`.store` — the read-only indexed store pySHACL reads;
- :mod:`.pool` — worker processes;
- :mod:`.sparql` — SHACL Core compiled to SPARQL on pyoxigraph (the default engine);
- :mod:`.run` — :func:`validate_dataset` (either engine) and :func:`validate_triples`
  (pySHACL, partitioned, cached and parallel).
"""

from .engine import load_shapes, run_pyshacl, validate_graph
from .partition import Triple, partition_key, partitionable, plan_partitions, shapes_digest
from .report import (
    RawResult,
    ValidationReport,
    ValidationResult,
    to_report,
    to_report_graph,
    to_report_text,
)
from .run import ENGINES, ResultCache, validate_dataset, validate_triples
from .store import IndexedTriples, indexed_shapes

__all__ = [
    "ENGINES",
    "IndexedTriples",
    "RawResult",
    "ResultCache",
    "Triple",
    "ValidationReport",
    "ValidationResult",
    "indexed_shapes",
    "load_shapes",
    "partition_key",
    "partitionable",
    "plan_partitions",
    "run_pyshacl",
    "shapes_digest",
    "to_report",
    "to_report_graph",
    "to_report_text",
    "validate_dataset",
    "validate_graph",
    "validate_triples",
]
