"""The one place where namespaces, prefixes, classes and relations are defined.

No IRI is spelled inline anywhere else in the package. The tables here describe the
annotation vocabulary; ``tests/test_vocab.py`` checks them against ``ontology/vjkg.ttl``.
"""

from __future__ import annotations

import re
from typing import Any

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

DEFAULT_BASE = "https://w3id.org/vjkg/"

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")


class Hoisted:
    """A namespace whose terms, once looked up, are plain attributes.

    rdflib's ``Namespace.__getattr__`` runs Python code (and makes a new ``URIRef``) on
    every access; code that adds a million triples reads each term once through this.

    >>> H = Hoisted(OA)
    >>> H.hasTarget == OA.hasTarget and H.hasTarget is H.hasTarget
    True
    """

    def __init__(self, namespace: Any):  # a Namespace or a DefinedNamespace class
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):  # pickling and copying probe for dunder methods
            raise AttributeError(name)
        term = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return self._namespace[name]


ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANGUAGES = ("vi", "en", "ja")


class Vocabulary:
    """The namespaces under one base IRI (configurable; default ``https://w3id.org/vjkg/``).

    >>> v = Vocabulary()
    >>> str(v.entity("meti"))
    'https://w3id.org/vjkg/resource/meti'
    >>> str(v.term("memberOf"))
    'https://w3id.org/vjkg/ontology#memberOf'
    """

    def __init__(self, base: str = DEFAULT_BASE):
        if not base.endswith(("/", "#")):
            base += "/"
        self.base = base
        self.ONT = Namespace(base + "ontology#")
        self.RES = Namespace(base + "resource/")
        self.GRAPH = Namespace(base + "graph/")
        self.SHAPES = Namespace(base + "shapes#")
        self._terms: dict[str, URIRef] = {}

    def term(self, name: str):
        """An ontology term (class or property) by local name (made once per name: rdflib
        checks every IRI it makes, and the build and the network ask for the same few
        terms millions of times)."""
        found = self._terms.get(name)
        if found is None:
            found = self._terms[name] = self.ONT[name]
        return found

    def entity(self, entity_id: str):
        """The IRI of a registry entity."""
        return self.RES[entity_id]

    def node(self, kind: str, key: str):
        """The IRI of a non-entity node (fact, annotation, selector, source)."""
        return self.RES[f"{kind}/{key}"]

    def graph(self, name: str):
        """The IRI of a named graph."""
        return self.GRAPH[name]

    def prefixes(self) -> dict[str, str]:
        """Prefix → namespace, in the order they are written in every export."""
        return {
            "vjkg": str(self.ONT),
            "res": str(self.RES),
            "src": str(self.RES) + "source/",
            "fact": str(self.RES) + "fact/",
            "ann": str(self.RES) + "annotation/",
            "target": str(self.RES) + "target/",
            "sel": str(self.RES) + "selector/",
            "graph": str(self.GRAPH),
            "dcterms": str(DCTERMS),
            "foaf": str(FOAF),
            "oa": str(OA),
            "org": str(ORG),
            "owl": str(OWL),
            "prov": str(PROV),
            "rdf": str(RDF),
            "rdfs": str(RDFS),
            "schema": str(SCHEMA),
            "skos": str(SKOS),
            "xsd": str(XSD),
        }


# The model (classes, relations, qualifiers, roles) lives in pipeline/schema.py; these names
# are re-exported so every stage reads the one table through this module.
from .schema import (  # noqa: E402
    COMMON_QUALIFIERS,
    ENTITY_CLASSES,
    FACT_CLASSES,
    QUALIFIER_KEYS,
    QUALIFIER_PROPERTIES,
    RELATIONS,
    ROLE_BY_ID,
    ROLES,
    SOURCE_KINDS,
    Relation,
    class_ancestors,
    is_a,
    relation_qualifiers,
    top_class,
)

__all__ = [
    "COMMON_QUALIFIERS",
    "DEFAULT_BASE",
    "ENTITY_CLASSES",
    "FACT_CLASSES",
    "FOAF",
    "ID_PATTERN",
    "LANGUAGES",
    "OA",
    "ORG",
    "QUALIFIER_KEYS",
    "QUALIFIER_PROPERTIES",
    "RELATIONS",
    "ROLES",
    "ROLE_BY_ID",
    "SCHEMA",
    "SH",
    "SOURCE_KINDS",
    "Relation",
    "Vocabulary",
    "class_ancestors",
    "is_a",
    "relation_qualifiers",
    "top_class",
]
