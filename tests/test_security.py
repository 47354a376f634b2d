"""No query reaches the network; each query's memory, answer size and time share are bounded.

A real listener on 127.0.0.1 stands in for a remote SPARQL endpoint and counts the
connections it receives. Every query below asks, in some spelling the SPARQL grammar
allows, for that endpoint; unprotected, pyoxigraph does connect (the first test shows it),
and through ``kg serve`` (a real server, real HTTP) and ``kg query`` (the real entry point)
the listener must see nothing. The second line of defence (the seccomp sandbox of query
processes) is tested alone too, with the SERVICE check switched off.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from pipeline.cli import main
from pipeline.sparql import query as query_module
from pipeline.sparql import sandbox
from pipeline.sparql.query import run_query_without_network
from pipeline.sparql.sandbox import deny_network, run_without_network
from pipeline.sparql.serve import QueryJob, _Worker
from pipeline.sparqltext import QueryShape, scan_query
from pipeline.vocab import SH

from .conftest import MINI, ROOT, run_kg
from .test_serve import GRAPH, Server, start_server, stop

EMPTY_RESULTS = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'


class Listener:
    """A real HTTP endpoint on 127.0.0.1 that counts connections and answers any query."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}/"
        self.url = self.base + "sparql"
        self.connections = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                m = re.search(rb"content-length: *(\d+)", data, re.IGNORECASE)
                body = data.partition(b"\r\n\r\n")[2]
                while m and len(body) < int(m[1]):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                    + f"Content-Length: {len(EMPTY_RESULTS)}\r\nConnection: close\r\n\r\n".encode()
                    + EMPTY_RESULTS
                )

    def seen(self, settle: float = 0.3) -> int:
        """Connections so far (after a moment for any in flight to arrive)."""
        time.sleep(settle)
        with self._lock:
            return self.connections

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()


# Each form hides a SERVICE call to {url} ({base} is the listener's root, {port} its port).
# The third field says whether unprotected pyoxigraph connects for it (a variable service
# is refused by the engine itself while the variable is unbound).
FORMS: list[tuple[str, str, bool]] = [
    ("plain", "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }", True),
    (
        "issue-13 PN_LOCAL_ESC \\#",
        "PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\# AS ?z) SERVICE <{url}> "
        "{ ?s ?p ?o } }",
        True,
    ),
    (
        "PN_LOCAL_ESC \\' opens no string",
        "PREFIX ex: <http://e/> SELECT * { BIND(ex:a\\' AS ?z) SERVICE <{url}> {} "
        "BIND('x' AS ?q) }",
        True,
    ),
    (
        "PN_LOCAL_ESC \\( \\) \\, \\;",
        "PREFIX ex: <http://e/> SELECT * { BIND(ex:a\\(\\)\\,\\; AS ?z) SERVICE <{url}> {} }",
        True,
    ),
    (
        "percent in a local name",
        "PREFIX ex: <http://e/> SELECT * { BIND(ex:a%23 AS ?z) SERVICE <{url}> {} }",
        True,
    ),
    ("\\u escape in the IRI", "SELECT * { SERVICE <{base}\\u0073parql> {} }", True),
    ("\\U escape in the IRI", "SELECT * { SERVICE <{base}\\U00000073parql> {} }", True),
    (
        "\\u escape of # in an IRI before",
        "SELECT * { BIND(<http://e/a\\u0041#> AS ?z) SERVICE <{url}> {} }",
        True,
    ),
    (
        "\\u escape of a quote in a string before",
        'SELECT * { BIND("a\\u0022 # " AS ?z) SERVICE <{url}> {} }',
        True,
    ),
    ("# inside an IRI", "SELECT * { BIND(<http://e/#x> AS ?z) SERVICE <{url}> {} }", True),
    ("# inside a string", "SELECT * { BIND('# x' AS ?z) SERVICE <{url}> {} }", True),
    (
        "# inside a long string with a line break",
        "SELECT * { BIND('''a\n# b''' AS ?z) SERVICE <{url}> {} }",
        True,
    ),
    ("a comment ended by CR", "SELECT * { # note\rSERVICE <{url}> {} }", True),
    (
        "a comment line before",
        "SELECT * {\n# SERVICE <urn:x> is only a comment\nSERVICE <{url}> {} }",
        True,
    ),
    ("BASE and a relative IRI", "BASE <{base}> SELECT * { SERVICE <sparql> {} }", True),
    ("BASE and ./relative", "BASE <{base}a/b> SELECT * { SERVICE <../sparql> {} }", True),
    ("a prefixed name", "PREFIX r: <{base}> SELECT * { SERVICE r:sparql {} }", True),
    ("the empty prefix glued on", "PREFIX : <{base}> SELECT * { SERVICE:sparql {} }", True),
    ("a prefix glued on", "PREFIX x: <{base}> SELECT * { SERVICEx:sparql {} }", True),
    ("SILENT", "SELECT * { SERVICE SILENT <{url}> { ?s ?p ?o } }", True),
    ("SILENT glued", "PREFIX x: <{base}> SELECT * { SERVICESILENTx:sparql {} }", True),
    ("a variable service (VALUES)", "SELECT * { VALUES ?e { <{url}> } SERVICE ?e {} }", False),
    ("a variable service (BIND)", "SELECT * { BIND(<{url}> AS ?e) SERVICE $e {} }", False),
    ("in FILTER EXISTS", "SELECT * { BIND(1 AS ?x) FILTER EXISTS { SERVICE <{url}> {} } }", True),
    (
        "in FILTER NOT EXISTS",
        "SELECT * { BIND(1 AS ?x) FILTER NOT EXISTS { SERVICE <{url}> {} } }",
        True,
    ),
    ("in a projected EXISTS", "SELECT (EXISTS { SERVICE <{url}> {} } AS ?e) {}", True),
    ("in a subquery", "SELECT * { { SELECT * { SERVICE <{url}> {} } } }", True),
    ("in OPTIONAL", "SELECT * { BIND(1 AS ?x) OPTIONAL { SERVICE <{url}> {} } }", True),
    ("in UNION", "SELECT * { { BIND(1 AS ?x) } UNION { SERVICE <{url}> {} } }", True),
    (
        "in MINUS",
        "SELECT * { BIND(1 AS ?x) MINUS { SERVICE <{url}> { BIND(1 AS ?x) } } }",
        True,
    ),
    (
        "in GRAPH",
        "SELECT * { GRAPH <https://w3id.org/vjkg/graph/doc-000> { SERVICE <{url}> {} } }",
        True,
    ),
    ("in CONSTRUCT", "CONSTRUCT { <urn:a> <urn:b> ?o } WHERE { SERVICE <{url}> {} }", True),
    ("in ASK", "ASK { SERVICE <{url}> {} }", True),
    ("in DESCRIBE", "DESCRIBE <urn:a> WHERE { SERVICE <{url}> {} }", True),
    ("keyword case", "select * where { sErViCe <{url}> {} }", True),
    ("line breaks and tabs", "SELECT*{\n\tSERVICE\r\n<{url}>\n{\n}\n}", True),
    ("no spaces at all", "SELECT*{SERVICE<{url}>{}}", True),
    ("after a number", "SELECT * { BIND(1 AS ?x) VALUES ?y { 1 } SERVICE<{url}>{} }", True),
]


def fill(template: str, listener: Listener) -> str:
    return (
        template.replace("{url}", listener.url)
        .replace("{base}", listener.base)
        .replace("{port}", str(listener.port))
    )


FORM_IDS = [name for name, _, _ in FORMS]


def test_unprotected_the_engine_connects_for_every_form(listener: Listener) -> None:
    """The forms are real: pyoxigraph alone calls the listener for each of them."""
    store = ox.Store()
    for name, template, connects in FORMS:
        before = listener.seen(0)
        with contextlib.suppress(OSError, RuntimeError):
            result = store.query(fill(template, listener))
            if not isinstance(result, ox.QueryBoolean):
                list(result)
        assert (listener.seen(0.05) > before) == connects, name


@pytest.mark.parametrize(("name", "template", "connects"), FORMS, ids=FORM_IDS)
def test_the_check_reads_service_in_every_form(
    name: str, template: str, connects: bool, listener: Listener
) -> None:
    assert scan_query(fill(template, listener)).asks_for_network, name


def test_kg_serve_never_connects(listener: Listener) -> None:
    server = start_server()
    try:
        for name, template, _ in FORMS:
            text = fill(template, listener)
            got = server.query(text)
            assert got.status == 403, (name, got.status, got.body)
            assert "refused" in got.body and "never calls other endpoints" in got.body, name
            posted = server.request(
                "/sparql",
                data=text.encode(),
                method="POST",
                headers={"Content-Type": "application/sparql-query"},
            )
            assert posted.status == 403, name
        assert server.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").status == 200
    finally:
        stop(server.process)
    assert listener.seen() == 0


def test_kg_query_never_connects(listener: Listener, capsys: pytest.CaptureFixture[str]) -> None:
    for name, template, _ in FORMS:
        code = main(["query", fill(template, listener), "--input", str(GRAPH)])
        _, err = capsys.readouterr()
        assert code == 7, (name, err)
        assert "refused" in err and "never call other endpoints" in err, name
    issue_13 = fill(FORMS[1][1], listener)
    proc = run_kg("query", issue_13, "--input", str(GRAPH))  # the console script itself
    assert proc.returncode == 7 and "SERVICE <" in proc.stderr and not proc.stdout
    assert listener.seen() == 0


@pytest.mark.parametrize("validator", ["auto", "sparql", "pyshacl"])
def test_a_shapes_file_never_makes_kg_connect(
    validator: str, listener: Listener, tmp_path: Path
) -> None:
    """A constraint's query is text a file says: every hidden SERVICE form, and a FROM that
    rdflib (pySHACL's engine) would fetch, is refused at its line before anything runs.
    Before, the compiled engine and even the syntax check called the listener."""
    shapes = Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
    queries = [fill(template, listener) for _, template, _ in FORMS]
    queries.append(f"SELECT $this FROM <{listener.base}data.ttl> WHERE {{ $this ?p ?o }}")
    for i, text in enumerate(queries):
        shape, constraint = URIRef(f"http://e/S{i}"), BNode()
        shapes.add((shape, RDF.type, SH.NodeShape))
        shapes.add((shape, SH.targetClass, OWL.Thing))
        shapes.add((shape, SH.sparql, constraint))
        shapes.add((constraint, SH.select, Literal(text)))
    onto = tmp_path / "ontology"
    onto.mkdir()
    (onto / "vjkg.ttl").write_bytes((ROOT / "ontology" / "vjkg.ttl").read_bytes())
    shapes.serialize(onto / "shapes.ttl", format="turtle")
    done = run_kg(
        "validate", "--sources", str(MINI), "--ontology", str(onto), "--validator", validator
    )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == f"kg: {len(queries)} problems in the input; nothing was written"
    assert all(line.startswith(f"{onto / 'shapes.ttl'}:") for line in lines[:-1])
    assert sum(" is refused: " in line for line in lines) == len(queries)
    assert listener.seen() == 0


def test_the_refusal_names_the_target_and_how_to_go_on(listener: Listener) -> None:
    shape = scan_query(fill("BASE <{base}> SELECT * { SERVICE <sparql> {} }", listener))
    assert shape.services == (listener.url,)
    glued = scan_query(fill("PREFIX x: <{base}> SELECT * { SERVICEx:sparql {} }", listener))
    assert glued.hidden_services == ("SERVICEx:sparql",)


@pytest.mark.parametrize(
    "text",
    [
        "PREFIX schema: <http://schema.org/> SELECT ?s { ?s schema:serviceType ?t }",
        "SELECT ?service { ?service <http://e/webService> 'SERVICE <http://x/>' }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://x/> {}",
        "SELECT * { ?s <http://e/p> <http://e/SERVICE> }",
        "PREFIX ex: <http://e/> SELECT * { ?s ex:p ex:a.service }",
    ],
)
def test_service_as_data_is_not_refused(text: str) -> None:
    assert not scan_query(text).asks_for_network


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("SERVICEservice <>{}\"'#?$:_.@%\\u0123AF\r\n\t/[x")),
        max_size=80,
    )
)
def test_the_check_never_raises(text: str) -> None:
    """Whatever the text, the check gives a shape (the engine reports syntax errors)."""
    for base in ("", "BASE <http://[x/> "):
        scan_query(base + text)


# ---------------------------------------------------------------- the sandbox alone


def _count_sockets_allowed() -> str:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return "refused"
    return "allowed"


def test_a_sandboxed_process_cannot_open_a_socket_and_the_parent_still_can() -> None:
    outcome, status = run_without_network(_count_sockets_allowed)
    assert status.active, status.detail
    assert outcome == "refused"
    assert _count_sockets_allowed() == "allowed"


def _as_nobody() -> tuple[int, str, str]:
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    status = deny_network()
    return os.getuid(), status.method, _count_sockets_allowed()


def test_the_sandbox_works_for_a_user_without_privileges() -> None:
    (uid, method, outcome), _ = run_without_network(_as_nobody)
    assert uid != 0
    assert method == "seccomp" and outcome == "refused"


def test_where_seccomp_is_refused_an_empty_network_namespace_takes_its_place(
    listener: Listener,
) -> None:
    """The fallback, forced: seccomp refused, the process moves to a new network namespace."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        outcome = "child failed"
        try:
            sandbox._status = None
            sandbox._install_seccomp = lambda: "seccomp refused for this test"
            status = sandbox.deny_network()
            try:
                socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
                outcome = f"{status.method}|connected"
            except OSError as exc:
                outcome = f"{status.method}|{exc.strerror}|{status.detail}"
        finally:
            os.write(write_fd, outcome.encode())
            os._exit(0)
    os.close(write_fd)
    os.waitpid(pid, 0)
    with os.fdopen(read_fd) as got:
        method, _, detail = got.read().partition("|")
    if method:  # the kernel allowed a namespace (as root, or with user namespaces)
        assert method == "network namespace" and "connected" not in detail
    else:  # neither: the status says why, and the SERVICE check alone protects
        assert "seccomp refused for this test" in detail and "unshare" in detail
    assert listener.seen() == 0


def test_the_engine_alone_in_the_sandbox_never_connects(listener: Listener) -> None:
    """The SERVICE check bypassed: pyoxigraph itself gets each query, in the sandbox."""
    store = ox.Store()

    def run_raw(text: str) -> str:
        try:
            result = store.query(text)
            if not isinstance(result, ox.QueryBoolean):
                list(result)
        except (OSError, RuntimeError) as exc:
            return str(exc)
        return "answered"

    for name, template, _ in FORMS:
        text = fill(template, listener)
        outcome, status = run_without_network(lambda: run_raw(text))  # noqa: B023 (runs now)
        assert status.active, name
        assert listener.url not in outcome, name  # nothing about the target comes back
    assert listener.seen() == 0


@pytest.fixture
def check_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first line of defence switched off: no query is seen as asking for the network."""
    monkeypatch.setattr(QueryShape, "asks_for_network", property(lambda self: False))
    assert not scan_query("SELECT * { SERVICE <http://x/> {} }").asks_for_network


def test_kg_query_alone_with_the_check_off_never_connects(
    listener: Listener, check_switched_off: None
) -> None:
    """What ``kg query`` runs (:func:`query_file_without_network`: the child loads the graph,
    then loses the network), with the first line of defence off."""
    for name, template, connects in FORMS:
        try:
            run = query_module.query_file_without_network(GRAPH, fill(template, listener)).run
        except query_module.NetworkRefused as exc:
            assert "Permission denied" in str(exc) and listener.url not in str(exc), name
        except query_module.QueryError as exc:
            assert not connects and "unbound" in str(exc), (name, exc)
        else:
            assert run.sandbox.active, name
    assert listener.seen() == 0


def test_a_serve_worker_with_the_check_off_never_connects(
    listener: Listener, check_switched_off: None
) -> None:
    """The real worker loop (``_worker_main``), forked so that it keeps the check off."""
    worker = _Worker(multiprocessing.get_context("fork"), str(GRAPH), 512)
    try:
        worker.wait_ready(60)
        assert worker.sandbox.active, worker.sandbox.detail
        status = Path(f"/proc/{worker.process.pid}/status").read_text()
        assert re.search(r"^Seccomp:\s+2$", status, re.MULTILINE)
        refused_by_the_kernel = 0
        for name, template, _ in FORMS:
            worker.conn.send(QueryJob(fill(template, listener), "json", 100))
            answer = worker.conn.recv()
            # 403 with the kernel's refusal, or 200 where SPARQL hides the error (SILENT, or
            # an error inside FILTER EXISTS is just false), or 400 where the engine itself
            # refuses (a variable service while the variable is unbound)
            assert answer.status in (200, 400, 403), (name, answer.body)
            if answer.status == 403:
                assert b"Permission denied" in answer.body, name
                assert b"never call other endpoints" in answer.body, name
                refused_by_the_kernel += 1
            elif answer.status == 400:
                assert b"service name is unbound" in answer.body, name
            assert listener.url.encode() not in answer.body, name
        assert refused_by_the_kernel >= 20
    finally:
        worker.stop()
    assert listener.seen() == 0


# ---------------------------------------------------------------- property-based


PN_LOCAL_ESCAPES = list("_~.-!$&'()*+,;=/?#@%")
HIDERS = st.one_of(
    st.sampled_from(PN_LOCAL_ESCAPES).map(lambda c: f"BIND(ex:a\\{c} AS ?h)"),
    st.text(alphabet=list("ab #'\"{}<>?\r\n\\"), max_size=12).map(
        lambda t: "BIND(" + json.dumps(t) + " AS ?h)"
    ),
    st.sampled_from(["#", "# x", "#'", '#"', "#<", "#{"]).flatmap(
        lambda c: st.sampled_from(["\n", "\r", "\r\n"]).map(lambda eol: c + eol)
    ),
    st.sampled_from(["<http://e/#>", "<http://e/\\u0023>", "<http://e/a\\u0041#'>"]).map(
        lambda iri: f"BIND({iri} AS ?h)"
    ),
    st.sampled_from(["'''a\n#'''", '"""x"y"""', "'\\''", '"\\\\"']).map(
        lambda s: f"BIND({s} AS ?h)"
    ),
    st.just("?s ex:p ex:o ."),
    st.just("FILTER(?s != ex:x)"),
    st.sampled_from(["FILTER(?one<2)", "FILTER(?one>0)", "FILTER(?one<2||?one>0)"]),
    st.sampled_from(["?s ex:p 1.", "?s ex:p ex:o.", "?s ex:p 'x'@en.", "?s a ex:C;ex:p 2."]),
)
KEYWORD = st.sampled_from(["SERVICE", "service", "Service", "sErViCe"])
SILENT = st.sampled_from(["", " SILENT", "\tsilent", " Silent"])
SPACE = st.sampled_from([" ", "\n", "\t", "\r\n", ""])
TARGET = st.sampled_from(["<{url}>", "r:sparql", "<{base}\\u0073parql>", "<sparql>", ":sparql"])
WRAP = st.sampled_from(
    [
        "{0}",
        "OPTIONAL {{ {0} }}",
        "{{ {0} }} UNION {{ BIND(2 AS ?u) }}",
        "FILTER EXISTS {{ {0} }}",
        "FILTER NOT EXISTS {{ {0} }}",
        "MINUS {{ {0} }}",
        "{{ SELECT * {{ {0} }} }}",
    ]
)


@st.composite
def federated_queries(draw: st.DrawFn) -> str:
    before = draw(st.lists(HIDERS, max_size=3))
    after = draw(st.lists(HIDERS, max_size=2))
    space = draw(SPACE)
    service = f"{draw(KEYWORD)}{draw(SILENT)}{space}{draw(TARGET)}{draw(SPACE)}{{}}"
    body = " ".join([*before, draw(WRAP).format(service), *after])
    return (
        "BASE <{base}> PREFIX ex: <http://e/> PREFIX r: <{base}> PREFIX : <{base}>\n"
        f"SELECT * WHERE {{ BIND(1 AS ?one) {body} }}"
    )


@pytest.fixture(scope="module")
def shared_listener() -> Iterator[Listener]:
    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(federated_queries())
def test_generated_federated_queries_are_refused_and_never_connect(
    shared_listener: Listener, template: str
) -> None:
    """Wherever SERVICE goes and whatever precedes it, the check sees what the engine does.

    The engine is the oracle: run unprotected on an empty store, any query that makes it
    connect must be one the check refuses; and the check refuses every generated query,
    whether or not the engine could parse it.
    """
    text = fill(template, shared_listener)
    before = shared_listener.seen(0)
    with contextlib.suppress(SyntaxError, OSError, RuntimeError):
        list(ox.Store().query(text))  # type: ignore[call-overload]
    connected = shared_listener.seen(0.02) > before
    assert scan_query(text).asks_for_network, (text, connected)
    try:
        run_query_without_network(ox.Store(), text)
    except query_module.QueryError as exc:
        assert "refused" in str(exc) or "syntax error" in str(exc), text
    assert shared_listener.seen(0.02) == before + connected


@st.composite
def benign_queries(draw: st.DrawFn) -> str:
    """Queries with "service" as data only: in strings, IRIs, comments and names."""
    word = draw(KEYWORD)
    kinds = draw(
        st.lists(
            st.sampled_from(
                [
                    "BIND('{w}' AS ?v{i})",
                    "BIND(<http://e/{w}> AS ?v{i})",
                    "# {w} <URL> {{}}\n",
                    "BIND(ex:{w} AS ?v{i})",
                    "BIND(ex:a.{w}:x AS ?v{i})",
                    "OPTIONAL {{ ?{w}{i} ex:p ?o{i} }}",
                ]
            ),
            min_size=1,
            max_size=4,
        )
    )
    parts = [k.format(w=word, i=i).replace("URL", "{url}") for i, k in enumerate(kinds)]
    return "PREFIX ex: <http://e/> SELECT * { " + " ".join(parts) + " }"


@settings(max_examples=60, deadline=None)
@given(benign_queries())
def test_generated_queries_with_service_as_data_run_and_never_connect(
    shared_listener: Listener, template: str
) -> None:
    text = fill(template, shared_listener)
    assert not scan_query(text).asks_for_network, text
    before = shared_listener.seen(0)
    list(ox.Store().query(text))  # type: ignore[call-overload]
    assert shared_listener.seen(0.02) == before  # the engine reads it as data too
    run = run_query_without_network(ox.Store(), text)
    assert run.output.kind == "select" and run.sandbox.active


# ---------------------------------------------------------------- bounded resources


def concat_chain(doublings: int, seed: str = "0123456789abcdef0123456789abcdef") -> str:
    """A query whose one literal doubles ``doublings`` times (32 bytes × 2**doublings)."""
    binds = " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(doublings))
    return f'SELECT ?x{doublings} WHERE {{ BIND("{seed}" AS ?x0) {binds} }}'


@pytest.fixture(scope="module")
def capped_server() -> Iterator[Server]:
    srv = start_server(
        "--workers", "1", "--timeout", "60", "--max-memory-mb", "256", "--max-results", "10"
    )
    try:
        yield srv
    finally:
        stop(srv.process)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(srv.process.pid, signal.SIGKILL)


def test_a_query_past_the_memory_cap_is_refused_and_the_server_goes_on(
    capped_server: Server,
) -> None:
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    first = capped_server.query(count)
    assert first.status == 200
    for _ in range(2):  # the replaced worker is capped too
        got = capped_server.query(concat_chain(40))
        assert got.status == 503, got.body
        assert "256 MiB" in got.body and "--max-memory-mb 256" in got.body
        again = capped_server.query(count)
        assert again.status == 200 and again.body == first.body


def test_a_result_past_the_byte_cap_is_refused(capped_server: Server) -> None:
    got = capped_server.query(concat_chain(20))  # one 32 MiB literal
    assert got.status == 400, got.body
    assert "larger than 16777216 bytes" in got.body and "--max-result-mb 16" in got.body
    small = capped_server.query(concat_chain(10))  # 32 KiB passes
    assert small.status == 200 and len(small.body) > 32 * 1024


def test_the_byte_cap_counts_the_answer_as_sent() -> None:
    """400 integers are 1.5 kB of values: 10 kB cap too small as SPARQL JSON, not as CSV."""
    values = " ".join(str(n) for n in range(100, 500))
    text = f"SELECT ?n WHERE {{ VALUES ?n {{ {values} }} }}"
    srv = start_server("--workers", "1", "--max-result-mb", "0.01")
    try:
        as_json = srv.query(text)
        assert as_json.status == 400 and "--max-result-mb 0.01" in as_json.body
        as_csv = srv.query(text, accept="text/csv")
        assert as_csv.status == 200 and len(as_csv.body.splitlines()) == 401
    finally:
        stop(srv.process)


CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_two_long_queries_do_not_starve_a_short_one() -> None:
    """Default 2 workers: two cartesian products in flight, a short query still answers.

    One long query keeps its worker until the time limit; the second is stopped once it
    turns long, since one worker is kept for short queries; the short query is answered
    while the first long one is still running.
    """
    srv = start_server("--timeout", "15")
    done: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def ask(label: str, text: str) -> None:
        got = srv.query(text)
        with lock:
            done.append((label, got.status, got.body))

    try:
        long_ones = [threading.Thread(target=ask, args=(f"long{i}", CARTESIAN)) for i in (1, 2)]
        for t in long_ones:
            t.start()
        time.sleep(0.5)  # both long queries reach a worker
        short = threading.Thread(target=ask, args=("short", "ASK { ?s ?p ?o }"))
        short.start()
        for t in [short, *long_ones]:
            t.join(90)
    finally:
        stop(srv.process)
    labels = [label for label, _, _ in done]
    assert len(done) == 3, labels
    by_label = {label: (status, body) for label, status, body in done}
    assert by_label["short"][0] == 200 and "true" in by_label["short"][1]
    outcomes = sorted(
        body.split(" and was stopped")[0][:40] for s, body in by_label.values() if s == 503
    )
    stopped = [b for s, b in by_label.values() if s == 503 and "other long query" in b]
    timed_out = [label for label, s, b in done if s == 503 and "time limit" in b]
    assert len(stopped) == 1 and len(timed_out) == 1, outcomes
    assert "--workers" in stopped[0] and "--long-after" in stopped[0]
    # the short query was answered while a long one still held its worker
    assert labels.index("short") < labels.index(timed_out[0]), labels


# ---------------------------------------------------------------- the query text itself


def test_the_scan_caps_tokens_and_depth_exactly() -> None:
    """The caps count what the engine would read: tokens (spaces included) and nesting of
    brackets and prefix operators outside strings, IRIs and comments."""
    scan_query("SELECT * { }", max_tokens=7)  # SELECT, ' ', *, ' ', {, ' ', }
    with pytest.raises(query_module.QueryTooLong, match="more than 6 tokens"):
        scan_query("SELECT * { }", max_tokens=6)
    deep = "SELECT * {\n" + "{" * 9 + "}" * 10
    scan_query(deep, max_depth=10)
    with pytest.raises(query_module.QueryTooDeep, match=r"line 2: .*more than 9 deep"):
        scan_query(deep, max_depth=9)
    with pytest.raises(query_module.QueryTooDeep):
        scan_query("SELECT * { FILTER(" + "!" * 9 + "true) }", max_depth=9)
    shallow = 'SELECT * { ?s ?p "((((((((((((" } # {{{{{{{{{{{{{{{{{{'
    scan_query(shallow + " <urn:[[[[[[[[[[[[[>", max_depth=2)


def test_kg_serve_refuses_a_query_too_long_or_too_deep_and_goes_on(capped_server: Server) -> None:
    """A stranger's 1 MB of braces (under --max-request-bytes) is refused before the
    endpoint reads it token by token (that took 2 s and 120 MB of the serving process per
    request), and a query nested deep enough to crash the engine's parser (SIGSEGV at about
    3,000 braces, and each crashed worker reloads the graph) never reaches a worker."""
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    first = capped_server.query(count)
    long = "SELECT * {" + "{" * 999_000 + "}"
    got = capped_server.request(
        "/sparql", data=long.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert got.status == 413 and "--max-query-tokens 100000" in got.body, got.body
    deep = "SELECT * {\n" + "{" * 5_000 + "}" * 5_001
    got = capped_server.query(deep)
    assert got.status == 400 and "line 2" in got.body, got.body
    assert "--max-query-depth 256" in got.body and "worker" not in got.body
    # Flat chains build trees as deep as their length: each of these crashed a worker
    # (SIGSEGV, the worker replaced and the graph reloaded) at 10,000 links, 5,000 BINDs.
    for chain in (
        "ASK { FILTER(" + "+".join(["1"] * 10_000) + " > 0) }",
        "SELECT * { " + " UNION ".join(["{}"] * 10_000) + " }",
        "SELECT * { ?s " + "/".join(["rdfs:label"] * 10_000) + " ?o }",
        "ASK { FILTER(" + " && ".join(["true"] * 10_000) + ") }",
        "SELECT * { " + " ".join(["OPTIONAL {}"] * 10_000) + " }",
        "SELECT * { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(5_000)) + " }",
    ):
        got = capped_server.request(
            "/sparql", data=chain.encode(), headers={"Content-Type": "application/sparql-query"}
        )
        assert got.status == 400 and "chains operators" in got.body, got.body[:300]
        assert "worker" not in got.body
    # Lists the engine parses one level per item: about 2,600 items of each crashed a worker
    # (5 KB of objects after ","); VALUES and IN (…) lists of 12,000 are read.
    for listed in (
        "SELECT * WHERE { <urn:x> <urn:p> " + "1," * 2613 + "1}",
        "SELECT * WHERE { <urn:x> " + "<urn:p> 1;" * 2613 + "<urn:p> 1}",
        "SELECT * WHERE { " + "<urn:s> <urn:p> 1 ." * 2614 + "}",
        "DESCRIBE " + " ".join(f"<urn:x{i}>" for i in range(2614)),
        "SELECT " + " ".join(f"(1 AS ?a{i})" for i in range(4000)) + " WHERE {}",
    ):
        got = capped_server.request(
            "/sparql", data=listed.encode(), headers={"Content-Type": "application/sparql-query"}
        )
        assert got.status == 400 and "lists more than 1024 items" in got.body, got.body[:300]
        assert "--max-query-depth" in got.body and "worker" not in got.body
    for fine in (
        "ASK { FILTER(1 IN (" + ",".join(map(str, range(12_000))) + ")) }",
        "ASK { VALUES ?x {" + " ".join(map(str, range(12_000))) + "} }",
    ):
        got = capped_server.request(
            "/sparql", data=fine.encode(), headers={"Content-Type": "application/sparql-query"}
        )
        assert got.status == 200, got.body[:300]
    again = capped_server.query(count)
    assert again.status == 200 and again.body == first.body


def test_a_syntax_error_on_a_long_line_shows_an_excerpt_not_the_line() -> None:
    """A 990 KB one-line query with an error at its end was answered with the whole line and
    a caret line as wide (2 MB): the answer shows 120 characters around the column."""
    text = 'SELECT * WHERE { BIND("' + "a" * 990_000 + '" AS ?x) ) }'
    srv = start_server("--workers", "1")  # its own: the capped one's workers hold earlier work
    try:
        got = srv.request(
            "/sparql", data=text.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    finally:
        stop(srv.process)
    assert got.status == 400 and "1:990036: SPARQL syntax error" in got.body, got.body[:300]
    assert len(got.body) < 1000 and "\n  …aaaa" in got.body and 'aaaa" AS ?x) ) }' in got.body
    excerpt, caret = got.body.splitlines()[-2:]
    assert caret.index("^") == len(excerpt)  # the error is at the end of the text


def test_a_chain_counts_one_level_per_link_at_its_own_bracket() -> None:
    """A chain of N links at one bracket counts N levels there, nested brackets add theirs,
    and a chain inside a closed bracket no longer counts after it."""
    plus = "ASK { FILTER(" + "+".join(["1"] * 10) + " > 0) }"  # 9 "+" and ">" in ( ... )
    scan_query(plus, max_depth=12)  # { ( and 10 links
    with pytest.raises(query_module.QueryTooDeep, match="chains operators"):
        scan_query(plus, max_depth=11)
    closed = "SELECT * { " + " ".join(["{ ?s ?p ?o FILTER(1+1+1) }"] * 50) + " }"
    scan_query(closed, max_depth=6)  # each group's FILTER chain ends with its group


def test_a_list_counts_its_items_in_its_own_group_up_to_four_times_the_depth() -> None:
    """Objects, predicates and patterns count per group, AS and DESCRIBE terms per query,
    up to 4 × --max-query-depth; lists in parentheses (IN, function arguments) do not."""
    objects = "SELECT * { <urn:x> <urn:p> " + ",".join(["1"] * 9) + " }"  # 8 commas
    scan_query(objects, max_depth=2)
    with pytest.raises(query_module.QueryTooDeep, match="lists more than 4 items"):
        scan_query(objects, max_depth=1)
    groups = "SELECT * { " + " ".join(["{ ?s ?p 1, 2, 3 }"] * 20) + " }"
    scan_query(groups, max_depth=3)  # 2 commas a group, however many groups
    scan_query("ASK { FILTER(1 IN (" + ",".join(["1"] * 50) + ")) }", max_depth=3)
    with pytest.raises(query_module.QueryTooDeep, match="lists more than 8 items"):
        scan_query("DESCRIBE " + " ".join(f"<urn:x{i}>" for i in range(9)), max_depth=2)
    scan_query("DESCRIBE " + " ".join(f"<urn:x{i}>" for i in range(8)) + " WHERE {}", max_depth=2)


def test_kg_query_refuses_a_deep_query_before_loading_the_graph(tmp_path: Path) -> None:
    deep = tmp_path / "sau.rq"
    deep.write_text("SELECT * {\n" + "{" * 5_000 + "}" * 5_001, encoding="utf-8")
    missing = tmp_path / "none.nq"  # never opened: the query is refused first
    r = run_kg("query", str(deep), "--input", str(missing))
    assert r.returncode == 7, r.stderr
    assert f"{deep}:2: " in r.stderr and "--max-query-depth" in r.stderr
    r = run_kg("query", str(deep), "--input", str(missing), "--max-query-tokens", "100")
    assert r.returncode == 7 and "more than 100 tokens" in r.stderr, r.stderr


def test_kg_query_stops_a_query_past_its_time_or_memory() -> None:
    """A two-pattern cross product of the bundled graph ran for minutes and took 3–4 GB in
    kg query, which had no cap: it is stopped at --timeout, or at --max-memory, with an
    error naming the option (exit 7)."""
    cross = "SELECT * { ?a ?b ?c . ?d ?e ?f }"
    slow = run_kg("query", cross, "--format", "csv", "--timeout", "2")
    assert slow.returncode == 7 and "ran for more than 2 s" in slow.stderr, slow.stderr[-500:]
    assert "--timeout" in slow.stderr
    big = run_kg("query", cross, "--format", "csv", "--max-memory", "200M", "--timeout", "120")
    assert big.returncode == 7 and "more memory than --max-memory allows (200 MiB)" in big.stderr
    small = run_kg("query", "ASK { ?s ?p ?o }", "--timeout", "30", "--max-memory", "200M")
    assert small.returncode == 0 and "true" in small.stdout, small.stderr
    bad = run_kg("query", "ASK {}", "--timeout", "0")
    assert bad.returncode == 2 and "--timeout" in bad.stderr
