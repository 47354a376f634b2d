"""One pySHACL run: core SHACL with SPARQL-based constraints, results as plain tuples."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF
from rdflib.term import Node

from ..errors import InputError, Location, Problem
from ..readers import MAX_SCHEMA_BYTES, read_schema
from ..vocab import SH
from .patches import patched
from .report import RawResult, ValidationReport, to_report


def load_shapes(path: Path, max_bytes: int = MAX_SCHEMA_BYTES) -> Graph:
    """Read the SHACL shapes file (:func:`pipeline.readers.read_schema`: a file over
    ``max_bytes`` or with a syntax error is exit 3), and check it
    (:func:`.wellformed.check_shapes`: a parameter with a value of the wrong kind is exit 3)."""
    from .wellformed import check_shapes

    g = read_schema(path, max_bytes)
    check_shapes(g, path)
    return g


def shapes_error(what: str, fix: str) -> InputError:
    """Exit 3 for shapes an engine refuses as a whole (the file's line is not known)."""
    return InputError([Problem(Location("the shapes graph"), what, fix)])


def run_pyshacl(
    data: Graph, shapes: Graph, focus: Collection[Node] | None = None
) -> list[RawResult]:
    """pySHACL's top-level results for ``data`` (only for ``focus`` nodes, when given).

    Core SHACL with SPARQL-based constraints, no SHACL-AF (``advanced``): our shapes use no
    rules, and advanced mode makes pySHACL copy the whole data graph before it starts.
    """
    from pyshacl import validate as shacl_validate  # here: the SPARQL engine needs none of it

    with patched(focus):
        _, results_graph, _ = shacl_validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=False,
            allow_warnings=True,
            abort_on_first=False,
        )
    if isinstance(results_graph, Exception):  # pySHACL returns its ValidationFailure
        raise shapes_error(
            f"pySHACL cannot validate with these shapes: {results_graph}",
            "correct the shape it names (see https://www.w3.org/TR/shacl/)",
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


def validate_graph(
    data: Graph,
    shapes: Graph,
    origins: Mapping[Node, Sequence[Location]] | None = None,
) -> ValidationReport:
    """Validate ``data`` against ``shapes`` in one pySHACL run; locate each result."""
    return to_report(run_pyshacl(data, shapes), origins)
