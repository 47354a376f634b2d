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

import contextlib
import gc
import threading
from collections.abc import (
    Callable,
    Collection,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rdflib.namespace import RDFS
from rdflib.term import Node

from .build import Dataset, build_dataset, moved_ontology
from .child import Child, pack
from .errors import InputError, Location, ProblemCollector
from .iri import literal_parts, to_nt
from .load import DEFAULT_LIMITS, FEW_COLLECTIONS, SourceLimits
from .model import Corpus
from .readers import read_schema
from .validation import Triple, ValidationReport

if TYPE_CHECKING:
    from rdflib import Graph

    from .cache import DiskCache
    from .export import Rows
    from .validation.background import BackgroundValidation, ForkedValidation
from .vocab import SH, Vocabulary

Progress = Callable[[str], None]
ROOT_HINT = "run kg from the repository root, or pass --sources/--ontology"
# Graphs smaller than this are validated in one pySHACL run; larger ones in partitions.
PARTITION_THRESHOLD = 50_000
# kg build validates graphs of at least this many quads in a fresh child process while it
# renders the exports, and smaller ones in a forked copy of itself: a fresh child reads the
# union from a file at no Python cost per triple, a copy starts at once but puts the triples
# into its store one by one (slower from about this size on) and shares the build's pages.
BACKGROUND_FROM = 50_000
# From this many quads on, what a build has made is frozen out of the cyclic garbage
# collector (gc.freeze): it lives until the build ends and holds no cycles, and every full
# collection would scan it again. At 1M quads that was about 9 s of the build.
FREEZE_FROM = 50_000
# From this many quads on, the analysis's child starts only once the validation's child is
# done: both at once would pass 1.5 GB at 1M quads. Below, it starts with the explorer.
ANALYSIS_AFTER_VALIDATION_FROM = 400_000


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Fewer cyclic collections while loading and building allocate millions of objects
    that all stay alive (about 5 s of 17 at 1M quads); the usual thresholds after."""
    old = gc.get_threshold()
    gc.set_threshold(*FEW_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


class _AfterValidation(threading.Thread):
    """A :class:`Child` started as soon as a background validation's results are in.

    The results are read in this thread (:meth:`BackgroundValidation.raw` keeps them for the
    build), so the build's own thread goes on drawing the explorer meanwhile.
    """

    def __init__(
        self,
        pending: BackgroundValidation | ForkedValidation,
        what: str,
        func: Callable,
        packed: bytes,
    ):
        super().__init__(daemon=True)
        self._pending, self._what, self._func, self._packed = pending, what, func, packed
        self._child: Child | None = None
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._pending.raw()
        except BaseException:
            return  # failed or cancelled: the build's report says which
        try:
            self._child = Child(self._what, self._func, packed=self._packed)
        except BaseException as exc:  # raised in the build's thread by child()
            self._error = exc
        finally:
            self._packed = b""

    def child(self) -> Child | None:
        """The started child (``None`` if the validation failed or was cancelled); waits."""
        self.join()
        if self._error is not None:
            raise self._error
        return self._child


class _Analysis:
    """The entity network of a build, and its analysis once started (:meth:`Build._analysis`):
    kept, in a child, waiting for the validation to end, or done."""

    def __init__(self, build: Build, network: Any, view: Any):
        self.build, self.network, self.view = build, network, view
        self.layouts: Any = None  # the explorer's kept layouts
        self.kept: Any = None  # the kept analysis structures (pipeline.cache.Memo)
        self.inputs = b""
        self.child: Child | None = None
        self.waiter: _AfterValidation | None = None

    def analysed(self, done: tuple[dict, dict[str, str]]) -> Iterator[tuple[str, str]]:
        """The files (analysis.json, analysis.md) of ``done`` (what
        :func:`pipeline.analyse.analyse_view` returns); its structure is kept for a later
        build."""
        structure, files = done
        if self.kept is not None:
            self.kept.put(self.inputs, structure)
        yield from files.items()

    def finish(self) -> Iterator[tuple[str, str]]:
        """The analysis files not yet given; waits for a child."""
        from .analyse import analyse_view

        build = self.build
        if self.waiter is not None:
            self.child = self.waiter.child()
            if self.child is None:  # the validation failed (this raises its error) or was cancelled
                _ = build.report
                yield from self.analysed(analyse_view(self.view, build.vocab))
                build._progress("rendered analysis")
        if self.child is not None:
            yield from self.analysed(self.child.result())
            build._progress("rendered analysis (in a background process)")


def _quiet(_: str) -> None:
    """A progress callback that says nothing."""


@dataclass
class Build:
    """What one run of the pipeline produced, in memory."""

    corpus: Corpus
    dataset: Dataset
    vocab: Vocabulary
    ontology: Path
    schema: Graph  # ontology/vjkg.ttl as read (before any move to another base IRI)
    _report: ValidationReport | None = None
    _progress: Progress = field(default=_quiet, repr=False)
    _pending: BackgroundValidation | ForkedValidation | None = field(default=None, repr=False)
    # Validates in this process (when a forked copy finds that the shapes need pySHACL).
    _validate_here: Callable[[], tuple[ValidationReport, str]] | None = field(
        default=None, repr=False
    )
    # From this many quads on, the analysis runs in a child beside the explorer (None: never).
    _background_from: int | None = field(default=None, repr=False)
    _cache: DiskCache | None = field(default=None, repr=False)  # layouts, analyses

    @property
    def report(self) -> ValidationReport | None:
        """The SHACL report (``None`` when built with ``validate=False``); when validation
        runs in the background, the first access waits for it."""
        if self._pending is not None:
            from .validation import to_report

            pending, self._pending = self._pending, None
            outcome = pending.raw()
            if outcome is None:  # the shapes do not compile: pySHACL, here
                assert self._validate_here is not None
                self._report, used = self._validate_here()
            else:
                raw, seconds = outcome
                origins = cast("Mapping[Node, Sequence[Location]]", self.dataset.origins)
                self._report = to_report(raw, origins)
                used = f"sparql, {seconds:.1f} s {pending.place}"
            report = self._report
            self._progress(
                f"validation: {len(report.violations)} violation(s), {len(report.warnings)} "
                f"warning(s) ({used})"
            )
        return self._report

    def validated(self) -> bool:
        """Whether :attr:`report` is ready without waiting."""
        return self._pending is None or self._pending.done()

    def cancel(self) -> None:
        """Stop a background validation that is no longer wanted."""
        if self._pending is not None:
            self._pending.close()
            self._pending = None

    @cached_property
    def rows(self) -> Rows:
        """The quads as sorted N-Triples rows, made once for the exports and the validator."""
        from .export import Rows

        return Rows.from_dataset(self.dataset)

    @property
    def conforms(self) -> bool:
        """Whether the dataset conforms to the shapes (``True`` when not validated)."""
        return self.report is None or self.report.conforms

    @cached_property
    def labels(self) -> dict[Node, str]:
        """English labels by node, for reports a person reads."""
        out: dict[Node, str] = {}
        label, terms = to_nt(RDFS.label), self.dataset.terms
        for triples in self.dataset.triples.values():
            for s, p, o in triples:
                if p == label and o.endswith('"@en'):
                    out[terms[s]] = literal_parts(o)[0]
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

    def _analysis(self, beside: bool) -> Generator[tuple[str, str], None, _Analysis]:
        """Build the entity network and start its analysis: from the cache (an edit of a
        quote, a title or a label leaves the numbers of the analysis as they were: only the
        kept structure is labelled again), in a child while this process goes on
        (``beside``: a large graph), or here. Yields the analysis files that are ready."""
        from .analyse import (
            analyse_view,
            analysis_inputs,
            analysis_skeleton,
            analysis_view,
            render_structure,
        )
        from .network import to_networkx

        # for the analysis and the explorer, from the forms (no rdflib term is made)
        network = to_networkx(self.dataset.nt_quads(), self.vocab, forms=True)
        self._progress("built the entity network")
        # The analysis reads its view of the network alone (pipeline/analyse.py).
        view = analysis_view(network)
        started = _Analysis(self, network, view)
        kept = None
        if self._cache is not None:
            from .cache import Memo

            started.layouts = Memo(self._cache, "layout")
            started.kept = Memo(self._cache, "analysis")
            started.inputs = analysis_inputs(analysis_skeleton(view), self.vocab)
            kept = started.kept.get(started.inputs)
        # On a large graph the analysis runs in a child while this process writes the other
        # files; on a very large one, once the validation's child has finished (both at once
        # would pass 1.5 GB at 1M): a thread waits for that, so this process need not.
        if kept is not None:
            yield from render_structure(kept, view).items()
            self._progress("rendered analysis (kept from an earlier build)")
        elif (
            beside
            and self._pending is not None
            and len(self.dataset) >= ANALYSIS_AFTER_VALIDATION_FROM
        ):
            packed = pack(view, self.vocab)
            started.waiter = _AfterValidation(self._pending, "the analysis", analyse_view, packed)
        elif beside:
            started.child = Child("the analysis", analyse_view, view, self.vocab)
        else:
            yield from started.analysed(analyse_view(view, self.vocab))
            self._progress("rendered analysis")
        return started

    def outputs(self) -> Iterator[tuple[str, str | Iterable[str]]]:
        """Every file of ``graphs/`` as ``(name, text or pieces of text)``, in a fixed order.

        Each is rendered when the iterator reaches it, so memory stays flat on big graphs.
        """
        from .conflicts import to_conflicts_json
        from .explorer import iter_html
        from .export import iter_rendered
        from .ontodoc import to_ontology_html
        from .stats import compute_stats, to_stats_json

        prefixes = self.vocab.prefixes()
        beside = self._background_from is not None and len(self.dataset) >= self._background_from
        # Up to ANALYSIS_AFTER_VALIDATION_FROM, the network comes first and its analysis runs
        # in a child while the exports are written; above, after them (see _analysis).
        early = beside and len(self.dataset) < ANALYSIS_AFTER_VALIDATION_FROM
        started = (yield from self._analysis(beside)) if early else None
        rows = self.rows
        if len(self.dataset) >= FREEZE_FROM:
            gc.freeze()  # the rows too (see FREEZE_FROM)
        for name, pieces in iter_rendered(rows, prefixes):
            yield name, pieces
            self._progress(f"rendered {name}")
        distinct = rows.distinct_triples()
        del rows  # the exports are written: free the rows (made again if asked)
        self.__dict__.pop("rows")
        if started is None:
            started = yield from self._analysis(beside)
        stats = compute_stats(
            self.dataset.nt_quads(), self.vocab, distinct_triples=distinct, forms=True
        )
        yield "stats.json", to_stats_json(stats)
        yield "conflicts.json", to_conflicts_json(self.conflicts)
        self._progress("rendered stats and conflicts")
        ontology = [(s, p, o, None) for s, p, o in self.schema]
        yield "ontology.html", to_ontology_html(ontology, prefixes)
        texts = {str(self.vocab.node("source", s.meta.id)): s.text for s in self.corpus.sources}
        # texts: its source reader
        yield "kg.html", iter_html(started.network, texts=texts, memo=started.layouts)
        self._progress("rendered kg.html")
        yield from started.finish()
        # Last: a validation running in the background has had every step above to finish.
        if self.report is not None:
            yield "validation.ttl", self.validation_turtle()
            yield "validation.txt", self.validation_text()
            self._progress("rendered the validation reports")


def _read_schema(problems: ProblemCollector, read: Callable[..., Any], *args: Any) -> Any:
    """``read(*args)`` (:func:`read_schema` or :func:`pipeline.validation.load_shapes`), its
    input errors kept in ``problems`` so that the ontology's and the shapes' come together."""
    try:
        return read(*args)
    except InputError as exc:
        problems.extend(exc)
        return None


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
    background_from: int | None = None,
    limits: SourceLimits | None = None,
    parallel_load: bool = False,
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

    ``limits`` caps the size of each file read (:class:`pipeline.load.SourceLimits`).
    ``parallel_load`` reads the source folders in two processes on a large corpus
    (:func:`pipeline.load.load_corpus`). Like ``background_from``, it starts processes from
    the fork server, so a script that asks for it needs the ``if __name__ == "__main__":``
    guard of :mod:`multiprocessing`.
    ``background_from``: a dataset of at least this many quads is validated with the SPARQL
    engine in a fresh child process, a smaller one in a forked copy of this process
    (:mod:`pipeline.validation.background`), and :func:`build` returns at once;
    :attr:`Build.report` waits for it (and validates with pySHACL here if the child finds
    that the shapes do not compile). From that size :meth:`Build.outputs` also runs the
    analysis in a child while it draws the explorer. ``None`` does everything in this
    process, validating before returning.
    """
    from .cache import cached_source_loader
    from .load import load_corpus

    vocab = Vocabulary(base) if base else Vocabulary()
    onto_path = ontology / "vjkg.ttl"
    shapes_path = ontology / "shapes.ttl"
    missing = ProblemCollector()  # a missing input, as a missing sources/ is (exit 3)
    if not onto_path.is_file():
        missing.add(Location(str(onto_path)), "ontology not found", ROOT_HINT)
    if validate and not shapes_path.is_file():
        missing.add(Location(str(shapes_path)), "shapes not found", ROOT_HINT)
    missing.raise_if_any()
    limits = limits or DEFAULT_LIMITS
    # Before the sources: a broken ontology or shapes file is reported at once, both together.
    schema = _read_schema(missing, read_schema, onto_path, limits.ontology_bytes)
    if validate:
        from .validation import load_shapes

        shapes = _read_schema(missing, load_shapes, shapes_path, limits.ontology_bytes)
    missing.raise_if_any()
    if validate:  # the shapes name the ontology's terms: under --base, where they moved to
        shapes = moved_ontology(shapes, vocab)
    progress(f"loading {sources}")
    loader = cached_source_loader(cache, sources, limits) if cache is not None else None
    with _few_collections():
        corpus = load_corpus(sources, loader, limits, parallel=parallel_load)
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
    with _few_collections():
        dataset = build_dataset(corpus, moved_ontology(schema, vocab), vocab)
    if len(dataset) >= FREEZE_FROM:
        gc.freeze()
    progress(f"built {len(dataset)} quads in {len(dataset.triples)} named graphs")
    result = Build(
        corpus,
        dataset,
        vocab,
        ontology,
        schema,
        _progress=progress,
        _background_from=background_from,
        _cache=cache,
    )
    if validate:
        from .validation import validate_dataset
        from .validation.background import BackgroundValidation, ForkedValidation

        def here() -> tuple[ValidationReport, str]:
            workers = 1 if len(dataset) < PARTITION_THRESHOLD else None  # None: every CPU
            graphs = cast("Mapping[Node, Collection[Triple]]", dataset.graphs)  # rdflib terms
            origins = cast("Mapping[Node, Sequence[Location]]", dataset.origins)
            return validate_dataset(
                graphs, shapes, origins, engine=validator, workers=workers, cache=cache
            )

        if background_from is not None and validator in ("auto", "sparql"):
            # The compiled shapes run in a child while this process goes on: a forked copy of
            # it for a small graph, a fresh process from the fork server for a large one. If
            # the shapes do not compile, the child says so and pySHACL runs here, at the
            # first look at the report.
            if len(dataset) < background_from:
                progress(f"validating with SHACL ({validator}) in a forked process")
                result._pending = ForkedValidation(dataset, shapes)
            else:
                progress(f"validating with SHACL ({validator}) in a background process")
                moved = vocab.base != Vocabulary().base
                shapes_ttl = (
                    shapes.serialize(format="turtle")
                    if moved
                    else shapes_path.read_text(encoding="utf-8")
                )
                # the graphs as they are: the quads are sorted for the exports meanwhile
                graphs = list(dataset.triples.values())
                result._pending = BackgroundValidation(graphs, dataset.terms, shapes_ttl)
            result._validate_here = here
            return result
        progress(f"validating with SHACL ({validator})")
        report, used = here()
        result._report = report
        progress(
            f"validation: {len(report.violations)} violation(s), "
            f"{len(report.warnings)} warning(s) ({used})"
        )
    return result
