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
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from ..errors import InputError, Location, Problem, QueryError
from ..sparqltext import describe_service_refusal, scan_query, tokenize
from ..vocab import SH

_COUNTS = ("minCount", "maxCount", "minLength", "maxLength", "qualifiedMinCount",
           "qualifiedMaxCount")  # fmt: skip
_BOOLEANS = ("closed", "deactivated", "uniqueLang", "qualifiedValueShapesDisjoint")
_IRIS = ("class", "datatype", "targetClass", "targetSubjectsOf", "targetObjectsOf", "severity",
         "nodeKind", "equals", "disjoint", "lessThan", "lessThanOrEquals")  # fmt: skip
# Parameters SHACL defines for property shapes only (§4: "can only be used in property shapes")
_PROPERTY_ONLY = ("minCount", "maxCount", "uniqueLang", "lessThan", "lessThanOrEquals",
                  "qualifiedValueShape")  # fmt: skip
_RANGES = ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive")
_TEXTS = ("message", "namespace")  # literals, never IRIs or nodes
_REFERENCES = ("node", "property", "not", "qualifiedValueShape")  # a shape to a shape
_PATH_KINDS = ("inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath")
# Deepest nesting of paths, and of shapes within shapes, that the engines are given: both
# follow it on Python's stack (5,000 nested sh:not or sh:inversePath were a RecursionError)
MAX_NESTING = 64
# Where a constraint's query may hold what SHACL forbids there (§5.3.1: MINUS, VALUES, and
# AS for a pre-bound variable): the letters of those keywords, to tokenize only then
_PREBINDING_WORDS = re.compile(r"minus|values|\bas\b", re.IGNORECASE)
_PREBOUND = ("this", "shapesGraph", "currentShape")
_SHAPES = ("node", "not", "qualifiedValueShape", "property", "path")  # an IRI or a blank node
_LISTS = ("in", "languageIn", "and", "or", "xone", "ignoredProperties")
_STRINGS = ("pattern", "flags", "select", "ask", "prefix")
_QUERIES = ("select", "ask", "construct", "update")  # SHACL-SPARQL and SHACL-AF
_NODE_KINDS = {SH[k] for k in ("BlankNode", "IRI", "Literal", "BlankNodeOrIRI",
                               "BlankNodeOrLiteral", "IRIOrLiteral")}  # fmt: skip
# A SERVICE keyword in any spelling, or FROM, holds these letters (keywords take no escapes)
_NETWORK_WORDS = re.compile("service|from", re.IGNORECASE)
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


def _members(g: Graph, node: Node) -> list[Node] | None:
    """The members of the RDF list at ``node``, or ``None`` when it is not a list (no
    rdf:first or rdf:rest on a cell, a cycle, a literal cell)."""
    seen = set()
    out: list[Node] = []
    while node != RDF.nil:
        if node in seen or not isinstance(node, BNode | URIRef):
            return None
        seen.add(node)
        first, rest = g.value(node, RDF.first), g.value(node, RDF.rest)
        if first is None or rest is None:
            return None
        out.append(first)
        node = rest
    return out


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
        if _members(g, value) is None:
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


def _dataset_problem(query: str) -> tuple[str, str] | None:
    """Why a constraint's query may not run here: what it asks for, and the fix.

    ``SERVICE`` (in any spelling the engine reads) would call another endpoint, and
    ``FROM`` would make rdflib, which runs pySHACL's queries, fetch the graph it names: a
    shapes file must never make ``kg`` open a connection.
    """
    if not _NETWORK_WORDS.search(query):
        return None  # the common case, without compiling the tokenizer (50 ms)
    try:
        shape = scan_query(query)
    except QueryError as exc:
        return str(exc), "shorten the query"
    refusal = describe_service_refusal(shape, "a shapes file never makes kg call an endpoint")
    if refusal:
        return refusal, "remove the SERVICE block from the constraint"
    if shape.has_dataset_clause:
        named = (shape.from_graphs + shape.from_named_graphs)[0]
        return (
            f"FROM <{named}> is refused: a constraint runs on the data graph, and kg never "
            "fetches a graph a query names",
            "remove the FROM clause",
        )
    return None


def _prebinding_problem(query: str) -> str | None:
    """What SHACL forbids in a query whose variables are pre-bound (§5.3.1), if it holds it:
    MINUS, VALUES, or AS for $this, $shapesGraph or $currentShape."""
    if not _PREBINDING_WORDS.search(query):
        return None
    tokens = tokenize(query)
    for i, tok in enumerate(tokens):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word in ("MINUS", "VALUES"):
            return f"uses {word}, which SHACL forbids where $this is pre-bound"
        if word == "AS" and i + 1 < len(tokens) and tokens[i + 1].text[1:] in _PREBOUND:
            return f"assigns {tokens[i + 1].text} with AS, which SHACL forbids (it is pre-bound)"
    return None


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

    def at(name: str, value: Node, owner: Node | None = None) -> Location:
        """The first line that names ``sh:name`` and holds the value (or the value alone:
        a long literal starts on its own line), else the file. With the ``owner`` whose
        parameter it is, the search starts where the owner's named shape is written."""
        needle = _needle(value)
        first = _written_at(g, lines, owner) if owner is not None else 0
        for wanted in (f"sh:{name}", ""):
            for start in dict.fromkeys((first, 0)):
                for number, line in enumerate(lines[start:], start + 1):
                    if wanted in line and needle in line:
                        return Location(path, number)
        return Location(path, 0)

    def problem(name: str, value: Node, what: str, fix: str, owner: Node | None = None) -> Problem:
        return Problem(at(name, value, owner), f"sh:{name} {_show(value)}: {what}", fix)

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
    refused: set[Node] = set()  # never evaluated, not even on an empty store: SERVICE calls
    for name in _QUERIES:
        for query in sorted(g.objects(None, SH[name]), key=str):
            if isinstance(query, Literal) and query.language is None:
                why = _dataset_problem(prefixes + str(query))
                if why:
                    refused.add(query)
                    yield Problem(at(name, query), f"sh:{name}: {why[0]}", why[1])
    for select in sorted(g.objects(None, SH.select), key=str):
        if isinstance(select, Literal) and select.language is None and select not in refused:
            try:
                solutions = ox.Store().query(prefixes + str(select))
            except SyntaxError as exc:
                where, message = at("select", select), str(exc)
                # "error at L:C" counts the prefixes put before the query: the file's line
                found = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
                if found and where.line:
                    line = int(found.group(1)) - prefixes.count("\n") - 1
                    where = Location(path, where.line + line)
                    message = f"{found.group(3)} (column {found.group(2)})"
                message = " ".join(message.split())
                if len(message) > 160:  # the engine lists every character it expected
                    message = message[:157] + "…"
                undeclared = scan_query(prefixes + str(select)).undeclared_prefixes
                if undeclared:
                    message = f"the prefix {undeclared[0]}: is not declared"
                yield Problem(
                    where,
                    f"sh:select is not a SPARQL query: {message}",
                    "correct the query; declare its prefixes with sh:declare and sh:prefixes",
                )
                continue
            if not isinstance(solutions, ox.QuerySolutions):
                fix = "write SELECT $this … (an ASK belongs in a validator's sh:ask)"
                yield Problem(at("select", select), "sh:select must be a SELECT query", fix)
            elif "this" not in {v.value for v in solutions.variables}:
                yield Problem(at("select", select), "sh:select must project $this",
                              "write SELECT $this … (or SELECT *)")  # fmt: skip
            # a SPARQL-based target (SHACL-AF) binds $this itself: pre-binding rules not
            target = any((None, SH.target, o) in g for o in g.subjects(SH.select, select))
            forbidden = None if target else _prebinding_problem(str(select))
            if forbidden:
                yield Problem(at("select", select), f"sh:select {forbidden}",
                              "rewrite the query without it (SHACL §5.3.1)")  # fmt: skip
    for shape in sorted(set(g.subjects(SH.path, None)), key=str):
        paths = len(set(g.objects(shape, SH.path)))
        if paths > 1:
            where = Location(path, 0)
            yield Problem(where, f"a property shape has {paths} sh:path values", "give it one")
    yield from _structure_problems(g, at, problem)


def _written_at(g: Graph, lines: list[str], node: Node) -> int:
    """The index of the line where the named shape that holds ``node`` (itself, or the
    nearest IRI above its blank nodes) starts a statement; 0 when not found."""
    seen: set[Node] = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        parents = sorted(g.subjects(None, node), key=str)
        if not parents:
            return 0
        node = parents[0]
    if not isinstance(node, URIRef):
        return 0
    local = re.escape(_needle(node))
    starts = re.compile(rf"^(?:\S*[:/#]{local}>?|<{re.escape(str(node))}>)(?:\s|$)")
    return next((i for i, line in enumerate(lines) if starts.match(line)), 0)


def _structure_problems(
    g: Graph, at: Callable[..., Location], problem: Callable[..., Problem]
) -> Iterator[Problem]:
    """What SHACL requires of shapes beyond each parameter's own value: a property shape
    has a path, a path is well formed, a parameter is on a shape that may take it, a
    constraint has its query and the query is one SHACL can run, and no shape refers back
    to itself (the specification leaves recursive shapes undefined, and pySHACL and the
    compiled engine stopped on them)."""
    spec = "see https://www.w3.org/TR/shacl/"
    for shape, value in sorted(g.subject_objects(SH.property), key=str):
        if g.value(value, SH.path) is None and not isinstance(value, Literal):
            yield problem("property", value, "a property shape needs sh:path", "add sh:path", shape)
    for name in _PROPERTY_ONLY:
        for shape, value in sorted(g.subject_objects(SH[name]), key=str):
            if g.value(shape, SH.path) is None:
                what = "applies to a property shape only (with sh:path)"
                yield problem(name, value, what, spec, shape)
    for shape, value in sorted(g.subject_objects(SH.qualifiedValueShape), key=str):
        if (
            g.value(shape, SH.qualifiedMinCount) is None
            and g.value(shape, SH.qualifiedMaxCount) is None
        ):
            what = "needs sh:qualifiedMinCount or sh:qualifiedMaxCount beside it"
            yield problem("qualifiedValueShape", value, what, "add the count", shape)
    for shape, value in sorted(g.subject_objects(SH.targetNode), key=str):
        if isinstance(value, BNode):
            what = "must be an IRI or a literal, not a blank node"
            yield problem("targetNode", value, what, spec, shape)
    for name in _TEXTS:
        for shape, value in sorted(g.subject_objects(SH[name]), key=str):
            if not isinstance(value, Literal):
                yield problem(name, value, "must be a literal, written in quotes", spec, shape)
    for shape, value in sorted(g.subject_objects(SH.languageIn), key=str):
        for tag in _members(g, value) or ():
            if not (isinstance(tag, Literal) and tag.datatype in (None, XSD.string)):
                what = f"holds {_show(tag)}, not a language tag"
                yield problem("languageIn", value, what, spec, shape)
    for name in _RANGES:
        for shape, value in sorted(g.subject_objects(SH[name]), key=str):
            if not isinstance(value, Literal):
                yield problem(name, value, "must be a literal (a number, a date, …)", spec, shape)
            elif value.ill_typed:
                what = f"is not a valid {g.qname(value.datatype)}" if value.datatype else ""
                yield problem(name, value, what, "write a value of its datatype", shape)
    for shape, value in sorted(g.subject_objects(SH.path), key=str):
        wrong = _path_problem(g, value)
        if wrong:
            fix = "see https://www.w3.org/TR/shacl/#property-paths"
            yield problem("path", value, wrong, fix, shape)
    for shape, constraint in sorted(g.subject_objects(SH.sparql), key=str):
        if not isinstance(constraint, Literal) and len(set(g.objects(constraint, SH.select))) != 1:
            what = "a SPARQL constraint needs exactly one sh:select"
            fix = "add sh:select with a SELECT query that projects $this"
            yield problem("sparql", constraint, what, fix, shape)
    yield from _recursion_problems(g, at)


def _path_problem(g: Graph, node: Node) -> str | None:
    """What is wrong with ``node`` as a SHACL property path (``None``: nothing). Read with
    a stack of its own, not Python's: a path nested thousands deep is a problem to report,
    not a RecursionError."""
    stack: list[tuple[Node, tuple[Node, ...]]] = [(node, ())]
    while stack:
        node, above = stack.pop()
        if isinstance(node, URIRef):
            continue
        if isinstance(node, Literal):
            return f"a path is an IRI or [ … ], not the literal {_show(node)}"
        if node in above:
            return "a path that contains itself"
        if len(above) >= MAX_NESTING:
            return f"a path nested more than {MAX_NESTING} deep"
        inside = (*above, node)
        if g.value(node, RDF.first) is not None:  # a sequence path
            steps = _members(g, node)
            if steps is None:
                return "a sequence path must be a list ( … )"
            if len(steps) < 2:
                return "a sequence path needs at least two steps"
            stack.extend((step, inside) for step in reversed(steps))
            continue
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            steps = _members(g, alternatives)
            if steps is None or len(steps) < 2:
                return "sh:alternativePath needs a list of at least two paths"
            stack.extend((step, inside) for step in reversed(steps))
            continue
        inner = next((v for k in _PATH_KINDS if (v := g.value(node, SH[k])) is not None), None)
        if inner is None:
            return "a blank node path needs sh:inversePath, sh:alternativePath, " \
                   "sh:zeroOrMorePath, sh:oneOrMorePath or sh:zeroOrOnePath"  # fmt: skip
        stack.append((inner, inside))
    return None


def _recursion_problems(g: Graph, at: Callable[..., Location]) -> Iterator[Problem]:
    """A shape that reaches itself through sh:node, sh:property, sh:not, sh:and, sh:or,
    sh:xone or sh:qualifiedValueShape (each cycle at its first shape, up to 10), and shapes
    nested deeper than :data:`MAX_NESTING`. One depth-first walk with a stack of its own:
    linear in the references, whatever their depth."""
    targets: dict[Node, set[Node]] = {}
    for name in _REFERENCES:
        for shape, target in g.subject_objects(SH[name]):
            targets.setdefault(shape, set()).add(target)
    for name in ("and", "or", "xone"):
        for shape, members in g.subject_objects(SH[name]):
            targets.setdefault(shape, set()).update(_members(g, members) or ())
    edges = {shape: sorted(ends, key=str) for shape, ends in targets.items()}
    grey, black = 1, 2
    colour: dict[Node, int] = {}
    depth: dict[Node, int] = {}  # the longest chain of shapes from a node, itself included
    cycles = 0
    for root in sorted(edges, key=lambda n: (isinstance(n, BNode), str(n))):
        if root in colour:
            continue
        colour[root] = grey
        path, pending = [root], [iter(edges.get(root, ()))]
        while path:
            nxt = next(pending[-1], None)
            if nxt is None:
                node = path.pop()
                pending.pop()
                colour[node] = black
                depth[node] = 1 + max((depth.get(c, 0) for c in edges.get(node, ())), default=0)
                continue
            if colour.get(nxt) == grey and cycles < 10:  # back to a shape on the path
                cycles += 1
                cycle = [*path[path.index(nxt) :], nxt]
                names = " → ".join(_show_shape(g, n) for n in cycle)
                yield Problem(
                    at("node", nxt, nxt),
                    f"the shape {_show_shape(g, nxt)} refers to itself ({names}): "
                    "SHACL leaves the validation of recursive shapes undefined",
                    "break the cycle: repeat the constraints instead of referring back",
                )
            elif nxt not in colour:
                colour[nxt] = grey
                path.append(nxt)
                pending.append(iter(edges.get(nxt, ())))
    deepest = max(depth, key=lambda n: (depth[n], isinstance(n, URIRef)), default=None)
    if deepest is not None and depth[deepest] > MAX_NESTING and not cycles:
        yield Problem(
            at("node", deepest, deepest),
            f"the shape {_show_shape(g, deepest)} nests shapes {depth[deepest]} deep (through "
            f"sh:node, sh:not, sh:and, …), more than the {MAX_NESTING} the engines follow",
            "flatten it: name the inner shapes and combine them with sh:and",
        )


def _show_shape(g: Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        try:
            return g.qname(node)
        except ValueError:
            return f"<{node}>"
    return "[ … ]"
