"""The whole pipeline as one library call: sources → validated dataset → every output.

:func:`build` loads and anchors the sources, builds the dataset, validates it and returns a
:class:`Build`; :meth:`Build.outputs` renders each file of ``graphs/`` in order, lazily, so a
caller can write each one as soon as it is rendered (``kg build`` stages them atomically).
``kg build``, ``kg validate``, ``kg stats``, the benchmark, the notebook and the tests all
call this; nothing here prints, writes files or exits.

>>> from pathlib import Path
>>> root = Path(__file__).resolve().parent.parent
>>> b = build(root / "tests" / "fixtures" / "mini", root / "ontology")
>>> b.conforms, len(b.corpus.sources) > 0
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from rdflib import Literal
from rdflib.namespace import RDFS
from rdflib.term import Node

from .build import Dataset, build_dataset, load_ontology
from .errors import InputError, Location, OutputError
from .model import Corpus
from .validation import Triple, ValidationReport
from .vocab import SH, Vocabulary

Progress = Callable[[str], None]
ROOT_HINT = "run kg from the repository root, or pass --sources/--ontology"
# Graphs smaller than this are validated in one pySHACL run; larger ones in partitions.
PARTITION_THRESHOLD = 50_000


def _quiet(_: str) -> None:
    """A progress callback that says nothing."""


@dataclass
class Build:
    """What one run of the pipeline produced, in memory."""

    corpus: Corpus
    dataset: Dataset
    vocab: Vocabulary
    ontology: Path
    report: ValidationReport | None = None
    _progress: Progress = field(default=_quiet, repr=False)

    @property
    def conforms(self) -> bool:
        """Whether the dataset conforms to the shapes (``True`` when not validated)."""
        return self.report is None or self.report.conforms

    @cached_property
    def labels(self) -> dict[Node, str]:
        """English labels by node, for reports a person reads."""
        out: dict[Node, str] = {}
        label = RDFS.label
        for triples in self.dataset.graphs.values():
            for s, p, o in triples:
                if p == label and isinstance(o, Literal) and o.language == "en":
                    out[s] = str(o)
        return out

    def validation_text(self) -> str:
        """The SHACL report a person reads (``graphs/validation.txt``)."""
        from .validation import to_report_text

        assert self.report is not None, "built with validate=False"
        return to_report_text(self.report, self.labels)

    def validation_turtle(self) -> str:
        """The SHACL report as Turtle (``graphs/validation.ttl``, ``kg validate --report``)."""
        from .export import to_turtle
        from .validation import to_report_graph

        assert self.report is not None, "built with validate=False"
        triples = [(s, p, o, None) for s, p, o in to_report_graph(self.report, self.vocab)]
        return to_turtle(triples, {**self.vocab.prefixes(), "sh": str(SH)})

    @cached_property
    def conflicts(self) -> list[Any]:
        """Where the sources disagree (:func:`pipeline.conflicts.find_conflicts`), found once."""
        from .conflicts import find_conflicts

        return find_conflicts(self.corpus)

    def outputs(self) -> Iterator[tuple[str, str | Iterable[str]]]:
        """Every file of ``graphs/`` as ``(name, text or pieces of text)``, in a fixed order.

        Each is rendered when the iterator reaches it, so memory stays flat on big graphs.
        """
        from .analyse import render_analysis
        from .conflicts import to_conflicts_json
        from .explorer import to_html
        from .export import iter_rendered
        from .network import to_networkx
        from .ontodoc import to_ontology_html
        from .readers import read_quads
        from .stats import compute_stats, to_stats_json

        quads = list(self.dataset.quads())  # the writers sort
        prefixes = self.vocab.prefixes()
        for name, pieces in iter_rendered(quads, prefixes):
            yield name, pieces
            self._progress(f"rendered {name}")
        yield "validation.ttl", self.validation_turtle()
        yield "validation.txt", self.validation_text()
        yield "stats.json", to_stats_json(compute_stats(quads, self.vocab))
        yield "conflicts.json", to_conflicts_json(self.conflicts)
        self._progress("rendered reports, stats and conflicts")
        network = to_networkx(quads, self.vocab)  # for the analysis and the explorer
        yield from render_analysis(network, self.vocab).items()  # analysis.json, .md
        self._progress("rendered analysis")
        yield "ontology.html", to_ontology_html(read_quads(self.ontology / "vjkg.ttl"), prefixes)
        texts = {str(self.vocab.node("source", s.meta.id)): s.text for s in self.corpus.sources}
        yield "kg.html", to_html(network, texts=texts)  # texts for its source reader
        self._progress("rendered kg.html")


def build(
    sources: Path,
    ontology: Path,
    base: str | None = None,
    *,
    validate: bool = True,
    validator: str = "auto",
    cache: Any = None,
    progress: Progress = _quiet,
    notes: Callable[[str], None] = _quiet,
    warn: Callable[[str], None] = _quiet,
    strict: bool = False,
) -> Build:
    """Load, anchor, build and (unless ``validate=False``) SHACL-validate the sources.

    ``validator`` picks the SHACL engine (``auto``, ``sparql`` or ``pyshacl``: see
    :mod:`pipeline.validation.run`). ``cache`` is a :class:`pipeline.cache.DiskCache` to reuse
    per-source and per-partition
    work of an earlier run (the result is the same either way). ``progress`` receives a line
    per step; ``notes`` the loader's notes (such as "normalised to NFC"), ``warn`` its
    warnings (semantic checks: pipeline/checks.py), which ``strict`` turns into errors. Raises
    :class:`pipeline.errors.InputError` for bad annotations and :class:`OutputError` when the
    ontology or shapes are missing; a graph that violates the shapes is *returned* (see
    :attr:`Build.conforms`), never raised.
    """
    from .cache import cached_source_loader
    from .load import load_corpus

    vocab = Vocabulary(base) if base else Vocabulary()
    onto_path = ontology / "vjkg.ttl"
    if not onto_path.is_file():
        raise OutputError(f"{onto_path}: ontology not found — {ROOT_HINT}")
    shapes_path = ontology / "shapes.ttl"
    if validate and not shapes_path.is_file():
        raise OutputError(f"{shapes_path}: shapes not found — {ROOT_HINT}")
    progress(f"loading {sources}")
    loader = cached_source_loader(cache, sources) if cache is not None else None
    corpus = load_corpus(sources, loader)
    for note in corpus.notes:
        notes(note)
    if strict and corpus.warnings:  # --strict: a warning is as bad as an error (exit 3)
        raise InputError(list(corpus.warnings))
    for warning in corpus.warnings:
        warn(str(warning))
    progress(
        f"loaded {len(corpus.entities)} entities, {len(corpus.sources)} sources, "
        f"{len(corpus.claims)} claims, {len(corpus.mentions)} mentions"
    )
    dataset = build_dataset(corpus, load_ontology(onto_path, vocab), vocab)
    progress(f"built {len(dataset)} quads in {len(dataset.graphs)} named graphs")
    result = Build(corpus, dataset, vocab, ontology, _progress=progress)
    if validate:
        from .validation import load_shapes, validate_dataset

        progress(f"validating with SHACL ({validator})")
        workers = 1 if len(dataset) < PARTITION_THRESHOLD else None  # None: every CPU
        graphs = cast("Mapping[Node, Collection[Triple]]", dataset.graphs)
        origins = cast("Mapping[Node, Sequence[Location]]", dataset.origins)
        result.report, used = validate_dataset(
            graphs, load_shapes(shapes_path), origins,
            engine=validator, workers=workers, cache=cache,
        )  # fmt: skip
        progress(
            f"validation: {len(result.report.violations)} violation(s), "
            f"{len(result.report.warnings)} warning(s) ({used})"
        )
    return result
