"""kg serve: a real server process answering SPARQL over HTTP, and refusing what it must."""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from pipeline.sparql.serve import GRAPH_MEDIA, RESULT_MEDIA, Refusal, check_read_only, choose_format
from pipeline.sparqltext import scan_query

REPO = Path(__file__).resolve().parents[1]
GRAPH = REPO / "graphs" / "kg.nq"
FIXTURES = REPO / "tests" / "fixtures" / "queries"
KG = Path(sys.executable).parent / "kg"
TIMEOUT_S = 1.5
MAX_RESULTS = 500
DOC0 = "https://w3id.org/vjkg/graph/doc-000"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]

    def request(
        self,
        path: str,
        *,
        params: dict[str, str] | list[tuple[str, str]] | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        method: str | None = None,
    ) -> Answer:
        url = self.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return Answer(resp.status, dict(resp.headers), resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, dict(exc.headers), exc.read().decode("utf-8"))

    def query(
        self, text: str, accept: str = "application/sparql-results+json", **params: str
    ) -> Answer:
        return self.request("/sparql", params={"query": text, **params}, headers={"Accept": accept})


def read_line(proc: subprocess.Popen[str], seconds: float) -> str:
    """The first line the process prints, waiting at most ``seconds``."""
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sel.select(timeout=0.2):
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    return ""


def stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, then SIGKILL after 10 s; the whole session (workers too) must be gone."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def session_is_empty(pgid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def start_server(*extra: str, limits: bool = True) -> Server:
    """A real ``kg serve`` on a free port; ``limits=False``: its defaults and saved queries."""
    args = [str(KG), "serve", "--port", "0", "--input", str(GRAPH), "--quiet"]
    if limits:
        args += ["--timeout", str(TIMEOUT_S), "--max-results", str(MAX_RESULTS)]
        args += ["--queries", str(FIXTURES)]
    proc = subprocess.Popen(
        [*args, *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    line = read_line(proc, 60)
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
    if not m:
        stop(proc)
        assert proc.stderr is not None
        raise AssertionError(f"kg serve did not start: {line!r} {proc.stderr.read()}")
    return Server(m[1], proc)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = start_server()
    try:
        yield srv
    finally:
        stop(srv.process)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(srv.process.pid, signal.SIGKILL)  # leftovers, had there been any


@pytest.fixture(scope="module")
def local() -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(GRAPH), format=ox.RdfFormat.N_QUADS)
    return store


def distinct_triples(store: ox.Store, graph: str | None = None) -> int:
    g = ox.NamedNode(graph) if graph else None
    return len({q.triple for q in store.quads_for_pattern(None, None, None, g)})


def count_of(answer: Answer) -> int:
    assert answer.status == 200, answer.body
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------- answering


def test_a_select_over_get_counts_the_union_of_the_graphs(server: Server, local: ox.Store) -> None:
    answer = server.query(COUNT)
    assert answer.headers["Content-Type"] == "application/sparql-results+json"
    assert count_of(answer) == distinct_triples(local)


def test_post_as_query_body_and_as_form(server: Server, local: ox.Store) -> None:
    body = server.request(
        "/sparql",
        data=COUNT.encode(),
        method="POST",
        headers={"Content-Type": "application/sparql-query"},
    )
    form = server.request(
        "/sparql",
        data=urllib.parse.urlencode({"query": COUNT}).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert count_of(body) == count_of(form) == distinct_triples(local)


def test_each_named_graph_is_reachable_by_from_and_by_graph(
    server: Server, local: ox.Store
) -> None:
    for g in local.named_graphs():
        n = distinct_triples(local, g.value)
        assert (
            count_of(server.query(f"SELECT (COUNT(*) AS ?n) FROM <{g.value}> WHERE {{ ?s ?p ?o }}"))
            == n
        )
        assert count_of(server.query(COUNT, **{"default-graph-uri": g.value})) == n
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g.value}> {{ ?s ?p ?o }} }}"
        assert count_of(server.query(q)) == n


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            ox.QueryResultsFormat.XML,
        ),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            ox.QueryResultsFormat.JSON,
        ),
    ],
)
def test_results_are_negotiated_and_parse(
    server: Server, accept: str, media: str, fmt: ox.QueryResultsFormat
) -> None:
    q = (
        "SELECT ?org ?label WHERE { ?org a vjkg:Ministry ; rdfs:label ?label "
        'FILTER(lang(?label) = "ja") } ORDER BY ?org'
    )
    answer = server.query(q, accept=accept)
    assert answer.status == 200 and answer.headers["Content-Type"].startswith(media)
    parsed = ox.parse_query_results(answer.body.encode(), format=fmt)
    assert isinstance(parsed, ox.QuerySolutions)
    labels = [s["label"] for s in parsed]
    assert ox.Literal("経済産業省", language="ja") in labels


def test_csv_and_construct(server: Server) -> None:
    csv = server.query("SELECT ?g WHERE { GRAPH ?g {} } ORDER BY ?g", accept="text/csv")
    assert csv.status == 200 and csv.body.splitlines()[0] == "g" and DOC0 in csv.body
    ttl = server.query(
        "CONSTRUCT { ?s a vjkg:Ministry } WHERE { ?s a vjkg:Ministry }", accept="text/turtle"
    )
    assert ttl.status == 200 and ttl.headers["Content-Type"].startswith("text/turtle")
    assert len(list(ox.parse(ttl.body.encode(), format=ox.RdfFormat.TURTLE))) >= 5


def test_a_syntax_error_is_a_400_with_line_and_column(server: Server) -> None:
    answer = server.query("SELECT ?s\nWHERE {\n  ?s ?p \n}")
    assert answer.status == 400
    assert re.match(r"query:4:\d+: SPARQL syntax error", answer.body), answer.body


# ---------------------------------------------------------------- refusing


def assert_unchanged(server: Server, local: ox.Store) -> None:
    assert count_of(server.query(COUNT)) == distinct_triples(local)
    assert (
        count_of(server.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:x> { ?s ?p ?o } }")) == 0
    )


@pytest.mark.parametrize(
    ("path", "ctype", "body"),
    [
        (
            "/sparql",
            "application/sparql-update",
            "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }",
        ),
        (
            "/update",
            "application/sparql-update",
            "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }",
        ),
        (
            "/sparql",
            "application/x-www-form-urlencoded",
            "update="
            + urllib.parse.quote("INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }"),
        ),
        (
            "/sparql",
            "application/sparql-query",
            "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }",
        ),
        ("/sparql", "application/sparql-query", "DROP ALL"),
    ],
)
def test_updates_are_refused(
    server: Server, local: ox.Store, path: str, ctype: str, body: str
) -> None:
    answer = server.request(
        path, data=body.encode(), method="POST", headers={"Content-Type": ctype}
    )
    assert answer.status == 403
    assert "read-only" in answer.body
    assert_unchanged(server, local)


def test_load_is_refused(server: Server, local: ox.Store) -> None:
    for answer in (
        server.query("LOAD <http://example.org/data.ttl> INTO GRAPH <urn:x>"),
        server.request(
            "/sparql",
            data=b"LOAD <http://example.org/data.ttl>",
            method="POST",
            headers={"Content-Type": "application/sparql-update"},
        ),
    ):
        assert answer.status == 403 and "read-only" in answer.body
    assert "(LOAD)" in server.query("LOAD <http://example.org/data.ttl>").body
    assert_unchanged(server, local)


def test_service_is_refused(server: Server) -> None:
    answer = server.query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert answer.status == 403
    assert "SERVICE <http://example.org/sparql> is refused" in answer.body
    answer = server.query("SELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }")
    assert answer.status == 403


@pytest.mark.parametrize(
    "params",
    [
        {"query": "SELECT * FROM <http://example.org/evil.ttl> WHERE { ?s ?p ?o }"},
        {"query": "SELECT * FROM NAMED <https://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }"},
        {"query": "PREFIX e: <http://example.org/> SELECT * FROM e:g WHERE { ?s ?p ?o }"},
    ],
)
def test_remote_graphs_are_refused(server: Server, params: dict[str, str]) -> None:
    answer = server.request("/sparql", params=params)
    assert answer.status == 403
    assert "does not fetch remote graphs" in answer.body and DOC0 in answer.body


def test_writes_of_any_method_are_refused(server: Server, local: ox.Store) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        answer = server.request(
            f"/store?graph={urllib.parse.quote('urn:x')}",
            data=b"<urn:a> <urn:b> <urn:c> .",
            method=method,
            headers={"Content-Type": "application/n-triples"},
        )
        assert answer.status == 405 and "read-only" in answer.body
    assert_unchanged(server, local)


def test_a_slow_query_is_stopped_at_the_time_limit_and_the_server_goes_on(
    server: Server, local: ox.Store
) -> None:
    started = time.monotonic()
    answer = server.query(SLOW)
    elapsed = time.monotonic() - started
    assert answer.status == 503 and "time limit" in answer.body
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 5
    assert count_of(server.query(COUNT)) == distinct_triples(local)  # a fresh worker answers


def test_results_beyond_the_cap_are_refused(server: Server) -> None:
    answer = server.query("SELECT * WHERE { ?s ?p ?o }")
    assert answer.status == 400 and f"more than {MAX_RESULTS} results" in answer.body
    assert server.query(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}").status == 200


def test_requests_without_exactly_one_query_are_400(server: Server) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert server.request("/sparql", data=b"", method="POST", headers=form).status == 400
    assert server.request("/sparql", data=b"x=1", method="POST", headers=form).status == 400
    assert (
        server.request("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status == 400
    )
    assert server.request("/nowhere").status == 404


# ---------------------------------------------------------------- the page


def test_the_page_lists_saved_queries_escaped_with_links_that_run(server: Server) -> None:
    page = server.request("/", headers={"Accept": "text/html"})
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    # the saved queries travel as JSON that no markup can break out of (read by textContent)
    data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page.body)
    assert data and "<script>" not in data[1]
    saved = {q["name"]: q for q in json.loads(data[1])["saved"]}
    assert {"ministries", "escaping", "syntax-error"} <= set(saved)
    assert '<script>alert("x")</script> & other markup' in saved["escaping"]["description"]
    run = server.request(
        "/sparql", params={"query": saved["ministries"]["text"]},
        headers={"Accept": "text/html,*/*;q=0.8"},
    )  # fmt: skip
    assert run.status == 200 and run.headers["Content-Type"].startswith("text/html")
    assert "res:meti" in run.body and "Bộ Kinh tế" in run.body
    text = server.request("/queries/ministries.rq")
    assert text.status == 200 and text.body == (FIXTURES / "ministries.rq").read_text(
        encoding="utf-8"
    )


def test_the_server_and_its_workers_stop_on_sigterm() -> None:
    srv = start_server("--workers", "2")
    assert srv.query("ASK { ?s ?p ?o }").body.strip().endswith('"boolean": true}')
    stop(srv.process)
    assert srv.process.returncode == 0
    assert session_is_empty(srv.process.pid), "worker processes outlived kg serve"


# ---------------------------------------------------------------- policy and negotiation


def test_policy_allows_our_graphs_and_refuses_others() -> None:
    ours = [DOC0]
    check_read_only(scan_query(f"SELECT * FROM <{DOC0}> {{}}"), ours)
    with pytest.raises(Refusal) as err:
        check_read_only(scan_query("SELECT * FROM <urn:nothing> {}"), ours)
    assert err.value.status == 400 and "no such graph" in err.value.message
    with pytest.raises(Refusal):
        check_read_only(scan_query("SELECT * {}"), ours, default_graph_uris=["file:///etc/passwd"])


def test_accept_negotiation() -> None:
    assert choose_format("application/sparql-results+xml", RESULT_MEDIA) == "xml"
    assert choose_format("*/*", RESULT_MEDIA) == "json"
    assert choose_format("application/json", RESULT_MEDIA) == "json"
    assert (
        choose_format("text/*;q=0.5, application/sparql-results+json;q=0.4", RESULT_MEDIA) == "csv"
    )
    assert choose_format("application/n-triples", GRAPH_MEDIA) == "ntriples"
    # One Accept for every query form: a graph type for a SELECT gets the default ...
    assert choose_format("text/turtle", RESULT_MEDIA) == "json"
    assert choose_format("application/sparql-results+json", GRAPH_MEDIA) == "turtle"
    # ... but a header that takes nothing an endpoint serves, or refuses all, is a 406
    assert choose_format("image/png", GRAPH_MEDIA) is None
    assert choose_format("*/*;q=0", RESULT_MEDIA) is None
    everything = ", ".join(f"{m};q=0" for _, m in RESULT_MEDIA)
    assert choose_format(everything, RESULT_MEDIA) is None
    assert choose_format("text/html;q=0", RESULT_MEDIA) == "json"  # the others not refused
