"""Validation reports: located, sorted results; the text a person reads and the Turtle.

Validation returns a report and never exits. Each result is mapped back to the entity or
claim it concerns and the ``file:line`` that produced it; the machine report is rewritten
with deterministic IRIs (pySHACL's results are blank nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from ..errors import Location
from ..iri import local_name, short_hash
from ..vocab import SH, Vocabulary


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


RawResult = tuple[str, Node, Node | None, Node | None, str, Node | None, Node | None]
"""(severity, focus, path, value, message, shape, component): one pySHACL result, unlocated."""


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
    return isinstance(node, BNode)
