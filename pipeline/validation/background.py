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

import contextlib
import multiprocessing
import shutil
import signal
import tempfile
import time
import traceback
import weakref
from collections.abc import Iterable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path

from rdflib.term import Node

from ..iri import to_nt
from .report import RawResult


def _child(path: str, shapes_ttl: str, conn: Connection) -> None:
    """Validate the N-Triples at ``path``; send ``("ok", results, seconds)`` or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        from rdflib import Graph

        from .sparql import compile_shapes, run_compiled, store_from_ntriples

        t0 = time.perf_counter()
        queries = compile_shapes(Graph().parse(data=shapes_ttl, format="turtle"))
        store = store_from_ntriples(Path(path))
        results = run_compiled(store, queries)
        conn.send(("ok", results, time.perf_counter() - t0))
    except BaseException:  # everything goes back to the parent, which raises it
        conn.send(("error", traceback.format_exc(), 0.0))
    finally:
        conn.close()


class BackgroundValidation:
    """One validation running in a child process; :meth:`raw` waits for its results."""

    def __init__(
        self,
        triples: Iterable[tuple[str, str, str]],
        terms: Mapping[str, Node],
        shapes_ttl: str,
    ):
        """Start validating the union ``triples`` (N-Triples forms, ``terms`` mapping each
        form to its term) against the shapes in ``shapes_ttl``."""
        from .sparql import stored_forms

        stored = stored_forms(terms)
        self._dir = Path(tempfile.mkdtemp(prefix="kg-validate-"))
        # Removed when closed, collected or at exit, whichever comes first (even on Ctrl-C).
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
        path = self._dir / "union.nt"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            batch: list[str] = []
            for s, p, o in triples:
                batch.append(f"{s} {p} {stored.get(o, o)} .\n")
                if len(batch) >= 20_000:
                    fh.write("".join(batch))
                    batch.clear()
            fh.write("".join(batch))
        ctx = multiprocessing.get_context("forkserver")
        self._conn, child_end = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_child, args=(str(path), shapes_ttl, child_end), daemon=True
        )
        self._process.start()
        child_end.close()
        self._result: tuple[list[RawResult], float] | None = None

    def done(self) -> bool:
        """Whether the results are in (never waits)."""
        return self._result is not None or self._conn.poll()

    def raw(self, terms: Mapping[str, Node]) -> tuple[list[RawResult], float]:
        """The child's results with each term replaced by ``terms[its N-Triples form]``
        (the build's own term), and the seconds the child took; waits for them."""
        if self._result is None:
            try:
                status, payload, seconds = self._conn.recv()
            except EOFError:
                status, payload, seconds = "error", "the validation process died", 0.0
            finally:
                self.close()
            if status != "ok":
                raise RuntimeError(f"SHACL validation failed in its process:\n{payload}")

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
        self._process.join(timeout=1 if self._result is None else 5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        with contextlib.suppress(OSError):
            self._conn.close()
        self._cleanup()
