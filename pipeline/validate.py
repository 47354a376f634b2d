"""Validate stage: SHACL validation of the union graph with pySHACL.

Validation returns a report and never exits. The report maps each result back to the
entity or claim it concerns and the ``file:line`` that produced it; the machine report
is rewritten with deterministic IRIs (pySHACL's results are blank nodes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from .build import short_hash
from .errors import Location
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
    text = str(node)
    for sep in ("#", "/"):
        if sep in text and isinstance(node, URIRef):
            return text.rsplit(sep, 1)[-1] or text
    return repr(text) if isinstance(node, Literal) else text


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


def validate_graph(
    data: Graph,
    shapes: Graph,
    origins: Mapping[Node, Sequence[Location]] | None = None,
) -> ValidationReport:
    """Validate ``data`` against ``shapes``; locate each result with ``origins``."""
    conforms, results_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    origins = origins or {}
    results = []
    # Only the report's own results: pySHACL also types the nested results it puts under
    # sh:detail as sh:ValidationResult, which are explanations, not results (Jena omits them).
    top = [
        r
        for rep in results_graph.subjects(RDF.type, SH.ValidationReport)
        for r in results_graph.objects(rep, SH.result)
    ]
    for r in top:
        severity = str(results_graph.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        messages = sorted(
            results_graph.objects(r, SH.resultMessage),
            key=lambda m: (getattr(m, "language", None) != "en", str(m)),
        )
        focus = results_graph.value(r, SH.focusNode)
        assert focus is not None
        results.append(
            ValidationResult(
                severity,
                focus,
                results_graph.value(r, SH.resultPath),
                results_graph.value(r, SH.value),
                str(messages[0]) if messages else "constraint not met",
                results_graph.value(r, SH.sourceShape),
                results_graph.value(r, SH.sourceConstraintComponent),
                tuple(sorted(set(origins.get(focus, ())))),
            )
        )
    results.sort(key=lambda x: (x.severity != "Violation", x.where, str(x.focus), x.message))
    return ValidationReport(
        bool(conforms) and not any(x.severity == "Violation" for x in results), tuple(results)
    )


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
