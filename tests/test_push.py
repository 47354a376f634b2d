"""kg push: into a real `oxigraph serve` (twice), into a store that is down, into stubs."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

from pipeline.push import graph_url, push_graphs, read_graph_payloads

REPO = Path(__file__).resolve().parents[1]
GRAPH = REPO / "graphs" / "kg.nq"
BIN = Path(sys.executable).parent
KG = BIN / "kg"
OXIGRAPH = BIN / "oxigraph"
FAST = ("--backoff", "0.01", "--timeout", "5")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KG), *args], cwd=REPO, capture_output=True, text=True, timeout=120)


@dataclass
class Oxigraph:
    base: str
    process: subprocess.Popen[bytes]

    @property
    def store(self) -> str:
        return self.base + "/store"

    def select(self, query: str) -> list[dict[str, dict[str, str]]]:
        import json

        req = urllib.request.Request(
            self.base + "/query",
            data=query.encode(),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return list(json.loads(resp.read())["results"]["bindings"])

    def dump(self) -> set[ox.Quad]:
        """Every quad in the store, parsed (GET /store as N-Quads)."""
        req = urllib.request.Request(self.store, headers={"Accept": "application/n-quads"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return set(ox.parse(resp.read(), format=ox.RdfFormat.N_QUADS))


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(OXIGRAPH),
            "serve",
            "--location",
            str(tmp_path / "store"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else "oxigraph exited"
            assert time.monotonic() < deadline, "oxigraph serve did not become ready in 30 s"
            time.sleep(0.1)
        yield Oxigraph(base, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def local_counts() -> dict[str, int]:
    counts: dict[str, set[ox.Triple]] = {}
    for q in ox.parse(path=str(GRAPH), format=ox.RdfFormat.N_QUADS):
        counts.setdefault(q.graph_name.value, set()).add(q.triple)  # type: ignore[union-attr]
    return {g: len(t) for g, t in counts.items()}


def remote_counts(store: Oxigraph) -> dict[str, int]:
    rows = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


# ---------------------------------------------------------------- a real store


def test_push_writes_every_named_graph_with_the_local_counts(oxigraph: Oxigraph) -> None:
    done = kg("push", "--endpoint", oxigraph.store)
    assert done.returncode == 0, done.stderr
    expected = local_counts()
    assert len(expected) >= 6 and "https://w3id.org/vjkg/graph/ontology" in expected
    assert remote_counts(oxigraph) == expected
    for graph, n in expected.items():  # graph by graph, also through FROM
        rows = oxigraph.select(f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}")
        assert int(rows[0]["n"]["value"]) == n
    for graph in expected:
        assert f"  written   {graph}" in done.stdout
    assert f"{len(expected)} of {len(expected)} graphs written" in done.stdout


def test_pushing_twice_leaves_the_store_identical(oxigraph: Oxigraph) -> None:
    assert kg("push", "--endpoint", oxigraph.store).returncode == 0
    first = oxigraph.dump()
    assert kg("push", "--endpoint", oxigraph.store).returncode == 0
    second = oxigraph.dump()
    assert first == second
    # Oxigraph stores xsd:nonNegativeInteger / positiveInteger as xsd:integer (oxigraph issue
    # 526, "literal normalization"); apart from that the store holds exactly the file.
    local = ox.Store()
    local.bulk_load(path=str(GRAPH), format=ox.RdfFormat.N_QUADS)
    assert first == set(local)
    in_file = set(ox.parse(path=str(GRAPH), format=ox.RdfFormat.N_QUADS))
    assert {normalise_integer(q) for q in in_file} == first


INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DERIVED_INTEGERS = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in (
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
}


def normalise_integer(q: ox.Quad) -> ox.Quad:
    o = q.object
    if isinstance(o, ox.Literal) and o.datatype.value in DERIVED_INTEGERS:
        return ox.Quad(
            q.subject, q.predicate, ox.Literal(str(int(o.value)), datatype=INTEGER), q.graph_name
        )
    return q


def test_push_replaces_what_a_graph_held_before(oxigraph: Oxigraph) -> None:
    stale = "<urn:stale> <urn:p> <urn:o> .\n"
    doc0 = "https://w3id.org/vjkg/graph/doc-000"
    req = urllib.request.Request(
        graph_url(oxigraph.store, doc0),
        data=stale.encode(),
        method="PUT",
        headers={"Content-Type": "application/n-triples"},
    )
    urllib.request.urlopen(req, timeout=10).close()
    assert remote_counts(oxigraph)[doc0] == 1  # the stale triple alone
    assert kg("push", "--endpoint", oxigraph.store).returncode == 0
    assert not oxigraph.select("SELECT * WHERE { GRAPH ?g { <urn:stale> ?p ?o } }")
    assert remote_counts(oxigraph) == local_counts()


def test_push_of_a_turtle_file_writes_the_default_graph(oxigraph: Oxigraph, tmp_path: Path) -> None:
    ttl = tmp_path / "two.ttl"
    ttl.write_text('<urn:a> <urn:b> "Hà Nội"@vi .\n<urn:a> <urn:b> "東京"@ja .\n', encoding="utf-8")
    done = kg("push", "--endpoint", oxigraph.store, "--input", str(ttl))
    assert done.returncode == 0, done.stderr
    assert "written   default graph" in done.stdout
    rows = oxigraph.select('SELECT ?o WHERE { <urn:a> <urn:b> ?o FILTER(lang(?o) = "vi") }')
    assert rows == [{"o": {"type": "literal", "value": "Hà Nội", "xml:lang": "vi"}}]


# ---------------------------------------------------------------- failures


def test_a_store_that_is_down_exits_6_with_a_clear_message() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/store"
    started = time.monotonic()
    done = kg("push", "--endpoint", endpoint, "--retries", "2", *FAST)
    assert done.returncode == 6
    assert "connection refused" in done.stderr and "is the store running" in done.stderr
    assert "after 3 attempt(s)" in done.stderr
    assert "0 of 6 graphs written" in done.stdout and "  not sent  " in done.stdout
    assert time.monotonic() - started < 30


def start_local_server(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``handler`` on a free port of 127.0.0.1 in a daemon thread; return its /store URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/store"


@dataclass
class Stub:
    """A tiny real HTTP server that answers PUTs from a script of statuses."""

    statuses: list[int]
    body: bytes = b"storage failure: disk full on /var/lib/store (errno 28)"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stub.seen.append((self.path, self.headers.get("Content-Type", ""), data))
                time.sleep(stub.delay)
                status = stub.statuses.pop(0) if len(stub.statuses) > 1 else stub.statuses[0]
                body = b"" if status < 300 else stub.body
                try:
                    self.send_response(status)
                    for k, v in stub.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        return start_local_server(Handler)


@pytest.fixture
def stub_server() -> Iterator[list[ThreadingHTTPServer]]:
    started: list[ThreadingHTTPServer] = []
    yield started
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


def run_stub(stub_server: list[ThreadingHTTPServer], stub: Stub) -> str:
    httpd, endpoint = stub.serve()
    stub_server.append(httpd)
    return endpoint


def test_a_store_answering_500_is_retried_then_exit_6_with_status_and_body(
    stub_server: list[ThreadingHTTPServer],
) -> None:
    stub = Stub([500])
    endpoint = run_stub(stub_server, stub)
    done = kg("push", "--endpoint", endpoint, "--retries", "3", *FAST)
    assert done.returncode == 6
    assert len(stub.seen) == 4  # one try and three retries, all for the first graph
    assert len({path for path, _, _ in stub.seen}) == 1
    assert "HTTP 500" in done.stderr and "disk full on /var/lib/store" in done.stderr
    assert "FAILED    https://w3id.org/vjkg/graph/doc-000" in done.stdout
    assert "0 of 6 graphs written" in done.stdout


def test_transient_503_then_success_writes_everything(
    stub_server: list[ThreadingHTTPServer],
) -> None:
    stub = Stub([503, 503, 201])
    endpoint = run_stub(stub_server, stub)
    done = kg("push", "--endpoint", endpoint, "--retries", "3", *FAST)
    assert done.returncode == 0, done.stderr
    assert "3 attempts" in done.stdout and "6 of 6 graphs written" in done.stdout
    path, ctype, body = stub.seen[-1]
    assert ctype.startswith("text/turtle")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(path).query) == {
        "graph": ["https://w3id.org/vjkg/graph/ontology"]
    }
    assert (
        len(list(ox.parse(body, format=ox.RdfFormat.TURTLE)))
        == local_counts()["https://w3id.org/vjkg/graph/ontology"]
    )


def test_a_4xx_is_not_retried(stub_server: list[ThreadingHTTPServer]) -> None:
    stub = Stub([401], body=b"Unauthorized: credentials required")
    endpoint = run_stub(stub_server, stub)
    done = kg("push", "--endpoint", endpoint, "--retries", "3", *FAST)
    assert done.returncode == 6 and len(stub.seen) == 1
    assert "HTTP 401" in done.stderr and "credentials required" in done.stderr


def test_429_waits_as_long_as_retry_after_asks() -> None:
    stub = Stub([429, 204], headers={"Retry-After": "2"})
    httpd, endpoint = stub.serve()
    slept: list[float] = []
    try:
        payloads = read_graph_payloads(GRAPH)[:1]
        report = push_graphs(
            endpoint, payloads, retries=2, backoff=0.01, timeout=5, sleep=slept.append
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert report.ok and slept == [2.0]


def test_a_store_that_does_not_answer_times_out(stub_server: list[ThreadingHTTPServer]) -> None:
    stub = Stub([204], delay=2.0)
    endpoint = run_stub(stub_server, stub)
    started = time.monotonic()
    done = kg(
        "push", "--endpoint", endpoint, "--retries", "1", "--timeout", "0.5", "--backoff", "0.01"
    )
    assert done.returncode == 6 and "timed out" in done.stderr
    assert time.monotonic() - started < 15


def test_bad_endpoints_and_inputs_are_named() -> None:
    done = kg("push", "--endpoint", "ftp://example.org/store")
    assert done.returncode == 2 and "not an http(s) URL" in done.stderr
    done = kg("push", "--endpoint", "http://127.0.0.1:1/store", "--input", "nowhere/kg.nq")
    assert done.returncode == 3 and "kg build" in done.stderr


class _DroppingProxy:
    """A real HTTP proxy to a store that forwards the first `forward` PUTs and then closes
    every connection without answering, as a store that crashes mid-push would."""

    def __init__(self, target: str, forward: int):
        self.target = target
        self.forward = forward
        self.count = 0

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy.count += 1
                if proxy.count > proxy.forward:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                query = urllib.parse.urlsplit(self.path).query
                req = urllib.request.Request(
                    f"{proxy.target}?{query}",
                    data=data,
                    method="PUT",
                    headers={"Content-Type": self.headers.get("Content-Type", "")},
                )
                with urllib.request.urlopen(req, timeout=30) as resp:
                    status = resp.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return start_local_server(Handler)


def test_a_connection_closed_mid_push_names_what_was_written_and_a_rerun_converges(
    oxigraph: Oxigraph, stub_server: list[ThreadingHTTPServer]
) -> None:
    proxy = _DroppingProxy(oxigraph.store, forward=2)
    httpd, endpoint = proxy.serve()
    stub_server.append(httpd)
    done = kg("push", "--endpoint", endpoint, "--retries", "1", *FAST)
    assert done.returncode == 6
    assert "2 of 6 graphs written" in done.stdout
    assert done.stdout.count("  written ") == 2 and "FAILED" in done.stdout
    partial = remote_counts(oxigraph)
    assert len(partial) == 2
    # The store comes back: pushing again converges to exactly what a clean push gives.
    again = kg("push", "--endpoint", oxigraph.store, *FAST)
    assert again.returncode == 0, again.stderr
    assert remote_counts(oxigraph) == local_counts()
