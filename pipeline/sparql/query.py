"""Query stage: SPARQL over the built graph with pyoxigraph, and result writers.

The pieces are plain functions: :func:`resolve_query` finds the query text (a file, a saved
query by name, or inline text), :func:`scan_query` reads its shape without running it (form,
variables, dataset clause, ``SERVICE``, update keywords), :func:`bind_parameters` binds
``--param`` values as RDF terms, :func:`run_query` evaluates it on a store from
:func:`open_store`, and the ``to_*`` functions render a :class:`QueryResult` as an aligned
table, SPARQL 1.1 CSV/TSV/JSON/XML results, or Turtle / N-Triples for graph results.

Parameters are never pasted into the query as text: each value is parsed into an RDF term
(pyoxigraph validates it) and bound with a ``VALUES`` block written from those terms at the
start of the ``WHERE`` group, so ``?org`` is fixed before the group is evaluated.

>>> shape = scan_query('PREFIX ex: <http://e/> SELECT ?s WHERE { ?s ex:p "x" }')
>>> shape.form, sorted(shape.variables), shape.has_dataset_clause
('SELECT', ['s'], False)
>>> parse_param("name=Hà Nội")
('name', <Literal value=Hà Nội datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>)
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import signal
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from ..errors import QueryError, UsageError
from ..iri import compact_or_bracket
from ..readers import DEFAULT_LIMITS, InputLimits, parsable, parse_errors
from ..sparqltext import (
    MAX_QUERY_DEPTH,
    MAX_QUERY_TOKENS,
    QueryShape,
    QueryTooDeep,
    QueryTooLong,
    describe_service_refusal,
    scan_query,
)
from ..text import escape_control
from ..vocab import Vocabulary
from .sandbox import SandboxStatus, cap_memory, deny_network, run_in_child

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SAVED_QUERY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
DEFAULT_TRUNCATE = 80
MAX_QUERY_FILE_BYTES = 16 * 1024 * 1024  # a .rq file larger than this is refused unread

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = tuple[Term | None, ...]


# ---------------------------------------------------------------- saved queries


@dataclass(frozen=True)
class QueryParameter:
    """A parameter a saved query declares in its header: ``# param NAME: description``
    (and, optionally, ``# param-vi NAME: mô tả`` in Vietnamese)."""

    name: str
    description: str
    description_vi: str = ""


_PARAM_LINE = re.compile(r"^#\s*param(-vi)?\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
_VI_LINE = re.compile(r"^#\s*vi\s*:\s*(.*)$")


@dataclass(frozen=True)
class SavedQuery:
    """A query kept as ``NAME.rq``; its description is its first comment line.

    The header (the comment lines before the first other line) may declare parameters,
    one per line, as ``# param NAME: description``. ``kg query``, ``kg serve``'s forms,
    the tests and the benchmark all read that declaration.
    """

    name: str
    path: Path
    text: str

    def _header(self) -> list[str]:
        lines = []
        for line in self.text.splitlines():
            stripped = line.strip()
            if not stripped.startswith("#"):
                break
            lines.append(stripped)
        return lines

    @property
    def description_vi(self) -> str:
        """The ``# vi:`` header line: the description in Vietnamese (empty when absent).

        >>> SavedQuery("x", Path("x.rq"), "# Names\\n# vi: Các tên\\nSELECT").description_vi
        'Các tên'
        """
        for line in self._header():
            m = _VI_LINE.match(line)
            if m:
                return m.group(1).strip()
        return ""

    @property
    def parameters(self) -> tuple[QueryParameter, ...]:
        """The parameters declared in the header, in order.

        >>> q = SavedQuery("x", Path("x.rq"), "# Names\\n# param entity: e.g. res:jetro\\nSELECT")
        >>> q.parameters
        (QueryParameter(name='entity', description='e.g. res:jetro', description_vi=''),)
        """
        found: dict[str, QueryParameter] = {}
        vi: dict[str, str] = {}
        for line in self._header():
            m = _PARAM_LINE.match(line)
            if m and m.group(1):
                vi[m.group(2)] = m.group(3).strip()
            elif m:
                found[m.group(2)] = QueryParameter(m.group(2), m.group(3).strip())
        return tuple(
            QueryParameter(p.name, p.description, vi.get(p.name, "")) for p in found.values()
        )

    def check_parameters(self, given: Sequence[str]) -> None:
        """Raise :class:`UsageError` unless ``given`` names exactly the declared parameters.

        >>> q = SavedQuery("entity-names", Path("x.rq"), "# N\\n# param entity: an id\\nSELECT")
        >>> q.check_parameters(["entity"])
        >>> q.check_parameters([])
        Traceback (most recent call last):
        ...
        pipeline.errors.UsageError: saved query 'entity-names' takes --param entity=… (an id)
        """
        declared = {p.name: p for p in self.parameters}
        for p in self.parameters:
            if p.name not in given:
                raise UsageError(
                    f"saved query {self.name!r} takes --param {p.name}=… ({p.description})"
                )
        for name in given:
            if name not in declared:
                takes = ", ".join(declared) or "no parameters"
                raise UsageError(
                    f"saved query {self.name!r} declares no parameter {name!r} "
                    f"(it takes: {takes}) — see `kg query --list`"
                )

    @property
    def description(self) -> str:
        """The first ``#`` comment line, without the ``#`` (empty when there is none).

        >>> SavedQuery("x", Path("x.rq"), "\\n# Ministries and agencies\\nSELECT * {}").description
        'Ministries and agencies'
        """
        for line in self.text.splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                return stripped.lstrip("#").strip()
            if stripped:
                break
        return ""


def default_queries_dir() -> Path:
    """Where the package keeps its saved queries (``pipeline/queries/``)."""
    return Path(str(resources.files("pipeline"))) / "queries"


def list_saved_queries(directory: Path | None = None) -> list[SavedQuery]:
    """Every ``*.rq`` file in ``directory`` (default: the package's), sorted by name."""
    folder = directory or default_queries_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.rq")):
        out.append(SavedQuery(path.stem, path, read_query_file(path)))
    return out


def read_query_file(path: Path, max_bytes: int = MAX_QUERY_FILE_BYTES) -> str:
    """The text of a query file (UTF-8, an optional BOM dropped); a file that is not a
    regular file (a FIFO would block) or holds over ``max_bytes`` is refused unread."""
    from ..load import FileRefused, read_capped

    try:
        return read_capped(path, max_bytes).decode("utf-8-sig")
    except FileRefused as exc:
        raise QueryError(f"{path}: the query file {exc.message}") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such query file — check the path") from None
    except UnicodeDecodeError as exc:
        raise QueryError(
            f"{path}: not UTF-8 (byte {exc.start}) — save the query as UTF-8"
        ) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the query: {exc.strerror}") from None


@dataclass(frozen=True)
class QueryText:
    """A query's text and where it came from (a path, ``saved query NAME`` or ``inline``)."""

    text: str
    origin: str
    saved: SavedQuery | None = None


def _is_file(path: Path) -> bool:
    """Whether ``path`` names a file; text that cannot be a path (too long, NUL) is not one.

    >>> _is_file(Path("SELECT * WHERE { ?s ?p ?o } " * 20))
    False
    """
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def resolve_query(arg: str, queries_dir: Path | None = None) -> QueryText:
    """Turn the ``kg query`` argument into query text.

    An existing file, or anything ending in ``.rq``, is read as a file; a bare name such as
    ``ministries`` is a saved query (``pipeline/queries/NAME.rq``); anything else is the
    query itself.

    >>> resolve_query("ASK { ?s ?p ?o }").origin
    'inline query'
    """
    path = Path(arg)
    if arg.endswith(".rq") or ("\n" not in arg and _is_file(path)):
        return QueryText(read_query_file(path), str(path))
    if SAVED_QUERY_NAME.match(arg):
        saved = {q.name: q for q in list_saved_queries(queries_dir)}
        if arg in saved:
            return QueryText(saved[arg].text, f"{saved[arg].path}", saved[arg])
        known = ", ".join(sorted(saved)) or "none"
        folder = queries_dir or default_queries_dir()
        raise UsageError(
            f"no saved query named {arg!r} in {folder} (saved queries: {known}) — "
            "run `kg query --list`, pass a .rq file, or give the query text in quotes"
        )
    return QueryText(arg, "inline query")


# ---------------------------------------------------------------- parameters

_VAR_NAME = re.compile(r"^[A-Za-z0-9_\u00B7\u00C0-\U000EFFFF]+$")
_PREFIXED_NAME = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9_-]*):[A-Za-z0-9_][^\s<>\"{}|^`\\]*$")
# An absolute IRI written without its angle brackets (``https://…``, ``urn:…``).
_BARE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_LITERAL = re.compile(r'^"(?P<body>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^(?P<dt>.+))?$')


def _expand(iri_or_pname: str, prefixes: Mapping[str, str]) -> str:
    """A datatype or IRI as a full IRI: ``<…>``, ``<xsd:integer>`` or ``xsd:integer``."""
    text = iri_or_pname
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    if sep and prefix in prefixes and not local.startswith("//"):
        return prefixes[prefix] + local
    return text


class _LooksLikeAName(ValueError):
    """A value written like an IRI or a prefixed name that is neither."""


def _not_a_name(value: str, prefixes: Mapping[str, str]) -> str:
    """Why ``value`` (``scheme:rest``) is refused, and what to write instead."""
    scheme, _, rest = value.partition(":")
    quoted = f"'\"{value}\"'"
    if rest.startswith("//") or scheme.lower() in {"urn", "mailto", "tag", "file"}:
        return f"an IRI is written in angle brackets, <{value}>; quote it, {quoted}, for the string"
    # Two letters swapped (rse:) first, then the closest spelling.
    close = [p for p in sorted(prefixes) if sorted(p) == sorted(scheme)] or (
        difflib.get_close_matches(scheme, sorted(prefixes), n=1)
    )
    hint = f"did you mean {close[0]}:{rest}? " if close else ""
    return (
        f"{scheme}: is not one of the graph's prefixes ({', '.join(sorted(prefixes))}); "
        f"{hint}quote it, {quoted}, for the string"
    )


def parse_term(value: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """Parse a parameter value into an RDF term.

    ``<iri>`` is an IRI; ``"text"``, ``"text"@vi`` and ``"5"^^<…#integer>`` are literals in
    N-Triples syntax (the datatype may also be written ``<xsd:integer>`` or ``xsd:integer``
    with the graph's prefixes); a prefixed name with one of the graph's prefixes
    (``res:meti``, or ``<res:meti>``) is an IRI. A value that looks like a prefixed name
    or an IRI but is neither (``rse:meti``, ``https://…`` without its brackets) is refused:
    taken as a string it would match nothing, silently; quote it (``"rse:x"``) to mean the
    string. Anything else is a plain string literal, taken as is.

    >>> parse_term('"5"^^<xsd:integer>')
    <Literal value=5 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    >>> parse_term('"Bộ Công Thương"@vi')
    <Literal value=Bộ Công Thương language=vi>
    >>> parse_term("res:meti")
    <NamedNode value=https://w3id.org/vjkg/resource/meti>
    >>> parse_term("METI")
    <Literal value=METI datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    """
    pfx = Vocabulary().prefixes() if prefixes is None else prefixes
    m = _PREFIXED_NAME.match(value)
    if m and m["prefix"] in pfx:
        value = f"<{value}>"
    elif _BARE_IRI.match(value):
        raise _LooksLikeAName(_not_a_name(value, pfx))
    if value.startswith("<") and value.endswith(">"):
        line = f"<urn:x-kg:s> <urn:x-kg:p> <{_expand(value, pfx)}> ."
    elif value.startswith('"'):
        m = _LITERAL.match(value)
        if m is None:
            raise ValueError('a literal is "text", "text"@lang or "text"^^<datatype>')
        lit = f'"{m["body"]}"'
        if m["lang"]:
            lit += "@" + m["lang"]
        elif m["dt"]:
            lit += f"^^<{_expand(m['dt'], pfx)}>"
        line = f"<urn:x-kg:s> <urn:x-kg:p> {lit} ."
    else:
        return ox.Literal(value)
    try:
        (triple,) = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    except (SyntaxError, ValueError) as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    obj = triple.object
    assert isinstance(obj, ox.NamedNode | ox.Literal)
    return obj


def parse_param(spec: str, prefixes: Mapping[str, str] | None = None) -> tuple[str, Term]:
    """Split ``name=value`` and parse the value with :func:`parse_term`."""
    name, sep, value = spec.partition("=")
    name = name.strip().lstrip("?$")
    if not sep or not _VAR_NAME.match(name):
        raise UsageError(
            f"--param {spec!r}: expected name=value, e.g. --param org=res:meti "
            "or --param label='\"Bộ Công Thương\"@vi'"
        )
    try:
        return name, parse_term(value, prefixes)
    except _LooksLikeAName as exc:
        raise UsageError(f"--param {spec!r}: {exc}") from None
    except ValueError as exc:
        raise UsageError(
            f"--param {spec!r}: {value!r} is not a valid RDF term ({exc}) — write <iri>, "
            '"text", "text"@vi or "5"^^xsd:integer; any other value is taken as a plain string'
        ) from None


def to_sparql_term(term: Term) -> str:
    """A term in SPARQL syntax (N-Triples form; pyoxigraph escapes it)."""
    return str(term)


@dataclass(frozen=True)
class BoundQuery:
    """A query with its parameters bound; ``inserted`` locates the added VALUES block."""

    text: str
    inserted_at: int = -1
    inserted_length: int = 0


def bind_parameters(text: str, shape: QueryShape, params: Sequence[tuple[str, Term]]) -> BoundQuery:
    """Bind each ``(name, term)`` with a VALUES block at the start of the WHERE group.

    The block is written from the terms (``str(term)`` is their N-Triples form), never from
    the user's text; it goes on the same line as the ``{`` so line numbers in error messages
    stay right.

    >>> q = "SELECT ?name WHERE { ?org <http://e/name> ?name }"
    >>> bind_parameters(q, scan_query(q), [("org", ox.NamedNode("http://e/meti"))]).text
    'SELECT ?name WHERE { VALUES (?org) { (<http://e/meti>) } ?org <http://e/name> ?name }'
    """
    if not params:
        return BoundQuery(text)
    names = [name for name, _ in params]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"--param {dupes[0]} is given more than once — give each name once")
    missing = [n for n in names if n not in shape.variables]
    if missing:
        have = ", ".join("?" + v for v in sorted(shape.variables)) or "none"
        raise UsageError(
            f"--param {missing[0]}: the query has no variable ?{missing[0]} (its variables: {have})"
        )
    if shape.where_brace is None:
        raise UsageError(shape.where_problem or "the query has no WHERE group to bind --param in")
    for name in names:
        if name not in shape.where_variables:  # a VALUES block here would not reach it
            raise UsageError(
                f"--param {name}: ?{name} occurs only inside a subquery that does not project "
                f"it, so --param cannot bind it — add ?{name} to that subquery's SELECT"
            )
        if name in shape.assigned:
            raise UsageError(
                f"--param {name}: the query assigns ?{name} itself (… AS ?{name}), so --param "
                f"cannot bind it — give the parameter another name, or drop the assignment"
            )
    block = (
        " VALUES ("
        + " ".join("?" + n for n in names)
        + ") { ("
        + " ".join(to_sparql_term(t) for _, t in params)
        + ") }"
    )
    at = shape.where_brace + 1
    return BoundQuery(text[:at] + block + text[at:], at, len(block))


# ---------------------------------------------------------------- running


def open_store(path: Path, limits: InputLimits = DEFAULT_LIMITS) -> ox.Store:
    """Load an RDF file into an in-memory pyoxigraph store whose default graph is the union.

    The file is read by :mod:`pipeline.readers` (path checks, caps, sandboxed parse: every
    refusal is exit 3 naming the file). Quad formats keep their named graphs, and every
    triple is also put in the default graph: the default graph is then the RDF merge of all
    graphs, a *set* of triples, as Jena's and GraphDB's union graphs are. (pyoxigraph's
    ``use_default_graph_as_union`` counts a triple once per graph that holds it, so
    ``COUNT(*)`` would differ from them.) Triple formats simply load into the default graph.
    """
    store = ox.Store()
    with parsable(path, limits) as (source, fmt), parse_errors(path):
        store.bulk_load(path=str(source), format=fmt)
    named = [
        ox.Quad(q.subject, q.predicate, q.object)
        for q in store
        if not isinstance(q.graph_name, ox.DefaultGraph)
    ]
    store.bulk_extend(named)
    return store


def count_quads(store: ox.Store) -> int:
    """The quads of the input a store was opened from (the union copy not counted)."""
    named = sum(1 for q in store if not isinstance(q.graph_name, ox.DefaultGraph))
    return named or len(store)


def graph_names(store: ox.Store) -> list[str]:
    """The IRIs of the store's named graphs, sorted."""
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))


@dataclass(frozen=True)
class QueryResult:
    """The result of a query: solutions (SELECT), a boolean (ASK) or triples (graph forms)."""

    kind: str  # "select", "ask" or "graph"
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)


class ResultLimitExceeded(QueryError):
    """A query gave more results than the configured cap."""


class NetworkRefused(QueryError):
    """The engine tried to reach the network for a query (a SERVICE call), and was stopped."""


class ResultTooLarge(QueryError):
    """A query's result holds more bytes of text than the configured cap."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        super().__init__(
            f"the result is larger than {max_bytes} bytes; add LIMIT, select fewer or shorter "
            "values (e.g. SUBSTR(?text, 1, 200)), or raise the cap"
        )


_ERROR_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def describe_syntax_error(
    exc: SyntaxError, text: str, origin: str, bound: BoundQuery | None = None
) -> str:
    """A syntax error as ``origin:line:column: message``, the line, and a caret under it."""
    message = str(exc)
    m = _ERROR_AT.match(message)
    if not m:
        return f"{origin}: SPARQL syntax error: {message}"
    line, col, what = int(m[1]), int(m[2]), m[3]
    if bound is not None and bound.inserted_at >= 0:
        ins_line = bound.text.count("\n", 0, bound.inserted_at) + 1
        ins_col = bound.inserted_at - (bound.text.rfind("\n", 0, bound.inserted_at) + 1) + 1
        if line == ins_line and col > ins_col + bound.inserted_length:
            col -= bound.inserted_length
    what = " ".join(what.split())
    if len(what) > 160:
        what = what[:157] + "…"
    lines = text.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    before = shown[: max(0, col - 1)]
    if len(shown) > _SHOWN_LINE:  # an excerpt around the column, not a megabyte echoed
        start = max(0, col - 1 - _SHOWN_LINE // 2)
        end = start + _SHOWN_LINE
        before = ("…" if start else "") + shown[start : max(start, col - 1)]
        shown = ("…" if start else "") + shown[start:end] + ("…" if end < len(shown) else "")
    caret = " " * max(0, display_width(before)) + "^"
    return f"{origin}:{line}:{col}: SPARQL syntax error: {what}\n  {shown}\n  {caret}"


_SHOWN_LINE = 120  # characters of the query's line a syntax error shows, around its column


def check_prefixes(shape: QueryShape, origin: str) -> None:
    """Name an undeclared prefix before the engine gives a cryptic syntax error."""
    if shape.undeclared_prefixes:
        p = shape.undeclared_prefixes[0]
        raise QueryError(
            f"{origin}: the prefix {p}: is not declared — add `PREFIX {p}: <…>` at the top "
            "(the graph's own prefixes vjkg:, res:, skos:, … are predeclared)"
        )


def run_query(
    store: ox.Store,
    text: str,
    *,
    origin: str = "query",
    params: Sequence[tuple[str, Term]] = (),
    prefixes: Mapping[str, str] | None = None,
    default_graph: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    max_results: int | None = None,
    max_bytes: int | None = None,
    base_iri: str | None = None,
    max_tokens: int | None = MAX_QUERY_TOKENS,
    max_depth: int | None = MAX_QUERY_DEPTH,
) -> QueryResult:
    """Evaluate a query on a store from :func:`open_store` (default graph: the union).

    A query with its own ``FROM``/``FROM NAMED``, or an explicit ``default_graph`` /
    ``named_graphs`` (the protocol's ``default-graph-uri``), uses that dataset instead.
    Raises :class:`QueryError` for syntax errors (with line and column), updates,
    ``SERVICE`` in any spelling (nothing is ever fetched), results beyond ``max_results``
    rows or triples and (:class:`ResultTooLarge`) beyond ``max_bytes`` of term text.
    """
    pfx = dict(Vocabulary().prefixes() if prefixes is None else prefixes)
    try:
        shape = scan_query(text, pfx, max_tokens, max_depth)
    except QueryTooLong as exc:
        raise QueryTooLong(exc.max_tokens, origin) from None
    except QueryTooDeep as exc:
        raise QueryTooDeep(exc.max_depth, exc.line, origin, exc.chain) from None
    if shape.is_update:
        raise QueryError(
            f"{origin}: this is a SPARQL Update ({', '.join(shape.update_keywords)}); "
            "kg query and kg serve only read the graph"
        )
    if shape.asks_for_network:
        raise QueryError(f"{origin}: {describe_service_refusal(shape)}")
    bound = bind_parameters(text, shape, params)
    kwargs: dict[str, object] = {"prefixes": pfx}
    if base_iri is not None:  # relative IRIs resolve against it (kg serve: the endpoint's URL)
        kwargs["base_iri"] = base_iri
    if default_graph is not None or named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
    try:
        answer = store.query(bound.text, **kwargs)  # type: ignore[arg-type]
        return _collect(answer, max_results, max_bytes)
    except SyntaxError as exc:
        if shape.undeclared_prefixes:
            check_prefixes(shape, origin)
        raise QueryError(describe_syntax_error(exc, text, origin, bound)) from None
    except OSError as exc:
        # An in-memory store does no I/O: an OSError is the engine's HTTP client calling out,
        # which the sandbox stopped (or would have had the check missed a SERVICE).
        raise NetworkRefused(
            f"{origin}: the query made the engine call another endpoint, which is refused: "
            f"kg query and kg serve never call other endpoints ({exc}). "
            "Run the federated part against that endpoint yourself."
        ) from None
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"{origin}: the query failed: {exc}") from None


def term_size(term: Term | None) -> int:
    """The characters of a term's text (its value; a quoted triple's three terms).

    >>> term_size(ox.Literal("Hà Nội", language="vi")), term_size(None)
    (8, 0)
    """
    if term is None:
        return 0
    if isinstance(term, ox.Triple):
        return term_size(term.subject) + term_size(term.predicate) + term_size(term.object)
    size = len(term.value)
    if isinstance(term, ox.Literal):
        size += len(term.language or "")
    return size


@dataclass(frozen=True)
class SandboxedRun:
    """What :func:`run_query_without_network` gives back."""

    output: Any  # the rendered result (or the QueryResult itself without ``render``)
    results: int  # rows or triples
    sandbox: SandboxStatus  # how the child was cut off from the network
    seconds: float = 0.0  # the evaluation alone, in the child (no fork, no rendering)


def run_query_without_network(
    store: ox.Store,
    text: str,
    *,
    origin: str = "query",
    render: Callable[[QueryResult], Any] | None = None,
    **options: Any,
) -> SandboxedRun:
    """:func:`run_query` in a forked child that can open no network connection.

    The second line of defence behind the SERVICE check (see :mod:`pipeline.sparql.sandbox`):
    whatever the query text makes the engine try, the child cannot connect anywhere. The
    child shares the loaded store with this process (fork: about 2 ms; a query that reads
    much of a large store is slower so, see :func:`query_file_without_network`). ``render``
    (e.g. :func:`to_output`) runs in the child too, so only text comes back.
    """
    return _in_child(lambda: _evaluate(store, text, origin, render, options), origin)


def _evaluate(
    store: ox.Store,
    text: str,
    origin: str,
    render: Callable[[QueryResult], Any] | None,
    options: dict[str, Any],
) -> SandboxedRun:
    """Cut this process off from the network, then run and render the query (in a child)."""
    status = deny_network()
    started = time.perf_counter()
    result = run_query(store, text, origin=origin, **options)
    seconds = time.perf_counter() - started
    return SandboxedRun(render(result) if render else result, len(result), status, seconds)


def _in_child(
    job: Callable[[], Any],
    origin: str,
    seconds: float | None = None,
    memory: int | None = None,
) -> Any:
    """``job()`` in a forked child (:func:`~pipeline.sparql.sandbox.run_in_child`); where
    there is no ``fork``, here (its :func:`deny_network` then says there is no sandbox).
    A child that the caps ``seconds`` or ``memory`` (:func:`_cap_child`) stopped is said so."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return job()
    try:
        return run_in_child(job)
    except ChildProcessError as exc:
        died = getattr(exc, "signal", None)
        if seconds is not None and died == signal.SIGALRM:
            raise QueryError(
                f"{origin}: the query ran for more than {seconds:g} s and was stopped — add "
                "LIMIT or more selective patterns, or raise --timeout"
            ) from None
        if memory is not None and died == signal.SIGABRT:
            raise QueryError(_over_memory(origin, memory)) from None
        raise QueryError(f"{origin}: the query failed: {exc}") from None


@dataclass(frozen=True)
class FileRun:
    """What :func:`query_file_without_network` gives back."""

    run: SandboxedRun
    load_seconds: float  # reading the file into the store
    graphs: frozenset[str]  # the IRIs of the file's named graphs
    quads: int | None = None  # the file's quads (:func:`count_quads`), when asked for


def query_file_without_network(
    path: Path,
    text: str,
    *,
    limits: InputLimits = DEFAULT_LIMITS,
    origin: str = "query",
    render: Callable[[QueryResult], Any] | None = None,
    count: bool = False,
    seconds: float | None = None,
    memory: int | None = None,
    **options: Any,
) -> FileRun:
    """Load ``path`` (:func:`open_store`) and run the query over it, in one forked child
    that is cut off from the network once the store is loaded.

    This process never holds the store: the child reads the file into its own memory, so a
    query that reads much of a large store runs as fast as it would in one process. (A
    store loaded here and queried in a forked child made the kernel copy each page the
    engine wrote to: 100,000 page faults, 0.6 → 1.2 s, for one query at a million quads.)
    Input errors and query errors are raised here as they were raised in the child; a
    child that dies without an answer is a :class:`QueryError`. ``count`` also counts the
    file's quads (a pass over the whole store). ``seconds`` and ``memory`` cap the query
    once the graph is loaded (``kg query --timeout`` and ``--max-memory``): past either,
    the child is stopped and the error says which.
    """

    def job() -> FileRun:
        started = time.perf_counter()
        store = open_store(path, limits)
        loaded = time.perf_counter() - started
        graphs = frozenset(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        quads = count_quads(store) if count else None
        _cap_child(seconds, memory)
        try:
            run = _evaluate(store, text, origin, render, options)
        except MemoryError:
            raise QueryError(_over_memory(origin, memory)) from None
        return FileRun(run, loaded, graphs, quads)

    return _in_child(job, origin, seconds, memory)


def _cap_child(seconds: float | None, memory: int | None) -> None:
    """In the query's child, once the graph is loaded: end it (SIGALRM, whose default is to
    terminate) after ``seconds``, and let its data grow by at most ``memory`` bytes (past
    that, Python raises MemoryError and the engine aborts). The engine checks no flag while
    it plans or joins, so only a signal stops it."""
    if seconds is not None:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    if memory is not None:
        cap_memory(max(1, memory // 2**20))


def _over_memory(origin: str, memory: int | None) -> str:
    if not memory:
        cap = "its cap"
    elif memory % 2**30 == 0:
        cap = f"{memory // 2**30} GiB"
    else:
        cap = f"{memory / 2**20:.0f} MiB"
    return (
        f"{origin}: the query needed more memory than --max-memory allows ({cap}) and was "
        "stopped — add LIMIT, select fewer variables or more selective patterns, or raise "
        "--max-memory"
    )


def _collect(answer: object, max_results: int | None, max_bytes: int | None) -> QueryResult:
    size = 0

    def check(n: int, row: Iterable[Term | None]) -> None:
        nonlocal size
        if max_results is not None and n > max_results:
            raise ResultLimitExceeded(
                f"the query gives more than {max_results} results; add LIMIT {max_results} "
                "(or fewer), or raise the cap"
            )
        if max_bytes is not None:
            size += sum(term_size(t) for t in row)
            if size > max_bytes:
                raise ResultTooLarge(max_bytes)

    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        rows: list[Row] = []
        for solution in answer:
            row = tuple(solution[v] for v in variables)
            rows.append(row)
            check(len(rows), row)
        return QueryResult("select", variables, tuple(rows))
    triples: list[ox.Triple] = []
    for triple in answer:  # type: ignore[attr-defined]
        triples.append(triple)
        check(len(triples), (triple.subject, triple.predicate, triple.object))
    return QueryResult("graph", triples=tuple(triples))


# ---------------------------------------------------------------- writers


def to_results_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON (SELECT and ASK)."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
    _require_solutions(result, "json")
    bindings = []
    for row in result.rows:
        bindings.append(
            {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
        )
    doc = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False) + "\n"


def from_results_json(text: str) -> QueryResult:
    """A :class:`QueryResult` from SPARQL 1.1 Query Results JSON (what :func:`to_results_json`
    writes), for code that gets its answers over the protocol.

    >>> r = from_results_json('{"head": {"vars": ["s"]}, "results": {"bindings": '
    ...                       '[{"s": {"type": "literal", "value": "Hà Nội", "xml:lang": "vi"}}]}}')
    >>> r.variables, r.rows[0][0]
    (('s',), <Literal value=Hà Nội language=vi>)
    """
    doc = json.loads(text)
    if "boolean" in doc:
        return QueryResult("ask", boolean=bool(doc["boolean"]))
    names = tuple(doc["head"]["vars"])
    rows = tuple(
        tuple(_term_from_json(b[v]) if v in b else None for v in names)
        for b in doc["results"]["bindings"]
    )
    return QueryResult("select", names, rows)


def _term_from_json(d: Mapping[str, object]) -> Term:
    kind, value = d["type"], d["value"]
    if kind == "uri":
        return ox.NamedNode(str(value))
    if kind == "bnode":
        return ox.BlankNode(str(value))
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in d:
            return ox.Literal(str(value), language=str(d["xml:lang"]))
        if "datatype" in d:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(d["datatype"])))
        return ox.Literal(str(value))
    assert isinstance(value, Mapping)
    return ox.Triple(
        _term_from_json(value["subject"]),  # type: ignore[arg-type]
        _term_from_json(value["predicate"]),  # type: ignore[arg-type]
        _term_from_json(value["object"]),
    )


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def to_results_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format (SELECT and ASK)."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    head += '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
    if result.kind == "ask":
        return (
            head
            + f"<head/>\n<boolean>{'true' if result.boolean else 'false'}</boolean>\n</sparql>\n"
        )
    _require_solutions(result, "xml")
    parts = [head, "<head>\n"]
    parts += [f"<variable name={quoteattr(v)}/>\n" for v in result.variables]
    parts.append("</head>\n<results>\n")
    for row in result.rows:
        parts.append("<result>\n")
        for v, t in zip(result.variables, row, strict=True):
            if t is not None:
                parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>\n")
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts)


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            attr = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != XSD_STRING:
            attr = f" datatype={quoteattr(term.datatype.value)}"
        else:
            attr = ""
        return f"<literal{attr}>{xml_escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def to_results_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV results: plain values, CRLF line ends (an ASK gives ``true``/``false``)."""
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\r\n"
    _require_solutions(result, "csv")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else _csv_value(t) for t in row])
    return buf.getvalue()


def _csv_value(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def to_results_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV results: ``?var`` header, terms in N-Triples syntax."""
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    _require_solutions(result, "tsv")
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


def _require_solutions(result: QueryResult, fmt: str) -> None:
    if result.kind == "graph":
        raise UsageError(
            f"--format {fmt} is for SELECT and ASK results; a CONSTRUCT or DESCRIBE gives "
            "triples: use --format turtle or ntriples"
        )


def to_graph_text(result: QueryResult, fmt: str, prefixes: Mapping[str, str] | None = None) -> str:
    """The triples of a CONSTRUCT/DESCRIBE as sorted N-Triples or as Turtle with prefixes."""
    if result.kind != "graph":
        raise UsageError(
            f"--format {fmt} is for CONSTRUCT and DESCRIBE results; "
            "use table, csv, tsv or json for SELECT and ASK"
        )
    if fmt == "ntriples":
        return "".join(sorted(f"{t} .\n" for t in result.triples))
    from ..export import to_turtle
    from ..readers import to_rdflib

    pfx = dict(Vocabulary().prefixes() if prefixes is None else prefixes)
    quads = [
        (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), None)
        for t in result.triples
    ]
    return to_turtle(quads, pfx)


# ---------------------------------------------------------------- the table


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: wide (CJK) characters 2, combining marks 0.

    >>> display_width("Hà Nội"), display_width("日本"), display_width("e\\u0301")
    (6, 4, 1)
    """
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def truncate_to_width(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` columns, ending with ``…`` when cut.

    >>> truncate_to_width("経済産業省の発表", 9)
    '経済産業…'
    """
    if limit <= 0 or display_width(text) <= limit:
        return text
    out, width = [], 0
    for ch in text:
        w = display_width(ch)
        if width + w > limit - 1:
            break
        out.append(ch)
        width += w
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def compact_iri(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` for an IRI under a known namespace (longest match), else ``<iri>``
    (:func:`pipeline.iri.compact_or_bracket`: the rule every writer uses).

    >>> compact_iri("https://w3id.org/vjkg/resource/meti", Vocabulary().prefixes())
    'res:meti'
    """
    return compact_or_bracket(iri, prefixes)


def to_cell(term: Term | None, prefixes: Mapping[str, str]) -> str:
    """How a term reads in the table: prefixed IRIs, literal text with ``@lang``.

    >>> to_cell(ox.Literal("Bộ Công Thương", language="vi"), {})
    'Bộ Công Thương @vi'
    """
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = compact_iri(term.value, prefixes)
    elif isinstance(term, ox.BlankNode):
        text = "_:" + term.value
    elif isinstance(term, ox.Literal):
        text = term.value
        dt = term.datatype.value
        if term.language:
            text += " @" + term.language
        elif dt != XSD_STRING and not dt.startswith(XSD):
            text = f'"{text}"^^{compact_iri(dt, prefixes)}'
    else:
        text = str(term)
    # control characters as repr writes them (\n, \x1b); bidi and other format characters too
    return escape_control(_CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text))


def to_table(
    result: QueryResult,
    prefixes: Mapping[str, str] | None = None,
    truncate: int = DEFAULT_TRUNCATE,
) -> str:
    """An aligned text table of a SELECT (an ASK prints ``true``/``false``).

    Column widths count terminal columns, so Vietnamese with combining marks and Japanese
    line up; cells wider than ``truncate`` columns end with ``…`` (0: never cut).

    >>> r = QueryResult("select", ("org", "n"), ((ox.Literal("日本"), ox.Literal("2")),))
    >>> print(to_table(r, {}), end="")
    org  | n
    -----+--
    日本 | 2
    (1 row)
    """
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "graph":
        return to_graph_text(result, "turtle", prefixes)
    pfx = dict(Vocabulary().prefixes() if prefixes is None else prefixes)
    header = list(result.variables)
    cells = [[truncate_to_width(to_cell(t, pfx), truncate) for t in row] for row in result.rows]
    widths = [display_width(h) for h in header]
    for row_cells in cells:
        for i, c in enumerate(row_cells):
            widths[i] = max(widths[i], display_width(c))
    lines = [" | ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    for row_cells in cells:
        lines.append(
            " | ".join(_pad(c, w) for c, w in zip(row_cells, widths, strict=True)).rstrip()
        )
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(lines) + "\n"


RESULT_WRITERS = {
    "json": to_results_json,
    "xml": to_results_xml,
    "csv": to_results_csv,
    "tsv": to_results_tsv,
}
FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples")


def to_output(
    result: QueryResult,
    fmt: str,
    prefixes: Mapping[str, str] | None = None,
    truncate: int = DEFAULT_TRUNCATE,
) -> str:
    """Render ``result`` in one of :data:`FORMATS`."""
    if fmt == "table":
        return to_table(result, prefixes, truncate)
    if fmt in ("turtle", "ntriples"):
        return to_graph_text(result, fmt, prefixes)
    return RESULT_WRITERS[fmt](result)


def to_saved_query_list(queries: Iterable[SavedQuery]) -> str:
    """``NAME  description`` lines, aligned, for ``kg query --list``."""
    items = list(queries)
    if not items:
        return ""
    width = max(display_width(q.name) for q in items)
    lines = []
    for q in items:
        takes = "".join(f" (--param {p.name}=…: {p.description})" for p in q.parameters)
        lines.append(f"{_pad(q.name, width)}  {q.description}{takes}".rstrip() + "\n")
    return "".join(lines)


# ---------------------------------------------------------------- more graph writers


class UnwritableResult(QueryError):
    """A result that the asked-for format cannot express (e.g. RDF/XML and some predicates)."""


RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# The longest tail of an IRI that can be an XML local name (an NCName: no colon, not
# starting with a digit, '-' or '.').
_NCNAME_TAIL = re.compile(r"[^\W\d][\w.-]*$")
# Characters XML 1.0 cannot carry at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def split_for_xml(iri: str) -> tuple[str, str] | None:
    """``(namespace, local name)`` for an RDF/XML property element, or None if impossible.

    >>> split_for_xml("http://www.w3.org/2000/01/rdf-schema#label")
    ('http://www.w3.org/2000/01/rdf-schema#', 'label')
    >>> split_for_xml("https://w3id.org/vjkg/graph/doc-000")
    ('https://w3id.org/vjkg/graph/', 'doc-000')
    >>> split_for_xml("http://example.org/p/") is None, split_for_xml("urn:x:1") is None
    (True, True)
    """
    for start in range(len(iri)):
        if _NCNAME_TAIL.fullmatch(iri, start):
            if start == 0:
                return None  # no namespace left
            return iri[:start], iri[start:]
    return None


def to_graph_rdfxml(result: QueryResult, prefixes: Mapping[str, str] | None = None) -> str:
    """The triples of a CONSTRUCT/DESCRIBE as RDF/XML, one ``rdf:Description`` per subject.

    Sorted, so the same triples give the same bytes. Raises :class:`UnwritableResult` for
    what RDF/XML cannot express: a predicate with no XML local name (``<http://e/p/>``), a
    quoted triple, or a character XML 1.0 forbids.

    >>> s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    >>> r = QueryResult("graph", triples=(ox.Triple(s, p, ox.Literal("Hà Nội", language="vi")),))
    >>> print(to_graph_rdfxml(r, {"e": "http://e/"}), end="")
    <?xml version="1.0" encoding="UTF-8"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">
      <rdf:Description rdf:about="http://e/s">
        <e:p xml:lang="vi">Hà Nội</e:p>
      </rdf:Description>
    </rdf:RDF>
    """
    if result.kind != "graph":
        raise UsageError("RDF/XML is for CONSTRUCT and DESCRIBE results")
    pfx = dict(Vocabulary().prefixes() if prefixes is None else prefixes)
    by_namespace = {ns: name for name, ns in sorted(pfx.items()) if name and name != "rdf"}
    names: dict[str, str] = {RDF_NS: "rdf"}

    def text(value: str) -> str:
        bad = _NOT_XML.search(value)
        if bad:
            raise UnwritableResult(
                f"RDF/XML cannot carry the character U+{ord(bad[0]):04X} in {value[:40]!r}; "
                "ask for Turtle, N-Triples or JSON-LD instead"
            )
        return value

    def qname(iri: str) -> str:
        parts = split_for_xml(iri)
        if parts is None:
            raise UnwritableResult(
                f"RDF/XML cannot write the predicate <{iri}> (it has no XML local name); "
                "ask for Turtle, N-Triples or JSON-LD instead"
            )
        ns, local = parts
        if ns not in names:
            taken = set(names.values())
            name = by_namespace.get(ns, "")
            if not name or name in taken or not _NCNAME_TAIL.fullmatch(name):
                name = next(f"ns{i}" for i in range(len(names) + 1) if f"ns{i}" not in taken)
            names[ns] = name
        return f"{names[ns]}:{local}"

    def node_attr(term: object, about: str) -> str:
        if isinstance(term, ox.NamedNode):
            return f"rdf:{about}={quoteattr(text(term.value))}"
        if isinstance(term, ox.BlankNode):
            return f"rdf:nodeID={quoteattr('b' + term.value)}"
        raise UnwritableResult(
            "RDF/XML cannot write a quoted triple (RDF-star); ask for Turtle or N-Triples"
        )

    by_subject: dict[str, list[str]] = {}
    subject_attr: dict[str, str] = {}
    for t in sorted(
        result.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))
    ):
        key = str(t.subject)
        if key not in subject_attr:
            subject_attr[key] = node_attr(t.subject, "about")
            by_subject[key] = []
        tag = qname(t.predicate.value)
        o = t.object
        if isinstance(o, ox.Literal):
            if o.language:
                attr = f" xml:lang={quoteattr(o.language)}"
            elif o.datatype.value != XSD_STRING:
                attr = f" rdf:datatype={quoteattr(o.datatype.value)}"
            else:
                attr = ""
            by_subject[key].append(f"    <{tag}{attr}>{xml_escape(text(o.value))}</{tag}>\n")
        else:
            by_subject[key].append(f"    <{tag} {node_attr(o, 'resource')}/>\n")
    xmlns = " ".join(f"xmlns:{name}={quoteattr(ns)}" for ns, name in names.items())
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f"<rdf:RDF {xmlns}>\n"]
    for key, lines in by_subject.items():
        parts.append(f"  <rdf:Description {subject_attr[key]}>\n")
        parts += lines
        parts.append("  </rdf:Description>\n")
    parts.append("</rdf:RDF>\n")
    return "".join(parts)


def to_graph_jsonld(result: QueryResult, prefixes: Mapping[str, str] | None = None) -> str:
    """The triples of a CONSTRUCT/DESCRIBE as JSON-LD (the export writer: prefixes as context).

    >>> s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    >>> r = QueryResult("graph", triples=(ox.Triple(s, p, ox.Literal("x")),))
    >>> print(to_graph_jsonld(r, {"e": "http://e/"}), end="")
    {"@context": {"e": "http://e/"},
     "@graph": [
     {"@id": "e:s", "e:p": [{"@value": "x"}]}
    ]}
    """
    if result.kind != "graph":
        raise UsageError("JSON-LD is for CONSTRUCT and DESCRIBE results")
    from ..export import to_jsonld
    from ..readers import to_rdflib

    pfx = dict(Vocabulary().prefixes() if prefixes is None else prefixes)
    for t in result.triples:
        if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
            raise UnwritableResult(
                "JSON-LD cannot write a quoted triple (RDF-star); ask for Turtle or N-Triples"
            )
    quads = [
        (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object), None)
        for t in result.triples
    ]
    return to_jsonld(quads, pfx)
