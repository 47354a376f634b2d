"""kg push: into a real `oxigraph serve` (twice), into a store that is down, into stubs."""

from __future__ import annotations

import contextlib
import signal
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

from pipeline.sparql.push import graph_url, push_graphs, read_graph_payloads

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


def test_https_to_a_plain_http_store_says_it_may_be_plain_http(
    stub_server: list[ThreadingHTTPServer],
) -> None:
    """https:// to a plain-HTTP store: the handshake fails (or, with a server that reads it
    as the start of a request line, times out); either way the error says what may be
    wrong, not only that it failed."""
    endpoint = run_stub(stub_server, Stub([204]))
    tls = endpoint.replace("http://", "https://", 1)
    done = kg("push", "--endpoint", tls, "--retries", "0", "--timeout", "1")
    assert done.returncode == 6, done.stderr
    assert "use an http:// endpoint" in done.stderr, done.stderr


def test_bad_endpoints_and_inputs_are_named() -> None:
    done = kg("push", "--endpoint", "ftp://example.org/store")
    assert done.returncode == 2 and "not an http(s) URL" in done.stderr


def test_an_endpoint_that_would_misroute_or_leak_is_refused_before_any_connection() -> None:
    """Exit 2, and a real listener on the endpoint's port sees no connection: a fragment
    would carry the graph parameter (every graph would replace the default graph), a graph
    parameter of its own would reach the store twice, a password would be printed and never
    sent, and a bad port or host used to be an internal error."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    here = f"http://127.0.0.1:{port}"
    try:
        for endpoint, said in (
            (f"{here}/store#x", "#fragment"),
            (f"{here}/store?graph=http://evil/", "'graph' parameter"),
            (f"{here}/store?default", "'default' parameter"),
            (f"http://u:secret@127.0.0.1:{port}/store", "user name or password"),
            ("http://127.0.0.1:99999/store", "not a valid URL"),
            ("http://127.0.0.1:abc/store", "not a valid URL"),
            ("http://[::1/store", "not a valid URL"),
            (f"{here}/st ore", "space or a control character"),
            (f"{here}/st\rore", "space or a control character"),
        ):
            done = kg("push", "--endpoint", endpoint, "--input", str(GRAPH))
            assert done.returncode == 2 and said in done.stderr, (endpoint, done.stderr)
            assert "secret" not in done.stderr + done.stdout
        done = kg("push", "--endpoint", f"{here}/store", "--since", str(GRAPH),
                  "--update-endpoint", "http://127.0.0.1:99999/u")  # fmt: skip
        assert done.returncode == 2 and "--update-endpoint" in done.stderr, done.stderr
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing connected
    finally:
        listener.close()
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


# ---------------------------------------------------------------- kg push --since


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(sorted(lines)), encoding="utf-8")
    return path


def edited_copy(tmp_path: Path) -> tuple[Path, Path]:
    """OLD (the built graph) and NEW: doc-004 gone, 10 triples fewer in doc-002, one more
    in doc-000, and a new graph."""
    lines = GRAPH.read_text(encoding="utf-8").splitlines(keepends=True)
    doc = "https://w3id.org/vjkg/graph/"
    new = [x for x in lines if not x.rstrip().endswith(f"<{doc}doc-004> .")]
    in_002 = [x for x in new if x.rstrip().endswith(f"<{doc}doc-002> .")]
    dropped = set(in_002[:10])
    new = [x for x in new if x not in dropped]
    new.append(f'<urn:x:a> <urn:x:p> "thêm"@vi <{doc}doc-000> .\n')
    new.append(f"<urn:x:a> <urn:x:p> <urn:x:b> <{doc}doc-new> .\n")
    return GRAPH, write_lines(tmp_path / "new.nq", new)


def quads_in(path: Path) -> set[ox.Quad]:
    return {normalise_integer(q) for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)}


def test_push_since_sends_only_the_difference_and_the_store_equals_new(
    oxigraph: Oxigraph, tmp_path: Path
) -> None:
    old, new = edited_copy(tmp_path)
    assert kg("push", "--endpoint", oxigraph.store, "--input", str(old)).returncode == 0
    done = kg("push", "--endpoint", oxigraph.store, "--input", str(new), "--since", str(old))
    assert done.returncode == 0, done.stderr
    assert f"the store holds {old}" in done.stdout
    doc = "https://w3id.org/vjkg/graph/"
    assert f"updated   {doc}doc-000" in done.stdout and " -0 +1 triples" in done.stdout
    assert f"updated   {doc}doc-002" in done.stdout and " -10 +0 triples" in done.stdout
    assert f"updated   {doc}doc-new" in done.stdout
    assert f"unchanged {doc}doc-001" in done.stdout and f"unchanged {doc}ontology" in done.stdout
    assert f"updated   {doc}doc-004" in done.stdout  # emptied
    assert "verified: the store's 7 graph(s) equal" in done.stdout
    assert oxigraph.dump() == quads_in(new)  # quad for quad
    again = kg("push", "--endpoint", oxigraph.store, "--input", str(new), "--since", str(old))
    assert again.returncode == 0 and "already holds" in again.stdout
    assert "nothing to send" in again.stdout and oxigraph.dump() == quads_in(new)


def test_push_since_falls_back_to_a_full_put_when_the_store_holds_something_else(
    oxigraph: Oxigraph, tmp_path: Path
) -> None:
    old, new = edited_copy(tmp_path)
    assert kg("push", "--endpoint", oxigraph.store, "--input", str(old)).returncode == 0
    doc1 = "https://w3id.org/vjkg/graph/doc-001"
    req = urllib.request.Request(
        graph_url(oxigraph.store, doc1),
        data=b"<urn:stale> <urn:p> <urn:o> .\n",
        method="POST",  # adds a triple the file does not have
        headers={"Content-Type": "application/n-triples"},
    )
    urllib.request.urlopen(req, timeout=10).close()
    before = oxigraph.dump()
    refused = kg(
        "push", "--endpoint", oxigraph.store, "--input", str(new), "--since", str(old),
        "--no-fallback",
    )  # fmt: skip
    assert refused.returncode == 6
    assert f"does not hold {old}" in refused.stderr and f"graph {doc1}" in refused.stderr
    assert "nothing was written (--no-fallback)" in refused.stderr
    assert oxigraph.dump() == before
    done = kg("push", "--endpoint", oxigraph.store, "--input", str(new), "--since", str(old))
    assert done.returncode == 0, done.stderr
    assert f"does not hold {old}" in done.stdout and "falling back to a full PUT" in done.stdout
    assert f"graph {doc1}: the store has" in done.stdout
    assert "verified" in done.stdout
    assert oxigraph.dump() == quads_in(new)


def test_push_since_refuses_blank_nodes_and_needs_an_update_url(tmp_path: Path) -> None:
    ttl = write_lines(tmp_path / "b.nt", ["_:x <urn:p> <urn:o> .\n"])
    done = kg(
        "push", "--endpoint", "http://127.0.0.1:1/store", "--input", str(ttl), "--since", str(ttl)
    )
    assert (
        done.returncode == 3 and "blank nodes" in done.stderr and "without --since" in done.stderr
    )
    done = kg("push", "--endpoint", "http://127.0.0.1:1/x", "--since", str(GRAPH))
    assert done.returncode == 2 and "--update-endpoint" in done.stderr


# ---------------------------------------------------------------- deadline, signals, redirects


class Trickler:
    """A real socket server that reads a request, then answers one byte every 0.5 s, forever."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/store"

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.trickle, args=(conn,), daemon=True).start()

    def trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(1 << 16)
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000:
                    if self.stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(0.5)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_store_that_trickles_its_answer_is_cut_off_at_the_deadline() -> None:
    server = Trickler()
    try:
        done = kg("push", "--endpoint", server.endpoint, "--retries", "1", "--timeout", "2",
                  "--backoff", "0.01")  # fmt: skip
    finally:
        server.close()
    # It ends (subprocess would raise after 120 s otherwise), with exit 6 and a clear message.
    assert done.returncode == 6
    assert "gave no complete answer within the 2 s deadline" in done.stderr
    assert "--timeout, for the whole request" in done.stderr
    assert server.connections == 2  # one try and one retry, each cut off
    assert "0 of 6 graphs written" in done.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_an_interrupted_push_prints_what_reached_the_store_and_exits_130(
    stub_server: list[ThreadingHTTPServer], sig: signal.Signals
) -> None:
    in_flight: list[str] = []

    class SlowAfterOne(BaseHTTPRequestHandler):
        """A store that writes the first graph, then takes a minute over the second."""

        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if in_flight:
                in_flight.append(self.path)
                time.sleep(60)
                return
            in_flight.append("")  # the first, answered at once
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd, switch = start_local_server(SlowAfterOne)
    stub_server.append(httpd)
    proc = subprocess.Popen(
        [str(KG), "push", "--endpoint", switch, "--timeout", "100"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal delivers it, even if this process was started ignoring it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while len(in_flight) < 2:  # the second graph is in flight
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    doc = "https://w3id.org/vjkg/graph/"
    assert f"  written   {doc}doc-000" in out
    assert f"  CUT OFF   {doc}doc-001" in out
    assert f"  not sent  {doc}doc-002" in out
    assert "1 of 6 graphs written" in out
    assert f"{doc}doc-001 was cut off mid-PUT" in err
    assert "either what it held before or the whole new graph" in err
    assert "4 graph(s) not sent still hold what they held before" in err
    assert "Run the same kg push again" in err
    assert "earlier outputs are intact" not in err


@pytest.mark.parametrize("status", [301, 307])
def test_a_redirect_is_reported_with_its_target(
    stub_server: list[ThreadingHTTPServer], status: int
) -> None:
    stub = Stub([status], headers={"Location": "http://127.0.0.1:9/elsewhere/store?graph=x"})
    endpoint = run_stub(stub_server, stub)
    done = kg("push", "--endpoint", endpoint, *FAST)
    assert done.returncode == 6
    assert len(stub.seen) == 1  # not retried, not followed
    assert f"HTTP {status}" in done.stderr
    assert "redirects to http://127.0.0.1:9/elsewhere/store?graph=x" in done.stderr
    assert "pass --endpoint http://127.0.0.1:9/elsewhere/store" in done.stderr


def test_push_since_reads_back_at_most_its_cap(
    stub_server: list[ThreadingHTTPServer], tmp_path: Path
) -> None:
    class Flood(BaseHTTPRequestHandler):
        """A store whose graph is 3 MiB when one triple is expected."""

        def do_GET(self) -> None:
            line = b"<urn:s> <urn:p> <urn:o> .\n"
            body = line * (3 * (1 << 20) // len(line))
            self.send_response(200)
            self.send_header("Content-Type", "application/n-triples")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd, endpoint = start_local_server(Flood)
    stub_server.append(httpd)
    one = write_lines(tmp_path / "one.nt", ["<urn:a> <urn:b> <urn:c> .\n"])
    done = kg("push", "--endpoint", endpoint, "--input", str(one), "--since", str(one), *FAST)
    assert done.returncode == 6
    assert "the store's answer is longer than" in done.stderr and "1 MiB" in done.stderr


class ForwardsReads(BaseHTTPRequestHandler):
    """A proxy in front of a real store (``store``): it forwards every read as it is."""

    store: Oxigraph

    def do_GET(self) -> None:
        req = urllib.request.Request(
            self.store.base + self.path, headers={"Accept": self.headers.get("Accept", "")}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_interrupted_update_says_what_the_store_holds_and_a_rerun_converges(
    oxigraph: Oxigraph, stub_server: list[ThreadingHTTPServer], tmp_path: Path
) -> None:
    old, new = edited_copy(tmp_path)
    assert kg("push", "--endpoint", oxigraph.store, "--input", str(old)).returncode == 0
    updates: list[bytes] = []

    class StallingUpdates(ForwardsReads):
        """Reads go to the real store; the first update never gets an answer."""

        store = oxigraph

        def do_POST(self) -> None:
            updates.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            time.sleep(60)

    httpd, proxy = start_local_server(StallingUpdates)
    stub_server.append(httpd)
    base = proxy.removesuffix("/store")
    proc = subprocess.Popen(
        [str(KG), "push", "--endpoint", proxy, "--update-endpoint", base + "/update",
         "--input", str(new), "--since", str(old)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not updates:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.terminate()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    doc = "https://w3id.org/vjkg/graph/"
    assert f"  CUT OFF   {doc}doc-000" in out and f"  not sent  {doc}doc-002" in out
    assert f"{doc}doc-000 was cut off mid-update" in err
    assert "holds either all of OLD or all of NEW, never a mix" in err
    assert "run the same kg push --since again" in err
    # The update never reached the store, so it still holds OLD and a rerun applies NEW.
    again = kg("push", "--endpoint", oxigraph.store, "--input", str(new), "--since", str(old))
    assert again.returncode == 0, again.stderr
    assert f"the store holds {old}" in again.stdout
    assert oxigraph.dump() == quads_in(new)


def test_an_update_the_store_applied_but_never_answered_is_not_said_to_hold_old(
    oxigraph: Oxigraph, stub_server: list[ThreadingHTTPServer], tmp_path: Path
) -> None:
    """A store that applies an update and then gives no answer: kg push said "that graph
    still holds OLD" while it held NEW. With no answer it cannot tell, and says so."""
    old, new = edited_copy(tmp_path)
    assert kg("push", "--endpoint", oxigraph.store, "--input", str(old)).returncode == 0

    class AppliesThenHangs(ForwardsReads):
        """Reads and updates go to the real store; an update's answer never comes back."""

        store = oxigraph

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            req = urllib.request.Request(
                oxigraph.base + "/update",
                data=body,
                headers={"Content-Type": self.headers.get("Content-Type", "")},
            )
            urllib.request.urlopen(req, timeout=30).read()  # applied ...
            time.sleep(10)  # ... and no answer within kg push's --timeout

    httpd, proxy = start_local_server(AppliesThenHangs)
    stub_server.append(httpd)
    base = proxy.removesuffix("/store")
    done = kg(
        "push", "--endpoint", proxy, "--update-endpoint", base + "/update", "--input", str(new),
        "--since", str(old), "--retries", "0", "--timeout", "2",
    )  # fmt: skip
    assert done.returncode == 6, done.stderr
    assert "still holds OLD" not in done.stderr
    assert "cannot tell whether it applied that update" in done.stderr
    assert "holds either OLD or NEW" in done.stderr and "without --since" in done.stderr


def raw_store(answer: bytes) -> type[BaseHTTPRequestHandler]:
    """A store that reads each request and writes ``answer`` back byte for byte."""

    class RawStore(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.close_connection = True
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(answer)

        do_GET = do_POST = do_PUT

        def log_message(self, format: str, *args: object) -> None:
            pass

    return RawStore


HOSTILE_BODY = "\x1b[31mRED\x1b]0;t\x07 \u202eevil".encode()


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (
            b"HTTP/1.1 400 \x1b[2J\x1b[31mBad\x1b]0;pwned\x07\r\nContent-Length: %d\r\n\r\n%s"
            % (len(HOSTILE_BODY), HOSTILE_BODY),
            [
                "HTTP 400 \\x1b[2J\\x1b[31mBad\\x1b]0;pwned\\x07: ",
                "\\x1b[31mRED\\x1b]0;t\\x07 \\u202eevil",
            ],
        ),
        (
            b"HTTP/1.1 301 Moved\x1b[5m\r\nLocation: http://127.0.0.1:9/\x1b]0;pwned\x07/store"
            b"\r\nContent-Length: 0\r\n\r\n",
            [
                "HTTP 301 Moved\\x1b[5m: ",
                "redirects to http://127.0.0.1:9/\\x1b]0;pwned\\x07/store",
                "pass --endpoint http://127.0.0.1:9/\\x1b]0;pwned\\x07/store",
            ],
        ),
        (b"\x00\x1b[31mgarbage\r\n\r\n", ["cannot reach", "\\x00\\x1b[31mgarbage"]),
    ],
    ids=["status and body", "redirect", "garbage status line"],
)
def test_what_a_store_sends_is_printed_with_its_control_characters_escaped(
    stub_server: list[ThreadingHTTPServer], tmp_path: Path, answer: bytes, shown: list[str]
) -> None:
    """A store's reason, body, Location and status line reach the terminal only escaped:
    raw, their escape sequences would clear, recolour or retitle it."""
    httpd, endpoint = start_local_server(raw_store(answer))
    stub_server.append(httpd)
    small = write_lines(tmp_path / "small.nq", ["<urn:a> <urn:b> <urn:c> <urn:g> .\n"])
    done = kg("push", "--endpoint", endpoint, "--input", str(small), "--retries", "0", *FAST)
    assert done.returncode == 6, done.stderr
    for stream in (done.stdout, done.stderr):
        assert not any(ch in stream for ch in "\x00\x07\x1b\u202e"), stream
        assert all(text in stream for text in shown), stream
