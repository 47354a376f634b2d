"""kg serve against the W3C SPARQL 1.1 Protocol and Service Description test suites.

The protocol manifest describes each test as HTTP requests (``ht:Request``: method, path,
headers, body) with the expected response (status class, boolean, result format). Each
manifest entry is one test here, its requests sent as written to a real ``kg serve``
holding the suite's data: data1–3.nt as the named graphs the manifest names
(``ut:graphData``: ``http://kasei.us/2009/09/sparql/data/dataN.rdf``).

kg serve is read-only, so for the update cases the expectation is the refusal: every update
request gets 403, and the queries that follow it find that nothing was written (their
ASK is false where the manifest, for a writable store, expects true).
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, Namespace

from .test_endpoint import Endpoint, launch, shut

SHARED = Path(__file__).resolve().parents[2] / "shared" / "w3c" / "sparql11"
PROTOCOL = SHARED / "protocol"
MANIFEST = PROTOCOL / "manifest.ttl"
SD_MANIFEST = SHARED / "service-description" / "manifest.ttl"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"

# The cases that send SPARQL Update: read here from the manifest and checked against this
# list, so a change in how a request is recognised as an update cannot pass unnoticed.
UPDATE_CASES = {
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
    "bad_update_get",
    "bad_multiple_updates",
    "bad_update_non_utf8",
    "bad_update_syntax",
    "bad_update_dataset_conflict",
}
# What kg serve answers to each case's first request: the manifest gives a status class
# (2xx, 4xx); this is the exact status, so a change of answer shows here. Updates: 403.
FIRST_STATUS = {
    "query_post_form": 200,
    "query_dataset_default_graphs_get": 200,
    "query_dataset_default_graphs_post": 200,
    "query_dataset_named_graphs_post": 200,
    "query_dataset_named_graphs_get": 200,
    "query_dataset_full": 200,
    "query_multiple_dataset": 200,
    "query_get": 200,
    "query_content_type_select": 200,
    "query_content_type_ask": 200,
    "query_content_type_describe": 200,
    "query_content_type_construct": 200,
    "query_post_direct": 200,
    "bad_query_method": 405,  # PUT
    "bad_multiple_queries": 400,
    "bad_query_wrong_media_type": 415,  # text/plain
    "bad_query_missing_form_type": 415,  # no Content-Type
    "bad_query_missing_direct_type": 415,
    "bad_query_non_utf8": 415,  # charset=UTF-16
    "bad_query_syntax": 400,
    "bad_update_wrong_media_type": 415,
    "bad_update_missing_form_type": 415,
    **dict.fromkeys(UPDATE_CASES, 403),
}
TABULAR = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv")
TABULAR += ("text/tab-separated-values",)
BOOLEAN = ("application/sparql-results+json", "application/sparql-results+xml")
RDF_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # expected status classes: 2, 3, 4, 5
    boolean: bool | None
    fmt: str | None  # "boolean", "tabular", "RDF"

    @property
    def is_update(self) -> bool:
        """An update by the protocol's rules: its media type, or an ``update`` parameter."""
        ctype = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            return True
        query = urllib.parse.urlsplit(self.path).query
        if "update" in urllib.parse.parse_qs(query):
            return True
        if ctype == "application/x-www-form-urlencoded" and self.body is not None:
            return "update" in urllib.parse.parse_qs(self.body.decode("utf-8"))
        return False


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    graphs: tuple[str, ...]
    requests: tuple[Request, ...]


def _status_class(node: rdflib.term.Node) -> int:
    text = str(node)
    assert text.startswith(str(HTS.StatusCode)) and text.endswith("xx"), text
    return int(text[len(str(HTS.StatusCode))])


def read_manifest() -> list[Case]:
    """Every entry of the protocol manifest, with its requests and expected responses."""
    g = rdflib.Graph().parse(MANIFEST, format="turtle", publicID=BASE)
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    cases = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {}
            if (hlist := g.value(req, HT.headers)) is not None:
                for h in Collection(g, hlist):
                    headers[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
            body = None
            if (b := g.value(req, HT.body)) is not None:
                encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            requests.append(
                Request(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=frozenset(
                        _status_class(s) for s in g.objects(resp, MF.expectedStatus)
                    ),
                    boolean=None if boolean is None else bool(boolean.toPython()),
                    fmt=None if fmt is None else str(fmt),
                )
            )
        graphs = tuple(
            sorted(str(g.value(d, rdflib.RDFS.label)) for d in g.objects(entry, UT.graphData))
        )
        name = str(entry)[len(BASE) :]
        cases.append(Case(name, str(g.value(entry, MF.name)), graphs, tuple(requests)))
    return cases


CASES = read_manifest()


def test_the_manifest_reads_as_expected() -> None:
    """34 entries, each with requests; the update cases are the ones listed above."""
    assert len(CASES) == 34 and all(c.requests for c in CASES)
    assert {c.name for c in CASES} == set(FIRST_STATUS)
    updates = {c.name for c in CASES if c.requests[0].is_update}
    assert updates == UPDATE_CASES
    assert {g for c in CASES for g in c.graphs} == {
        f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)
    }


@pytest.fixture(scope="module")
def suite_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """kg serve over the suite's data: each dataN.nt as the named graph ``…/dataN.rdf``."""
    folder = tmp_path_factory.mktemp("protocol")
    lines = []
    for i in (1, 2, 3):
        graph = f"<http://kasei.us/2009/09/sparql/data/data{i}.rdf>"
        for line in (PROTOCOL / f"data{i}.nt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + f" {graph} .\n")
    data = folder / "protocol.nq"
    data.write_text("".join(lines), encoding="utf-8")
    endpoint = launch(data, folder / "serve.log")
    try:
        yield endpoint
    finally:
        shut(endpoint)


def send(conn: http.client.HTTPConnection, req: Request) -> tuple[int, str, bytes]:
    headers = dict(req.headers)
    if req.body is not None:
        headers["content-length"] = str(len(req.body))
    conn.request(req.method, req.path, body=req.body, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.getheader("Content-Type") or "", resp.read()


def boolean_of(ctype: str, body: bytes) -> bool:
    if ctype.startswith("application/sparql-results+json"):
        return bool(json.loads(body)["boolean"])
    root = ET.fromstring(body)
    node = root.find(f"{RESULTS_NS}boolean")
    assert node is not None, body
    return node.text == "true"


def check_format(fmt: str, ctype: str, body: bytes) -> None:
    media = ctype.split(";")[0].strip()
    if fmt == "boolean":
        assert media in BOOLEAN, ctype
        boolean_of(ctype, body)
    elif fmt == "tabular":
        assert media in TABULAR, ctype
        if media.endswith("+json"):
            assert "vars" in json.loads(body)["head"]
        elif media.endswith("+xml"):
            assert ET.fromstring(body).find(f"{RESULTS_NS}head") is not None
        else:
            assert body.splitlines()[0].strip() in (b"value", b"?value")
    else:
        assert fmt == "RDF" and media in RDF_MEDIA, ctype
        rdflib.Graph().parse(data=body, format=RDF_MEDIA[media])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_protocol_case(suite_endpoint: Endpoint, case: Case) -> None:
    """Send the case's requests, in order, on one connection, and check each response."""
    host, port = urllib.parse.urlsplit(suite_endpoint.url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        refused_update = False
        for i, req in enumerate(case.requests):
            status, ctype, body = send(conn, req)
            text = body.decode("utf-8", "replace")
            if i == 0:
                assert status == FIRST_STATUS[case.name], (case.name, status, text)
            if req.is_update:
                assert status == 403, (case.name, status, text)
                assert "read-only" in text
                refused_update = True
                continue
            assert status // 100 in req.statuses, (case.name, status, text)
            if req.fmt is not None:
                check_format(req.fmt, ctype, body)
            if req.boolean is not None:
                expected = False if refused_update else req.boolean
                assert boolean_of(ctype, body) is expected, (case.name, text)
    finally:
        conn.close()


# ---------------------------------------------------------------- service description


def sd_cases() -> list[str]:
    g = rdflib.Graph().parse(SD_MANIFEST, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    return [str(e).rpartition("#")[2] for e in Collection(g, g.value(manifest, MF.entries))]


SD_CASES = sd_cases()
SD_ACCEPT = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
# The Service Description vocabulary (SPARQL 1.1 Service Description, section 3): the
# domain and range of each property this endpoint uses, and the type of each instance.
SD_PROPERTIES = {
    SD.endpoint: (SD.Service, None),
    SD.supportedLanguage: (SD.Service, SD.Language),
    SD.feature: (SD.Service, SD.Feature),
    SD.defaultEntailmentRegime: (SD.Service, SD.EntailmentRegime),
    SD.defaultDataset: (SD.Service, SD.Dataset),
    SD.resultFormat: (SD.Service, None),
    SD.defaultGraph: (SD.Dataset, SD.Graph),
    SD.namedGraph: (SD.GraphCollection, SD.NamedGraph),
    SD.name: (SD.NamedGraph, None),
    SD.graph: (SD.NamedGraph, SD.Graph),
}
SD_INSTANCES = {
    SD.SPARQL10Query: SD.Language,
    SD.SPARQL11Query: SD.Language,
    SD.SPARQL11Update: SD.Language,
    SD.UnionDefaultGraph: SD.Feature,
    SD.BasicFederatedQuery: SD.Feature,
    SD.RequiresDataset: SD.Feature,
    SD.EmptyGraphs: SD.Feature,
    SD.DereferencesURIs: SD.Feature,
    rdflib.URIRef("http://www.w3.org/ns/entailment/Simple"): SD.EntailmentRegime,
}
SD_SUBCLASSES = {SD.Dataset: SD.GraphCollection}
VOID_TRIPLES = rdflib.URIRef("http://rdfs.org/ns/void#triples")


def description(endpoint: Endpoint, path: str, accept: str) -> tuple[int, rdflib.Graph]:
    host, port = urllib.parse.urlsplit(endpoint.url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        body = resp.read()
        media = (resp.getheader("Content-Type") or "").split(";")[0]
        assert media == accept, media
        return resp.status, rdflib.Graph().parse(data=body, format=SD_ACCEPT[media])
    finally:
        conn.close()


def has_type(g: rdflib.Graph, node: rdflib.term.Node, cls: rdflib.URIRef) -> bool:
    types = set(g.objects(node, RDF.type))
    if node in SD_INSTANCES:
        types.add(SD_INSTANCES[node])
    types |= {SD_SUBCLASSES[t] for t in list(types) if t in SD_SUBCLASSES}
    return cls in types


@pytest.mark.parametrize("accept", sorted(SD_ACCEPT))
@pytest.mark.parametrize("path", ["/sparql", "/sparql/"])
@pytest.mark.parametrize("case", SD_CASES)
def test_service_description_case(
    suite_endpoint: Endpoint, case: str, path: str, accept: str
) -> None:
    """The manifest's three cases, for each RDF syntax and both spellings of the endpoint."""
    status, g = description(suite_endpoint, path, accept)
    assert status == 200
    service = next(g.subjects(RDF.type, SD.Service))
    if case == "returns-rdf":
        assert len(g) > 0
    elif case == "has-endpoint-triple":
        assert (service, SD.endpoint, rdflib.URIRef(suite_endpoint.url + path)) in g
    else:
        assert case == "conforms-to-schema"
        used = {p for p in g.predicates() if str(p).startswith(str(SD))}
        assert used <= set(SD_PROPERTIES), used - set(SD_PROPERTIES)
        for s, p, o in g:
            if p not in SD_PROPERTIES:
                continue
            domain, range_ = SD_PROPERTIES[p]
            assert has_type(g, s, domain), (s, p, o)
            if range_ is not None:
                assert has_type(g, o, range_), (s, p, o)
        for named in g.subjects(RDF.type, SD.NamedGraph):
            assert len(list(g.objects(named, SD.name))) == 1
        assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g


def test_service_description_tells_how_the_endpoint_evaluates(suite_endpoint: Endpoint) -> None:
    """Query only, no federation; the named graphs held; the default graph is their union."""
    _, g = description(suite_endpoint, "/sparql", "text/turtle")
    service = next(g.subjects(RDF.type, SD.Service))
    assert set(g.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(g.objects(service, SD.feature)) == {SD.UnionDefaultGraph}
    dataset = g.value(service, SD.defaultDataset)
    names = {str(g.value(n, SD.name)): n for n in g.objects(dataset, SD.namedGraph)}
    assert sorted(names) == [f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)]
    for n in names.values():
        assert g.value(g.value(n, SD.graph), VOID_TRIPLES).toPython() == 1
    default = g.value(dataset, SD.defaultGraph)
    assert g.value(default, VOID_TRIPLES).toPython() == 3
    formats = {str(f).rpartition("/")[2] for f in g.objects(service, SD.resultFormat)}
    assert formats == {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "RDF_XML",
        "JSON-LD",
    }
