"""The SPARQL 1.1 Service Description that ``kg serve`` answers at ``GET /sparql``.

It states what the endpoint does, as it evaluates queries: SPARQL 1.1 Query only (no
Update, no federation), the result formats it writes, and its default dataset, whose
default graph is the RDF merge of the named graphs (``sd:UnionDefaultGraph``) when the
input has named graphs. The description is a plain graph (a :class:`QueryResult` of kind
``graph``), so it is written by the same writers as a CONSTRUCT result.

>>> desc = to_service_description("http://127.0.0.1:8765/sparql", [("urn:g", 2)], 2)
>>> sd = "http://www.w3.org/ns/sparql-service-description#"
>>> [t.object.value for t in desc.triples if t.predicate.value == sd + "endpoint"]
['http://127.0.0.1:8765/sparql']
>>> sorted(t.object.value for t in desc.triples if t.predicate.value == sd + "feature")
['http://www.w3.org/ns/sparql-service-description#UnionDefaultGraph']
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from .query import RDF_NS, QueryResult

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
ENTAILMENT = "http://www.w3.org/ns/entailment/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = {
    "sd": SD,
    "formats": FORMATS,
    "void": VOID,
    "ent": ENTAILMENT,
    "rdf": RDF_NS,
    "xsd": XSD,
}

# The W3C format IRIs of what kg serve writes (http://www.w3.org/ns/formats/).
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
)


def to_service_description(
    endpoint: str, graphs: Sequence[tuple[str, int]], default_triples: int
) -> QueryResult:
    """The description of the endpoint at ``endpoint`` holding ``graphs`` (IRI, triples).

    ``default_triples`` is the size of the default graph as queries see it. With named
    graphs, the default graph is their union; without, it holds the triples of the input.
    Blank node labels are fixed, so the same dataset gives the same description.
    """
    iri, bnode, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    a = iri(RDF_NS + "type")
    service, dataset, default = bnode("service"), bnode("dataset"), bnode("defaultGraph")
    count = iri(XSD + "integer")
    triples = [
        ox.Triple(service, a, iri(SD + "Service")),
        ox.Triple(service, iri(SD + "endpoint"), iri(endpoint)),
        ox.Triple(service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        ox.Triple(service, iri(SD + "defaultEntailmentRegime"), iri(ENTAILMENT + "Simple")),
        ox.Triple(service, iri(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, iri(SD + "Dataset")),
        ox.Triple(dataset, iri(SD + "defaultGraph"), default),
        ox.Triple(default, a, iri(SD + "Graph")),
        ox.Triple(default, iri(VOID + "triples"), literal(str(default_triples), datatype=count)),
    ]
    triples += [
        ox.Triple(service, iri(SD + "resultFormat"), iri(FORMATS + f)) for f in RESULT_FORMAT_IRIS
    ]
    if graphs:
        triples.append(ox.Triple(service, iri(SD + "feature"), iri(SD + "UnionDefaultGraph")))
    for i, (name, size) in enumerate(graphs):
        named, graph = bnode(f"namedGraph{i}"), bnode(f"graph{i}")
        triples += [
            ox.Triple(dataset, iri(SD + "namedGraph"), named),
            ox.Triple(named, a, iri(SD + "NamedGraph")),
            ox.Triple(named, iri(SD + "name"), iri(name)),
            ox.Triple(named, iri(SD + "graph"), graph),
            ox.Triple(graph, a, iri(SD + "Graph")),
            ox.Triple(graph, iri(VOID + "triples"), literal(str(size), datatype=count)),
        ]
    return QueryResult("graph", triples=tuple(triples))
