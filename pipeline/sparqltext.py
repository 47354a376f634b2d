"""The text of a SPARQL query read without running it: its tokens, as the SPARQL 1.1
grammar defines them, and its shape (form, variables, dataset clause, ``SERVICE`` in any
spelling, update keywords), with caps on its length and nesting.

Every place that takes a query from a user or a file reads it here first: ``kg query`` and
``kg serve`` (:mod:`pipeline.sparql.query`) and the ``sh:select`` queries of a shapes file
(:mod:`pipeline.validation.wellformed`), so that no query text ever makes ``kg`` call
another endpoint.

>>> shape = scan_query('PREFIX ex: <http://e/> SELECT ?s WHERE { ?s ex:p "x" }')
>>> shape.form, sorted(shape.variables), shape.has_dataset_clause
('SELECT', ['s'], False)
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin

from .errors import QueryError

MAX_QUERY_TOKENS = 100_000  # kg query / kg serve --max-query-tokens (see scan_query)
# kg query / kg serve --max-query-depth: Oxigraph's parser recurses per level of nesting and
# overflows its stack (SIGSEGV) at about 3,000 braces, 5,000 parentheses or 10,000 "!".
MAX_QUERY_DEPTH = 256
# kg query --timeout and --max-memory: a query stops after this long once the graph is
# loaded, or once its own memory passes this (a two-pattern cross product took 4 GB).
QUERY_SECONDS = 600.0
QUERY_MEMORY = 4 * 2**30
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

# The terminals of the SPARQL 1.1 grammar (section 19.8) that can hold text the engine
# does not read as keywords: IRIs, strings, comments, variables, blank node labels,
# language tags, numbers and prefixed names. They are written out from the grammar, with
# Oxigraph's behaviour checked where the grammar leaves room (tests/test_security.py
# compares this reading with the engine's on generated queries): comments end at CR or
# LF, ``\u`` escapes are decoded inside IRIs and strings only, and a keyword needs no
# word boundary after it (``SERVICEx:y`` is ``SERVICE`` followed by ``x:y``).
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_VARNAME_CHARS = _PN_CHARS_U + "0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL_RE = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_EXP = r"[eE][+-]?[0-9]+"
_STRING = (
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
)


@functools.cache
def _token_pattern() -> re.Pattern[str]:
    """The tokenizer, compiled on first use (50 ms: importing this module stays cheap)."""
    return re.compile(
        "|".join(
            [
                r"(?P<ws>[ \t\r\n]+)",
                r"(?P<comment>#[^\r\n]*)",
                f'(?P<iri><(?:[^<>"{{}}|^`\\\\\\x00-\\x20]|{_UCHAR})*>)',
                f"(?P<string>{_STRING})",
                f"(?P<var>[?$][{_VARNAME_CHARS}]+)",
                f"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
                r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
                f"(?P<number>[0-9]+\\.[0-9]*{_EXP}|\\.[0-9]+{_EXP}|[0-9]+{_EXP}|[0-9]*\\.[0-9]+|[0-9]+)",
                # a bare word takes the whole run a prefix would, so that a failed prefixed name
                # is never scanned again from inside (linear time on any text)
                f"(?P<word>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL_RE})?|[{_PN_CHARS_U}][{_PN_CHARS}.]*)",
                r"(?P<punct>.)",
            ]
        ),
        re.DOTALL,
    )


# Where the engine may read the SERVICE keyword: any "service" outside the terminals that
# hold data (matched as Python's case-insensitive regex does, a superset of the engine's
# ASCII case folding).
_SERVICE_WORD = re.compile("service", re.IGNORECASE)
_OPAQUE_KINDS = frozenset({"comment", "iri", "string", "var"})


class Token(NamedTuple):
    """One lexical token of a SPARQL text: its kind, text and offset."""

    kind: str
    text: str
    start: int


def tokenize(text: str) -> list[Token]:
    """The tokens of a SPARQL text, without whitespace and comments.

    Strings and IRIs are single tokens, so a keyword inside them is never mistaken for one.

    >>> [t.text for t in tokenize('SELECT ?x { ?x <urn:a> "DROP" } # LOAD')]
    ['SELECT', '?x', '{', '?x', '<urn:a>', '"DROP"', '}']
    """
    return [t for t in _all_tokens(text) if t.kind not in ("ws", "comment")]


class QueryTooLong(QueryError):
    """A query of more lexical tokens than the cap (``--max-query-tokens``)."""

    def __init__(self, max_tokens: int, origin: str = ""):
        super().__init__(
            (f"{origin}: " if origin else "")
            + f"the query has more than {max_tokens:,} tokens (terms, words, punctuation and "
            "the spaces between them), which is refused unread; raise --max-query-tokens if "
            "a query this long is meant"
        )
        self.max_tokens = max_tokens


class QueryTooDeep(QueryError):
    """A query nested deeper than the cap (``--max-query-depth``)."""

    def __init__(
        self, max_depth: int, line: int, origin: str = "", chain: bool = False, lists: bool = False
    ):
        if lists:
            what = (
                f"lists more than {LIST_FACTOR * max_depth} items in one group (triple "
                "patterns joined by '.', objects by ',', predicates by ';', expressions "
                "AS ?v, or terms after DESCRIBE: "
                f"{LIST_FACTOR} × --max-query-depth {max_depth})"
            )
        elif chain:
            what = (
                "chains operators, path steps or patterns (+ && / | UNION OPTIONAL FILTER "
                f"BIND …) more than {max_depth} deep"
            )
        else:
            what = (
                "nests brackets, braces, parentheses and prefix operators (! - + ^) more "
                f"than {max_depth} deep"
            )
        super().__init__(
            (f"{origin}:{line}: " if origin else f"line {line}: ")
            + f"the query {what}, which is refused (the engine would run out of stack); split "
            "it, use VALUES or IN (…) for long lists, or raise --max-query-depth if a query "
            "this deep is meant"
        )
        self.max_depth, self.line, self.chain, self.lists = max_depth, line, chain, lists


_OPENS = {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}
_PREFIX_OPERATORS = frozenset("!-+^")


# A chain the engine builds as a left-deep tree, one level per link: binary operators,
# path steps, and the group patterns that join what comes before them. 10,000 "1+" or
# "UNION {}", or 5,000 "BIND", overflowed the engine's stack (SIGSEGV) as nesting does.
_CHAIN_PUNCT = frozenset("+-*/|^&=<>")
_CHAIN_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND"})
# Lists the engine also parses one level per item, in a group ({ } or [ ]): triple patterns
# after ".", objects after ",", predicates after ";"; and expressions "AS ?v" and the terms
# of DESCRIBE anywhere. About 2,600 of any of them overflowed the engine's stack (SIGSEGV);
# they are refused past LIST_FACTOR × --max-query-depth (1,024 by default). The lists of
# VALUES and of function arguments, IN (…) included, are not parsed so: 12,000 are fine.
LIST_FACTOR = 4
_GROUP_LISTS = frozenset(".,;")
_DESCRIBED = frozenset({"iri", "var", "word"})


def _check_depth(text: str, tokens: Sequence[Token], max_depth: int) -> None:
    """Raise :class:`QueryTooDeep` where ``tokens`` (whitespace and comments left out) nest
    deeper than ``max_depth``: open brackets, plus the run of prefix operators before a term,
    plus the links of the chain of operators and patterns at the innermost open bracket."""
    depth = run = 0
    chains = [0]  # links so far at each open bracket
    opened = [""]  # the open brackets
    lists = [0]  # items of the lists the engine parses per item, at each open bracket
    named = 0  # "AS ?v" and DESCRIBE terms, in the whole query
    describing = False
    max_items = LIST_FACTOR * max_depth
    for tok in tokens:
        if tok.kind == "punct":
            step = _OPENS.get(tok.text, 0)
            if step > 0:
                chains.append(0)
                opened.append(tok.text)
                lists.append(0)
                describing = False
            elif step < 0 and len(chains) > 1:
                chains.pop()
                opened.pop()
                lists.pop()
            depth = max(0, depth + step)
            run = run + 1 if tok.text in _PREFIX_OPERATORS else 0
            if tok.text in _CHAIN_PUNCT:
                chains[-1] += 1
            elif tok.text in _GROUP_LISTS and opened[-1] in "{[":
                lists[-1] += 1
        else:
            run = 0
            word = tok.text.upper() if tok.kind == "word" else ""
            if word in _CHAIN_WORDS:
                chains[-1] += 1
            elif word in ("DESCRIBE", "AS"):
                describing = word == "DESCRIBE"
                named += word == "AS"
            elif word in ("WHERE", "FROM"):
                describing = False
            elif describing and tok.kind in _DESCRIBED:
                named += 1
        if depth + run + chains[-1] > max_depth or max(lists[-1], named) > max_items:
            line = text.count("\n", 0, tok.start) + 1
            deep = depth + run + chains[-1] > max_depth
            raise QueryTooDeep(max_depth, line, chain=chains[-1] > run, lists=not deep)


def _all_tokens(text: str, max_tokens: int | None = None) -> list[Token]:
    """Every token of ``text``, whitespace and comments included; raises
    :class:`QueryTooLong` past ``max_tokens`` (before making the tokens after it)."""
    matches: Iterable[re.Match[str]] = _token_pattern().finditer(text)
    if max_tokens is not None:
        matches = itertools.islice(matches, max_tokens + 1)
    tokens = [Token(m.lastgroup or "punct", m.group(0), m.start()) for m in matches]
    if max_tokens is not None and len(tokens) > max_tokens:
        raise QueryTooLong(max_tokens)
    return tokens


def find_hidden_services(text: str, tokens: list[Token] | None = None) -> tuple[str, ...]:
    """Tokens where the engine may read ``SERVICE``, other than the plain keyword (up to 5).

    A ``service`` inside an IRI, a string, a comment, a variable or the local part of a
    prefixed name is data; anywhere else the engine may take it as the keyword, since a
    keyword needs no boundary after it: ``SERVICEx:y`` is ``SERVICE x:y``, ``SERVICE:y``
    is ``SERVICE :y``. The plain keyword (a token ``SERVICE`` alone) is not listed here:
    :func:`scan_query` reports it with its target. ``tokens`` are the text's tokens from
    :func:`_all_tokens`, whitespace and comments included, when already at hand.

    >>> find_hidden_services("SELECT * { SERVICEx:y {} ?service <urn:service> ex:service }")
    ('SERVICEx:y',)
    """
    tokens = _all_tokens(text) if tokens is None else tokens
    starts = [t.start for t in tokens]
    hidden: dict[int, str] = {}
    for m in _SERVICE_WORD.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1
        tok = tokens[i]
        inside = m.end() <= tok.start + len(tok.text)
        if i in hidden or (inside and tok.kind in _OPAQUE_KINDS):
            continue
        if inside and tok.kind == "word":
            if tok.text.upper() == "SERVICE":
                continue
            colon = tok.text.find(":")
            if 0 <= colon < m.start() - tok.start:
                continue  # the local part of a prefixed name
        hidden[i] = tok.text if len(tok.text) <= 60 else tok.text[:59] + "…"
        if len(hidden) == 5:
            break
    return tuple(hidden.values())


@dataclass(frozen=True)
class QueryShape:
    """What a query asks for, read from its tokens without running it."""

    form: str  # SELECT, CONSTRUCT, DESCRIBE, ASK, or "" when none was found
    variables: frozenset[str]
    update_keywords: tuple[str, ...]
    services: tuple[str, ...]
    from_graphs: tuple[str, ...]
    from_named_graphs: tuple[str, ...]
    undeclared_prefixes: tuple[str, ...]
    where_brace: int | None  # offset of the "{" that opens the WHERE group
    where_problem: str = ""  # why there is no WHERE group to bind parameters in
    hidden_services: tuple[str, ...] = ()  # tokens the engine may read as SERVICE
    # The variables a VALUES block at the start of the WHERE group binds: those outside
    # subqueries, and those a subquery projects (a subquery hides the others).
    where_variables: frozenset[str] = frozenset()
    # Variables the WHERE group assigns itself, outside subqueries (``BIND(… AS ?v)``).
    assigned: frozenset[str] = frozenset()

    @property
    def has_dataset_clause(self) -> bool:
        """Whether the query names its own dataset with ``FROM`` / ``FROM NAMED``."""
        return bool(self.from_graphs or self.from_named_graphs)

    @property
    def asks_for_network(self) -> bool:
        """Whether the engine would call another endpoint (``SERVICE`` in any spelling)."""
        return bool(self.services or self.hidden_services)

    @property
    def is_update(self) -> bool:
        """Whether the text is (or contains) a SPARQL Update operation."""
        return bool(self.update_keywords) and self.form == ""


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _unescape(m: re.Match[str]) -> str:
    code = int(m[1] or m[2], 16)
    return chr(code) if code <= 0x10FFFF else m[0]  # the engine refuses it; keep the text


def _resolve_iri(token: Token, prefixes: Mapping[str, str], base: str) -> str | None:
    """The IRI a token denotes, as the engine reads it (escapes decoded, base applied)."""
    if token.kind == "iri":
        iri = _ESCAPE.sub(_unescape, token.text[1:-1])
        try:
            return urljoin(base, iri) if base else iri
        except ValueError:  # a base the engine will refuse (``http://[x/``): keep the text
            return iri
    if token.kind == "word" and ":" in token.text:
        prefix, local = token.text.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
    return None


def scan_query(
    text: str,
    known_prefixes: Mapping[str, str] | None = None,
    max_tokens: int | None = MAX_QUERY_TOKENS,
    max_depth: int | None = MAX_QUERY_DEPTH,
) -> QueryShape:
    """Read the shape of a SPARQL query or update from its tokens.

    ``known_prefixes`` are the prefixes the engine declares for the query (they count as
    declared). A malformed text gives a partial shape and the engine reports the syntax
    error with its line and column. Two errors are raised, because a request is text a
    stranger wrote: :class:`QueryTooLong` past ``max_tokens`` tokens (reading one costs
    about 3 µs and 120 bytes: 1 MB of ``{`` was 2 s and 120 MB), and :class:`QueryTooDeep`
    past ``max_depth`` levels of nesting (the engine would crash). ``None``: no cap.

    >>> s = scan_query("SELECT * FROM <http://x.org/g> WHERE { SERVICE <http://y/> {} }")
    >>> s.from_graphs, s.services
    (('http://x.org/g',), ('http://y/',))
    >>> scan_query("LOAD <http://x.org/data.ttl>").is_update
    True
    """
    every_token = _all_tokens(text, max_tokens)
    tokens = [t for t in every_token if t.kind not in ("ws", "comment")]
    if max_depth is not None:
        _check_depth(text, tokens, max_depth)
    prefixes: dict[str, str] = dict(known_prefixes or {})
    declared = set(prefixes)
    base = ""
    form = ""
    variables: set[str] = set()
    updates: list[str] = []
    services: list[str] = []
    from_graphs: list[str] = []
    from_named: list[str] = []
    used_prefixes: list[str] = []
    braces = parens = 0
    where_brace: int | None = None
    where_problem = ""
    expect_where_group = False
    template_done = False
    scopes = _Scopes()
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        upper = tok.text.upper() if tok.kind == "word" else ""
        if tok.kind == "var":
            variables.add(tok.text[1:])
            if where_brace is not None and braces > 0:
                scopes.variable(tok.text[1:], tokens[i - 1].text.upper(), parens)
        elif upper == "SELECT" and where_brace is not None and braces > 0:
            scopes.enter(braces, parens)
        elif upper == "WHERE" or (tok.kind == "punct" and tok.text == "{"):
            scopes.body()
        elif tok.kind == "punct" and tok.text == "*":
            scopes.star()
        elif tok.kind == "word" and ":" in tok.text and not tok.text.startswith("_:"):
            prefix = tok.text.split(":", 1)[0]
            prev = tokens[i - 1].text.upper() if i else ""
            if prev != "PREFIX" and prefix not in declared and not tok.text[0].isdigit():
                used_prefixes.append(prefix)
        if upper == "PREFIX" and nxt is not None and i + 2 < len(tokens):
            name = nxt.text[:-1] if nxt.text.endswith(":") else nxt.text
            iri = _resolve_iri(tokens[i + 2], prefixes, base)
            if iri is not None:
                prefixes[name] = iri
                declared.add(name)
        elif upper == "BASE" and nxt is not None and nxt.kind == "iri":
            base = nxt.text[1:-1]
        elif upper in UPDATE_KEYWORDS and braces == 0:
            updates.append(upper)
        elif upper in QUERY_FORMS and braces == 0 and parens == 0 and not form:
            form = upper
            expect_where_group = form != "CONSTRUCT"
            if form == "CONSTRUCT" and nxt is not None and nxt.text.upper() == "WHERE":
                where_problem = (
                    "CONSTRUCT WHERE { … } has no separate WHERE group; "
                    "write CONSTRUCT { … } WHERE { … } to use --param"
                )
                expect_where_group = False
                template_done = True
        elif upper == "SERVICE" and nxt is not None:
            target = nxt
            if nxt.text.upper() == "SILENT" and i + 2 < len(tokens):
                target = tokens[i + 2]
            iri = _resolve_iri(target, prefixes, base)
            services.append(iri if iri is not None else target.text)
        elif upper == "FROM" and nxt is not None and braces == 0:
            named = nxt.text.upper() == "NAMED"
            target = tokens[i + 2] if named and i + 2 < len(tokens) else nxt
            iri = _resolve_iri(target, prefixes, base)
            (from_named if named else from_graphs).append(iri if iri is not None else target.text)
        elif upper == "WHERE" and braces == 0 and form and not where_problem:
            expect_where_group = True
        if tok.kind == "punct":
            if tok.text == "(":
                parens += 1
            elif tok.text == ")":
                parens = max(0, parens - 1)
            elif tok.text == "{":
                if braces == 0 and parens == 0 and form and where_brace is None:
                    if expect_where_group:
                        where_brace = tok.start
                    elif form == "CONSTRUCT" and not template_done:
                        template_done = True
                        expect_where_group = True
                braces += 1
            elif tok.text == "}":
                braces = max(0, braces - 1)
                scopes.leave(braces)
    if form == "DESCRIBE" and where_brace is None and not where_problem:
        where_problem = "this DESCRIBE has no WHERE group; add WHERE { … } to use --param"
    undeclared = tuple(dict.fromkeys(p for p in used_prefixes if p not in declared))
    return QueryShape(
        form=form,
        variables=frozenset(variables),
        update_keywords=tuple(dict.fromkeys(updates)),
        services=tuple(services),
        from_graphs=tuple(from_graphs),
        from_named_graphs=tuple(from_named),
        undeclared_prefixes=undeclared,
        where_brace=where_brace,
        where_problem=where_problem,
        hidden_services=find_hidden_services(text, every_token),
        where_variables=frozenset(scopes.outer),
        assigned=frozenset(scopes.assigned),
    )


@dataclass
class _Subquery:
    """One open ``SELECT`` inside the WHERE group, while its tokens are read."""

    depth: int  # braces open at its SELECT: it ends when fewer are open
    parens: int  # parentheses open at its SELECT: a plain variable there is projected
    in_projection: bool = True  # until its WHERE or its first brace
    star: bool = False  # SELECT *
    projected: set[str] = field(default_factory=set)
    every: set[str] = field(default_factory=set)

    def shown(self) -> set[str]:
        """What the subquery shows the group around it."""
        return self.every if self.star else self.projected


class _Scopes:
    """Which variables of a WHERE group are in its own scope, read token by token: a
    subquery (``{ SELECT ?x WHERE { … } }``) shows only what it projects (every variable for
    ``SELECT *``, or ``AS ?v`` and the plain variables of its projection)."""

    def __init__(self) -> None:
        self.outer: set[str] = set()
        self.assigned: set[str] = set()
        self.stack: list[_Subquery] = []

    def enter(self, braces: int, parens: int) -> None:
        self.stack.append(_Subquery(braces, parens))

    def body(self) -> None:
        if self.stack:
            self.stack[-1].in_projection = False

    def variable(self, name: str, before: str, parens: int) -> None:
        if not self.stack:
            self.outer.add(name)
            if before == "AS":
                self.assigned.add(name)
            return
        top = self.stack[-1]
        top.every.add(name)
        if top.in_projection and (before == "AS" or parens == top.parens):
            top.projected.add(name)

    def star(self) -> None:
        if self.stack and self.stack[-1].in_projection:
            self.stack[-1].star = True

    def leave(self, braces: int) -> None:
        """After a ``}`` (``braces`` now open): close the subqueries it ended."""
        while self.stack and braces < self.stack[-1].depth:
            shown = self.stack.pop().shown()
            if not self.stack:
                self.outer.update(shown)
                continue
            self.stack[-1].every.update(shown)
            if self.stack[-1].in_projection:
                self.stack[-1].projected.update(shown)


def describe_service_refusal(
    shape: QueryShape, rule: str = "kg query and kg serve never call other endpoints"
) -> str:
    """Why a query that asks for another endpoint is refused ("" when it asks for none).

    >>> describe_service_refusal(scan_query("SELECT * { SERVICE <http://x/> {} }"))[:50]
    'SERVICE <http://x/> is refused: kg query and kg se'
    """
    if shape.services:
        target = shape.services[0]
        shown = target if target.startswith(("?", "$")) else f"<{target}>"
        return (
            f"SERVICE {shown} is refused: {rule}. "
            "Run the federated part against that endpoint yourself."
        )
    if shape.hidden_services:
        return (
            f"`{shape.hidden_services[0]}` is refused: SPARQL reads the SERVICE keyword in it "
            f"(a keyword needs no space after it), and {rule}. "
            "If it is a name, give the prefix another name or put a space after the keyword."
        )
    return ""
