"""kg serve as a standard SPARQL endpoint: HTTP/1.1, HEAD, OPTIONS/CORS, formats, real clients.

Every test talks to a real ``kg serve`` process over a real socket; the clients are the
real ones (SPARQLWrapper, rdflib's SPARQLStore, Apache Jena's rsparql).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from .test_serve import FIXTURES, GRAPH, KG, read_line, stop

REPO = Path(__file__).resolve().parents[1]
JENA = REPO.parent / "shared" / "tools" / "jena"
DOC0 = "https://w3id.org/vjkg/graph/doc-000"
MAX_REQUEST_BYTES = 20_000
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{DOC0}> {{ ?s ?p ?o }} }} LIMIT 40"
COUNT_DOC0 = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DOC0}> {{ ?s ?p ?o }} }}"
DESCRIBE = "DESCRIBE <https://w3id.org/vjkg/resource/meti>"
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 20"
ASK = "ASK { ?s ?p ?o }"
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass
class Endpoint:
    url: str
    process: subprocess.Popen[str]
    log: Path

    @property
    def address(self) -> tuple[str, int]:
        host, port = urllib.parse.urlsplit(self.url).netloc.split(":")
        return host, int(port)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(*self.address, timeout=30)

    def get(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[http.client.HTTPResponse, bytes]:
        conn = self.connect()
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            return resp, resp.read()
        finally:
            conn.close()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def launch(data: Path, log: Path, *extra: str) -> Endpoint:
    """Start ``kg serve`` on a free port (request log in ``log``) and wait until it listens."""
    log_file = open(log, "w", encoding="utf-8")  # noqa: SIM115 (the server writes it)
    proc = subprocess.Popen(
        [str(KG), "serve", "--port", "0", "--input", str(data), "--workers", "1", *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
        start_new_session=True,
    )
    log_file.close()
    line = read_line(proc, 60)
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
    if not m:
        stop(proc)
        raise AssertionError(f"kg serve did not start: {line!r} {log.read_text()}")
    return Endpoint(m[1], proc, log)


def shut(endpoint: Endpoint) -> None:
    stop(endpoint.process)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(endpoint.process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    log = tmp_path_factory.mktemp("endpoint") / "serve.log"
    srv = launch(
        GRAPH, log, "--queries", str(FIXTURES), "--max-request-bytes", str(MAX_REQUEST_BYTES)
    )
    try:
        yield srv
    finally:
        shut(srv)


def sparql_path(query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def ntriples_of(endpoint: Endpoint, query: str) -> rdflib.Graph:
    resp, body = endpoint.get(sparql_path(query), {"Accept": "application/n-triples"})
    assert resp.status == 200, body
    return rdflib.Graph().parse(data=body, format="nt")


# ---------------------------------------------------------------- HTTP/1.1


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sparql",
        "/sparql/",
        sparql_path(ASK),
        sparql_path(CONSTRUCT),
        "/queries/ministries.rq",
        "/nowhere",
    ],
)
def test_head_answers_as_get_without_the_body(endpoint: Endpoint, path: str) -> None:
    got, body = endpoint.get(path)
    conn = endpoint.connect()
    try:
        conn.request("HEAD", path)
        head = conn.getresponse()
        assert head.read() == b""
        assert head.status == got.status
        assert head.getheader("Content-Type") == got.getheader("Content-Type")
        assert int(head.getheader("Content-Length") or -1) == len(body)
        conn.request("GET", path)  # the same connection: HEAD left nothing unread behind
        again = conn.getresponse()
        assert again.status == got.status and len(again.read()) == len(body)
    finally:
        conn.close()


def test_two_requests_share_one_connection(endpoint: Endpoint) -> None:
    conn = endpoint.connect()
    try:
        conn.request("GET", sparql_path(ASK), headers={"Accept": "application/sparql-results+json"})
        first = conn.getresponse()
        assert first.version == 11 and first.status == 200
        assert json.loads(first.read())["boolean"] is True
        sock = conn.sock
        # a refused update with a body: the body is read, so the next request is parsed right
        conn.request(
            "POST",
            "/sparql",
            body=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
        )
        refused = conn.getresponse()
        assert refused.status == 403 and b"read-only" in refused.read()
        conn.request(
            "POST",
            "/sparql/",
            body=ASK.encode(),
            headers={"Content-Type": "application/sparql-query"},
        )
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["boolean"] is True
        assert conn.sock is sock, "the server closed a keep-alive connection"
    finally:
        conn.close()


def read_response(stream: io.BufferedReader) -> tuple[int, dict[str, str], bytes]:
    status = int(stream.readline().split()[1])
    headers = {}
    while (line := stream.readline().rstrip(b"\r\n")) != b"":
        key, _, value = line.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, stream.read(int(headers["content-length"]))


def test_pipelined_requests_are_answered_in_order(endpoint: Endpoint) -> None:
    ask = f"GET {sparql_path(ASK)} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode()
    count = COUNT_DOC0
    post = (
        f"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n"
        f"Content-Type: application/sparql-query\r\nContent-Length: {len(count)}\r\n\r\n{count}"
    ).encode()
    with socket.create_connection(endpoint.address, timeout=30) as sock:
        sock.sendall(ask + post + ask)
        stream = sock.makefile("rb")
        answers = [read_response(stream) for _ in range(3)]
    assert [a[0] for a in answers] == [200, 200, 200]
    assert answers[0][2] == answers[2][2] == b"true\r\n"
    assert answers[1][2].split(b"\r\n")[0] == b"n" and int(answers[1][2].split(b"\r\n")[1]) > 0


def test_every_response_has_a_content_length(endpoint: Endpoint) -> None:
    for method, path in [
        ("GET", "/sparql?query=ASK%20%7B"),
        ("OPTIONS", "/sparql"),
        ("PUT", "/store"),
        ("GET", "/update"),
        ("FROB", "/sparql"),
    ]:
        resp, body = endpoint.get(path, method=method)
        assert int(resp.getheader("Content-Length") or -1) == len(body), (method, path)


def test_a_body_over_the_limit_is_413_and_the_connection_closes(endpoint: Endpoint) -> None:
    conn = endpoint.connect()
    try:
        big = b"ASK {} #" + b"x" * MAX_REQUEST_BYTES
        conn.request(
            "POST", "/sparql", body=big, headers={"Content-Type": "application/sparql-query"}
        )
        resp = conn.getresponse()
        text = resp.read().decode()
        assert resp.status == 413 and "--max-request-bytes" in text
        assert resp.getheader("Connection") == "close"
    finally:
        conn.close()


def test_connections_beyond_the_cap_get_503_and_idle_ones_are_closed(tmp_path: Path) -> None:
    srv = launch(GRAPH, tmp_path / "c.log", "--max-connections", "2", "--idle-timeout", "5")
    try:
        held = [srv.connect() for _ in range(2)]
        for conn in held:  # answered, and kept open (keep-alive): each holds a slot
            conn.request("GET", sparql_path(ASK))
            assert conn.getresponse().read().strip().endswith(b"true}")
        resp, body = srv.get(sparql_path(ASK))
        assert resp.status == 503 and b"--max-connections" in body
        assert int(resp.getheader("Content-Length") or -1) == len(body)
        for conn in held:  # the server ends idle connections after --idle-timeout
            assert conn.sock is not None
            conn.sock.settimeout(60)
            assert conn.sock.recv(1) == b""
            conn.close()
        resp, body = srv.get(sparql_path(ASK))
        assert resp.status == 200 and body.strip().endswith(b"true}")
    finally:
        shut(srv)


def test_a_request_sent_a_byte_at_a_time_is_cut_off_at_the_idle_timeout(tmp_path: Path) -> None:
    """--idle-timeout bounds the whole request, not each read: clients that drip a header
    or a body a byte every second (each read well within the timeout) held their slots for
    as long as they liked, and with every slot held every other client got 503."""
    srv = launch(GRAPH, tmp_path / "s.log", "--max-connections", "2", "--idle-timeout", "3")
    try:
        starts = [
            b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-a: ",
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\nASK",
        ]
        slow = [socket.create_connection(srv.address, timeout=30) for _ in starts]
        for sock, start in zip(slow, starts, strict=True):
            sock.sendall(start)
        t0 = time.monotonic()
        closed: dict[int, float] = {}
        while len(closed) < len(slow) and time.monotonic() - t0 < 20:
            time.sleep(1)
            for i, sock in enumerate(slow):
                if i in closed:
                    continue
                try:
                    sock.sendall(b"a")
                    sock.setblocking(False)
                    if sock.recv(1) == b"":  # the server closed it
                        closed[i] = time.monotonic() - t0
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    closed[i] = time.monotonic() - t0
                finally:
                    sock.setblocking(True)
        assert len(closed) == 2 and max(closed.values()) < 8, closed  # 3 s, not for ever
        resp, body = srv.get(sparql_path(ASK))  # the slots are free again
        assert resp.status == 200 and body.strip().endswith(b"true}")
        for sock in slow:
            sock.close()
    finally:
        shut(srv)


def test_answers_held_for_slow_readers_are_capped_in_all(tmp_path: Path) -> None:
    """Each answer may be --max-result-mb, and a client may take --idle-timeout to read it:
    60 slow readers held 1.3 GB in the serving process. Past --max-held-mb in all, the next
    answer is 503 naming it; once the slow reader has read, answers go out again."""
    srv = launch(GRAPH, tmp_path / "h.log", "--max-held-mb", "1", "--workers", "2")
    try:
        doubled = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(23))
        big = f'SELECT ?v23 WHERE {{ BIND("a" AS ?v0) {doubled} }}'  # an 8 MiB literal
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.settimeout(60)
        slow.connect(srv.address)
        slow.sendall(f"GET {sparql_path(big)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert slow.recv(12).startswith(b"HTTP/1.1 200")  # and then nothing more is read
        deadline = time.monotonic() + 20
        while True:  # the server holds the 8 MiB answer until the reader has it
            resp, body = srv.get(sparql_path(ASK))
            if resp.status == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert resp.status == 503 and b"--max-held-mb" in body, body
        got = 0
        while chunk := slow.recv(1 << 20):  # the slow reader reads its answer
            got += len(chunk)
            if got > 8 * 2**20:
                break
        slow.close()
        for _ in range(50):
            resp, body = srv.get(sparql_path(ASK))
            if resp.status == 200:
                break
            time.sleep(0.2)
        assert resp.status == 200 and body.strip().endswith(b"true}")
    finally:
        shut(srv)


def raw_exchange(endpoint: Endpoint, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(endpoint.address, timeout=30) as sock:
        sock.sendall(raw)
        return read_response(sock.makefile("rb"))


def test_oversized_or_unframed_requests_are_refused(endpoint: Endpoint) -> None:
    long_line = b"GET /sparql?query=" + b"x" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert raw_exchange(endpoint, long_line)[0] == 414
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(101))
    status, _, body = raw_exchange(endpoint, b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert status == 431 and b"Too many headers" in body
    params = "&".join(f"p{i}=v" for i in range(101))
    status, _, body = raw_exchange(endpoint, f"GET /sparql?{params} HTTP/1.1\r\n\r\n".encode())
    assert status == 400 and b"malformed parameters" in body
    chunked = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n"
    )
    status, head, body = raw_exchange(endpoint, chunked)
    assert status == 411 and head["connection"] == "close" and b"Content-Length" in body
    twice = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 6\r\nContent-Length: 0\r\n\r\nASK {}"
    )
    status, head, body = raw_exchange(endpoint, twice)
    assert status == 400 and head["connection"] == "close" and b"one Content-Length" in body


def test_a_post_without_content_length_has_no_body_and_the_connection_goes_on(
    endpoint: Endpoint,
) -> None:
    """HTTP/1.1: no Content-Length and no Transfer-Encoding is an empty body."""
    empty = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n\r\n"
    ask = f"GET {sparql_path(ASK)} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode()
    with socket.create_connection(endpoint.address, timeout=30) as sock:
        sock.sendall(empty + ask)
        stream = sock.makefile("rb")
        status, _, body = read_response(stream)
        assert status == 400 and b"give exactly one query" in body
        assert read_response(stream)[::2] == (200, b"true\r\n")


def exchange_until_closed(endpoint: Endpoint, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` on one connection and read until the server closes it; exactly one
    response must have come back."""
    with socket.create_connection(endpoint.address, timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):  # a timeout here: the server kept the connection
            received += chunk
    stream = io.BufferedReader(io.BytesIO(received))
    answer = read_response(stream)  # type: ignore[arg-type]
    assert stream.read() == b"", f"a second response on the connection: {received!r}"
    return answer


@pytest.mark.parametrize(
    "junk",
    [
        b"X-Junk\r\n",
        b"X-Folded: a\r\n b\r\n",
        b"Content-Type : text/plain\r\n",
        b"X-Bare-Cr: a\rX-Other: b\r\n",
        b": no name\r\n",
        b"From someone\r\n",
    ],
    ids=["no colon", "folded line", "space before colon", "bare CR", "no name", "From line"],
)
def test_a_malformed_header_block_is_refused_whole_and_nothing_is_smuggled(
    endpoint: Endpoint, junk: bytes
) -> None:
    """A line the header parser cannot read used to end the headers: Content-Length after
    it was lost and the body was answered as a second request on the same connection."""
    marker = f"smuggled-{junk.hex()}"
    inner = (
        f"GET /sparql?query=ASK%7B%7D&{marker}=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ).encode()
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        + junk
        + b"Content-Length: %d\r\n\r\n" % len(inner)
        + inner
    )
    status, head, body = exchange_until_closed(endpoint, request)
    assert status == 400 and head["connection"] == "close", body
    assert b"NAME: VALUE" in body and b"connection closed" in body
    # The connection is closed, so everything the server did on it is in the log by now.
    assert wait_for(lambda: '"POST /sparql HTTP/1.1" 400' in endpoint.log_text())
    assert marker not in endpoint.log_text()


@pytest.mark.parametrize(
    "ctype", ["multipart/mixed; boundary=zz", "multipart/form-data; boundary=x", "message/rfc822"]
)
def test_a_mime_content_type_is_no_malformed_header_block(endpoint: Endpoint, ctype: str) -> None:
    """The header check ran the mail parser, which looked for the multipart (or message)
    body of such a Content-Type, did not find it and flagged the headers: a GET carrying
    one was refused as "malformed" and its connection closed. A GET is answered; a POST of
    that type is 415, not a query type."""
    get = f"GET {sparql_path(ASK)} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
    status, _, body = raw_exchange(endpoint, (get + "Accept: text/csv\r\n\r\n").encode())
    assert status == 200 and body.strip() == b"true", body
    post = (
        f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
        "Content-Length: 6\r\n\r\nASK {}"
    )
    status, _, body = raw_exchange(endpoint, post.encode())
    assert status == 415 and b"is not a query" in body, body


def test_a_post_with_a_query_in_the_url_and_the_body_is_refused(endpoint: Endpoint) -> None:
    """Which of the two was meant cannot be told: the body's used to win silently."""
    post = (
        "POST /sparql?query=ASK%7BFILTER(false)%7D HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/sparql-query\r\nContent-Length: 6\r\n\r\nASK {}"
    )
    status, _, body = raw_exchange(endpoint, post.encode())
    assert status == 400 and b"give exactly one query" in body, body


def test_a_malformed_header_block_gets_no_100_continue(endpoint: Endpoint) -> None:
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nX-Junk\r\n"
        b"Content-Type: application/sparql-query\r\nContent-Length: 6\r\n\r\n"
    )
    status, head, body = exchange_until_closed(endpoint, request)
    assert status == 400 and head["connection"] == "close" and b"NAME: VALUE" in body


@pytest.mark.parametrize("length", ["+6", "0_6", "-0", "6 6", "0x6"])
def test_a_content_length_that_is_not_digits_is_refused_and_the_connection_closed(
    endpoint: Endpoint, length: str
) -> None:
    """``int()`` reads ``+6`` and ``0_6`` as 6 and ``-0`` as 0; HTTP allows digits only."""
    request = (
        "POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        f"Content-Length: {length}\r\n\r\nASK {{}}"
    ).encode()
    status, head, body = exchange_until_closed(endpoint, request)
    assert status == 400 and head["connection"] == "close"
    assert b"is not a number (digits only)" in body


def test_a_content_length_with_spaces_around_it_is_read(endpoint: Endpoint) -> None:
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Accept: text/csv\r\nContent-Length:  6 \r\nConnection: close\r\n\r\nASK {}"
    )
    assert exchange_until_closed(endpoint, request)[::2] == (200, b"true\r\n")


# ---------------------------------------------------------------- OPTIONS and CORS


def test_preflight_allows_a_browser_to_post_a_query(endpoint: Endpoint) -> None:
    resp, body = endpoint.get(
        "/sparql",
        {
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
        method="OPTIONS",
    )
    assert resp.status == 200 and body == b""
    assert resp.getheader("Access-Control-Allow-Origin") == "*"
    assert "POST" in (resp.getheader("Access-Control-Allow-Methods") or "")
    allowed = {
        h.strip().lower() for h in (resp.getheader("Access-Control-Allow-Headers") or "").split(",")
    }
    assert {"content-type", "accept"} <= allowed
    assert resp.getheader("Access-Control-Allow-Credentials") is None
    assert resp.getheader("Allow") == "GET, HEAD, POST, OPTIONS"


def test_answers_and_errors_carry_cors_headers(endpoint: Endpoint) -> None:
    origin = {"Origin": "https://yasgui.example"}
    for path in (sparql_path(ASK), sparql_path("ASK {"), "/sparql"):
        resp, _ = endpoint.get(path, origin)
        assert resp.getheader("Access-Control-Allow-Origin") == "*", path
        assert "X-Query-Time-Ms" in (resp.getheader("Access-Control-Expose-Headers") or "")
        assert resp.getheader("Access-Control-Allow-Credentials") is None


def test_cors_can_name_origins_or_be_off(tmp_path: Path) -> None:
    only = launch(GRAPH, tmp_path / "a.log", "--cors", "https://a.example,http://b.example:8080")
    try:
        for origin, allowed in [
            ("https://a.example", True),
            ("http://b.example:8080", True),
            ("https://evil.example", False),
        ]:
            resp, _ = only.get(sparql_path(ASK), {"Origin": origin})
            assert resp.status == 200
            assert resp.getheader("Access-Control-Allow-Origin") == (origin if allowed else None)
            assert "Origin" in (resp.getheader("Vary") or "")
    finally:
        shut(only)
    off = launch(GRAPH, tmp_path / "b.log", "--cors", "none")
    try:
        resp, _ = off.get(sparql_path(ASK), {"Origin": "https://a.example"})
        assert resp.status == 200 and resp.getheader("Access-Control-Allow-Origin") is None
        pre, _ = off.get(
            "/sparql",
            {"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
            method="OPTIONS",
        )
        assert pre.getheader("Access-Control-Allow-Methods") is None
    finally:
        shut(off)


def test_a_malformed_cors_option_is_a_usage_error() -> None:
    proc = subprocess.run(
        [str(KG), "serve", "--port", "0", "--cors", "ftp://x.example/path"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "is not an origin" in proc.stderr and "scheme://host[:port]" in proc.stderr


# ---------------------------------------------------------------- formats and parameters


def test_an_accept_header_that_takes_no_offered_type_is_406_naming_them(
    endpoint: Endpoint,
) -> None:
    """HTTP lets a server ignore Accept; an endpoint that answers JSON to "image/png" or to
    q=0 on every type leaves a client with bytes it said it cannot use."""
    for accept in ("image/png", "*/*;q=0", "application/sparql-results+json;q=0, */*;q=0"):
        resp, body = endpoint.get(sparql_path(ASK), {"Accept": accept})
        assert resp.status == 406, (accept, body[:200])
        assert b"application/sparql-results+json" in body and b"format=" in body
    resp, body = endpoint.get(sparql_path(ASK), {"Accept": "text/turtle"})  # lenient
    assert resp.status == 200 and body.strip().endswith(b"true}")
    resp, _ = endpoint.get("/sparql", {"Accept": "image/png"})  # the service description
    assert resp.status == 406


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE])
@pytest.mark.parametrize("accept", sorted(RDF_PARSERS))
def test_graph_results_in_every_rdf_syntax_by_accept(
    endpoint: Endpoint, query: str, accept: str
) -> None:
    expected = ntriples_of(endpoint, query)
    assert len(expected) > 0
    resp, body = endpoint.get(sparql_path(query), {"Accept": accept})
    assert resp.status == 200 and resp.getheader("Content-Type", "").startswith(accept)
    got = rdflib.Graph().parse(data=body, format=RDF_PARSERS[accept])
    assert isomorphic(got, expected)
    if accept == "application/rdf+xml":  # and a second, independent parser agrees
        parsed = list(ox.parse(body, format=ox.RdfFormat.RDF_XML))
        assert len(parsed) == len(expected)


@pytest.mark.parametrize(
    ("value", "media"),
    [
        ("xml", "application/rdf+xml"),
        ("rdf+xml", "application/rdf+xml"),
        ("turtle", "text/turtle"),
        ("n3", "text/turtle"),
        ("ntriples", "application/n-triples"),
        ("json-ld", "application/ld+json"),
        ("json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_graph_format_by_parameter(endpoint: Endpoint, value: str, media: str) -> None:
    for param in ("format", "output", "results"):
        resp, body = endpoint.get(sparql_path(CONSTRUCT, **{param: value}))
        assert resp.status == 200, body
        assert resp.getheader("Content-Type", "").startswith(media), (param, value)


def test_sparqlwrapper_default_construct_parameters_are_accepted(endpoint: Endpoint) -> None:
    """The request SPARQLWrapper sends for a CONSTRUCT by default (400 before)."""
    path = sparql_path(CONSTRUCT) + "&format=xml&output=xml&results=xml"
    resp, body = endpoint.get(path, {"Accept": "application/rdf+xml"})
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/rdf+xml"
    assert isomorphic(
        rdflib.Graph().parse(data=body, format="xml"), ntriples_of(endpoint, CONSTRUCT)
    )


def test_a_format_that_does_not_fit_the_query_is_400(endpoint: Endpoint) -> None:
    resp, body = endpoint.get(sparql_path(SELECT, format="turtle"))
    assert resp.status == 400 and b"format=turtle is not offered" in body
    resp, body = endpoint.get(sparql_path(CONSTRUCT, format="csv"))
    assert resp.status == 400 and b"format=csv is not offered" in body


def test_rdfxml_says_what_it_cannot_write(endpoint: Endpoint) -> None:
    query = 'CONSTRUCT { <http://example.org/s> <http://example.org/p/> "x" } WHERE {}'
    resp, body = endpoint.get(sparql_path(query), {"Accept": "application/rdf+xml"})
    assert resp.status == 406
    assert b"<http://example.org/p/>" in body and b"Turtle" in body
    resp, body = endpoint.get(sparql_path(query), {"Accept": "text/turtle"})
    assert resp.status == 200 and b"<http://example.org/p/>" in body


def test_protocol_graphs_not_held_are_empty_and_never_fetched(endpoint: Endpoint) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    connections = []

    def accept() -> None:
        while listener.fileno() != -1:
            try:
                conn, _ = listener.accept()
                connections.append(conn)
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    remote = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    accept_json = {"Accept": "application/sparql-results+json"}
    try:
        for query, param in ((count, "default-graph-uri"), (named, "named-graph-uri")):
            resp, body = endpoint.get(sparql_path(query, **{param: remote}), accept_json)
            assert resp.status == 200, body
            assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"
            assert resp.getheader("X-Graphs-Not-Held") == f"<{remote}>"
        # one held graph and one not: the held graph's triples, nothing else
        held = endpoint.get(sparql_path(count, **{"default-graph-uri": DOC0}), accept_json)[1]
        path = (
            sparql_path(count)
            + "&"
            + urllib.parse.urlencode(
                [("default-graph-uri", DOC0), ("default-graph-uri", "urn:x:absent")]
            )
        )
        resp, body = endpoint.get(path, accept_json)
        assert body == held and resp.getheader("X-Graphs-Not-Held") == "<urn:x:absent>"
        resp, body = endpoint.get(sparql_path(count, **{"default-graph-uri": "not an iri"}))
        assert resp.status == 400 and b"not an absolute IRI" in body
    finally:
        listener.close()
        thread.join(5)
    assert connections == []


def test_updates_are_403_in_every_form(endpoint: Endpoint) -> None:
    for path in ("/sparql", "/sparql/"):
        for body, ctype in [
            (b"CLEAR ALL", "application/sparql-update"),
            (b"update=CLEAR%20ALL", "application/x-www-form-urlencoded"),
        ]:
            conn = endpoint.connect()
            conn.request("POST", path, body=body, headers={"Content-Type": ctype})
            resp = conn.getresponse()
            text = resp.read().decode()
            conn.close()
            assert resp.status == 403 and "read-only" in text and "kg build" in text
        resp, text_b = endpoint.get(path + "?update=CLEAR%20ALL")
        assert resp.status == 403 and b"read-only" in text_b


# ---------------------------------------------------------------- the log


def wait_for(predicate, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_log_lines_escape_control_characters(endpoint: Endpoint) -> None:
    requests = [
        b"GET /\x1b[31mred\x1b]0;title\x07 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x1b[2J\x1b[H /sparql HTTP/1.1\r\nHost: x\r\n\r\n",  # not even a method
        "GET /sparql?query=ASK%7B%7D&x=\u202eevil HTTP/1.1\r\nHost: x\r\n\r\n".encode("utf-8"),
    ]
    for raw in requests:
        with socket.create_connection(endpoint.address, timeout=30) as sock:
            sock.sendall(raw)
            stream = sock.makefile("rb")
            status, _, _ = read_response(stream)
            assert 200 <= status < 600
    assert wait_for(lambda: "red" in endpoint.log_text() and "[2J" in endpoint.log_text())
    log = endpoint.log_text()
    assert "\x1b" not in log and "\x07" not in log
    assert "\\x1b[31mred\\x1b]0;title\\x07" in log
    assert "\\x1b[2J\\x1b[H" in log


def test_a_client_that_disconnects_is_one_log_line_and_the_server_goes_on(
    endpoint: Endpoint,
) -> None:
    # 9000 rows of ~1 kB (8 MiB, under the 16 MiB result cap): twice what the socket buffers
    # can hold with the client's receive buffer at 4 KiB, so the server is still writing
    # when the client goes away
    long = ", ".join(["STR(?s)"] * 20)
    query = f"SELECT (CONCAT({long}) AS ?x) WHERE {{ ?s ?p ?o }} LIMIT 9000"
    before = endpoint.log_text()
    for _ in range(3):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(30)
        sock.connect(endpoint.address)
        request = f"GET {sparql_path(query, marker='gone')} HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(request.encode())
        assert sock.recv(1) == b"H"  # the answer has started
        # close with a reset rather than a graceful FIN, as a killed client does
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    assert wait_for(lambda: endpoint.log_text().count("the client closed the connection") >= 3)
    resp, body = endpoint.get(sparql_path(ASK))
    assert resp.status == 200 and b"true" in body
    new = endpoint.log_text()[len(before) :]
    assert "Traceback" not in new
    gone = [line for line in new.splitlines() if "marker=gone" in line]
    assert len(gone) == 3, gone
    assert all("the client closed the connection during the 200 answer" in g for g in gone)


# ---------------------------------------------------------------- real clients


def sparqlwrapper_cases() -> list[tuple[str, str, str | None]]:
    from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDF, RDFXML, TSV, TURTLE, XML

    cases: list[tuple[str, str, str | None]] = []
    for form, query in (("SELECT", SELECT), ("ASK", ASK)):
        cases += [(form, query, f) for f in (None, JSON, XML, CSV, TSV)]
    for form, query in (("CONSTRUCT", CONSTRUCT), ("DESCRIBE", DESCRIBE)):
        cases += [(form, query, f) for f in (None, XML, RDFXML, RDF, TURTLE, N3, JSONLD, JSON)]
    return cases


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("form", "query", "fmt"),
    sparqlwrapper_cases(),
    ids=[f"{c[0]}-{c[2] or 'default'}" for c in sparqlwrapper_cases()],
)
def test_sparqlwrapper(
    endpoint: Endpoint, form: str, query: str, fmt: str | None, method: str
) -> None:
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(endpoint.url + "/sparql")
    client.setQuery(query)
    client.setMethod(method)
    if fmt is not None:
        client.setReturnFormat(fmt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = client.query()
        converted = result.convert()
    # SPARQLWrapper warns when the endpoint answers in another format than asked for
    mismatch = [
        str(w.message) for w in caught if "has been returned by the endpoint" in str(w.message)
    ]
    assert mismatch == []
    if form in ("CONSTRUCT", "DESCRIBE"):
        expected = ntriples_of(endpoint, query)
        if isinstance(converted, bytes):  # Turtle and N3: SPARQLWrapper hands over the text
            converted = rdflib.Graph().parse(data=converted, format="turtle")
        assert isomorphic(rdflib.Graph() + converted, expected)
    elif form == "ASK":
        ctype = result.response.headers["Content-Type"]
        if "json" in ctype:
            assert converted["boolean"] is True
        elif "xml" in ctype:
            assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
        else:
            assert converted.strip() == b"true"
    else:
        ctype = result.response.headers["Content-Type"]
        if "json" in ctype:
            assert len(converted["results"]["bindings"]) == 20
        elif "xml" in ctype:
            assert len(converted.getElementsByTagName("result")) == 20
        else:
            assert len(converted.strip().splitlines()) == 21  # header and 20 rows


def test_rdflib_sparqlstore(endpoint: Endpoint) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(endpoint.url + "/sparql")
    union = rdflib.Graph(store)
    rows = list(union.query("SELECT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"))
    graphs = [str(r[0]) for r in rows]
    assert DOC0 in graphs
    assert union.query(ASK).askAnswer is True
    built = union.query(CONSTRUCT).graph
    assert built is not None and isomorphic(
        rdflib.Graph() + built, ntriples_of(endpoint, CONSTRUCT)
    )
    # a graph of the store is queried with default-graph-uri: its own triples only
    doc0 = rdflib.Graph(store, identifier=rdflib.URIRef(DOC0))
    count = COUNT_DOC0
    expected = int(next(iter(union.query(count)))[0])
    assert len(doc0) == expected > 0
    assert {str(c) for c in store.contexts()} == set(graphs)


@pytest.fixture(scope="module")
def query_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rq")
    out = {}
    for name, text in (
        ("select", SELECT),
        ("ask", ASK),
        ("construct", CONSTRUCT),
        ("describe", DESCRIBE),
    ):
        out[name] = folder / f"{name}.rq"
        out[name].write_text(text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def jena_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    assert JENA.is_file(), f"{JENA} is missing: clone shared/ beside the checkout"
    return {**os.environ, "VJKG_JENA_CACHE": str(tmp_path_factory.mktemp("jena-cp"))}


def run_rsparql(env: dict[str, str], endpoint: Endpoint, query: Path, *extra: str) -> str:
    service = endpoint.url + "/sparql"
    proc = subprocess.run(
        [str(JENA), "arq.rsparql", "--service", service, "--query", str(query), *extra],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.jena
def test_jena_rsparql(
    endpoint: Endpoint, query_files: dict[str, Path], jena_env: dict[str, str]
) -> None:
    """rsparql (GET) for each query form, in each output syntax Jena writes from our answer."""
    run = run_rsparql
    select = json.loads(run(jena_env, endpoint, query_files["select"], "--results=json"))
    assert len(select["results"]["bindings"]) == 20
    for fmt in ("xml", "csv", "tsv"):
        text = run(jena_env, endpoint, query_files["select"], f"--results={fmt}")
        assert text.count("https://w3id.org/vjkg/") >= 20, fmt
    assert "Ask => Yes" in run(jena_env, endpoint, query_files["ask"])
    for name, query in (("construct", CONSTRUCT), ("describe", DESCRIBE)):
        expected = ntriples_of(endpoint, query)
        for fmt, parser in (("ntriples", "nt"), ("turtle", "turtle"), ("rdf/xml", "xml")):
            text = run(jena_env, endpoint, query_files[name], f"--results={fmt}")
            got = rdflib.Graph().parse(data=text, format=parser)
            assert isomorphic(got, expected), (name, fmt)


@pytest.mark.jena
def test_jena_rsparql_by_post(
    endpoint: Endpoint, query_files: dict[str, Path], jena_env: dict[str, str]
) -> None:
    run = run_rsparql
    select = json.loads(run(jena_env, endpoint, query_files["select"], "--results=json", "--post"))
    assert len(select["results"]["bindings"]) == 20
    assert "Ask => Yes" in run(jena_env, endpoint, query_files["ask"], "--post")
    text = run(jena_env, endpoint, query_files["construct"], "--results=ntriples", "--post")
    assert isomorphic(
        rdflib.Graph().parse(data=text, format="nt"), ntriples_of(endpoint, CONSTRUCT)
    )


# ---------------------------------------------------------------- service description


SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID_TRIPLES = rdflib.URIRef("http://rdfs.org/ns/void#triples")


def test_service_description_of_a_triples_file_has_no_union_and_no_named_graphs(
    tmp_path: Path,
) -> None:
    srv = launch(REPO / "graphs" / "kg.ttl", tmp_path / "t.log")
    try:
        resp, body = srv.get("/sparql", {"Accept": "text/turtle"})
        assert resp.status == 200
        g = rdflib.Graph().parse(data=body, format="turtle")
        service = next(g.subjects(rdflib.RDF.type, SD.Service))
        assert (service, SD.endpoint, rdflib.URIRef(srv.url + "/sparql")) in g
        assert list(g.objects(service, SD.feature)) == []
        dataset = g.value(service, SD.defaultDataset)
        assert list(g.objects(dataset, SD.namedGraph)) == []
        size = g.value(g.value(dataset, SD.defaultGraph), VOID_TRIPLES).toPython()
        assert size == len(rdflib.Graph().parse(REPO / "graphs" / "kg.ttl"))
    finally:
        shut(srv)


def test_service_description_of_the_graph_lists_its_named_graphs(endpoint: Endpoint) -> None:
    store = ox.Store()
    store.bulk_load(path=str(GRAPH), format=ox.RdfFormat.N_QUADS)
    resp, body = endpoint.get("/sparql/", {"Accept": "application/ld+json"})
    assert resp.status == 200 and resp.getheader("Vary") == "Accept"
    g = rdflib.Graph().parse(data=body, format="json-ld")
    service = next(g.subjects(rdflib.RDF.type, SD.Service))
    assert (service, SD.endpoint, rdflib.URIRef(endpoint.url + "/sparql/")) in g
    dataset = g.value(service, SD.defaultDataset)
    sizes = {
        str(g.value(n, SD.name)): g.value(g.value(n, SD.graph), VOID_TRIPLES).toPython()
        for n in g.objects(dataset, SD.namedGraph)
    }
    assert sizes == {
        gname.value: len(list(store.quads_for_pattern(None, None, None, gname)))
        for gname in store.named_graphs()
    }
    union = len({q.triple for q in store})
    assert g.value(g.value(dataset, SD.defaultGraph), VOID_TRIPLES).toPython() == union
    # the same description in every syntax
    for accept, parser in (("text/turtle", "turtle"), ("application/rdf+xml", "xml")):
        other = rdflib.Graph().parse(
            data=endpoint.get("/sparql/", {"Accept": accept})[1], format=parser
        )
        assert isomorphic(other, g), accept


# ---------------------------------------------------------------- a browser on another origin


FETCH = """async ([url, query]) => {
  try {
    const r = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json"},
      body: query,
    });
    return {status: r.status, body: await r.text(), time: r.headers.get("X-Query-Time-Ms")};
  } catch (e) {
    return {error: String(e)};
  }
}"""


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """A page served from another origin (another port), as YASGUI's would be."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!DOCTYPE html><title>client</title><p>client page</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_a_page_on_another_origin_can_post_a_query_in_chromium(
    endpoint: Endpoint, page_origin: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS

    off = launch(GRAPH, tmp_path / "off.log", "--cors", "none")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(page_origin + "/")
                ok = page.evaluate(FETCH, [endpoint.url + "/sparql", ASK])
                assert ok.get("status") == 200, ok
                assert json.loads(ok["body"])["boolean"] is True
                assert ok["time"] is not None  # an exposed header the page may read
                refused = page.evaluate(FETCH, [off.url + "/sparql", ASK])
                assert "error" in refused and "Failed to fetch" in refused["error"], refused
            finally:
                browser.close()
    finally:
        shut(off)
    assert "OPTIONS /sparql" in endpoint.log_text()  # the browser sent a preflight
