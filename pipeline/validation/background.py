"""SPARQL validation in a child process, while the building process renders the exports.

``kg build`` has the union graph as sorted N-Triples lines once it has sorted the quads for
its exports (:meth:`pipeline.export.Rows.triples`). It writes them to a temporary file and
starts :class:`BackgroundValidation`: a fresh interpreter from the fork server (it never held
the build's objects, so nothing is shared or copied) loads that file into pyoxigraph
(:func:`.sparql.store_from_ntriples`, with no Python per triple) and runs the compiled
shapes, while the parent writes kg.ttl, the other exports, the statistics and the analysis
on the other core.

The results are the same :data:`RawResult` tuples as in-process validation gives;
:meth:`BackgroundValidation.raw` maps every term back to the one the build made, by its
N-Triples form, so the report is located and sorted exactly as before
(tests/test_validation_sparql.py compares the two).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

from rdflib.term import Node

from ..child import Child
from ..iri import to_nt
from .report import RawResult


def _validate_file(path: str, shapes_ttl: str) -> tuple[list[RawResult], float]:
    """The raw results of validating the N-Triples at ``path``, and the seconds it took."""
    from rdflib import Graph

    from .sparql import compile_shapes, run_compiled, store_from_ntriples

    t0 = time.perf_counter()
    queries = compile_shapes(Graph().parse(data=shapes_ttl, format="turtle"))
    results = run_compiled(store_from_ntriples(Path(path)), queries)
    return results, time.perf_counter() - t0


class BackgroundValidation:
    """One validation running in a child process; :meth:`raw` waits for its results."""

    def __init__(
        self,
        triples: Sequence[tuple[str, str, str]],
        terms: Mapping[str, Node],
        shapes_ttl: str,
    ):
        """Start validating the union ``triples`` (N-Triples forms, ``terms`` mapping each
        form to the build's term, which the results are mapped back to) against the shapes
        in ``shapes_ttl``."""
        from .sparql import stored_forms

        typed = {o for _, _, o in triples if o.endswith(">") and o.startswith('"')}
        stored = stored_forms(terms, typed)
        self._terms = terms
        self._dir = Path(tempfile.mkdtemp(prefix="kg-validate-"))
        # Removed when closed, collected or at exit, whichever comes first (even on Ctrl-C).
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
        path = self._dir / "union.nt"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(f"{s} {p} {stored.get(o, o)} .\n" for s, p, o in triples)
        self._child = Child("SHACL validation", _validate_file, str(path), shapes_ttl)
        self._process = self._child.process
        self._result: tuple[list[RawResult], float] | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()  # raw() may be waited for by two threads

    def done(self) -> bool:
        """Whether the results are in (never waits)."""
        return self._result is not None or self._child.done()

    def raw(self) -> tuple[list[RawResult], float]:
        """The child's results with each term replaced by the build's own term (by its
        N-Triples form), and the seconds the child took; waits for them. A failure raises
        the same error at every call."""
        with self._lock:
            return self._raw()

    def _raw(self) -> tuple[list[RawResult], float]:
        if self._error is not None:
            raise self._error
        if self._result is None:
            try:
                payload, seconds = self._child.result()
            except BaseException as exc:
                self._error = exc
                raise
            finally:
                self.close()
            terms = self._terms

            def back(node: Node | None) -> Node | None:
                return None if node is None else terms.get(to_nt(node), node)

            mapped: list[RawResult] = [
                (sev, back(focus) or focus, back(path), back(value), msg, shape, comp)
                for sev, focus, path, value, msg, shape, comp in payload
            ]
            self._result = (mapped, seconds)
        return self._result

    def close(self) -> None:
        """Stop the child if it still runs and remove the temporary file (idempotent)."""
        self._child.close()
        self._cleanup()
