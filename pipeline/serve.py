"""Serve stage: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

``kg serve`` answers ``GET /sparql?query=…`` and ``POST /sparql`` (``application/sparql-query``
or a form) with the stdlib :class:`~http.server.ThreadingHTTPServer`. Queries run in worker
processes, each holding the graph in a pyoxigraph store in memory (``--workers`` copies), so
a query that outlives the time limit is stopped by ending its worker (a thread cannot
interrupt pyoxigraph) and a fresh worker takes its place. What the endpoint refuses, before
any evaluation, with a 4xx message:

- SPARQL Update in any form (``/update``, ``update=``, ``application/sparql-update``,
  ``INSERT``/``DELETE``/``LOAD``/``CLEAR``/``DROP``/… in a query), and writes of any method;
- ``SERVICE`` in any spelling (the engine would call the remote endpoint); and should that
  check miss one, the workers cannot open a network connection (:mod:`pipeline.sandbox`);
- ``FROM``/``FROM NAMED`` and ``default-graph-uri``/``named-graph-uri`` naming a graph that is
  not one of ours (nothing is ever fetched);
- results beyond the row cap or the byte cap, and request bodies beyond the size limit.

While a query runs, its worker's memory is capped (``--max-memory-mb``; past it the query
gets 503 and the worker is replaced), and long queries may hold every worker but one
(``--long-after``), so that short queries are always answered.

``GET /`` is a page listing the saved queries (each with a link that runs it) and a form.
"""

from __future__ import annotations

import html
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pyoxigraph as ox

from .errors import QueryError, UsageError
from .query import (
    NetworkRefused,
    QueryResult,
    QueryShape,
    ResultLimitExceeded,
    ResultTooLarge,
    SavedQuery,
    compact_iri,
    count_quads,
    describe_service_refusal,
    graph_names,
    list_saved_queries,
    open_store,
    run_query,
    scan_query,
    to_cell,
    to_graph_text,
    to_results_csv,
    to_results_json,
    to_results_tsv,
    to_results_xml,
)
from .sandbox import SandboxStatus, cap_memory, deny_network
from .vocab import Vocabulary

DEFAULT_PORT = 8765
DEFAULT_MAX_RESULT_BYTES = 16 * 2**20  # --max-result-mb 16: bytes of one answer
DEFAULT_MAX_MEMORY_MB = 1024  # --max-memory-mb: MiB one query may add to its worker
DEFAULT_LONG_AFTER = 2.0  # --long-after: seconds after which a query counts as long
REMOTE_SCHEMES = ("http:", "https:", "ftp:", "file:")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
}

# (key, media type) in order of preference; the first is the default.
RESULT_MEDIA = (
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("html", "text/html"),
    ("json", "application/json"),
)
GRAPH_MEDIA = (
    ("turtle", "text/turtle"),
    ("ntriples", "application/n-triples"),
    ("html", "text/html"),
    ("ntriples", "text/plain"),
)
MEDIA_TYPE = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
}


@dataclass(frozen=True)
class ServeConfig:
    """Settings of ``kg serve``."""

    input: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    timeout: float = 10.0
    max_results: int = 10_000
    workers: int = 2
    queries_dir: Path | None = None
    max_request_bytes: int = 1_000_000
    quiet: bool = False
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    long_after: float = DEFAULT_LONG_AFTER


class Refusal(Exception):
    """A request the endpoint will not answer: an HTTP status and a message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------- policy


def check_read_only(
    shape: QueryShape,
    our_graphs: Sequence[str],
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
) -> None:
    """Raise :class:`Refusal` for updates, ``SERVICE`` and graphs that are not ours.

    >>> shape = scan_query("SELECT * FROM <http://evil.example/x.ttl> WHERE { ?s ?p ?o }")
    >>> try:
    ...     check_read_only(shape, ["https://w3id.org/vjkg/graph/doc-000"])
    ... except Refusal as r:
    ...     print(r.status, r.message.partition(" is refused")[0])
    403 FROM <http://evil.example/x.ttl>
    """
    if shape.update_keywords:
        words = ", ".join(shape.update_keywords)
        raise Refusal(
            HTTPStatus.FORBIDDEN,
            f"SPARQL Update ({words}) is refused: this endpoint is read-only. "
            "To change the graph, edit sources/ and run `kg build`; to load it into a store "
            "you can write to, use `kg push`.",
        )
    if shape.asks_for_network:
        why = describe_service_refusal(shape, "this endpoint never calls other endpoints")
        raise Refusal(HTTPStatus.FORBIDDEN, why)
    ours = set(our_graphs)
    for clause, iris in (
        ("FROM", shape.from_graphs),
        ("FROM NAMED", shape.from_named_graphs),
        ("default-graph-uri", default_graph_uris),
        ("named-graph-uri", named_graph_uris),
    ):
        for iri in iris:
            if iri in ours:
                continue
            listing = ", ".join(f"<{g}>" for g in sorted(ours))
            if iri.lower().startswith(REMOTE_SCHEMES):
                raise Refusal(
                    HTTPStatus.FORBIDDEN,
                    f"{clause} {_show(iri)} is refused: this endpoint does not fetch remote "
                    f"graphs; it holds only its own named graphs: {listing}",
                )
            raise Refusal(
                HTTPStatus.BAD_REQUEST,
                f"{clause} {_show(iri)}: no such graph here; the named graphs are: {listing}",
            )


def _show(iri: str) -> str:
    return iri if iri.startswith("?") else f"<{iri}>"


def choose_format(accept: str | None, offered: Sequence[tuple[str, str]]) -> str:
    """The offered format the ``Accept`` header likes best (ties: the server's order).

    >>> choose_format("text/csv, */*;q=0.1", RESULT_MEDIA)
    'csv'
    >>> choose_format("text/html,application/xhtml+xml,*/*;q=0.8", RESULT_MEDIA)
    'html'
    >>> choose_format(None, GRAPH_MEDIA)
    'turtle'
    """
    if not accept:
        return offered[0][0]
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media, q))
    best_key, best_q, best_rank = offered[0][0], 0.0, -1
    for key, media in offered:
        major = media.split("/")[0]
        q, rank = 0.0, -1
        for pattern, pq in ranges:
            specificity = 2 if pattern == media else 1 if pattern == f"{major}/*" else 0
            if pattern in (media, f"{major}/*", "*/*") and specificity > rank:
                q, rank = pq, specificity
        if q > best_q:
            best_key, best_q, best_rank = key, q, rank
        elif q == best_q and q > 0 and rank > best_rank:
            best_key, best_rank = key, rank
    return best_key if best_q > 0 else offered[0][0]


# ---------------------------------------------------------------- evaluation (in a worker)


@dataclass(frozen=True)
class QueryJob:
    """One query for a worker: text, dataset, output format and result caps."""

    text: str
    fmt: str
    max_results: int
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_bytes: int = DEFAULT_MAX_RESULT_BYTES


@dataclass(frozen=True)
class JobAnswer:
    """What a worker sends back: an HTTP status, a media type and the body."""

    status: int
    content_type: str
    body: bytes
    results: int = 0
    recycle: bool = False  # the worker should be replaced (it ran out of memory)


def execute_job(store: ox.Store, job: QueryJob, prefixes: Mapping[str, str]) -> JobAnswer:
    """Run one job on ``store`` and render the answer (errors become 4xx/5xx answers)."""
    try:
        result = run_query(
            store,
            job.text,
            origin="query",
            prefixes=prefixes,
            default_graph=job.default_graph,
            named_graphs=job.named_graphs,
            max_results=job.max_results,
            max_bytes=job.max_bytes,
        )
    except ResultLimitExceeded as exc:
        message = f"{exc}; kg serve was started with --max-results {job.max_results}"
        return _text_answer(HTTPStatus.BAD_REQUEST, message)
    except ResultTooLarge as exc:
        return _text_answer(HTTPStatus.BAD_REQUEST, _too_large(exc.max_bytes))
    except NetworkRefused as exc:
        return _text_answer(HTTPStatus.FORBIDDEN, str(exc))
    except QueryError as exc:
        return _text_answer(HTTPStatus.BAD_REQUEST, str(exc))
    body = render_result(result, job.fmt, job.text, prefixes).encode("utf-8")
    if len(body) > job.max_bytes:
        return _text_answer(HTTPStatus.BAD_REQUEST, _too_large(job.max_bytes))
    return JobAnswer(HTTPStatus.OK, MEDIA_TYPE[job.fmt], body, len(result))


def _too_large(max_bytes: int) -> str:
    return f"{ResultTooLarge(max_bytes)} (kg serve --max-result-mb {round(max_bytes / 2**20, 3):g})"


def memory_refusal(max_memory_mb: int) -> str:
    """The message for a query that ran out of the memory a query may use."""
    return (
        f"the query needed more than the {max_memory_mb} MiB of memory a query may use "
        f"(kg serve --max-memory-mb {max_memory_mb}) and was stopped; make it more selective, "
        "avoid building long strings (CONCAT, REPLACE, GROUP_CONCAT), or raise the limit"
    )


def render_result(
    result: QueryResult, fmt: str, query_text: str, prefixes: Mapping[str, str]
) -> str:
    """The result in the negotiated format (``html`` is a page with a table)."""
    if fmt == "html":
        return to_results_html(result, query_text, prefixes)
    if result.kind == "graph":
        return to_graph_text(result, fmt, prefixes)
    writers: dict[str, Callable[[QueryResult], str]] = {
        "json": to_results_json,
        "xml": to_results_xml,
        "csv": to_results_csv,
        "tsv": to_results_tsv,
    }
    return writers[fmt](result)


def _text_answer(status: int, message: str) -> JobAnswer:
    return JobAnswer(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def _worker_main(
    conn: multiprocessing.connection.Connection, input_path: str, max_memory_mb: int
) -> None:
    """A worker process: cut off from the network, load the graph, cap memory, answer jobs.

    In memory rather than one shared on-disk store: pyoxigraph's in-memory store answers the
    saved queries about five times faster than its RocksDB store opened read-only.

    The network goes first (:func:`~pipeline.sandbox.deny_network`), before any query text
    is read. The memory cap is set once the graph is loaded, so it bounds what one query may
    add: past it Python raises ``MemoryError`` (the worker answers, then asks to be
    replaced) or the engine aborts the process (the pool sees it die and replaces it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    os.environ["RUST_BACKTRACE"] = "0"  # a query stopped by the memory cap logs one line
    sandbox = deny_network()
    store = open_store(Path(input_path))
    prefixes = Vocabulary().prefixes()
    cap_memory(max_memory_mb)
    conn.send(("ready", graph_names(store), count_quads(store), sandbox))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = execute_job(store, job, prefixes)
        except MemoryError:
            answer = _text_answer(HTTPStatus.SERVICE_UNAVAILABLE, memory_refusal(max_memory_mb))
            answer = replace(answer, recycle=True)
        except Exception as exc:  # a bug: answer 500 rather than die silently
            answer = _text_answer(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}: {exc}"
            )
        conn.send(answer)
        if answer.recycle:
            return


# ---------------------------------------------------------------- the worker pool


class QueryTimeout(Exception):
    """A query ran past the time limit; its worker was stopped."""


class PoolBusy(Exception):
    """No worker became free within the time limit."""


class LongQueriesBusy(Exception):
    """A query ran long while the other long queries already held every worker but one."""


class _Worker:
    def __init__(self, ctx: Any, input_path: str, max_memory_mb: int):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, input_path, max_memory_mb), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self.graphs: list[str] = []
        self.quads = 0
        self.sandbox = SandboxStatus("", "the worker has not started")

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            raise RuntimeError(f"a query worker did not start within {timeout:.0f} s")
        _, self.graphs, self.quads, self.sandbox = self.conn.recv()
        self.ready = True

    def exit_code(self) -> int | None:
        """The worker's exit code once it has died (negative: the signal that ended it)."""
        self.process.join(2)
        return self.process.exitcode

    def stop(self) -> None:
        self.conn.close()
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)


class QueryPool:
    """Worker processes answering :class:`QueryJob`s, each with the graph in memory.

    ``run`` gives each job ``timeout`` seconds; past that the worker is killed and
    replaced, and :class:`QueryTimeout` is raised. Memory: one copy of the graph per worker,
    plus at most ``max_memory_mb`` MiB per running query (a worker that goes past it is
    replaced and the query answered 503).

    Fairness: a query still running after ``long_after`` seconds is *long*, and at most
    ``size - 1`` long queries run at once (1 with a single worker). A query that turns long
    when that many already are is stopped (:class:`LongQueriesBusy`), so one worker is
    always free for short queries within ``long_after`` seconds, whatever the long ones do.
    """

    def __init__(
        self,
        input_path: Path,
        size: int,
        timeout: float,
        max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
        long_after: float = DEFAULT_LONG_AFTER,
    ):
        if size < 1:
            raise UsageError("--workers must be at least 1")
        self.timeout = timeout
        self.max_memory_mb = max_memory_mb
        self.long_after = long_after
        self.long_slots = max(1, size - 1)
        self._long = threading.BoundedSemaphore(self.long_slots)
        self.input_path = str(input_path)
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.graphs: list[str] = []
        self.quads = 0
        # Parse once here first, so a bad file fails with its located message, not in a worker.
        store = open_store(input_path)
        self.graphs, self.quads = graph_names(store), count_quads(store)
        del store
        try:
            for _ in range(size):
                self._idle.put(self._spawn())
            workers = list(self._all)
            for w in workers:
                w.wait_ready(120)
        except BaseException:
            self.close()
            raise
        self.sandbox = workers[0].sandbox

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.input_path, self.max_memory_mb)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()

    def _replace(self, worker: _Worker, kill: bool = False) -> None:
        if kill:
            worker.process.kill()  # the only sure way to stop a query that is running
        self._retire(worker)
        self._idle.put(self._spawn())

    def run(self, job: QueryJob) -> JobAnswer:
        """Answer ``job`` in a free worker within the time limit (see the class for limits)."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy from None
        holds_long_slot = False
        try:
            worker.wait_ready(120)
            worker.conn.send(job)
            first_wait = min(self.long_after, self.timeout)
            done = worker.conn.poll(first_wait)
            if not done and first_wait < self.timeout:
                holds_long_slot = self._long.acquire(blocking=False)
                if not holds_long_slot and not worker.conn.poll(0):
                    self._replace(worker, kill=True)
                    raise LongQueriesBusy
                done = worker.conn.poll(self.timeout - first_wait)
            if not done:
                self._replace(worker, kill=True)
                raise QueryTimeout
            answer: JobAnswer = worker.conn.recv()
        except (EOFError, OSError, RuntimeError) as exc:
            code = worker.exit_code()
            self._replace(worker)
            return self._died(code, exc)
        finally:
            if holds_long_slot:
                self._long.release()
        if answer.recycle:
            self._replace(worker)
        else:
            self._idle.put(worker)
        return answer

    def _died(self, code: int | None, exc: BaseException) -> JobAnswer:
        if code == -signal.SIGABRT:  # the engine aborts when an allocation fails
            return _text_answer(HTTPStatus.SERVICE_UNAVAILABLE, memory_refusal(self.max_memory_mb))
        if code == -signal.SIGKILL:
            return _text_answer(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "the query worker was killed (signal 9: the system may be short of memory) "
                "and has been replaced; make the query more selective, or lower "
                "--max-memory-mb so that a query is stopped before the system runs out",
            )
        what = f"exit code {code}" if code is not None else str(exc)
        return _text_answer(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            f"the query worker stopped ({what}) while running the query and has been "
            "replaced; try again",
        )

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.stop()


# ---------------------------------------------------------------- pages


_PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;"
    "padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    "pre,textarea{font-family:ui-monospace,monospace;font-size:.9em}textarea{width:100%}"
    "pre{background:#f7f7f7;padding:.6em;overflow-x:auto}.d{color:#555}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_PAGE_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def run_link(query_text: str) -> str:
    """A relative link that runs ``query_text`` on this endpoint (already URL-encoded)."""
    return "/sparql?query=" + quote(query_text, safe="")


def to_landing_html(
    saved: Sequence[SavedQuery], graphs: Sequence[str], quads: int, edit: str = ""
) -> str:
    """The page at ``/``: the saved queries (run links) and a form; every string escaped."""
    esc = html.escape
    first = next((q.text for q in saved if q.name == edit), "")
    example = first or (
        "SELECT ?org ?label WHERE {\n  ?org a vjkg:Ministry ; rdfs:label ?label .\n"
        '  FILTER(lang(?label) = "vi")\n}\nORDER BY ?org'
    )
    parts = [
        "<h1>vjkg SPARQL endpoint</h1>",
        f"<p>Read-only SPARQL 1.1 endpoint at <code>/sparql</code> over {quads} quads in "
        f"{len(graphs)} named graphs; the default graph is their union. The graph's prefixes "
        "(<code>vjkg:</code>, <code>res:</code>, <code>skos:</code>, …) are predeclared.</p>",
        '<form action="/sparql" method="post">',
        f'<textarea name="query" rows="10" spellcheck="false">{esc(example)}</textarea>',
        '<p><label>Results as <select name="format">'
        '<option value="html">HTML table</option><option value="json">SPARQL JSON</option>'
        '<option value="xml">SPARQL XML</option><option value="csv">CSV</option>'
        '<option value="tsv">TSV</option><option value="turtle">Turtle (CONSTRUCT)</option>'
        '</select></label> <button type="submit">Run</button></p>',
        "</form>",
        "<h2>Saved queries</h2>",
    ]
    if not saved:
        parts.append("<p>No saved queries are installed.</p>")
    else:
        parts.append("<table><tr><th>name</th><th>what it asks</th><th></th></tr>")
        for q in saved:
            parts.append(
                f'<tr><td><a href="{esc(run_link(q.text))}">{esc(q.name)}</a></td>'
                f"<td>{esc(q.description)}</td>"
                f'<td><a href="/?edit={esc(quote(q.name, safe=""))}">edit</a> · '
                f'<a href="/queries/{esc(quote(q.name, safe=""))}.rq">text</a></td></tr>'
            )
        parts.append("</table>")
    parts.append("<h2>Named graphs</h2><ul>")
    parts += [f"<li><code>{esc(g)}</code></li>" for g in graphs]
    parts.append("</ul>")
    return _page("vjkg SPARQL endpoint", "\n".join(parts))


def to_results_html(result: QueryResult, query_text: str, prefixes: Mapping[str, str]) -> str:
    """A result as an HTML page (a table; triples as subject/predicate/object rows)."""
    esc = html.escape
    if result.kind == "ask":
        table = f"<p><strong>{'true' if result.boolean else 'false'}</strong></p>"
        n = ""
    else:
        if result.kind == "graph":
            header: Sequence[str] = ("subject", "predicate", "object")
            rows: list[tuple[Any, ...]] = sorted(
                ((t.subject, t.predicate, t.object) for t in result.triples), key=str
            )
        else:
            header, rows = result.variables, list(result.rows)
        cells = ["<table><tr>" + "".join(f"<th>{esc(v)}</th>" for v in header) + "</tr>"]
        for row in rows:
            cells.append(
                "<tr>" + "".join(f"<td>{_html_cell(t, prefixes)}</td>" for t in row) + "</tr>"
            )
        cells.append("</table>")
        table = "\n".join(cells)
        n = f"<p>{len(rows)} result{'s' if len(rows) != 1 else ''}</p>"
    body = f'<p><a href="/">← saved queries</a></p><pre>{esc(query_text)}</pre>{n}\n{table}'
    return _page("vjkg query results", body)


def _html_cell(term: Any, prefixes: Mapping[str, str]) -> str:
    if term is None:
        return ""
    text = html.escape(to_cell(term, prefixes))
    if isinstance(term, ox.NamedNode) and term.value.startswith(("http://", "https://")):
        title = html.escape(term.value)
        if compact_iri(term.value, prefixes).startswith("<"):
            return f'<a href="{title}">{text}</a>'
        return f'<a href="{title}" title="{title}">{text}</a>'
    return text


# ---------------------------------------------------------------- HTTP


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: holds the pool, the saved queries and the settings."""

    daemon_threads = True

    def __init__(self, config: ServeConfig, pool: QueryPool):
        self.config = config
        self.pool = pool
        self.saved = list_saved_queries(config.queries_dir)
        self.prefixes = Vocabulary().prefixes()
        super().__init__((config.host, config.port), SparqlHandler)


class SparqlHandler(BaseHTTPRequestHandler):
    """Routes: ``/`` page, ``/sparql`` (and ``/query``) endpoint, ``/queries/NAME.rq``."""

    server: SparqlServer
    server_version = "vjkg-sparql/0.1"
    timeout = 30  # seconds to read a request: a slow client cannot hold a thread forever

    # -- plumbing

    def _send(
        self, status: int, content_type: str, body: bytes, extra: Mapping[str, str] = {}
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in {**SECURITY_HEADERS, **extra}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_text(self, status: int, message: str, extra: Mapping[str, str] = {}) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"), extra)

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.config.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    # -- methods

    def do_GET(self) -> None:
        """Serve the page, a saved query's text, or a query."""
        url = urlsplit(self.path)
        try:
            params = _parse_params(url.query)
            if url.path == "/":
                self._landing(params)
            elif url.path.startswith("/queries/") and url.path.endswith(".rq"):
                self._saved_text(url.path[len("/queries/") : -len(".rq")])
            elif url.path in ("/sparql", "/query"):
                self._query(params, None)
            elif url.path in ("/update", "/store", "/data"):
                raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
            else:
                raise Refusal(HTTPStatus.NOT_FOUND, f"no page {url.path}; the endpoint is /sparql")
        except Refusal as r:
            self._send_text(r.status, r.message)

    def do_POST(self) -> None:
        """Queries as ``application/sparql-query`` or form; updates are refused."""
        url = urlsplit(self.path)
        try:
            if url.path in ("/update", "/store", "/data"):
                raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
            if url.path not in ("/sparql", "/query"):
                raise Refusal(HTTPStatus.NOT_FOUND, f"no endpoint {url.path}; POST to /sparql")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
            body = self._read_body()
            params = _parse_params(url.query)
            if ctype == "application/sparql-query":
                self._query(params, _decode(body))
            elif ctype == "application/x-www-form-urlencoded":
                form = _parse_params(_decode(body))
                for k, v in form.items():
                    params.setdefault(k, []).extend(v)
                self._query(params, None)
            else:
                raise Refusal(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"Content-Type {ctype or '(none)'} is not a query; send "
                    "application/sparql-query or application/x-www-form-urlencoded",
                )
        except Refusal as r:
            self._send_text(r.status, r.message)

    def _refuse_write(self) -> None:
        self._send_text(HTTPStatus.METHOD_NOT_ALLOWED, _READ_ONLY, {"Allow": "GET, POST"})

    do_PUT = do_DELETE = do_PATCH = _refuse_write

    # -- handlers

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise Refusal(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length header")
        try:
            n = int(length)
        except ValueError:
            raise Refusal(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from None
        if n < 0 or n > self.server.config.max_request_bytes:
            raise Refusal(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request body is over {self.server.config.max_request_bytes} bytes",
            )
        return self.rfile.read(n)

    def _landing(self, params: dict[str, list[str]]) -> None:
        edit = (params.get("edit") or [""])[0]
        page = to_landing_html(
            self.server.saved, self.server.pool.graphs, self.server.pool.quads, edit
        )
        self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))

    def _saved_text(self, name: str) -> None:
        for q in self.server.saved:
            if q.name == name:
                self._send(
                    HTTPStatus.OK, "application/sparql-query; charset=utf-8", q.text.encode()
                )
                return
        raise Refusal(HTTPStatus.NOT_FOUND, f"no saved query {name!r}")

    def _query(self, params: dict[str, list[str]], body_query: str | None) -> None:
        if "update" in params:
            raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
        queries = params.get("query", [])
        if body_query is not None:
            queries = [body_query]
        if len(queries) != 1 or not queries[0].strip():
            raise Refusal(
                HTTPStatus.BAD_REQUEST,
                "give exactly one query: GET /sparql?query=… or POST application/sparql-query",
            )
        text = queries[0]
        default_uris = params.get("default-graph-uri", [])
        named_uris = params.get("named-graph-uri", [])
        shape = scan_query(text, self.server.prefixes)
        check_read_only(shape, self.server.pool.graphs, default_uris, named_uris)
        offered = GRAPH_MEDIA if shape.form in ("CONSTRUCT", "DESCRIBE") else RESULT_MEDIA
        explicit = (params.get("format") or params.get("output") or [""])[0].lower()
        keys = {k for k, _ in offered}
        if explicit and explicit not in keys:
            raise Refusal(
                HTTPStatus.BAD_REQUEST,
                f"format={explicit} is not offered for this query; "
                f"use one of {', '.join(sorted(keys))}",
            )
        fmt = explicit or choose_format(self.headers.get("Accept"), offered)
        has_protocol_dataset = bool(default_uris or named_uris)
        job = QueryJob(
            text,
            fmt,
            self.server.config.max_results,
            tuple(default_uris) if has_protocol_dataset else None,
            tuple(named_uris) if has_protocol_dataset else None,
            self.server.config.max_result_bytes,
        )
        started = time.monotonic()
        try:
            answer = self.server.pool.run(job)
        except QueryTimeout:
            raise Refusal(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"the query ran past the time limit of {self.server.config.timeout:g} s and was "
                "stopped; make it more selective or add LIMIT (or restart kg serve with a "
                "larger --timeout)",
            ) from None
        except LongQueriesBusy:
            pool = self.server.pool
            raise Refusal(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"the query ran longer than {pool.long_after:g} s while {pool.long_slots} other "
                f"long quer{'y' if pool.long_slots == 1 else 'ies'} already ran, and was stopped: "
                "kg serve keeps one worker for short queries (--workers, --long-after); try "
                "again later, make the query faster, or start kg serve with more --workers",
            ) from None
        except PoolBusy:
            raise Refusal(
                HTTPStatus.SERVICE_UNAVAILABLE, "all query workers are busy; try again shortly"
            ) from None
        elapsed = (time.monotonic() - started) * 1000
        self._send(
            answer.status,
            answer.content_type,
            answer.body,
            {"X-Query-Time-Ms": f"{elapsed:.1f}", "Vary": "Accept"},
        )


_READ_ONLY = (
    "this endpoint is read-only: SPARQL Update and Graph Store writes are refused. "
    "To change the graph, edit sources/ and run `kg build`; to load it into a store you "
    "can write to, use `kg push --endpoint URL`."
)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(
            HTTPStatus.BAD_REQUEST, f"the request is not UTF-8 (byte {exc.start})"
        ) from None


def _parse_params(query: str) -> dict[str, list[str]]:
    try:
        return parse_qs(query, keep_blank_values=True, errors="strict", max_num_fields=100)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refusal(HTTPStatus.BAD_REQUEST, f"malformed parameters: {exc}") from None


def start_server(config: ServeConfig) -> SparqlServer:
    """Load the graph into the worker pool and bind the server (not yet serving)."""
    pool = QueryPool(
        config.input, config.workers, config.timeout, config.max_memory_mb, config.long_after
    )
    try:
        return SparqlServer(config, pool)
    except OSError as exc:
        pool.close()
        raise UsageError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror} — "
            "choose another --port (0 picks a free one)"
        ) from None


def run_server(config: ServeConfig, announce: Callable[[SparqlServer], None]) -> None:
    """Serve until interrupted; the pool and its temporary store are always cleaned up."""
    server = start_server(config)
    try:
        announce(server)
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        server.pool.close()
