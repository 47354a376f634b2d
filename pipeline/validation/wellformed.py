"""The shapes file checked before anything runs: each SHACL Core parameter has a value of
the kind the specification gives it (SHACL §4, "Core Constraint Components"), every list is
a list, every ``sh:pattern`` is a regular expression and every ``sh:select`` parses.

A shapes graph that breaks these rules is a bad input (exit 3), not a bug: without this
check ``sh:minCount "x"`` stopped the build with an internal error, ``sh:datatype "date"``
with a SPARQL syntax error in a query the user never wrote, and a negative ``sh:maxCount``
or a broken pattern silently matched nothing, while pySHACL refused the same file. Every
problem is listed at once, at the line of the file where it is written (found by the
parameter's name and value; the parser gives no line per triple).

>>> from rdflib import Graph
>>> g = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <http://e/S> a sh:NodeShape ; sh:property [ sh:path <http://e/p> ; sh:minCount -1 ] .''',
...                   format="turtle")
>>> [p.what for p in shape_problems(g, "shapes.ttl", "")]
['sh:minCount -1: must be a whole number of 0 or more (xsd:integer)']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from ..errors import InputError, Location, Problem
from ..vocab import SH

_COUNTS = ("minCount", "maxCount", "minLength", "maxLength", "qualifiedMinCount",
           "qualifiedMaxCount")  # fmt: skip
_BOOLEANS = ("closed", "deactivated", "uniqueLang", "qualifiedValueShapesDisjoint")
_IRIS = ("class", "datatype", "targetClass", "severity", "nodeKind")
_SHAPES = ("node", "not", "qualifiedValueShape", "property", "path")  # an IRI or a blank node
_LISTS = ("in", "languageIn", "and", "or", "xone", "ignoredProperties")
_STRINGS = ("pattern", "flags", "select", "prefix")
_NODE_KINDS = {SH[k] for k in ("BlankNode", "IRI", "Literal", "BlankNodeOrIRI",
                               "BlankNodeOrLiteral", "IRIOrLiteral")}  # fmt: skip
_FLAGS = set("smixq")  # XPath's regular-expression flags (SPARQL REGEX)


def check_shapes(g: Graph, path: Path) -> None:
    """Raise an :class:`InputError` with every problem :func:`shape_problems` finds (the
    file is read again only then, for their lines)."""
    if next(shape_problems(g, str(path), ""), None) is None:
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # read once already; only the lines are lost
        text = ""
    raise InputError(list(shape_problems(g, str(path), text)))


def _show(value: Node) -> str:
    if isinstance(value, Literal):
        if value.datatype in (None, XSD.string) and value.language is None:
            return f'"{value}"'
        if value.datatype in (XSD.integer, XSD.boolean, XSD.decimal):
            return str(value)
        return value.n3()
    if isinstance(value, BNode):
        return "[ … ]"
    return f"<{value}>"


def _is_list(g: Graph, node: Node) -> bool:
    seen = set()
    while node != RDF.nil:
        if node in seen or not isinstance(node, BNode | URIRef):
            return False
        seen.add(node)
        if g.value(node, RDF.first) is None:
            return False
        rest = g.value(node, RDF.rest)
        if rest is None:
            return False
        node = rest
    return True


def _what(g: Graph, name: str, value: Node) -> str | None:
    """What is wrong with ``value`` as the value of ``sh:name`` (``None``: nothing)."""
    if name in _COUNTS:
        ok = isinstance(value, Literal) and value.datatype == XSD.integer
        if not ok or not str(value).lstrip("+").isdigit():
            return "must be a whole number of 0 or more (xsd:integer)"
    elif name in _BOOLEANS:
        if not (isinstance(value, Literal) and value.datatype == XSD.boolean):
            return "must be true or false (xsd:boolean)"
        if str(value) not in ("true", "false", "1", "0"):
            return "must be true or false (xsd:boolean)"
    elif name in _IRIS:
        if not isinstance(value, URIRef):
            return "must be an IRI, e.g. xsd:string or vjkg:Organization"
        if name == "nodeKind" and value not in _NODE_KINDS:
            return "must be one of sh:IRI, sh:Literal, sh:BlankNode, sh:BlankNodeOrIRI, " \
                   "sh:BlankNodeOrLiteral, sh:IRIOrLiteral"  # fmt: skip
    elif name in _SHAPES:
        if isinstance(value, Literal):
            return "must be a shape (an IRI or [ … ]), not a literal"
    elif name in _LISTS:
        if not _is_list(g, value):
            return "must be a list, written ( … )"
    elif name in _STRINGS:
        if not isinstance(value, Literal) or value.language is not None:
            return "must be a string"
        if name == "flags" and not set(str(value)) <= _FLAGS:
            return "may hold only the flags s, m, i, x and q"
    return None


def _regex_problem(pattern: str, flags: str) -> bool:
    """Whether pyoxigraph, which runs the compiled shapes, refuses ``pattern``."""
    values = f"({ox.Literal(pattern)} {ox.Literal(flags)})"
    query = f'SELECT (REGEX("", ?p, ?f) AS ?r) WHERE {{ VALUES (?p ?f) {{ {values} }} }}'
    solution = next(iter(ox.Store().query(query)))  # type: ignore[arg-type]
    return solution["r"] is None


def _prefixes(g: Graph) -> str:
    out = []
    for decl in g.objects(None, SH.declare):
        prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
        if prefix is not None and ns is not None:
            out.append(f"PREFIX {prefix}: <{ns}>\n")
    return "".join(sorted(set(out)))


def _needle(value: Node) -> str:
    """What the line that writes ``value`` holds: a literal's text, an IRI's last name."""
    if isinstance(value, Literal):
        return str(value).strip().split("\n")[0].strip()
    if isinstance(value, URIRef):
        return str(value).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return ""


def shape_problems(g: Graph, path: str, text: str) -> Iterator[Problem]:
    """Each misuse of a SHACL Core parameter in the shapes ``g`` (read from ``text``)."""
    lines = text.splitlines()

    def at(name: str, value: Node) -> Location:
        """The first line that names ``sh:name`` and holds the value (or the value alone:
        a long literal starts on its own line), else the file."""
        needle = _needle(value)
        for wanted in (f"sh:{name}", ""):
            for number, line in enumerate(lines, 1):
                if wanted in line and needle in line:
                    return Location(path, number)
        return Location(path, 0)

    def problem(name: str, value: Node, what: str, fix: str) -> Problem:
        return Problem(at(name, value), f"sh:{name} {_show(value)}: {what}", fix)

    spec = "see https://www.w3.org/TR/shacl/#core-components"
    for name in (*_COUNTS, *_BOOLEANS, *_IRIS, *_SHAPES, *_LISTS, *_STRINGS):
        for _, value in sorted(g.subject_objects(SH[name]), key=str):
            what = _what(g, name, value)
            if what is not None:
                yield problem(name, value, what, spec)
    for shape, pattern in sorted(g.subject_objects(SH.pattern), key=str):
        flags = g.value(shape, SH.flags)
        if isinstance(pattern, Literal) and _regex_problem(str(pattern), str(flags or "")):
            what = "not a regular expression the SPARQL engine accepts"
            yield problem("pattern", pattern, what, "write it in the XPath syntax of REGEX")
    prefixes = _prefixes(g)
    for select in sorted(g.objects(None, SH.select), key=str):
        if isinstance(select, Literal) and select.language is None:
            try:
                ox.Store().query(prefixes + str(select))
            except SyntaxError as exc:
                where, message = at("select", select), str(exc)
                # "error at L:C" counts the prefixes put before the query: the file's line
                found = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
                if found and where.line:
                    line = int(found.group(1)) - prefixes.count("\n") - 1
                    where = Location(path, where.line + line)
                    message = f"{found.group(3)} (column {found.group(2)})"
                yield Problem(
                    where,
                    f"sh:select is not a SPARQL query: {message}",
                    "correct the query; declare its prefixes with sh:declare and sh:prefixes",
                )
    for shape in sorted(set(g.subjects(SH.path, None)), key=str):
        paths = len(set(g.objects(shape, SH.path)))
        if paths > 1:
            where = Location(path, 0)
            yield Problem(where, f"a property shape has {paths} sh:path values", "give it one")
