"""SPARQL validation in a child process, while the building process renders the exports.

``kg build`` has every graph's triples as N-Triples forms once it has built the dataset
(:class:`pipeline.build.Dataset`). It writes them, in no order, to a temporary file and
starts :class:`BackgroundValidation`: a fresh interpreter from the fork server (it never held
the build's objects, so nothing is shared or copied) loads that file into pyoxigraph
(:func:`.sparql.store_from_ntriples`, with no Python per triple) and runs the compiled
shapes, while the parent writes kg.ttl, the other exports, the statistics and the analysis
on the other core.

The results are the same :data:`RawResult` tuples as in-process validation gives;
:meth:`BackgroundValidation.raw` maps every term back to the one the build made, by its
N-Triples form, so the report is located and sorted exactly as before
(tests/test_validation_sparql.py compares the two).

A graph under ``kg build --background-from`` quads is validated by :class:`ForkedValidation`
instead: a forked copy of the build, which has the graph and the shapes in memory already
and starts at once (the fresh interpreter's start-up and the file were most of a small
graph's validation time). Either child compiles the shapes itself; when they do not
compile, :meth:`raw` says so (``None``) and the build validates with pySHACL in its own
process, as it would have without a child.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph
from rdflib.term import Node

from ..child import Child
from ..iri import to_nt
from .report import RawResult

if TYPE_CHECKING:
    from ..build import Dataset


def _validate_file(path: str, shapes_ttl: str) -> tuple[list[RawResult], float] | None:
    """The raw results of validating the N-Triples at ``path`` and the seconds it took, or
    ``None`` when the shapes do not compile."""
    from ..readers import schema_from_text
    from .sparql import Unsupported, compile_shapes, run_compiled, store_from_ntriples

    t0 = time.perf_counter()
    try:
        queries = compile_shapes(schema_from_text(shapes_ttl))
    except Unsupported:
        return None
    results = run_compiled(store_from_ntriples(Path(path)), queries)
    return results, time.perf_counter() - t0


Outcome = tuple[list[RawResult], float] | None  # results and seconds; None: not compiled


class _Pending:
    """A validation running in a :class:`Child`; :meth:`raw` waits for its outcome."""

    place = ""  # where it runs, for the progress line

    def __init__(self, child: Child):
        self._child = child
        self._outcome: Outcome = None
        self._in = False  # whether _outcome is the child's
        self._error: BaseException | None = None
        self._lock = threading.Lock()  # raw() may be waited for by two threads

    def done(self) -> bool:
        """Whether the outcome is in (never waits)."""
        return self._in or self._child.done()

    def raw(self) -> Outcome:
        """The results, each term the build's own, and the seconds the child took; or
        ``None`` when the shapes do not compile (the build then validates with pySHACL).
        Waits for them; a failure raises the same error at every call."""
        with self._lock:
            if self._error is not None:
                raise self._error
            if not self._in:
                try:
                    outcome = self._child.result()
                except BaseException as exc:
                    self._error = exc
                    raise
                finally:
                    self.close()
                self._outcome, self._in = (None if outcome is None else self._back(outcome)), True
            return self._outcome

    def _back(self, outcome: tuple[list[RawResult], float]) -> tuple[list[RawResult], float]:
        """The child's results as the build's terms (they are already, by default)."""
        return outcome

    def close(self) -> None:
        """Stop the child if it still runs (idempotent)."""
        self._child.close()


class BackgroundValidation(_Pending):
    """A validation in a fresh child process from the fork server (the module docstring)."""

    place = "in a background process"

    def __init__(
        self,
        graphs: Collection[Iterable[tuple[str, str, str]]],
        terms: Mapping[str, Node],
        shapes_ttl: str,
    ):
        """Start validating the union of ``graphs``, each an iterable of triples in
        N-Triples forms (``terms`` maps each form to the build's term, which the results are
        mapped back to), against the shapes in ``shapes_ttl``.

        The triples need no order and may repeat across graphs: the store is a set, and its
        answers do not depend on the order triples came in. So the validation starts as soon
        as the dataset is built, before the build sorts the quads for its exports.
        """
        from .sparql import stored_forms

        typed = {o for triples in graphs for _, _, o in triples if o[-1] == ">" and o[0] == '"'}
        stored = stored_forms(terms, typed)
        self._terms = terms
        self._dir = Path(tempfile.mkdtemp(prefix="kg-validate-"))
        # Removed when closed, collected or at exit, whichever comes first (even on Ctrl-C).
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
        path = self._dir / "union.nt"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            for triples in graphs:
                fh.writelines(f"{s} {p} {stored.get(o, o)} .\n" for s, p, o in triples)
        super().__init__(Child("SHACL validation", _validate_file, str(path), shapes_ttl))
        self._process = self._child.process

    def _back(self, outcome: tuple[list[RawResult], float]) -> tuple[list[RawResult], float]:
        """Each term of the results replaced by the build's own (by its N-Triples form)."""
        payload, seconds = outcome
        terms = self._terms

        def back(node: Node | None) -> Node | None:
            return None if node is None else terms.get(to_nt(node), node)

        mapped: list[RawResult] = [
            (sev, back(focus) or focus, back(path), back(value), msg, shape, comp)
            for sev, focus, path, value, msg, shape, comp in payload
        ]
        return mapped, seconds

    def close(self) -> None:
        """Stop the child if it still runs and remove the temporary file (idempotent)."""
        super().close()
        self._cleanup()


def _validate_copy(dataset: Dataset, shapes: Graph) -> tuple[list[RawResult], float] | None:
    """In a forked copy of the build: the compiled shapes' results on the union of the
    dataset's graphs and the seconds they took, or ``None`` when the shapes do not compile."""
    from .sparql import Unsupported, compile_shapes, run_compiled, to_store

    t0 = time.perf_counter()
    try:
        queries = compile_shapes(shapes)
    except Unsupported:
        return None
    union = {t for group in dataset.graphs.values() for t in group}  # its terms made here
    return run_compiled(to_store(union), queries), time.perf_counter() - t0


class ForkedValidation(_Pending):
    """A small graph validated in a forked copy of the build (:class:`Child` with
    ``fork=True``) while the build renders the exports: the same compiled shapes on the same
    triples as :func:`.run.validate_dataset` in this process, so the same results."""

    place = "in a forked process"

    def __init__(self, dataset: Dataset, shapes: Graph):
        from . import sparql  # noqa: F401  imported here, before the fork, not in the copy

        super().__init__(Child("SHACL validation", _validate_copy, dataset, shapes, fork=True))
