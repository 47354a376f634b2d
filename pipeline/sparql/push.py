"""Push stage: write the named graphs into a SPARQL 1.1 Graph Store Protocol endpoint.

Each named graph of the input (one per source, plus the ontology graph) is sent with one
``PUT ENDPOINT?graph=IRI``: PUT replaces the graph, so pushing again leaves the store as it
was. The body is N-Triples, sorted, sent as ``text/turtle`` (every N-Triples document is
Turtle, and every Graph Store implementation reads Turtle). Connection errors, timeouts,
``429`` and ``5xx`` are retried with exponential back-off; any other answer is final.

Each request has a whole-request deadline (connect, send, answer): a store that trickles
its answer a byte at a time is cut off when the deadline passes, not when a read stalls.
Redirects are not followed (a PUT body would be sent to another URL); the report names the
target. An interrupt (Ctrl-C, SIGTERM) raises :class:`PushInterrupted`, which carries the
report: what was written, which graph was cut off, and what that means for the store.

Incremental push (:func:`push_since`): when the store holds OLD (the same triples in every
graph, checked by count and digest over GETs of the graphs), only the difference to NEW is
sent as SPARQL 1.1 Update (``DELETE DATA`` / ``INSERT DATA``, one request per graph, to the
store's update endpoint); afterwards every graph is read back and compared with NEW.

Endpoints: Oxigraph ``http://HOST:7878/store``, Fuseki ``http://HOST:3030/DATASET/data``,
GraphDB ``http://HOST:7200/repositories/REPO/rdf-graphs/service``, Virtuoso
``http://HOST:8890/sparql-graph-crud`` (with write permission granted).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import pyoxigraph as ox
from rdflib import BNode, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from ..errors import (
    EXIT_INTERRUPTED,
    InputError,
    Location,
    Problem,
    RemoteStoreError,
    UsageError,
    VjkgError,
)
from ..readers import DEFAULT_LIMITS, InputLimits, iter_quads, to_rdflib
from ..text import escape_control
from ..vocab import DEFAULT_BASE

CONTENT_TYPE = "text/turtle; charset=utf-8"
UPDATE_TYPE = "application/sparql-update; charset=utf-8"
USER_AGENT = "vjkg-push/0.1"
EXCERPT_CHARS = 300
ANSWER_BYTES = 65_536  # what is read of the answer to a PUT or an update
MAX_BACKOFF = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class GraphPayload:
    """One graph to write: its IRI (``None`` for the default graph) and its N-Triples."""

    iri: str | None
    body: bytes
    triples: int

    @property
    def label(self) -> str:
        """The graph's IRI, or ``default graph``."""
        return self.iri or "default graph"


def read_graph_payloads(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> list[GraphPayload]:
    """Split an RDF file into one payload per graph, sorted by IRI (the default graph last).

    The file is read by :mod:`pipeline.readers` (every refusal is exit 3 naming the file),
    and its blank nodes are skolemised (:func:`pipeline.readers.skolemise`): each PUT is a
    document of its own, so a blank node shared by two graphs would otherwise become two
    nodes in the store. The skolem IRIs depend only on the file's bytes, so pushing the same
    file again writes the same triples.
    """
    graphs: dict[str | None, list[str]] = {}
    for quad in iter_quads(path, limits, skolem_base=DEFAULT_BASE):
        g = quad.graph_name
        key = None if isinstance(g, ox.DefaultGraph) else g.value
        graphs.setdefault(key, []).append(f"{quad.triple} .\n")
    out = []
    for key in sorted(graphs, key=lambda k: (k is None, k or "")):
        lines = sorted(set(graphs[key]))
        out.append(GraphPayload(key, "".join(lines).encode("utf-8"), len(lines)))
    return out


def graph_url(endpoint: str, iri: str | None) -> str:
    """The Graph Store URL of one graph (``?graph=IRI``, or ``?default``).

    >>> graph_url("http://127.0.0.1:7878/store", "https://w3id.org/vjkg/graph/doc-000")
    'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fw3id.org%2Fvjkg%2Fgraph%2Fdoc-000'
    """
    sep = "&" if "?" in endpoint else "?"
    if iri is None:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}graph={quote(iri, safe='')}"


def check_endpoint(endpoint: str, option: str = "--endpoint") -> str:
    """Validate an endpoint URL before any request: http or https, a host and a valid port,
    no space or control character, no fragment (the ``?graph=`` parameter would land in it
    and every graph would replace the default graph), no ``graph``/``default`` parameter of
    its own (two would reach the store), and no user name or password (they would be printed
    in the report, and kg push does not send them).

    >>> check_endpoint("http://127.0.0.1:7878/store")
    'http://127.0.0.1:7878/store'
    """
    example = (
        "e.g. http://127.0.0.1:7878/store (Oxigraph) or http://localhost:3030/ds/data (Fuseki)"
    )

    def refuse(what: str) -> UsageError:
        return UsageError(
            f"{option} {_shown(endpoint)} {what} — give the Graph Store endpoint, {example}"
        )

    if any(c.isspace() or not c.isprintable() for c in endpoint):
        raise refuse("holds a space or a control character")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:  # a port out of range or not a number, a broken [IPv6] host
        raise refuse(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise refuse("is not an http(s) URL with a host")
    if port == 0:
        raise refuse("names port 0")
    if parts.username is not None or parts.password is not None:
        raise refuse(
            "holds a user name or password, which kg push does not send and would print "
            "in its report; push to a store that needs none, or through a proxy that adds them"
        )
    if "#" in endpoint:
        raise refuse("has a #fragment, which would hold the graph parameter")
    taken = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} & {"graph", "default"}
    if taken:
        raise refuse(f"already has a {sorted(taken)[0]!r} parameter; kg push adds one per graph")
    return endpoint


def _shown(url: str) -> str:
    """A URL for a message: quoted, control characters escaped, a password hidden."""
    try:
        parts = urlsplit(url)
        if parts.password is not None:
            url = url.replace(":" + parts.password + "@", ":***@", 1)
    except ValueError:
        pass
    return repr(url)  # repr escapes control characters


# Graph Store endpoint path → the same store's SPARQL Update path.
UPDATE_PATHS = (
    ("/store", "/update"),  # Oxigraph
    ("/data", "/update"),  # Fuseki
    ("/rdf-graphs/service", "/statements"),  # GraphDB (RDF4J)
    ("/sparql-graph-crud-auth", "/sparql-auth"),  # Virtuoso
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso
)


def default_update_url(endpoint: str) -> str:
    """The SPARQL Update URL of the store whose Graph Store endpoint is ``endpoint``.

    >>> default_update_url("http://127.0.0.1:7878/store")
    'http://127.0.0.1:7878/update'
    >>> default_update_url("http://localhost:3030/ds/data")
    'http://localhost:3030/ds/update'
    """
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for suffix, update in UPDATE_PATHS:
        if path.endswith(suffix):
            new_path = path[: -len(suffix)] + update
            return urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))
    raise UsageError(
        f"cannot tell the SPARQL Update URL of {endpoint} — pass --update-endpoint URL "
        "(Oxigraph …/update, Fuseki …/DATASET/update, GraphDB …/repositories/REPO/statements)"
    )


# ---------------------------------------------------------------- one HTTP request


class DeadlineExceeded(Exception):
    """A request did not complete within its whole-request deadline."""


class AnswerTooLarge(http.client.HTTPException):
    """The store's answer is longer than the reader accepts."""


@dataclass(frozen=True)
class HttpAnswer:
    """A store's answer: status, reason, headers (lower-case names) and the body read."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    max_bytes: int = ANSWER_BYTES,
) -> HttpAnswer:
    """One request under a whole-request deadline of ``timeout`` seconds.

    A watchdog shuts the socket down when the deadline passes, so a store that answers a
    byte at a time cannot hold the request past it (a per-read timeout would never fire).
    Raises :class:`DeadlineExceeded`, ``OSError`` or ``http.client.HTTPException``. At most
    ``max_bytes`` of the body are read; a longer body raises :class:`AnswerTooLarge`.
    """
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    conn_cls = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_cls(parts.hostname or "", parts.port, timeout=timeout)
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.connect()
        if expired.is_set():
            raise DeadlineExceeded
        conn.request(
            method, target, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})}
        )
        response = conn.getresponse()
        data = response.read(max_bytes + 1)
        if expired.is_set():
            raise DeadlineExceeded
        if len(data) > max_bytes:
            raise AnswerTooLarge(f"the store's answer is longer than {max_bytes} bytes")
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        return HttpAnswer(response.status, response.reason, answer_headers, data)
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise DeadlineExceeded from None
        raise
    finally:
        watchdog.cancel()
        conn.close()


# ---------------------------------------------------------------- outcomes and reports


@dataclass
class GraphOutcome:
    """What happened to one graph: ``written``/``updated``/``unchanged``, ``failed``,
    ``cut off`` (interrupted mid-request) or ``not sent``."""

    payload: GraphPayload
    state: str = "not sent"
    status: int | None = None
    attempts: int = 0
    seconds: float = 0.0
    detail: str = ""
    deleted: int = 0  # for an update: triples deleted and inserted
    inserted: int = 0


@dataclass
class PushReport:
    """The outcome of a push, graph by graph (``mode`` ``put`` or ``update``)."""

    endpoint: str
    outcomes: list[GraphOutcome] = field(default_factory=list)
    seconds: float = 0.0
    mode: str = "put"

    @property
    def ok(self) -> bool:
        """Whether every graph was written."""
        return all(o.state in ("written", "updated", "unchanged") for o in self.outcomes)


class PushInterrupted(VjkgError):
    """Ctrl-C or SIGTERM during a push; carries the report of what reached the store."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, report: PushReport, message: str = ""):
        self.report = report
        super().__init__(message or to_interruption_text(report))


# Everything a store sends (reason, body, headers, a garbled status line) is printed
# through escape_control: raw, its escape sequences would recolour, clear or retitle the
# user's terminal.


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    text = " ".join(text.split())
    return escape_control(text[:EXCERPT_CHARS]) + ("…" if len(text) > EXCERPT_CHARS else "")


def _status_text(answer: HttpAnswer) -> str:
    return f"HTTP {answer.status} {escape_control(answer.reason)}"


def _redirect_detail(answer: HttpAnswer, url: str) -> str:
    location = answer.headers.get("location", "")
    if not location:
        return f"{_status_text(answer)}: a redirect without a Location header"
    parts = urlsplit(location)
    if not parts.scheme:  # relative to the request URL
        base = urlsplit(url)
        parts = urlsplit(urlunsplit((base.scheme, base.netloc, parts.path, parts.query, "")))
    endpoint = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return (
        f"{_status_text(answer)}: the store redirects to {escape_control(location)} — kg push "
        f"does not follow redirects (the data would go to another URL); if that is the store, "
        f"pass --endpoint {escape_control(endpoint)}"
    )


def send_request(
    method: str,
    url: str,
    body: bytes,
    content_type: str,
    outcome: GraphOutcome,
    *,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> GraphOutcome:
    """Send one request, retrying transient failures; record the result in ``outcome``.

    Never raises for HTTP or network errors; success sets ``outcome.state`` to ``written``.
    """
    where = urlunsplit((*urlsplit(url)[:3], "", ""))
    started = time.monotonic()
    for attempt in range(retries + 1):
        outcome.attempts = attempt + 1
        retry_after: float | None = None
        try:
            answer = http_request(
                method, url, body=body, headers={"Content-Type": content_type}, timeout=timeout
            )
        except DeadlineExceeded:
            outcome.state, outcome.status = "failed", None
            outcome.detail = (
                f"timed out: {where} gave no complete answer within the {timeout:g} s deadline "
                "(--timeout, for the whole request); raise it, or check the store"
                # a plain-HTTP server reads a TLS handshake as a request line and waits on
                + (
                    " (if it serves plain HTTP, use an http:// endpoint)"
                    if url.startswith("https://")
                    else ""
                )
            )
        except (OSError, http.client.HTTPException) as exc:
            outcome.state, outcome.status = "failed", None
            outcome.detail = f"cannot reach {where}: {_describe_network_error(exc)}"
        else:
            outcome.status = answer.status
            if 200 <= answer.status < 300:
                outcome.state, outcome.detail = "written", ""
                break
            outcome.state = "failed"
            if 300 <= answer.status < 400:
                outcome.detail = _redirect_detail(answer, url)
                break
            outcome.detail = f"{_status_text(answer)}: {_excerpt(answer.body)}"
            if answer.status not in RETRY_STATUSES:
                break
            retry_after = _retry_after(answer.headers.get("retry-after"))
        if attempt < retries:
            delay = min(MAX_BACKOFF, backoff * (2**attempt))
            if retry_after is not None:
                delay = min(MAX_BACKOFF, max(delay, retry_after))
            sleep(delay)
    outcome.seconds = time.monotonic() - started
    return outcome


def put_graph(
    endpoint: str,
    payload: GraphPayload,
    *,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> GraphOutcome:
    """PUT one graph, retrying transient failures; never raises for HTTP or network errors."""
    return send_request(
        "PUT",
        graph_url(endpoint, payload.iri),
        payload.body,
        CONTENT_TYPE,
        GraphOutcome(payload),
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        sleep=sleep,
    )


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _describe_network_error(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the store running, and is the port right?)"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out (raise --timeout, or check the store is answering)"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror})"
    if isinstance(reason, http.client.RemoteDisconnected | ConnectionResetError):
        return "the store closed the connection without answering"
    if isinstance(reason, ssl.SSLError):
        what = escape_control(getattr(reason, "reason", None) or str(reason))
        return (
            f"the TLS handshake failed ({what}); if the store serves plain HTTP, use an "
            "http:// endpoint"
        )
    # e.g. BadStatusLine, whose text is the store's garbled status line
    return escape_control(str(reason).strip()) or type(reason).__name__


def push_graphs(
    endpoint: str,
    payloads: Sequence[GraphPayload],
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """PUT every graph in order; stop at the first one that fails for good.

    An interrupt raises :class:`PushInterrupted` with the graph in flight marked ``cut off``.
    """
    report = PushReport(check_endpoint(endpoint), [GraphOutcome(p) for p in payloads])
    started = time.monotonic()
    for i, payload in enumerate(payloads):
        try:
            outcome = put_graph(
                endpoint, payload, timeout=timeout, retries=retries, backoff=backoff, sleep=sleep
            )
        except KeyboardInterrupt:
            report.outcomes[i].state = "cut off"
            report.seconds = time.monotonic() - started
            raise PushInterrupted(report) from None
        report.outcomes[i] = outcome
        if outcome.state != "written":
            break
    report.seconds = time.monotonic() - started
    return report


def to_push_summary(report: PushReport) -> str:
    """The lines ``kg push`` prints: one per graph, then a total."""
    done_states = ("written", "updated", "unchanged")
    written = [o for o in report.outcomes if o.state in done_states]
    lines = []
    width = max((len(o.payload.label) for o in report.outcomes), default=0)
    for o in report.outcomes:
        tries = f", {o.attempts} attempts" if o.attempts > 1 else ""
        label = f"{o.payload.label:<{width}}"
        if o.state == "written" and report.mode == "update":
            lines.append(
                f"  updated   {label}  -{o.deleted} +{o.inserted} triples  "
                f"HTTP {o.status}  {o.seconds:.2f} s{tries}"
            )
        elif o.state == "written":
            lines.append(
                f"  written   {label}  {o.payload.triples:>6} triples  "
                f"HTTP {o.status}  {o.seconds:.2f} s{tries}"
            )
        elif o.state == "unchanged":
            lines.append(f"  unchanged {o.payload.label}")
        elif o.state == "failed":
            lines.append(f"  FAILED    {label}  {o.detail}{tries}")
        elif o.state == "cut off":
            lines.append(f"  CUT OFF   {label}  interrupted while this request was in flight")
        else:
            lines.append(f"  not sent  {o.payload.label}")
    verb = "updated in" if report.mode == "update" else "written to"
    if report.mode == "update":
        total = sum(o.deleted + o.inserted for o in written)
        amount = f"{total} triples deleted or inserted"
    else:
        amount = f"{sum(o.payload.triples for o in written)} triples"
    lines.append(
        f"{len(written)} of {len(report.outcomes)} graphs {verb} {report.endpoint} "
        f"({amount}, {report.seconds:.2f} s)"
    )
    return "\n".join(lines) + "\n"


def to_interruption_text(report: PushReport) -> str:
    """What an interrupted push means for the store, graph by graph, and how to finish."""
    done = [o.payload.label for o in report.outcomes if o.state in ("written", "unchanged")]
    cut = [o.payload.label for o in report.outcomes if o.state == "cut off"]
    unsent = [o.payload.label for o in report.outcomes if o.state == "not sent"]
    parts = ["interrupted during the push"]
    if report.mode == "update":
        parts.append(
            f"{len(done)} graph(s) already hold NEW"
            + (
                f"; {cut[0]} was cut off mid-update: a SPARQL Update request is one "
                "transaction in Oxigraph, Fuseki and GraphDB, so that graph holds either all "
                "of OLD or all of NEW, never a mix"
                if cut
                else ""
            )
            + f"; {len(unsent)} graph(s) not sent still hold OLD. The store as a whole now "
            "holds neither OLD nor NEW: run the same kg push --since again (its check sees "
            "which graphs differ and falls back to a full PUT), or kg push without --since"
        )
    else:
        parts.append(
            f"{len(done)} graph(s) written hold the new triples"
            + (
                f"; {cut[0]} was cut off mid-PUT: a Graph Store PUT replaces a graph in one "
                "transaction in Oxigraph and Fuseki, so it holds either what it held before or "
                "the whole new graph, depending on whether the request had reached the store"
                if cut
                else ""
            )
            + f"; {len(unsent)} graph(s) not sent still hold what they held before. Run the "
            "same kg push again to finish: each PUT replaces one graph, so the store converges"
        )
    return ": ".join(parts[:1]) + "; " + parts[1]


def raise_for_report(report: PushReport) -> None:
    """Raise :class:`RemoteStoreError` naming the failed graph when the push did not finish."""
    failed = [o for o in report.outcomes if o.state == "failed"]
    if failed:
        o = failed[0]
        rest = sum(1 for x in report.outcomes if x.state == "not sent")
        if report.mode == "update" and o.status is None:
            # sent, but no answer came: the store may have applied it before it went quiet
            meaning = (
                "The store gave no answer, so kg push cannot tell whether it applied that "
                "update: each update is one transaction, so that graph holds either OLD or "
                "NEW; the graphs updated before it hold NEW. Run kg push without --since (a "
                "full PUT of every graph) to be sure of what the store holds."
            )
        elif report.mode == "update":
            meaning = (
                "Each update is one transaction, so that graph still holds OLD; the graphs "
                "updated hold NEW. Fix the store and run kg push (with or without --since) again."
            )
        else:
            meaning = (
                "The graphs written are complete (each PUT replaces one graph); fix the store "
                "and run kg push again."
            )
        raise RemoteStoreError(
            f"push to {report.endpoint} failed at graph {o.payload.label} after "
            f"{o.attempts} attempt(s): {o.detail}; {rest} graph(s) not sent. {meaning}"
        )


# ---------------------------------------------------------------- incremental push (--since)

GraphTriples = dict[str | None, frozenset[str]]  # graph IRI (None: default) → N-Triples lines

_INTEGER_TYPES = frozenset(
    XSD[t]
    for t in (
        "integer",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)


def _store_form(term: Node) -> Node:
    """A term as stores keep it: Oxigraph stores every derived integer type as
    ``xsd:integer`` (its literal normalisation); comparisons use this form on both sides."""
    if isinstance(term, Literal) and term.datatype in _INTEGER_TYPES:
        try:
            return Literal(str(int(str(term))), datatype=XSD.integer, normalize=False)
        except ValueError:
            return term
    return term


def to_graph_triples(
    quads: Iterable[tuple[Node, Node, Node, Node | None]], path: Path
) -> GraphTriples:
    """Group quads into N-Triples lines per graph; blank nodes are refused (exit 3).

    Triples are deleted by value, which a blank node cannot be matched by.
    """
    from ..iri import term_nt

    out: dict[str | None, set[str]] = {}
    for s, p, o, g in quads:
        if isinstance(s, BNode) or isinstance(o, BNode) or isinstance(g, BNode):
            raise InputError(
                [
                    Problem(
                        Location.of(path),
                        "has blank nodes; kg push --since deletes triples by value, which "
                        "blank nodes cannot be matched by",
                        "push it without --since (a full PUT of every graph)",
                    )
                ]
            )
        key = None if g is None else str(g)
        line = f"{term_nt(s)} {term_nt(p)} {term_nt(_store_form(o))} ."
        out.setdefault(key, set()).add(line)
    return {k: frozenset(v) for k, v in out.items()}


def graph_digest(lines: Iterable[str]) -> str:
    """A digest of a graph: SHA-256 of its sorted N-Triples lines (first 12 hex digits).

    >>> graph_digest(['<urn:a> <urn:b> <urn:c> .'])
    'b6bbf512bdbd'
    """
    text = "\n".join(sorted(lines)) + "\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def fetch_graph(
    endpoint: str, iri: str | None, *, timeout: float, max_bytes: int
) -> frozenset[str]:
    """The triples a store holds in one graph (a GET as N-Triples), in comparable form.

    A graph the store does not have (404) is empty.
    """
    from ..iri import term_nt

    url = graph_url(endpoint, iri)
    label = iri or "default graph"
    try:
        answer = http_request(
            "GET",
            url,
            headers={"Accept": "application/n-triples"},
            timeout=timeout,
            max_bytes=max_bytes,
        )
    except DeadlineExceeded:
        raise RemoteStoreError(
            f"reading graph {label} from {endpoint}: no complete answer within the {timeout:g} s "
            "deadline (--timeout); raise it, or check the store"
        ) from None
    except AnswerTooLarge as exc:
        raise RemoteStoreError(
            f"reading graph {label} from {endpoint}: {exc} (the cap is 4 times the size of the "
            "graph's N-Triples plus 1 MiB); the store holds far more than expected — check "
            "--endpoint, or push without --since"
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        raise RemoteStoreError(
            f"reading graph {label} from {endpoint}: {_describe_network_error(exc)}"
        ) from None
    if answer.status == 404:
        return frozenset()
    if 300 <= answer.status < 400:
        raise RemoteStoreError(f"reading graph {label}: {_redirect_detail(answer, url)}")
    if answer.status != 200:
        raise RemoteStoreError(
            f"reading graph {label} from {endpoint}: {_status_text(answer)}: "
            f"{_excerpt(answer.body)}"
        )
    try:
        parsed = list(ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise RemoteStoreError(
            f"reading graph {label} from {endpoint}: the answer is not N-Triples "
            f"({escape_control(str(exc))})"
        ) from None
    return frozenset(
        f"{term_nt(to_rdflib(t.subject))} {term_nt(to_rdflib(t.predicate))} "
        f"{term_nt(_store_form(to_rdflib(t.object)))} ."
        for t in parsed
    )


@dataclass(frozen=True)
class GraphCheck:
    """One graph compared: what the store holds against what was expected."""

    iri: str | None
    expected: int
    expected_digest: str
    found: int
    found_digest: str

    @property
    def ok(self) -> bool:
        """Whether the store holds exactly the expected triples."""
        return (self.expected, self.expected_digest) == (self.found, self.found_digest)

    def __str__(self) -> str:
        return (
            f"graph {self.iri or 'default graph'}: the store has {self.found} triples "
            f"(digest {self.found_digest}), expected {self.expected} (digest "
            f"{self.expected_digest})"
        )


def _answer_cap(lines: frozenset[str]) -> int:
    """The most bytes read back for a graph: 4x its N-Triples size plus 1 MiB."""
    return 4 * sum(len(x.encode("utf-8")) + 1 for x in lines) + (1 << 20)


def read_store(
    endpoint: str,
    graphs: Iterable[str | None],
    *,
    timeout: float,
    max_bytes: Mapping[str | None, int],
) -> GraphTriples:
    """What the store holds in each of ``graphs`` (one GET per graph)."""
    return {
        iri: fetch_graph(endpoint, iri, timeout=timeout, max_bytes=max_bytes[iri])
        for iri in sorted(graphs, key=lambda k: (k is None, k or ""))
    }


def compare_graphs(found: GraphTriples, expected: GraphTriples) -> list[GraphCheck]:
    """Each graph of ``expected`` (an empty set: a graph that must be empty) against ``found``."""
    checks = []
    for iri in sorted(expected, key=lambda k: (k is None, k or "")):
        want, got = expected[iri], found.get(iri, frozenset())
        checks.append(GraphCheck(iri, len(want), graph_digest(want), len(got), graph_digest(got)))
    return checks


def answer_caps(*sides: GraphTriples) -> dict[str | None, int]:
    """The most bytes read back per graph: 4x its largest N-Triples size plus 1 MiB."""
    graphs = {g for side in sides for g in side}
    return {g: max(_answer_cap(side.get(g, frozenset())) for side in sides) for g in graphs}


def to_update_request(iri: str | None, deleted: Iterable[str], inserted: Iterable[str]) -> bytes:
    """``DELETE DATA`` then ``INSERT DATA`` for one graph, as one SPARQL 1.1 Update request.

    >>> print(to_update_request("urn:g", ["<urn:a> <urn:b> <urn:c> ."], []).decode(), end="")
    DELETE DATA { GRAPH <urn:g> {
    <urn:a> <urn:b> <urn:c> .
    } }
    """
    parts = []
    for verb, lines in (("DELETE", sorted(deleted)), ("INSERT", sorted(inserted))):
        if not lines:
            continue
        body = "\n".join(lines)
        if iri is None:
            parts.append(f"{verb} DATA {{\n{body}\n}}")
        else:
            parts.append(f"{verb} DATA {{ GRAPH <{iri}> {{\n{body}\n}} }}")
    return (" ;\n".join(parts) + "\n").encode("utf-8")


def push_since(
    update_url: str,
    old: GraphTriples,
    new: GraphTriples,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """Send NEW − OLD and OLD − NEW of every graph as one SPARQL Update per changed graph.

    The caller has checked that the store holds OLD. An interrupt raises
    :class:`PushInterrupted`.
    """
    graphs = sorted(set(old) | set(new), key=lambda k: (k is None, k or ""))
    report = PushReport(check_endpoint(update_url, "--update-endpoint"), mode="update")
    plans = []
    for iri in graphs:
        before, after = old.get(iri, frozenset()), new.get(iri, frozenset())
        deleted, inserted = before - after, after - before
        body = to_update_request(iri, deleted, inserted)
        outcome = GraphOutcome(GraphPayload(iri, body, len(after)))
        outcome.deleted, outcome.inserted = len(deleted), len(inserted)
        if not deleted and not inserted:
            outcome.state = "unchanged"
        report.outcomes.append(outcome)
        plans.append(outcome)
    started = time.monotonic()
    for outcome in plans:
        if outcome.state == "unchanged":
            continue
        try:
            send_request(
                "POST",
                update_url,
                outcome.payload.body,
                UPDATE_TYPE,
                outcome,
                timeout=timeout,
                retries=retries,
                backoff=backoff,
                sleep=sleep,
            )
        except KeyboardInterrupt:
            outcome.state = "cut off"
            report.seconds = time.monotonic() - started
            raise PushInterrupted(report) from None
        if outcome.state != "written":
            break
    report.seconds = time.monotonic() - started
    return report
