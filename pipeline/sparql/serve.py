"""Serve stage: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

``kg serve`` answers ``GET /sparql?query=…`` and ``POST /sparql`` (``application/sparql-query``
or a form) with the stdlib :class:`~http.server.ThreadingHTTPServer`, speaking HTTP/1.1 with
keep-alive. ``GET /sparql`` without a query is the SPARQL 1.1 Service Description
(:mod:`pipeline.sparql.service_description`); ``HEAD`` answers every ``GET`` resource, ``OPTIONS``
the allowed methods and CORS preflights (``--cors``). Queries run in worker processes, each
holding the graph in a pyoxigraph store in memory (``--workers`` copies), so a query that
outlives the time limit is stopped by ending its worker (a thread cannot interrupt
pyoxigraph) and a fresh worker takes its place.

The dataset: the default graph is the union of the named graphs. ``default-graph-uri`` /
``named-graph-uri`` replace it (and the query's ``FROM``); a graph the dataset does not hold
is an empty graph, never fetched, named in the ``X-Graphs-Not-Held`` header.

What the endpoint refuses, before any evaluation, with a 4xx message:

- SPARQL Update in any form (``/update``, ``update=``, ``application/sparql-update``,
  ``INSERT``/``DELETE``/``LOAD``/``CLEAR``/``DROP``/… in a query), and writes of any method;
- ``SERVICE`` in any spelling (the engine would call the remote endpoint); and should that
  check miss one, the workers cannot open a network connection (:mod:`pipeline.sparql.sandbox`);
- ``FROM``/``FROM NAMED`` and ``default-graph-uri``/``named-graph-uri`` naming a graph that is
  not one of ours (nothing is ever fetched);
- results beyond the row cap or the byte cap, request bodies beyond the size limit,
  connections beyond the cap.

While a query runs, its worker's memory is capped (``--max-memory-mb``; past it the query
gets 503 and the worker is replaced), and long queries may hold every worker but one
(``--long-after``), so that short queries are always answered.

``GET /`` is a page listing the saved queries (each with a link that runs it) and a form.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import email.errors
import email.message
import html
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyoxigraph as ox

from ..errors import QueryError, UsageError
from ..iri import compact
from ..readers import DEFAULT_LIMITS, InputLimits
from ..sparqltext import (
    MAX_QUERY_DEPTH,
    MAX_QUERY_TOKENS,
    QueryShape,
    QueryTooDeep,
    QueryTooLong,
    describe_service_refusal,
    scan_query,
)
from ..text import escape_control
from ..vocab import Vocabulary
from ..webpage import page_text, read_asset
from .pages import (
    ENTITY_CSP,
    PAGE_CSP,
    Term,
    entity_construct,
    entity_queries,
    local_path,
    to_editor_html,
    to_entity_html,
)
from .query import (
    NetworkRefused,
    QueryResult,
    ResultLimitExceeded,
    ResultTooLarge,
    UnwritableResult,
    bind_parameters,
    compact_iri,
    count_quads,
    from_results_json,
    graph_names,
    list_saved_queries,
    open_store,
    parse_param,
    run_query,
    to_cell,
    to_graph_jsonld,
    to_graph_rdfxml,
    to_graph_text,
    to_results_csv,
    to_results_json,
    to_results_tsv,
    to_results_xml,
)
from .sandbox import SandboxStatus, cap_memory, deny_network
from .service_description import PREFIXES as DESCRIPTION_PREFIXES
from .service_description import to_service_description

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
    ("xml", "application/xml"),
)
GRAPH_MEDIA = (
    ("turtle", "text/turtle"),
    ("ntriples", "application/n-triples"),
    ("rdfxml", "application/rdf+xml"),
    ("jsonld", "application/ld+json"),
    ("html", "text/html"),
    ("turtle", "application/x-turtle"),
    ("turtle", "application/turtle"),
    ("turtle", "text/n3"),
    ("ntriples", "text/plain"),
    ("rdfxml", "application/xml"),
    ("jsonld", "application/json"),
)
# The service description: RDF (Turtle first), or the landing page for a browser.
DESCRIPTION_MEDIA = (
    ("turtle", "text/turtle"),
    ("rdfxml", "application/rdf+xml"),
    ("jsonld", "application/ld+json"),
    ("ntriples", "application/n-triples"),
    ("html", "text/html"),
    ("turtle", "application/x-turtle"),
    ("turtle", "text/n3"),
    ("ntriples", "text/plain"),
    ("rdfxml", "application/xml"),
    ("jsonld", "application/json"),
)
_SERVED_MEDIA = frozenset(m for media in (RESULT_MEDIA, GRAPH_MEDIA) for _, m in media)
MEDIA_TYPE = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
GRAPH_FORMATS = frozenset({"turtle", "ntriples", "rdfxml", "jsonld", "html"})
RESULT_FORMATS = frozenset({"json", "xml", "csv", "tsv", "html"})
# Values of the format= / output= / results= parameters that clients send (Virtuoso, Joseki,
# SPARQLWrapper, which sends all three), by query form; media types are accepted too.
RESULT_FORMAT_NAMES = {
    **{media: key for key, media in RESULT_MEDIA},
    "json": "json",
    "srj": "json",
    "xml": "xml",
    "srx": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "html": "html",
}
GRAPH_FORMAT_NAMES = {
    **{media: key for key, media in GRAPH_MEDIA},
    "turtle": "turtle",
    "ttl": "turtle",
    "n3": "turtle",
    "ntriples": "ntriples",
    "n-triples": "ntriples",
    "nt": "ntriples",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "rdfxml": "rdfxml",
    "rdf/xml": "rdfxml",
    "json-ld": "jsonld",
    "jsonld": "jsonld",
    "json": "jsonld",
    "html": "html",
}
FORMAT_PARAMS = ("format", "output", "results")
ENDPOINT_PATHS = ("/sparql", "/sparql/", "/query", "/query/")
WRITE_PATHS = ("/update", "/update/", "/store", "/store/", "/data", "/data/")
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_REQUEST_HEADERS = "Accept, Content-Type"
CORS_EXPOSED_HEADERS = "X-Query-Time-Ms, X-Graphs-Not-Held"
CORS_MAX_AGE_S = 600


# kg serve --max-held-mb: the answers the serving process holds while clients read them, in
# all. Each is up to --max-result-mb and a client may read slowly for --idle-timeout, so
# without it 60 slow readers held 1.3 GB; past it an answer is 503.
DEFAULT_MAX_HELD_BYTES = 256 * 2**20
# Query texts longer than this are read (tokenised, in Python) one at a time: 40 clients
# sending 1 MB texts in a loop took every other client's share of the serving process
# (ASK {} waited 8 s). Shorter texts, what people write, are read at once.
_LONG_TEXT = 16_384


class _HeldAnswers:
    """The bytes of answers being sent, within a cap (at least one answer always fits)."""

    def __init__(self, limit: int):
        self.limit, self.held = limit, 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self, size: int) -> Iterator[bool]:
        """Whether an answer of ``size`` bytes may be held now; held until the block ends."""
        with self._lock:
            ok = self.held == 0 or self.held + size <= self.limit
            if ok:
                self.held += size
        try:
            yield ok
        finally:
            if ok:
                with self._lock:
                    self.held -= size


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
    cors: tuple[str, ...] = ("*",)  # allowed origins: ("*",) any, () no CORS headers
    idle_timeout: float = 30.0  # seconds a connection may wait between or within requests
    max_connections: int = 64  # open connections served at once; more are answered 503
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    long_after: float = DEFAULT_LONG_AFTER
    limits: InputLimits = DEFAULT_LIMITS  # caps on reading the input file (readers.py)
    max_query_tokens: int = MAX_QUERY_TOKENS  # a longer query is refused before it is read
    max_query_depth: int = MAX_QUERY_DEPTH  # a deeper one too (it would crash a worker)
    max_held_bytes: int = DEFAULT_MAX_HELD_BYTES  # answers held for clients still reading


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


def choose_format(accept: str | None, offered: Sequence[tuple[str, str]]) -> str | None:
    """The offered format the ``Accept`` header likes best (ties: the server's order), or
    ``None`` when it accepts none (answered 406, :func:`not_acceptable`).

    Lenient where clients are: a header that names other SPARQL or RDF types only (one
    Accept for every query form, a graph type for a SELECT) or ranks nothing offered above
    0 by accident gets the default. It is ``None`` when the header refuses every offered
    type with ``q=0``, or names nothing an endpoint serves (``image/png``).

    >>> choose_format("text/csv, */*;q=0.1", RESULT_MEDIA)
    'csv'
    >>> choose_format("text/html,application/xhtml+xml,*/*;q=0.8", RESULT_MEDIA)
    'html'
    >>> choose_format(None, GRAPH_MEDIA)
    'turtle'
    >>> choose_format("text/turtle", RESULT_MEDIA), choose_format("image/png", RESULT_MEDIA)
    ('json', None)
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
    refused = 0  # offered types a range gives q=0
    for key, media in offered:
        major = media.split("/")[0]
        q, rank = 0.0, -1
        for pattern, pq in ranges:
            specificity = 2 if pattern == media else 1 if pattern == f"{major}/*" else 0
            if pattern in (media, f"{major}/*", "*/*") and specificity > rank:
                q, rank = pq, specificity
        refused += rank >= 0 and q <= 0
        if q > best_q:
            best_key, best_q, best_rank = key, q, rank
        elif q == best_q and q > 0 and rank > best_rank:
            best_key, best_rank = key, rank
    if best_q > 0:
        return best_key
    served = {m for m in _SERVED_MEDIA} | {m.split("/")[0] + "/*" for m in _SERVED_MEDIA}
    if refused == len(offered) or not any(pattern in served for pattern, _ in ranges):
        return None
    return offered[0][0]


def not_acceptable(offered: Sequence[tuple[str, str]]) -> Refusal:
    """The 406 of a request whose ``Accept`` takes none of ``offered``."""
    types = ", ".join(dict.fromkeys(media for _, media in offered))
    return Refusal(
        HTTPStatus.NOT_ACCEPTABLE,
        f"the Accept header takes none of the types this answer comes in: {types} (or ask "
        "with format=json, csv, turtle, …)",
    )


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
    base_iri: str | None = None
    lang: str = "en"  # of an HTML page of results


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
            base_iri=job.base_iri,
            max_tokens=None,  # the request handler has held it to --max-query-tokens
            max_depth=None,  # and to --max-query-depth
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
    fmt = writable_format(result, job.fmt)
    try:
        body = render_result(result, fmt, job.text, prefixes, job.lang).encode("utf-8")
    except UnwritableResult as exc:
        return _text_answer(HTTPStatus.NOT_ACCEPTABLE, str(exc))
    if len(body) > job.max_bytes:
        return _text_answer(HTTPStatus.BAD_REQUEST, _too_large(job.max_bytes))
    return JobAnswer(HTTPStatus.OK, MEDIA_TYPE[fmt], body, len(result))


def _too_large(max_bytes: int) -> str:
    return f"{ResultTooLarge(max_bytes)} (kg serve --max-result-mb {round(max_bytes / 2**20, 3):g})"


def memory_refusal(max_memory_mb: int) -> str:
    """The message for a query that ran out of the memory a query may use."""
    return (
        f"the query needed more than the {max_memory_mb} MiB of memory a query may use "
        f"(kg serve --max-memory-mb {max_memory_mb}) and was stopped; make it more selective, "
        "avoid building long strings (CONCAT, REPLACE, GROUP_CONCAT), or raise the limit"
    )


def writable_format(result: QueryResult, fmt: str) -> str:
    """``fmt`` if it suits the result's kind, else that kind's default format.

    The format is chosen from the query form before evaluation; should the result be of the
    other kind, it is still written in a format that can hold it.

    >>> writable_format(QueryResult("graph"), "csv"), writable_format(QueryResult("ask"), "jsonld")
    ('turtle', 'json')
    """
    if result.kind == "graph":
        return fmt if fmt in GRAPH_FORMATS else "turtle"
    return fmt if fmt in RESULT_FORMATS else "json"


def render_result(
    result: QueryResult, fmt: str, query_text: str, prefixes: Mapping[str, str], lang: str = "en"
) -> str:
    """The result in the negotiated format (``html`` is a page with a table).

    Raises :class:`UnwritableResult` when RDF/XML or JSON-LD cannot express the triples.
    """
    if fmt == "html":
        return to_results_html(result, query_text, prefixes, lang)
    if result.kind == "graph":
        if fmt == "rdfxml":
            return to_graph_rdfxml(result, prefixes)
        if fmt == "jsonld":
            return to_graph_jsonld(result, prefixes)
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
    conn: multiprocessing.connection.Connection,
    input_path: str,
    max_memory_mb: int,
    limits: InputLimits = DEFAULT_LIMITS,
) -> None:
    """A worker process: cut off from the network, load the graph, cap memory, answer jobs.

    In memory rather than one shared on-disk store: pyoxigraph's in-memory store answers the
    saved queries about five times faster than its RocksDB store opened read-only.

    The network goes first (:func:`~pipeline.sparql.sandbox.deny_network`), before any query text
    is read. The memory cap is set once the graph is loaded, so it bounds what one query may
    add: past it Python raises ``MemoryError`` (the worker answers, then asks to be
    replaced) or the engine aborts the process (the pool sees it die and replaces it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    os.environ["RUST_BACKTRACE"] = "0"  # a query stopped by the memory cap logs one line
    sandbox = deny_network()
    store = open_store(Path(input_path), limits)
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
    def __init__(
        self, ctx: Any, input_path: str, max_memory_mb: int, limits: InputLimits = DEFAULT_LIMITS
    ):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, input_path, max_memory_mb, limits), daemon=True
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
        limits: InputLimits = DEFAULT_LIMITS,
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
        self.limits = limits
        store = open_store(input_path, limits)
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
        worker = _Worker(self._ctx, self.input_path, self.max_memory_mb, self.limits)
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
    "pre{background:#f7f7f7;padding:.6em;overflow-x:auto;white-space:pre-wrap;"
    "overflow-wrap:anywhere}.d{color:#555}.wide{overflow-x:auto}td{overflow-wrap:anywhere}"
)


def _page(title: str, body: str, lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{page_text(title)}</title>\n<style>{_PAGE_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


_VOCAB = Vocabulary()  # the graph's namespaces, whose IRIs have pages on this server
# The words of the results page, in the page's language (?lang= or Accept-Language).
RESULTS_UI = {
    "en": {"title": "vjkg query results", "back": "← saved queries", "one": "1 result",
           "many": "{n} results"},
    "vi": {"title": "Kết quả truy vấn vjkg", "back": "← các truy vấn đã lưu", "one": "1 kết quả",
           "many": "{n} kết quả"},
}  # fmt: skip


def to_results_html(
    result: QueryResult, query_text: str, prefixes: Mapping[str, str], lang: str = "en"
) -> str:
    """A result as an HTML page (a table; triples as subject/predicate/object rows), in
    ``lang``, readable on a phone; the graph's own IRIs link to this server's pages."""
    ui = RESULTS_UI[lang if lang in RESULTS_UI else "en"]
    esc = page_text
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
        n = f"<p>{ui['one'] if len(rows) == 1 else ui['many'].format(n=len(rows))}</p>"
    body = (
        f'<p><a href="/?lang={lang}">{ui["back"]}</a></p><pre>{esc(query_text)}</pre>{n}\n'
        f'<div class="wide">{table}</div>'
    )
    return _page(ui["title"], body, lang)


def _html_cell(term: Any, prefixes: Mapping[str, str]) -> str:
    if term is None:
        return ""
    text = page_text(to_cell(term, prefixes))
    here = isinstance(term, ox.NamedNode) and local_path(term.value, _VOCAB)
    if here:  # the graph's own: its page on this server, not the IRI's host
        return f'<a href="{html.escape(here)}" title="{html.escape(term.value)}">{text}</a>'
    if isinstance(term, ox.NamedNode) and term.value.startswith(("http://", "https://")):
        title = html.escape(term.value)
        if compact_iri(term.value, prefixes).startswith("<"):
            return f'<a href="{title}">{text}</a>'
        return f'<a href="{title}" title="{title}">{text}</a>'
    return text


# ---------------------------------------------------------------- HTTP


# A header line as HTTP/1.1 allows it: a token, a colon, a value without CR, LF or NUL.
_FIELD_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n\x00]*\r?\n")
_CONTENT_LENGTH = re.compile(r"[0-9]+")


def find_header_defect(lines: Sequence[bytes], headers: email.message.Message) -> str:
    r"""What is wrong with a request's header block ("" if nothing): ``lines`` as read from
    the socket (ending with the blank line), ``headers`` as :mod:`http.client` parsed them.

    The parser stops at a line it cannot read and takes the rest for a body, so the headers
    after it (Content-Length among them) would be lost and their bytes read as the next
    request: request smuggling. Such a request is refused whole.

    >>> from http.client import parse_headers
    >>> raw = [b"Host: x\r\n", b"X-Junk\r\n", b"Content-Length: 5\r\n", b"\r\n"]
    >>> find_header_defect(raw, parse_headers(io.BytesIO(b"".join(raw))))
    "header line 2 b'X-Junk\\r\\n' is not NAME: VALUE"
    >>> raw = [b"Host: x\r\n", b"\r\n"]
    >>> find_header_defect(raw, parse_headers(io.BytesIO(b"".join(raw))))
    ''
    """
    *fields, end = lines or [b""]
    if end not in (b"\r\n", b"\n"):
        return "the header block ends before its blank line"
    for number, line in enumerate(fields, 1):
        if not _FIELD_LINE.fullmatch(line):
            return f"header line {number} {line!r} is not NAME: VALUE"
    # A multipart/* or message/* Content-Type makes the parser look for a body it never saw
    # (it was given the header block alone): defects of that body say nothing of the headers.
    found = [d for d in headers.defects if not isinstance(d, _BODY_DEFECTS)]
    if found:
        return f"the header block is malformed ({type(found[0]).__name__})"
    payload = headers.get_payload()
    if (isinstance(payload, str) and payload) or headers.get_unixfrom():
        return "the header block has a line that is not a header"
    return ""


_BODY_DEFECTS = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
)


class _DeadlineReader(io.RawIOBase):
    """A connection's bytes, read with the socket's timeout for each read and, while
    ``deadline`` (a :func:`time.monotonic` time) is set, never past it: the request line,
    the headers and the body of one request must all arrive by then (a timeout ends the
    connection, as :class:`http.server.BaseHTTPRequestHandler` does on a slow read)."""

    def __init__(self, sock: socket.socket, timeout: float):
        super().__init__()
        self.sock, self.timeout = sock, timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wait = self.timeout
        if self.deadline is not None:
            wait = min(wait, self.deadline - time.monotonic())
            if wait <= 0:
                raise TimeoutError("the request did not arrive whole within --idle-timeout")
        self.sock.settimeout(wait)
        try:
            return self.sock.recv_into(buffer)
        finally:
            self.sock.settimeout(self.timeout)  # what sending an answer may take


class _LineRecorder(io.BufferedIOBase):
    """The request stream, keeping the lines read through it (the header block as sent)."""

    def __init__(self, stream: io.BufferedIOBase):
        super().__init__()
        self.stream = stream
        self.lines: list[bytes] = []

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1, /) -> bytes:
        line = self.stream.readline(size)
        self.lines.append(line)
        return line


def parse_cors(value: str) -> tuple[str, ...]:
    """The ``--cors`` option: ``*`` (any origin), ``none``, or comma-separated origins.

    >>> parse_cors("*"), parse_cors("none"), parse_cors("https://a.example, http://b:8080")
    (('*',), (), ('https://a.example', 'http://b:8080'))
    """
    value = value.strip()
    if value.lower() == "none":
        return ()
    if value == "*":
        return ("*",)
    origins = tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    for origin in origins:
        url = urlsplit(origin)
        if url.scheme not in ("http", "https") or not url.netloc or url.path or url.query:
            raise UsageError(
                f"--cors {value}: {origin!r} is not an origin; write scheme://host[:port] "
                "(comma-separated for several), * for any origin, or none"
            )
    if not origins:
        raise UsageError("--cors needs *, none, or one or more origins")
    return origins


def format_from_params(params: Mapping[str, Sequence[str]], names: Mapping[str, str]) -> str:
    """The format asked for by ``format=``/``output=``/``results=`` ("" if none was given).

    Clients send several (SPARQLWrapper sends all three, twice for some formats, once by
    name and once by media type); the first value this endpoint knows wins. Values that
    name no format it writes for this query form are a :class:`Refusal`.

    >>> format_from_params({"format": ["xml"], "output": ["xml"]}, GRAPH_FORMAT_NAMES)
    'rdfxml'
    >>> format_from_params({"format": ["tsv", "text/tab-separated-values"]}, RESULT_FORMAT_NAMES)
    'tsv'
    >>> format_from_params({}, RESULT_FORMAT_NAMES)
    ''
    """
    given = [v for p in FORMAT_PARAMS for v in params.get(p, ()) if v.strip()]
    for value in given:
        key = names.get(value.split(";")[0].strip().lower())
        if key:
            return key
    if given:
        known = sorted({k for k in names if "/" not in k})
        raise Refusal(
            HTTPStatus.BAD_REQUEST,
            f"format={given[0]} is not offered for this query; use one of {', '.join(known)} "
            "(or a media type in the Accept header)",
        )
    return ""


_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_IRI_SAFE = "/:#?&=@;+!$'()*,[]~%"


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: holds the pool, the saved queries and the settings.

    One thread per open connection, at most ``max_connections`` of them: a connection
    beyond that is answered 503 at once and closed, so idle keep-alive connections cannot
    pile up threads without bound.
    """

    daemon_threads = True

    def __init__(self, config: ServeConfig, pool: QueryPool):
        self.config = config
        self.pool = pool
        self.saved = list_saved_queries(config.queries_dir)
        self.vocab = Vocabulary()
        self.prefixes = self.vocab.prefixes()
        self._terms: list[Term] | None = None
        self._graph_sizes: tuple[list[tuple[str, int]], int] | None = None
        self._sizes_lock = threading.Lock()
        self._connections = threading.BoundedSemaphore(config.max_connections)
        self.held = _HeldAnswers(config.max_held_bytes)
        self.long_texts = threading.Lock()  # one long query text read at a time
        super().__init__((config.host, config.port), SparqlHandler)

    def ontology_terms(self) -> list[Term]:
        """The classes and properties of the graph, for completion on the query page (asked
        once, on first use)."""
        with self._sizes_lock:
            if self._terms is None:
                job = QueryJob(TERMS_QUERY, "json", 100_000)
                try:
                    answer = self.pool.run(job)
                except (QueryTimeout, PoolBusy, LongQueriesBusy):
                    return []  # completion of prefixes still works; terms come next time
                terms = []
                if answer.status == HTTPStatus.OK:
                    result = from_results_json(answer.body.decode("utf-8"))
                    for iri, kind, label in result.rows:
                        assert isinstance(iri, ox.NamedNode) and isinstance(kind, ox.Literal)
                        name = compact(iri.value, self.prefixes)
                        if name is None:
                            continue
                        prefix, _, local = name.partition(":")
                        text = label.value if isinstance(label, ox.Literal) else ""
                        terms.append(Term(prefix, local, kind.value, text))
                self._terms = terms
            return self._terms

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread, or refuse it if all are taken."""
        if not self._connections.acquire(blocking=False):
            self._refuse_connection(request, client_address)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """The connection's thread; its slot is free again when the connection ends."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()

    def _refuse_connection(self, request: Any, client_address: Any) -> None:
        message = (
            f"all {self.config.max_connections} connections are in use; try again shortly "
            "(kg serve --max-connections)\n"
        ).encode()
        head = [
            "HTTP/1.1 503 Service Unavailable",
            "Content-Type: text/plain; charset=utf-8",
            f"Content-Length: {len(message)}",
            "Retry-After: 1",
            "Connection: close",
        ]
        if self.config.cors == ("*",):
            head.append("Access-Control-Allow-Origin: *")
        try:
            request.setblocking(False)  # never hold up the accept loop
            with contextlib.suppress(BlockingIOError):
                request.recv(65536)  # what has arrived, so closing does not reset the answer
            request.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + message)
        except OSError:
            pass
        if not self.config.quiet:
            sys.stderr.write(f"{client_address[0]} refused: all connections in use\n")
        self.shutdown_request(request)

    def graph_sizes(self) -> tuple[list[tuple[str, int]], int]:
        """(named graph, triples) for each graph and the default graph's size, counted once.

        Counted by a query in the pool the first time the service description is asked
        for, so starting the server costs nothing more.
        """
        with self._sizes_lock:
            if self._graph_sizes is None:
                text = (
                    "SELECT ?g (COUNT(*) AS ?n) WHERE "
                    "{ { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g"
                )
                job = QueryJob(text, "json", len(self.pool.graphs) + 1)
                try:
                    answer = self.pool.run(job)
                except (QueryTimeout, PoolBusy, LongQueriesBusy):
                    raise Refusal(
                        HTTPStatus.SERVICE_UNAVAILABLE,
                        "counting the graphs for the service description took too long; "
                        "try again shortly",
                    ) from None
                if answer.status != HTTPStatus.OK:
                    raise Refusal(answer.status, answer.body.decode("utf-8", "replace").strip())
                sizes, default = {}, 0
                for row in json.loads(answer.body)["results"]["bindings"]:
                    n = int(row["n"]["value"])
                    if "g" in row:
                        sizes[row["g"]["value"]] = n
                    else:
                        default = n
                self._graph_sizes = ([(g, sizes.get(g, 0)) for g in self.pool.graphs], default)
            return self._graph_sizes


class SparqlHandler(BaseHTTPRequestHandler):
    """Routes: ``/`` page, ``/sparql`` (also ``/sparql/``, ``/query``), ``/queries/NAME.rq``.

    HTTP/1.1 with keep-alive: every response has a Content-Length, and every request body
    is read (or the connection closed) before the answer, so the next request on the
    connection starts where it should.
    """

    server: SparqlServer
    server_version = "vjkg-sparql/0.2"
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        """Bound how long a connection may sit idle or take to send a request: the timeout
        of one read, and (:class:`_DeadlineReader`) of the whole request, so a client that
        sends a byte now and then cannot keep its connection for ever."""
        self.request.settimeout(self.server.config.idle_timeout)
        super().setup()
        self._reader = _DeadlineReader(self.connection, self.server.config.idle_timeout)
        self.rfile = io.BufferedReader(self._reader)

    # -- plumbing

    def _cors(self) -> dict[str, str]:
        allowed = self.server.config.cors
        if not allowed:
            return {}
        exposed = {"Access-Control-Expose-Headers": CORS_EXPOSED_HEADERS}
        if allowed == ("*",):
            return {"Access-Control-Allow-Origin": "*", **exposed}
        headers = getattr(self, "headers", None)
        origin = (headers.get("Origin") if headers else None) or ""
        if origin.rstrip("/") in allowed:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", **exposed}
        return {"Vary": "Origin"}

    def _send(
        self, status: int, content_type: str, body: bytes, extra: Mapping[str, str] = {}
    ) -> None:
        headers = {**SECURITY_HEADERS, **self._cors()}
        for k, v in extra.items():
            headers[k] = f"{headers[k]}, {v}" if k == "Vary" and k in headers else v
        if self.close_connection:
            headers["Connection"] = "close"
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self._status, self._size = int(status), len(body)
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.wfile.flush()
        self._log_response()

    def _send_text(self, status: int, message: str, extra: Mapping[str, str] = {}) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"), extra)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by the HTTP parser (bad request line, unknown method): plain text.

        The connection is closed after them: what follows a malformed request cannot be
        trusted to start a new one.
        """
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        if code == HTTPStatus.NOT_IMPLEMENTED:
            text += f"; this endpoint answers {ALLOWED_METHODS}"
        self._send_text(code, text, {"Allow": ALLOWED_METHODS} if code == 501 else {})

    def parse_request(self) -> bool:
        """The request line and headers, refused whole (400, connection closed) when the
        header block is malformed (:func:`find_header_defect`), before any body is read."""
        stream = self.rfile
        self._header_lines = _LineRecorder(stream)
        self.rfile = self._header_lines
        try:
            parsed = super().parse_request()
        finally:
            self.rfile = stream
        return parsed and self._check_header_block()

    def handle_expect_100(self) -> bool:
        """``100 Continue`` only for a well-formed header block: no body is invited before."""
        return self._check_header_block() and super().handle_expect_100()

    def _check_header_block(self) -> bool:
        defect = find_header_defect(self._header_lines.lines, self.headers)
        if defect:
            self.send_error(
                HTTPStatus.BAD_REQUEST,
                f"{defect}: each header must be one NAME: VALUE line (no folded lines, no "
                "space before the colon, no bare CR); the request is refused and the "
                "connection closed",
            )
        return not defect

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Nothing: each request is logged once, after its answer (see ``_log_response``)."""

    def _log_response(self) -> None:
        self.log_message('"%s" %s %s', self.requestline, self._status, self._size)

    def log_message(self, format: str, *args: Any) -> None:
        """One line on stderr, control characters escaped (``--quiet``: nothing)."""
        if not self.server.config.quiet:
            line = escape_control(format % args)
            sys.stderr.write(f"{self.address_string()} {line}\n")

    def handle_one_request(self) -> None:
        """One request; a client that goes away mid-answer is one log line, not a traceback.

        A reset of an idle keep-alive connection, before any request on it, is not logged.
        """
        self._status, self._size = 0, 0
        self.raw_requestline, self.requestline = b"", ""
        # The next request, headers and body, must have arrived within --idle-timeout.
        self._reader.deadline = time.monotonic() + self.server.config.idle_timeout
        try:
            super().handle_one_request()
        except ConnectionError as exc:
            self.close_connection = True
            if not self.raw_requestline:
                return
            when = f"during the {self._status} answer" if self._status else "before the answer"
            self.log_message(
                '"%s" the client closed the connection %s (%s)',
                self.requestline or self.raw_requestline.decode("latin-1").rstrip("\r\n"),
                when,
                exc.strerror or type(exc).__name__,
            )
        except Exception as exc:  # a bug: one log line, and a 500 if nothing was sent yet
            self.close_connection = True
            self.log_message(
                '"%s" internal error: %s: %s (KG_DEBUG=1 prints the traceback)',
                self.requestline,
                type(exc).__name__,
                exc,
            )
            if os.environ.get("KG_DEBUG"):
                traceback.print_exc()
            if not self._status:
                with contextlib.suppress(OSError):
                    self._send_text(
                        HTTPStatus.INTERNAL_SERVER_ERROR,
                        f"internal error ({type(exc).__name__}); the server's log has the details",
                    )

    # -- methods

    def do_GET(self) -> None:
        """Serve the page, a saved query's text, the service description, or a query."""
        url = urlsplit(self.path)
        try:
            self._read_body()
            params = _parse_params(url.query)
            if url.path == "/":
                self._landing(params)
            elif url.path.startswith("/assets/"):
                self._asset(url.path[len("/assets/") :])
            elif url.path.startswith("/resource/"):
                self._resource(unquote(url.path[len("/resource/") :]), params)
            elif url.path.startswith("/queries/") and url.path.endswith(".rq"):
                self._saved_text(url.path[len("/queries/") : -len(".rq")])
            elif url.path in ENDPOINT_PATHS:
                if "query" not in params and "update" not in params:
                    self._description(url.path, params)
                else:
                    self._query(params, None)
            elif url.path in WRITE_PATHS:
                raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
            else:
                raise Refusal(HTTPStatus.NOT_FOUND, f"no page {url.path}; the endpoint is /sparql")
        except Refusal as r:
            self._send_text(r.status, r.message)

    do_HEAD = do_GET

    def do_POST(self) -> None:
        """Queries as ``application/sparql-query`` or form; updates are refused (403)."""
        url = urlsplit(self.path)
        try:
            body = self._read_body()
            if url.path in WRITE_PATHS:
                raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
            if url.path not in ENDPOINT_PATHS:
                raise Refusal(HTTPStatus.NOT_FOUND, f"no endpoint {url.path}; POST to /sparql")
            ctype, _, ctype_params = (self.headers.get("Content-Type") or "").partition(";")
            ctype = ctype.strip().lower()
            if ctype == "application/sparql-update":
                raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
            charset = _charset(ctype_params)
            if charset not in ("", "utf-8", "utf8"):
                raise Refusal(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"charset={charset} is not accepted: send the request in UTF-8",
                )
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

    def do_OPTIONS(self) -> None:
        """The methods allowed, and the answer to a CORS preflight (see ``--cors``)."""
        try:
            self._read_body()
        except Refusal as r:
            self._send_text(r.status, r.message)
            return
        extra = {"Allow": ALLOWED_METHODS}
        if self.headers.get("Access-Control-Request-Method") and "Access-Control-Allow-Origin" in (
            self._cors()
        ):
            extra.update(
                {
                    "Access-Control-Allow-Methods": ALLOWED_METHODS,
                    "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS,
                    "Access-Control-Max-Age": str(CORS_MAX_AGE_S),
                }
            )
        self._send(HTTPStatus.OK, "", b"", extra)

    def _refuse_write(self) -> None:
        try:
            self._read_body()
        except Refusal as r:
            self._send_text(r.status, r.message)
            return
        self._send_text(HTTPStatus.METHOD_NOT_ALLOWED, _READ_ONLY, {"Allow": ALLOWED_METHODS})

    do_PUT = do_DELETE = do_PATCH = _refuse_write

    # -- handlers

    def _read_body(self) -> bytes:
        """The request body, read in full so the connection stays in step for the next one.

        No Content-Length (and no Transfer-Encoding) means no body, as HTTP/1.1 says. A body
        that is not read to its end (chunked, over the size limit, a bad length) ends the
        connection after the answer.
        """
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise Refusal(
                HTTPStatus.LENGTH_REQUIRED,
                "chunked request bodies are not accepted; send a Content-Length header",
            )
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            self.close_connection = True
            raise Refusal(HTTPStatus.BAD_REQUEST, "send one Content-Length header, not several")
        if not lengths:
            return b""
        length = lengths[0]
        if not _CONTENT_LENGTH.fullmatch(length.strip(" \t")):  # int() takes "+3", "3_3", "-0"
            self.close_connection = True
            raise Refusal(
                HTTPStatus.BAD_REQUEST, f"Content-Length {length!r} is not a number (digits only)"
            )
        n = int(length)
        limit = self.server.config.max_request_bytes
        if n > limit:
            self.close_connection = True
            raise Refusal(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request body is {n} bytes, over the limit of {limit} "
                "(kg serve --max-request-bytes)",
            )
        return self.rfile.read(n)

    def _landing(self, params: dict[str, list[str]]) -> None:
        """The query page (:func:`pipeline.sparql.pages.to_editor_html`)."""
        page = to_editor_html(
            self.server.saved, self.server.vocab, self.server.ontology_terms(),
            self.server.pool.quads,
        )  # fmt: skip
        self._send(
            HTTPStatus.OK,
            "text/html; charset=utf-8",
            page.encode("utf-8"),
            {"Content-Security-Policy": PAGE_CSP},
        )

    def _asset(self, name: str) -> None:
        """A script or style of the pages, from the package (nothing from elsewhere)."""
        if name not in PAGE_ASSETS:
            raise Refusal(HTTPStatus.NOT_FOUND, f"no asset {name!r}")
        body = read_asset(name).encode("utf-8")
        self._send(HTTPStatus.OK, PAGE_ASSETS[name], body, {"Cache-Control": "max-age=3600"})

    def _run(self, text: str, fmt: str) -> JobAnswer:
        """A query of the server's own (entity pages, term lists) through the pool."""
        job = QueryJob(
            text, fmt, self.server.config.max_results, None, None,
            self.server.config.max_result_bytes,
        )  # fmt: skip
        try:
            return self.server.pool.run(job)
        except (QueryTimeout, PoolBusy, LongQueriesBusy):
            raise Refusal(
                HTTPStatus.SERVICE_UNAVAILABLE, "the server is busy; try again shortly"
            ) from None

    def _resource(self, rest: str, params: dict[str, list[str]]) -> None:
        """``/resource/<id>``: the entity page for a browser, its description as RDF else."""
        vocab = self.server.vocab
        iri = str(vocab.RES) + rest
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise Refusal(HTTPStatus.BAD_REQUEST, f"/resource/{rest!r} is not an IRI") from None
        fmt = format_from_params(params, GRAPH_FORMAT_NAMES) or choose_format(
            self.headers.get("Accept"), GRAPH_MEDIA
        )
        if fmt is None:
            raise not_acceptable(GRAPH_MEDIA)
        if fmt != "html":
            answer = self._run(entity_construct(iri, vocab), fmt)
            self._send_held(answer, {"Vary": "Accept"})
            return
        answers = {}
        for name, text in entity_queries(iri, vocab).items():
            answer = self._run(text, "json")
            if answer.status != HTTPStatus.OK:
                raise Refusal(answer.status, answer.body.decode("utf-8", "replace").strip())
            answers[name] = from_results_json(answer.body.decode("utf-8"))
        page = to_entity_html(iri, answers, vocab, self._page_lang(params))
        known = any(answers[name].rows for name in ("about", "facts", "mentions"))
        self._send(
            HTTPStatus.OK if known else HTTPStatus.NOT_FOUND,  # the page says so too
            "text/html; charset=utf-8",
            page.encode("utf-8"),
            {"Content-Security-Policy": ENTITY_CSP, "Vary": "Accept, Accept-Language"},
        )

    def _page_lang(self, params: Mapping[str, Sequence[str]]) -> str:
        """The language of a page: ``?lang=vi|en``, else the browser's, else English."""
        lang = (params.get("lang") or [""])[0]
        if lang not in ("vi", "en"):
            wanted = (self.headers.get("Accept-Language") or "").lower()
            lang = "vi" if wanted.startswith("vi") else "en"
        return lang

    def _saved_text(self, name: str) -> None:
        for q in self.server.saved:
            if q.name == name:
                self._send(
                    HTTPStatus.OK, "application/sparql-query; charset=utf-8", q.text.encode()
                )
                return
        raise Refusal(HTTPStatus.NOT_FOUND, f"no saved query {name!r}")

    def _endpoint_iri(self, path: str) -> str:
        host = (self.headers.get("Host") or "").strip()
        if not _HOST.match(host):
            addr, port = str(self.server.server_address[0]), self.server.server_address[1]
            host = f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"
        return f"http://{host}{path}"

    def _description(self, path: str, params: dict[str, list[str]]) -> None:
        fmt = format_from_params(params, GRAPH_FORMAT_NAMES) or choose_format(
            self.headers.get("Accept"), DESCRIPTION_MEDIA
        )
        if fmt is None:
            raise not_acceptable(DESCRIPTION_MEDIA)
        if fmt == "html":
            self._landing(params)
            return
        sizes, default = self.server.graph_sizes()
        description = to_service_description(self._endpoint_iri(path), sizes, default)
        text = render_result(description, fmt, "", DESCRIPTION_PREFIXES)
        self._send(HTTPStatus.OK, MEDIA_TYPE[fmt], text.encode("utf-8"), {"Vary": "Accept"})

    def _scan(self, text: str) -> QueryShape:
        """The query's shape, read in this process: the text is held to
        ``--max-query-tokens`` (reading it costs time and memory here) and
        ``--max-query-depth`` (deeper, it would crash a worker, which reloads the graph)."""
        config = self.server.config
        turn = self.server.long_texts if len(text) > _LONG_TEXT else contextlib.nullcontext()
        try:
            with turn:
                return scan_query(
                    text, self.server.prefixes, config.max_query_tokens, config.max_query_depth
                )
        except QueryTooLong as exc:
            raise Refusal(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"{exc} (kg serve --max-query-tokens {config.max_query_tokens})",
            ) from None
        except QueryTooDeep as exc:
            limit = config.max_query_depth
            message = f"{exc} (kg serve --max-query-depth {limit})"
            raise Refusal(HTTPStatus.BAD_REQUEST, message) from None

    def _bind(self, text: str, specs: Sequence[str]) -> str:
        """The query with ``param=NAME=VALUE`` values bound as RDF terms, as ``kg query
        --param`` binds them (an extension of this endpoint, used by its query page; standard
        clients never send it)."""
        if not specs:
            return text
        try:
            bound = [parse_param(spec, self.server.prefixes) for spec in specs]
            return bind_parameters(text, self._scan(text), bound).text
        except UsageError as exc:
            raise Refusal(HTTPStatus.BAD_REQUEST, str(exc).replace("--param", "param")) from None

    def _query(self, params: dict[str, list[str]], body_query: str | None) -> None:
        if "update" in params:
            raise Refusal(HTTPStatus.FORBIDDEN, _READ_ONLY)
        queries = params.get("query", [])
        if body_query is not None:  # a query in the URL as well: which one was meant?
            queries = [*queries, body_query]
        if len(queries) != 1 or not queries[0].strip():
            raise Refusal(
                HTTPStatus.BAD_REQUEST,
                "give exactly one query: GET /sparql?query=… or POST application/sparql-query",
            )
        text = self._bind(queries[0], params.get("param", []))
        default_uris = params.get("default-graph-uri", [])
        named_uris = params.get("named-graph-uri", [])
        for name, iris in (("default-graph-uri", default_uris), ("named-graph-uri", named_uris)):
            for iri in iris:
                try:
                    ox.NamedNode(iri)
                except ValueError:
                    raise Refusal(
                        HTTPStatus.BAD_REQUEST, f"{name}={iri!r} is not an absolute IRI"
                    ) from None
        has_protocol_dataset = bool(default_uris or named_uris)
        shape = self._scan(text)
        if has_protocol_dataset:
            # The protocol's dataset replaces the query's FROM / FROM NAMED (SPARQL 1.1
            # Protocol 2.1.4), so those clauses are not used and not checked.
            shape = dataclasses.replace(shape, from_graphs=(), from_named_graphs=())
        check_read_only(shape, self.server.pool.graphs)
        is_graph = shape.form in ("CONSTRUCT", "DESCRIBE")
        offered = GRAPH_MEDIA if is_graph else RESULT_MEDIA
        names = GRAPH_FORMAT_NAMES if is_graph else RESULT_FORMAT_NAMES
        fmt = format_from_params(params, names) or choose_format(
            self.headers.get("Accept"), offered
        )
        if fmt is None:
            raise not_acceptable(offered)
        job = QueryJob(
            text,
            fmt,
            self.server.config.max_results,
            tuple(default_uris) if has_protocol_dataset else None,
            tuple(named_uris) if has_protocol_dataset else None,
            self.server.config.max_result_bytes,
            base_iri=self._endpoint_iri(urlsplit(self.path).path),
            lang=self._page_lang(params) if fmt == "html" else "en",
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
        extra = {"X-Query-Time-Ms": f"{elapsed:.1f}", "Vary": "Accept"}
        # Graphs the dataset does not hold are empty graphs: nothing is fetched. The header
        # names them, so an empty answer can be told from a mistyped graph IRI.
        held = set(self.server.pool.graphs)
        absent = sorted({g for g in (*default_uris, *named_uris) if g not in held})
        if absent:
            extra["X-Graphs-Not-Held"] = " ".join(f"<{quote(g, safe=_IRI_SAFE)}>" for g in absent)
        self._send_held(answer, extra)

    def _send_held(self, answer: JobAnswer, extra: Mapping[str, str]) -> None:
        """Send a worker's answer, counted in ``--max-held-mb`` while it is sent."""
        with self.server.held.hold(len(answer.body)) as ok:
            if not ok:
                limit = self.server.config.max_held_bytes / 2**20
                raise Refusal(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    f"the server already holds {limit:g} MiB of answers for clients still "
                    "reading them (kg serve --max-held-mb); try again shortly",
                )
            self._send(answer.status, answer.content_type, answer.body, extra)


# The classes and properties offered by completion on the query page.
TERMS_QUERY = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?t ?kind (SAMPLE(?l) AS ?label) WHERE {
  VALUES (?type ?kind) { (owl:Class "class") (owl:ObjectProperty "property")
                         (owl:DatatypeProperty "property") }
  ?t a ?type . OPTIONAL { ?t rdfs:label ?l FILTER (lang(?l) = "en") }
} GROUP BY ?t ?kind ORDER BY ?t
"""
# What /assets/ serves: the pages' own scripts and styles, from pipeline/assets/.
PAGE_ASSETS = {
    "editor.bundle.js": "text/javascript; charset=utf-8",
    "editor.js": "text/javascript; charset=utf-8",
    "editor.css": "text/css; charset=utf-8",
    "entity.css": "text/css; charset=utf-8",
}

_READ_ONLY = (
    "this endpoint is read-only: SPARQL Update and Graph Store writes are refused. "
    "To change the graph, edit sources/ and run `kg build`; to load it into a store you "
    "can write to, use `kg push --endpoint URL`."
)


def _charset(content_type_params: str) -> str:
    for part in content_type_params.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


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


def _answers_from_mmap() -> None:
    """Make glibc give every allocation of 1 MiB or more its own mapping, returned to the
    system when freed. Left to itself, glibc raises that threshold after the first large
    free (up to 32 MiB), and each connection thread's arena kept the pages of the answers it
    had sent: 60 connections' 16 MiB answers, under --max-held-mb, left 900 MB resident."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc: its allocator has its own ways
        pass


def start_server(config: ServeConfig) -> SparqlServer:
    """Load the graph into the worker pool and bind the server (not yet serving)."""
    _answers_from_mmap()
    pool = QueryPool(
        config.input,
        config.workers,
        config.timeout,
        config.max_memory_mb,
        config.long_after,
        config.limits,
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
