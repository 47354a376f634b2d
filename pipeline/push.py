"""Push stage: write the named graphs into a SPARQL 1.1 Graph Store Protocol endpoint.

Each named graph of the input (one per source, plus the ontology graph) is sent with one
``PUT ENDPOINT?graph=IRI``: PUT replaces the graph, so pushing again leaves the store as it
was. The body is N-Triples, sorted, sent as ``text/turtle`` (every N-Triples document is
Turtle, and every Graph Store implementation reads Turtle). Connection errors, timeouts,
``429`` and ``5xx`` are retried with exponential back-off; any other answer is final.

Endpoints: Oxigraph ``http://HOST:7878/store``, Fuseki ``http://HOST:3030/DATASET/data``,
GraphDB ``http://HOST:7200/repositories/REPO/rdf-graphs/service``, Virtuoso
``http://HOST:8890/sparql-graph-crud`` (with write permission granted).
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from .errors import RemoteStoreError, UsageError
from .readers import DEFAULT_LIMITS, InputLimits, iter_quads
from .vocab import DEFAULT_BASE

CONTENT_TYPE = "text/turtle; charset=utf-8"
EXCERPT_CHARS = 300
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


def check_endpoint(endpoint: str) -> str:
    """Validate the ``--endpoint`` URL (http or https, with a host)."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"--endpoint {endpoint!r} is not an http(s) URL — give the Graph Store endpoint, "
            "e.g. http://127.0.0.1:7878/store (Oxigraph) or http://localhost:3030/ds/data (Fuseki)"
        )
    return endpoint


@dataclass
class GraphOutcome:
    """What happened to one graph: ``written``, ``failed`` or ``not sent``."""

    payload: GraphPayload
    state: str = "not sent"
    status: int | None = None
    attempts: int = 0
    seconds: float = 0.0
    detail: str = ""


@dataclass
class PushReport:
    """The outcome of a push, graph by graph."""

    endpoint: str
    outcomes: list[GraphOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every graph was written."""
        return all(o.state == "written" for o in self.outcomes)


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    text = " ".join(text.split())
    return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")


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
    url = graph_url(endpoint, payload.iri)
    outcome = GraphOutcome(payload)
    started = time.monotonic()
    for attempt in range(retries + 1):
        outcome.attempts = attempt + 1
        retry_after: float | None = None
        request = urllib.request.Request(
            url,
            data=payload.body,
            method="PUT",
            headers={"Content-Type": CONTENT_TYPE, "User-Agent": "vjkg-push/0.1"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read(EXCERPT_CHARS)
                outcome.state, outcome.status, outcome.detail = "written", response.status, ""
                break
        except urllib.error.HTTPError as exc:
            outcome.state, outcome.status = "failed", exc.code
            outcome.detail = f"HTTP {exc.code} {exc.reason}: {_excerpt(exc.read(4096))}"
            if exc.code not in RETRY_STATUSES:
                break
            retry_after = _retry_after(exc.headers.get("Retry-After"))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            outcome.state, outcome.status = "failed", None
            outcome.detail = f"cannot reach {endpoint}: {_describe_network_error(reason)}"
        if attempt < retries:
            delay = min(MAX_BACKOFF, backoff * (2**attempt))
            if retry_after is not None:
                delay = min(MAX_BACKOFF, max(delay, retry_after))
            sleep(delay)
    outcome.seconds = time.monotonic() - started
    return outcome


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
    return str(reason)


def push_graphs(
    endpoint: str,
    payloads: Sequence[GraphPayload],
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """PUT every graph in order; stop at the first one that fails for good."""
    report = PushReport(check_endpoint(endpoint), [GraphOutcome(p) for p in payloads])
    started = time.monotonic()
    for i, payload in enumerate(payloads):
        outcome = put_graph(
            endpoint, payload, timeout=timeout, retries=retries, backoff=backoff, sleep=sleep
        )
        report.outcomes[i] = outcome
        if outcome.state != "written":
            break
    report.seconds = time.monotonic() - started
    return report


def to_push_summary(report: PushReport) -> str:
    """The lines ``kg push`` prints: one per graph, then a total."""
    written = [o for o in report.outcomes if o.state == "written"]
    lines = []
    width = max((len(o.payload.label) for o in report.outcomes), default=0)
    for o in report.outcomes:
        tries = f", {o.attempts} attempts" if o.attempts > 1 else ""
        if o.state == "written":
            lines.append(
                f"  written   {o.payload.label:<{width}}  {o.payload.triples:>6} triples  "
                f"HTTP {o.status}  {o.seconds:.2f} s{tries}"
            )
        elif o.state == "failed":
            lines.append(f"  FAILED    {o.payload.label:<{width}}  {o.detail}{tries}")
        else:
            lines.append(f"  not sent  {o.payload.label}")
    total = sum(o.payload.triples for o in written)
    lines.append(
        f"{len(written)} of {len(report.outcomes)} graphs written to {report.endpoint} "
        f"({total} triples, {report.seconds:.2f} s)"
    )
    return "\n".join(lines) + "\n"


def raise_for_report(report: PushReport) -> None:
    """Raise :class:`RemoteStoreError` naming the failed graph when the push did not finish."""
    failed = [o for o in report.outcomes if o.state == "failed"]
    if failed:
        o = failed[0]
        rest = sum(1 for x in report.outcomes if x.state == "not sent")
        raise RemoteStoreError(
            f"push to {report.endpoint} failed at graph {o.payload.label} after "
            f"{o.attempts} attempt(s): {o.detail}; {rest} graph(s) not sent. The graphs written "
            "are complete (each PUT replaces one graph); fix the store and run kg push again."
        )
