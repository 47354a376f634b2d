"""SHACL Core compiled to SPARQL and run on pyoxigraph: the fast validator for large graphs.

Each constraint of each targeted shape becomes one SPARQL SELECT whose solutions are the
violations (``?this`` the focus node, ``?value`` the value node where the constraint has
one), evaluated over the union of the data in a pyoxigraph store. Nested shapes (``sh:node``,
``sh:or``, ``sh:and``, ``sh:not``, ``sh:qualifiedValueShape``) become conformance conditions,
``FILTER NOT EXISTS`` over the violation patterns of the nested shape. SPARQL-based
constraints (``sh:sparql``) run their own SELECT with ``$this`` joined to the targets.

The results are :data:`RawResult` tuples, the same as :func:`pipeline.validation.run_pyshacl`
gives, so reports are compared result for result (tests/test_validation_sparql.py, on every
shape fixture, on generated corpora with planted violations and on the W3C SHACL core cases
of the features below). :func:`supported` says whether a shapes graph uses only what this
compiler knows; anything else is validated by pySHACL.

Supported: targets ``sh:targetClass`` / ``targetNode`` / ``targetSubjectsOf`` /
``targetObjectsOf`` and implicit class targets; paths (predicate, inverse, sequence,
alternative, zero-or-more, one-or-more, zero-or-one); ``sh:class``, ``datatype``, ``nodeKind``,
``minCount``, ``maxCount``, ``minLength``, ``maxLength``, ``pattern`` (with ``flags``),
``languageIn``, ``uniqueLang``, ``in``, ``hasValue``, ``lessThan``, ``equals``,
``minInclusive``/``maxInclusive``/``minExclusive``/``maxExclusive``, ``node``, ``or``,
``and``, ``not``, ``qualifiedValueShape`` with ``qualifiedMinCount``/``qualifiedMaxCount``,
``sh:sparql`` (SELECT), ``sh:severity``, ``sh:message``, ``sh:deactivated``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from ..iri import term_nt
from ..readers import to_rdflib
from ..vocab import SH
from .report import RawResult

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_PARAMETERS: dict[Node, str] = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.equals: "EqualsConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.qualifiedValueShape: "QualifiedValueShape",
    SH.sparql: "SPARQLConstraintComponent",
}
# Parameters that travel with another one, or that say nothing to check.
_COMPANIONS = {
    SH.flags,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.path,
    SH.property,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.declare,
    SH.prefixes,
    SH.closed,  # refused below when true
    SH.ignoredProperties,
}
_SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)
# Placeholders in check patterns: the focus node, the value node, a value being tested.
F, V, X = "§F", "§V", "§X"


def num(term: str) -> str:
    """A SPARQL expression: ``term`` with a kept datatype (see :func:`rewritten_datatypes`)
    turned back into a value the engine compares as a number or a date."""
    keep = f'"{_KEEP}"'
    return (
        f"IF(STRSTARTS(STR(DATATYPE({term})), {keep}), "
        f"STRDT(STR({term}), IRI(STRAFTER(STR(DATATYPE({term})), {keep}))), {term})"
    )


def instantiate(pattern: str, focus: str, value: str) -> str:
    """A check pattern with its placeholders replaced by SPARQL variables.

    >>> instantiate("§F <http://e/p> §V", "?this", "?value")
    '?this <http://e/p> ?value'
    """
    return pattern.replace(V, value).replace(F, focus)


# The largest k of "k distinct values" written as k joined variables. A focus node with
# k - 1 values makes the engine try their (k - 1)! orders before it gives up, and k = 15 took
# minutes and gigabytes; a larger count is left to pySHACL, which counts.
MAX_DISTINCT = 4


class Unsupported(Exception):
    """The shapes use something this compiler does not translate (pySHACL validates)."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as a SPARQL group pattern over ``?F`` (the focus node).

    ``pattern`` is true for each violation; it binds the value node when the component
    reports one. ``§F`` and ``§V`` in it stand for the focus and value variables
    (:func:`instantiate`), so the same check can be nested under another focus variable.
    """

    shape: Node
    component: str
    pattern: str
    has_value: bool
    severity: str
    message: str
    path: Node | None
    # A sh:sparql constraint: the whole SELECT, run with ?this joined to the targets.
    select: str | None = None
    # Paths from the target to this check's focus: a property shape inside a property shape
    # is checked on each value node of the outer path, which is then the result's focus.
    via: tuple[str, ...] = ()


@dataclass
class _Compiler:
    shapes: Graph
    counter: itertools.count = field(default_factory=itertools.count)

    def fresh(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self.counter)}"

    # ------------------------------------------------------------ terms and paths

    def term(self, node: Node) -> str:
        if isinstance(node, BNode):
            raise Unsupported(f"blank node {node} used as a value in a shape")
        return _stored_nt(node)

    def path(self, node: Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return term_nt(node)
        g = self.shapes
        if (node, RDF.first, None) in g:
            return "(" + "/".join(self.path(p) for p in Collection(g, node)) + ")"
        for prop, fmt in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = g.value(node, prop)
            if inner is not None:
                return fmt.format(self.path(inner))
        alt = g.value(node, SH.alternativePath)
        if alt is not None:
            return "(" + "|".join(self.path(p) for p in Collection(g, alt)) + ")"
        raise Unsupported(f"path {node}")

    # ------------------------------------------------------------ shapes

    def severity(self, shape: Node) -> str:
        sev = self.shapes.value(shape, SH.severity)
        return str(sev).rsplit("#", 1)[-1] if sev is not None else "Violation"

    def message(self, node: Node) -> str | None:
        msgs = sorted(
            self.shapes.objects(node, SH.message),
            key=lambda m: (getattr(m, "language", None) != "en", str(m)),
        )
        return str(msgs[0]) if msgs else None

    def checks(self, shape: Node, depth: int = 0) -> list[Check]:
        """Every constraint of ``shape`` and of its property shapes, as checks over ``?F``."""
        if depth > 32:
            raise Unsupported("shapes nested more than 32 deep (recursive shapes?)")
        g = self.shapes
        if g.value(shape, SH.deactivated) == Literal(True):
            return []
        if g.value(shape, SH.closed) == Literal(True):
            raise Unsupported("sh:closed")
        path_node = g.value(shape, SH.path)
        path = self.path(path_node) if path_node is not None else None
        out: list[Check] = []
        for p in sorted(set(g.predicates(shape, None)), key=str):
            if p in _PARAMETERS:
                for value in sorted(g.objects(shape, p), key=str):
                    out.append(self.constraint(shape, p, value, path, path_node, depth))
            elif p not in _COMPANIONS and str(p).startswith(str(SH)):
                raise Unsupported(f"{p} in shape {shape}")
        for prop in sorted(g.objects(shape, SH.property), key=str):
            nested = self.checks(prop, depth + 1)
            if path is not None:  # each value node of this shape is the nested focus
                nested = [replace(c, via=(path, *c.via)) for c in nested]
            out.extend(nested)
        return out

    def conforms(self, shape: Node, var: str, depth: int) -> str:
        """A FILTER expression: ``var`` conforms to ``shape``."""
        nested = self.checks(shape, depth + 1)
        if not nested:
            return "true"
        parts = []
        for c in nested:
            if c.select is not None:
                raise Unsupported("sh:sparql inside a nested shape")
            focus, hops = var, []
            for hop in c.via:
                nxt = self.fresh("f")
                hops.append(f"{focus} {hop} {nxt} .")
                focus = nxt
            body = " ".join(hops) + " " + instantiate(c.pattern, focus, self.fresh())
            parts.append(f"NOT EXISTS {{ {body} }}")
        return "(" + " && ".join(parts) + ")"

    def constraint(
        self,
        shape: Node,
        param: Node,
        value: Node,
        path: str | None,
        path_node: Node | None,
        depth: int,
    ) -> Check:
        g = self.shapes
        component = _PARAMETERS[param]
        message = self.message(shape) or f"{component.removesuffix('ConstraintComponent')} not met"
        severity = self.severity(shape)
        reported_path = path_node if isinstance(path_node, URIRef) else None

        def values(body: str) -> str:
            # every value node V of the focus F: the path's objects, or the focus itself
            if path is None:
                return f"BIND ({F} AS {V}) {body}"
            return f"{F} {path} {V} . {body}"

        def check(pattern: str, has_value: bool, comp: str = component) -> Check:
            return Check(shape, comp, pattern, has_value, severity, message, reported_path)

        t = self.term
        if param == SH["class"]:
            sub = term_nt(RDFS.subClassOf)
            return check(values(f"FILTER NOT EXISTS {{ {V} a/{sub}* {t(value)} }}"), True)
        if param == SH.datatype:
            if value == RDF.langString:
                test = f"(isLiteral({V}) && lang({V}) != '')"
            else:
                kept = term_nt(URIRef(_kept(str(value))))
                test = f"(isLiteral({V}) && lang({V}) = '' && datatype({V}) = {kept})"
            return check(values(f"FILTER (!{test})"), True)
        if param == SH.nodeKind:
            tests: dict[Node, str] = {
                SH.IRI: f"isIRI({V})",
                SH.BlankNode: f"isBlank({V})",
                SH.Literal: f"isLiteral({V})",
                SH.BlankNodeOrIRI: f"(isBlank({V}) || isIRI({V}))",
                SH.BlankNodeOrLiteral: f"(isBlank({V}) || isLiteral({V}))",
                SH.IRIOrLiteral: f"(isIRI({V}) || isLiteral({V}))",
            }
            if value not in tests:
                raise Unsupported(f"sh:nodeKind {value}")
            return check(values(f"FILTER (!{tests[value]})"), True)
        if param in (SH.minCount, SH.maxCount):
            if path is None:
                raise Unsupported(f"{param} on a node shape")
            n = int(str(value))
            k = n if param == SH.minCount else n + 1
            if k <= 0:
                return check("FILTER (false)", False)
            found = self.distinct_values(path, k, [])
            op = "NOT EXISTS" if param == SH.minCount else "EXISTS"
            return check(f"FILTER {op} {{ {found} }}", False)
        if param in (SH.minLength, SH.maxLength):
            op = "<" if param == SH.minLength else ">"
            n = int(str(value))
            return check(values(f"FILTER (isBlank({V}) || STRLEN(STR({V})) {op} {n})"), True)
        if param == SH.pattern:
            flags = g.value(shape, SH.flags)
            args = t(Literal(str(value))) + (f", {t(Literal(str(flags)))}" if flags else "")
            return check(values(f"FILTER (isBlank({V}) || !REGEX(STR({V}), {args}))"), True)
        if param == SH.languageIn:
            tags = [str(x) for x in Collection(g, value)]
            ok = " || ".join(f"langMatches(lang({V}), {t(Literal(x))})" for x in tags) or "false"
            return check(values(f"FILTER (!isLiteral({V}) || lang({V}) = '' || !({ok}))"), True)
        if param == SH.uniqueLang:
            if not (isinstance(value, Literal) and str(value) == "true"):
                return check("FILTER (false)", False)
            if path is None:
                raise Unsupported("sh:uniqueLang on a node shape")
            a, b = self.fresh(), self.fresh()
            same = f"!sameTerm({a}, {b}) && lang({a}) != '' && LCASE(lang({a})) = LCASE(lang({b}))"
            return check(
                f"FILTER EXISTS {{ {F} {path} {a} . {F} {path} {b} . FILTER ({same}) }}", False
            )
        if param == SH["in"]:
            members = [t(x) for x in Collection(g, value)]
            ok = " || ".join(f"sameTerm({V}, {m})" for m in members) or "false"
            return check(values(f"FILTER (!({ok}))"), True)
        if param == SH.hasValue:
            if path is None:
                return check(f"FILTER (!sameTerm({F}, {t(value)}))", False)
            return check(f"FILTER NOT EXISTS {{ {F} {path} {t(value)} }}", False)
        if param == SH.lessThan:
            other = self.fresh()
            body = f"{F} {t(value)} {other} FILTER (!COALESCE({num(V)} < {num(other)}, false))"
            return check(values(body), True)
        if param in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            ops: dict[Node, str] = {SH.minInclusive: ">=", SH.maxInclusive: "<=",
                                    SH.minExclusive: ">", SH.maxExclusive: "<"}  # fmt: skip
            op = ops[param]
            return check(values(f"FILTER (!COALESCE({num(V)} {op} {num(t(value))}, false))"), True)
        if param == SH.node:
            return check(values(f"FILTER (!{self.conforms(value, V, depth)})"), True)
        if param == SH["not"]:
            return check(values(f"FILTER ({self.conforms(value, V, depth)})"), True)
        if param in (SH["or"], SH["and"]):
            shapes_list: list[Node] = list(Collection(g, value))
            join = " || " if param == SH["or"] else " && "
            empty = "false" if param == SH["or"] else "true"
            test = join.join(self.conforms(m, V, depth) for m in shapes_list) or empty
            return check(values(f"FILTER (!({test}))"), True)
        if param == SH.qualifiedValueShape:
            return self.qualified(shape, value, path, depth, check)
        if param == SH.sparql:
            return self.sparql(shape, value, reported_path, severity)
        raise Unsupported(str(param))

    def distinct_values(self, path: str, k: int, conditions: list[str]) -> str:
        """A pattern: ``F`` has ``k`` pairwise distinct values along ``path`` that each meet
        ``conditions`` (templates over ``§X``)."""
        if k > MAX_DISTINCT:
            raise Unsupported(
                f"a count of {k} distinct values (the pattern grows with the square of it and "
                f"its evaluation with the factorial; counts up to {MAX_DISTINCT} compile)"
            )
        vs = [self.fresh() for _ in range(k)]
        # Each value is tested in its own group, before the values are paired: a pair of
        # two then costs two tests, not four (the same solutions: each test mentions only
        # its value and the focus node, both bound in its group).
        groups = []
        for v in vs:
            tests = [c.replace(X, v) for c in conditions]
            groups.append(
                "{ "
                + f"{F} {path} {v}"
                + (f" FILTER ({' && '.join(tests)})" if tests else "")
                + " }"
            )
        apart = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)]
        return " ".join(groups) + (f" FILTER ({' && '.join(apart)})" if apart else "")

    def qualified(self, shape: Node, value: Node, path: str | None, depth: int, check) -> Check:
        g = self.shapes
        if g.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        if path is None:
            raise Unsupported("sh:qualifiedValueShape on a node shape")
        lo, hi = g.value(shape, SH.qualifiedMinCount), g.value(shape, SH.qualifiedMaxCount)
        if (lo is None) == (hi is None):  # both counts were split by _split_qualified
            raise Unsupported("sh:qualifiedValueShape without exactly one count")
        n = int(str(lo if lo is not None else hi))
        if lo is not None:
            comp = "QualifiedMinCountConstraintComponent"
            if n <= 0:
                return check("FILTER (false)", False, comp)
            found = self.distinct_values(path, n, [self.conforms(value, X, depth)])
            return check(f"FILTER NOT EXISTS {{ {found} }}", False, comp)
        found = self.distinct_values(path, n + 1, [self.conforms(value, X, depth)])
        return check(f"FILTER EXISTS {{ {found} }}", False, "QualifiedMaxCountConstraintComponent")

    def sparql(self, shape: Node, node: Node, path: Node | None, severity: str) -> Check:
        g = self.shapes
        if path is not None:
            raise Unsupported("sh:sparql on a property shape ($PATH)")
        if g.value(node, SH.deactivated) == Literal(True):
            return Check(shape, "SPARQLConstraintComponent", "FILTER (false)", False, severity,
                         "", path)  # fmt: skip
        select = g.value(node, SH.select)
        if select is None:
            raise Unsupported("sh:sparql without sh:select")
        prefixes = ""
        for decl_owner in g.objects(node, SH.prefixes):
            for decl in g.objects(decl_owner, SH.declare):
                prefixes += f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>\n"
        message = self.message(node) or self.message(shape) or "SPARQL constraint not met"
        return Check(
            shape,
            "SPARQLConstraintComponent",
            "",
            True,
            severity,
            message,
            path,
            select=prefixes + str(select),
        )


def targets(shapes: Graph, shape: Node) -> list[str]:
    """The SPARQL patterns that bind ``?this`` to the focus nodes of ``shape``."""
    out = []
    for cls in sorted(shapes.objects(shape, SH.targetClass), key=str):
        out.append(f"?this a/{term_nt(RDFS.subClassOf)}* {term_nt(cls)} .")
    if (shape, RDF.type, RDFS.Class) in shapes:
        out.append(f"?this a/{term_nt(RDFS.subClassOf)}* {term_nt(shape)} .")
    for node in sorted(shapes.objects(shape, SH.targetNode), key=str):
        out.append(f"BIND ({_stored_nt(node)} AS ?this)")
    for p in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str):
        out.append(f"?this {term_nt(p)} ?_t .")
    for p in sorted(shapes.objects(shape, SH.targetObjectsOf), key=str):
        out.append(f"?_t {term_nt(p)} ?this .")
    return out


def targeted_shapes(shapes: Graph) -> list[Node]:
    """Shapes with a target, in a stable order."""
    found: set[Node] = set()
    for prop in _TARGETS:
        found.update(shapes.subjects(prop, None))
    for kind in _SHAPE_TYPES:
        for s in shapes.subjects(RDF.type, kind):
            if (s, RDF.type, RDFS.Class) in shapes:
                found.add(s)
    return sorted(found, key=str)


@dataclass(frozen=True)
class CompiledQuery:
    """One SELECT that finds the violations of one check over every focus node.

    ``classes`` are the classes whose instances ``text`` finds with the path
    ``a/rdfs:subClassOf*``; ``with_instances`` is the same query with each such path
    replaced by one triple of :data:`INSTANCE_OF`, for a store where
    :func:`run_compiled` has written those triples.
    """

    check: Check
    text: str
    classes: tuple[str, ...] = ()
    with_instances: str = ""


# The private predicate of the instances run_compiled writes for a while (never in our data:
# a store that holds it is validated with the paths).
INSTANCE_OF = "<urn:x-vjkg:instance-of>"
_CLASS_PATH = re.compile(r"(\?\w+) a/" + re.escape(term_nt(RDFS.subClassOf)) + r"\* (<[^<>\s]+>)")


def _compiled(check: Check, text: str) -> CompiledQuery:
    if check.select is not None:  # a constraint's own SELECT: run as it is written
        return CompiledQuery(check, text)
    classes = tuple(sorted({m.group(2) for m in _CLASS_PATH.finditer(text)}))
    fast = _CLASS_PATH.sub(lambda m: f"{m.group(1)} {INSTANCE_OF} {m.group(2)}", text)
    return CompiledQuery(check, text, classes, fast)


def compile_shapes(shapes: Graph) -> list[CompiledQuery]:
    """Every targeted shape's checks as SELECT queries. Raises :class:`Unsupported`."""
    c = _Compiler(_split_qualified(shapes))
    out: list[CompiledQuery] = []
    for shape in targeted_shapes(c.shapes):
        patterns = targets(c.shapes, shape)
        if not patterns:
            continue
        target = " UNION ".join(f"{{ {p} }}" for p in patterns)
        for chk in c.checks(shape):
            if chk.select is not None:
                text = _wrap_sparql(chk.select, target)
            else:
                # ?this is the target; ?focus the check's own focus (the same unless via)
                hops, focus = [], "?this"
                for i, hop in enumerate(chk.via):
                    hops.append(f"{focus} {hop} ?_via{i} .")
                    focus = f"?_via{i}"
                body = " ".join(hops) + " " + instantiate(chk.pattern, focus, "?value")
                head = f"({focus} AS ?focus)" + (" ?value" if chk.has_value else "")
                text = f"SELECT DISTINCT {head} WHERE {{ {target} {body} }}"
            out.append(_compiled(chk, text))
    return out


def _wrap_sparql(select: str, target: str) -> str:
    """A constraint's SELECT with ``$this`` bound by the targets (joined as a subquery)."""
    text = select.replace("$this", "?this")
    head, sep, body = text.partition("SELECT")
    if not sep:
        raise Unsupported("sh:select without SELECT")
    focus = f"{{ SELECT DISTINCT ?this WHERE {{ {target} }} }}"
    return f"{head}SELECT * WHERE {{ {focus} {{ SELECT{body} }} }}"


def _split_qualified(shapes: Graph) -> Graph:
    """``shapes`` with every property shape that has both ``sh:qualifiedMinCount`` and
    ``sh:qualifiedMaxCount`` written as the same shape with the min count and a twin with
    the max count (results keep the original shape as their source)."""
    pairs = [
        s
        for s in set(shapes.subjects(SH.qualifiedMinCount, None))
        if (s, SH.qualifiedMaxCount, None) in shapes
    ]
    if not pairs:
        return shapes
    g = Graph()
    for t in shapes:
        g.add(t)
    for s in pairs:
        twin = _twin(s)
        for p, o in shapes.predicate_objects(s):
            if p != SH.qualifiedMinCount:
                g.add((twin, p, o))
        g.remove((s, SH.qualifiedMaxCount, None))
        for owner in shapes.subjects(SH.property, s):
            g.add((owner, SH.property, twin))
    return g


_TWIN = "urn:x-vjkg:twin:"


def _twin(shape: Node) -> URIRef:
    return URIRef(_TWIN + str(shape))


def _original(shape: Node) -> Node:
    text = str(shape)
    return URIRef(text[len(_TWIN) :]) if text.startswith(_TWIN) else shape


_XSD = "http://www.w3.org/2001/XMLSchema#"
_KEEP = "urn:x-vjkg:datatype:"  # a datatype the store would rewrite, kept under this prefix
_DERIVED = [
    "int",
    "long",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
    "float",
    "double",
    "decimal",
    "integer",
    "boolean",
    "string",
    "dateTime",
    "date",
    "time",
    "gYear",
    "gYearMonth",
    "gMonth",
    "gDay",
    "gMonthDay",
    "duration",
    "dayTimeDuration",
    "yearMonthDuration",
    "dateTimeStamp",
]


@functools.cache
def rewritten_datatypes() -> frozenset[str]:
    """The datatypes whose literals pyoxigraph's store does not keep as written, found by
    asking it: it stores ``"10"^^xsd:nonNegativeInteger`` as ``"10"^^xsd:integer`` and
    ``"4.0"^^xsd:decimal`` as ``"4"^^xsd:decimal``. SHACL compares terms as written."""
    store = ox.Store()
    s = ox.NamedNode("urn:x-vjkg:probe")
    # Non-canonical lexical forms, so a store that normalises values shows it.
    samples = {"boolean": ["1", "true"], "float": ["1.0", "1E0"], "double": ["1.0", "1E0"],
               "decimal": ["1.0", "+1"], "integer": ["+1", "01"],
               "dateTime": ["2024-01-01T00:00:00.0Z", "2024-01-01T00:00:00+00:00"],
               "dateTimeStamp": ["2024-01-01T00:00:00.0Z"], "date": ["2024-01-01+00:00"],
               "time": ["00:00:00.0"], "gYear": ["2024", "2024Z"], "gYearMonth": ["2024-01Z"],
               "gMonth": ["--01"], "gDay": ["---01"], "gMonthDay": ["--01-01"],
               "duration": ["P1D", "PT24H"], "dayTimeDuration": ["PT24H"],
               "yearMonthDuration": ["P12M"], "string": ["x"]}  # fmt: skip
    out = set()
    for name in _DERIVED:
        dt = ox.NamedNode(_XSD + name)
        for lexical in samples.get(name, ["+01", "1"]):
            lit = ox.Literal(lexical, datatype=dt)
            store.add(ox.Quad(s, s, lit))
            (kept,) = [q.object for q in store.quads_for_pattern(s, s, None)]
            store.remove(ox.Quad(s, s, kept))
            if kept != lit:
                out.add(_XSD + name)
    return frozenset(out)


_ILL = "urn:x-vjkg:ill-typed:"  # an ill-typed literal's datatype, so sh:datatype sees it
_LEXICAL = {
    _XSD + "gYear": re.compile(r"-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?"),
    _XSD + "gYearMonth": re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?"),
    _XSD + "date": re.compile(
        r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?"
    ),
}


def ill_typed(literal: Literal) -> bool:
    """Whether a typed literal's lexical form is not in its datatype's lexical space.

    >>> XSD = "http://www.w3.org/2001/XMLSchema#"
    >>> ill_typed(Literal("2021-13", datatype=URIRef(XSD + "gYearMonth")))
    True
    >>> ill_typed(Literal("300", datatype=URIRef(XSD + "byte")))
    True
    >>> ill_typed(Literal("2021-09", datatype=URIRef(XSD + "gYearMonth")))
    False
    """
    pattern = _LEXICAL.get(str(literal.datatype))
    if pattern is not None:
        return not pattern.fullmatch(str(literal))
    return bool(literal.ill_typed)


def _kept(datatype: str) -> str:
    """The datatype IRI as stored: rewritten ones under :data:`_KEEP`."""
    return _KEEP + datatype if datatype in rewritten_datatypes() else datatype


def _stored_nt(node: Node) -> str:
    """A term in N-Triples syntax as the store holds it (see :func:`to_store`)."""
    if isinstance(node, Literal) and node.datatype is not None and not node.language:
        dt = str(node.datatype)
        dt = _ILL + dt if ill_typed(node) else _kept(dt)
        return term_nt(Literal(str(node), datatype=URIRef(dt), normalize=False))
    return term_nt(node)


def _from_ox(term: object) -> Node | None:
    """A term from the store as rdflib writes it: datatypes as written, simple literals plain."""
    if term is None:
        return None
    node = to_rdflib(term)
    if isinstance(node, Literal) and node.datatype is not None:
        datatype = str(node.datatype).removeprefix(_KEEP).removeprefix(_ILL)
        if datatype == _XSD + "string":
            return Literal(str(node))
        return Literal(str(node), datatype=URIRef(datatype), normalize=False)
    return node


def run_compiled(store: ox.Store, queries: Sequence[CompiledQuery]) -> list[RawResult]:
    """Run every compiled query on ``store`` (its default graph holds the data); the
    results come query by query, in the order of ``queries``.

    Most checks find instances of a class with the path ``a/rdfs:subClassOf*``: once for
    the targets, again inside ``sh:class`` for every value. The path is evaluated once per
    class instead: its instances are written into the store as :data:`INSTANCE_OF` triples
    and the queries read those (:attr:`CompiledQuery.with_instances`: the same solutions,
    since every query is DISTINCT or an EXISTS), then the triples are removed again.
    SPARQL-based constraints, which may read any triple, run before they are written.
    """
    found: dict[int, list[RawResult]] = {}
    rest = []
    for i, q in enumerate(queries):
        if q.with_instances:
            rest.append(i)
        else:
            found[i] = _run_one(store, q, q.text)
    classes = sorted({c for i in rest for c in queries[i].classes})
    path = f"a/{term_nt(RDFS.subClassOf)}*"
    own = store.query(f"ASK {{ ?s {INSTANCE_OF} ?o }}")
    fast = bool(classes) and not own
    try:
        if fast:
            for cls in classes:
                store.update(f"INSERT {{ ?x {INSTANCE_OF} {cls} }} WHERE {{ ?x {path} {cls} }}")
        for i in rest:
            q = queries[i]
            found[i] = _run_one(store, q, q.with_instances if fast else q.text)
    finally:
        if fast:
            store.update(f"DELETE WHERE {{ ?x {INSTANCE_OF} ?c }}")
    return [r for i in range(len(queries)) for r in found[i]]


def _run_one(store: ox.Store, q: CompiledQuery, text: str) -> list[RawResult]:
    out: list[RawResult] = []
    c = q.check
    shape = _original(c.shape)
    component = SH[c.component]
    solutions = store.query(text)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        focus = _from_ox(row["this" if c.select is not None else "focus"])
        assert focus is not None
        value = _from_ox(row["value"]) if c.has_value and "value" in _names(row) else None
        path: Node | None = c.path
        message = c.message
        if c.select is not None:
            names = _names(row)
            if "path" in names and row["path"] is not None:
                path = _from_ox(row["path"])
            if "message" in names and row["message"] is not None:
                message = str(row["message"].value)
        out.append((c.severity, focus, path, value, message, shape, component))
    return out


def _names(row: ox.QuerySolution) -> set[str]:
    names = set()
    for name in ("this", "focus", "value", "path", "message"):
        try:
            row[name]
        except KeyError:
            continue
        names.add(name)
    return names


def supported(shapes: Graph) -> bool:
    """Whether every targeted shape compiles."""
    try:
        compile_shapes(shapes)
    except Unsupported:
        return False
    return True


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            dt = str(term.datatype)
            dt = _ILL + dt if ill_typed(term) else _kept(dt)
            return ox.Literal(str(term), datatype=ox.NamedNode(dt))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_store(triples: Iterable[tuple[Node, Node, Node]]) -> ox.Store:
    """An in-memory pyoxigraph store holding ``triples`` in its default graph."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), ox.DefaultGraph())  # type: ignore[arg-type]
        for s, p, o in triples
    )
    return store


def stored_forms(terms: Mapping[str, Node], forms: Iterable[str] | None = None) -> dict[str, str]:
    """For each N-Triples form in ``forms`` (default: every form in ``terms``) that the store
    must hold differently (a literal whose datatype the store would rewrite, or an
    ill-typed one: see :func:`to_store`), the form to write instead; ``terms`` maps each
    form to its term. Files written with these replacements load with
    :func:`store_from_ntriples` into the store :func:`to_store` makes.
    """
    out: dict[str, str] = {}
    for text in terms if forms is None else forms:
        if not (text.startswith('"') and text.endswith(">")):
            continue  # only a typed literal can be stored differently
        term = terms[text]
        if isinstance(term, Literal) and term.datatype is not None and not term.language:
            stored = _stored_nt(term)
            if stored != text:
                out[text] = stored
    return out


def store_from_ntriples(path: Path) -> ox.Store:
    """An in-memory store holding the triples of the N-Triples file at ``path`` in its
    default graph, parsed and loaded by pyoxigraph alone (written with
    :func:`stored_forms`, so literals are kept as :func:`to_store` keeps them).

    This is how ``kg build`` validates in a child process
    (:mod:`pipeline.validation.background`): the store never goes through rdflib terms.
    """
    store = ox.Store()
    store.load(path=path, format=ox.RdfFormat.N_TRIPLES)
    return store


def validate_with_sparql(
    triples: Iterable[tuple[Node, Node, Node]], shapes: Graph
) -> Iterator[RawResult]:
    """Raw results of validating ``triples`` against ``shapes`` with compiled SPARQL."""
    queries = compile_shapes(shapes)
    yield from run_compiled(to_store(triples), queries)
