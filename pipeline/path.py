"""Path stage: how two entities are connected, hop by hop, each hop with its quoted evidence.

Entities are named by id, label or alias in any language, without caring about
diacritics or case ("bo khoa hoc va cong nghe", "METI", "fpt japan"). Paths run over
facts that at least one quote supports, in either direction; each hop shows the
relation with its direction and every quote behind it.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

import networkx as nx

from .errors import UsageError
from .network import Evidence, label_of, to_simple_graph
from .text import name_key
from .vocab import top_class

MAX_ENUMERATED = 10_000  # shortest paths looked at before sorting; more are only counted as "≥"


@dataclass(frozen=True)
class Step:
    """One fact on a hop: ``forward`` when the fact's subject is the hop's start."""

    relation: str
    forward: bool
    evidence: tuple[Evidence, ...]
    date: str | None = None
    amount_text: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Hop:
    """Two neighbouring entities on a path and every evidence-backed fact between them."""

    start: str
    end: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class PathResult:
    """The answer to "how is A connected to B": the shortest paths (possibly none)."""

    source: str
    target: str
    paths: tuple[tuple[Hop, ...], ...]
    total: int  # number of shortest paths (at least this many when ``capped``)
    capped: bool = False


def _names(g: nx.MultiDiGraph, n: str) -> set[str]:
    d = g.nodes[n]
    return {name_key(x) for x in [d["id"], *d.get("labels", {}).values(), *d.get("aliases", [])]}


def find_entities(g: nx.MultiDiGraph, name: str) -> list[str]:
    """The nodes ``name`` may mean: an exact id or IRI, else exact labels or aliases
    (diacritics- and case-insensitive), else labels or aliases containing it as whole words.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("r/most", id="most", labels={"vi": "Bộ Khoa học và Công nghệ"},
    ...            aliases=["Bộ KH&CN", "MOST"])
    >>> g.add_node("r/fpt-japan", id="fpt-japan", labels={"en": "FPT Japan"}, aliases=[])
    >>> g.add_node("r/japan", id="japan", labels={"vi": "Nhật Bản"}, aliases=[])
    >>> find_entities(g, "bo khoa hoc va cong nghe"), find_entities(g, "bộ kh&cn")
    (['r/most'], ['r/most'])
    >>> find_entities(g, "FPT"), find_entities(g, "Japan"), find_entities(g, "nhật")
    (['r/fpt-japan'], ['r/japan'], ['r/japan'])
    >>> find_entities(g, "nha"), find_entities(g, "")
    ([], [])
    """
    wanted = name.strip()
    for n, ident in sorted(g.nodes(data="id")):
        if wanted in (ident, n):
            return [n]
    key = name_key(wanted)
    if not key:
        return []
    names = {n: _names(g, n) for n in sorted(g)}
    exact = [n for n, ns in names.items() if key in ns]
    if exact:
        return exact
    words = re.compile(r"(?<!\w)" + re.escape(key) + r"(?!\w)")
    return [n for n, ns in names.items() if any(words.search(x) for x in ns)]


def _describe(g: nx.MultiDiGraph, n: str, lang: str = "en") -> str:
    return f"{label_of(g, n, lang)} ({g.nodes[n]['id']})"


def resolve_entity(g: nx.MultiDiGraph, name: str) -> str:
    """The one node ``name`` means; a :class:`UsageError` listing candidates otherwise."""
    found = find_entities(g, name)
    if len(found) == 1:
        return found[0]
    if not found:
        every = {x: n for n in sorted(g) for x in sorted(_names(g, n))}
        close = difflib.get_close_matches(name_key(name), list(every), n=5, cutoff=0.6)
        hint = list(dict.fromkeys(g.nodes[every[c]]["id"] for c in close))  # closest first
        raise UsageError(
            f"no entity matches {name!r}"
            + (f"; did you mean {', '.join(hint)}?" if hint else "")
            + " — give an entity's id, label or alias (any language, diacritics optional)"
        )
    shown = found[:20]
    lines = [f"  {g.nodes[n]['id']:<36} {label_of(g, n)} [{g.nodes[n]['cls']}]" for n in shown]
    if len(found) > len(shown):
        lines.append(f"  … and {len(found) - len(shown)} more")
    raise UsageError(
        f"{name!r} is ambiguous: {len(found)} entities match — rerun with one of these ids:\n"
        + "\n".join(lines)
    )


def _steps(g: nx.MultiDiGraph, a: str, b: str) -> tuple[Step, ...]:
    steps = []
    for u, v, forward in ((a, b, True), (b, a, False)):
        for _, d in sorted(g.get_edge_data(u, v, default={}).items()):
            if not d.get("evidence"):
                continue
            role = d.get("role") or {}
            steps.append(
                Step(
                    relation=d["relation"],
                    forward=forward,
                    evidence=tuple(d["evidence"]),
                    date=d.get("date"),
                    amount_text=d.get("amount_text"),
                    role=role.get("en") or role.get("vi"),
                )
            )
    return tuple(steps)


def find_paths(
    g: nx.MultiDiGraph, source: str, target: str, max_paths: int = 5, skip_places: bool = False
) -> PathResult:
    """The shortest evidence-backed paths from ``source`` to ``target`` (node keys).

    Facts are followed in either direction; at most ``max_paths`` paths are returned,
    sorted by the ids along them. With ``skip_places`` no path passes *through* a place
    (country, city, region): "X is located in Japan" links actors with nothing else in
    common.

    >>> from pipeline.network import Evidence
    >>> g = nx.MultiDiGraph()
    >>> for n in "abcd":
    ...     g.add_node(n, id=n, cls="Company", labels={"vi": n.upper()})
    >>> ev = [Evidence("A hợp tác với B", "src/1", "Tin 1")]
    >>> _ = g.add_edge("a", "b", key="f1", relation="partnerOf", evidence=ev)
    >>> _ = g.add_edge("c", "b", key="f2", relation="funds", evidence=ev)
    >>> r = find_paths(g, "a", "c")
    >>> [(h.start, h.end, h.steps[0].relation, h.steps[0].forward) for h in r.paths[0]]
    [('a', 'b', 'partnerOf', True), ('b', 'c', 'funds', False)]
    >>> find_paths(g, "a", "d").paths
    ()
    """
    if source == target:
        raise ValueError(f"{source} is both ends of the path: give two different entities")
    u = to_simple_graph(g)
    if skip_places:
        u.remove_nodes_from([n for n in list(u) if n not in (source, target) and _is_place(u, n)])
    try:
        found = list(itertools.islice(nx.all_shortest_paths(u, source, target), MAX_ENUMERATED))
    except nx.NetworkXNoPath:
        return PathResult(source, target, (), 0)
    capped = len(found) == MAX_ENUMERATED
    found.sort(key=lambda p: [u.nodes[n]["id"] for n in p])
    paths = tuple(
        tuple(Hop(a, b, _steps(g, a, b)) for a, b in itertools.pairwise(p))
        for p in found[:max_paths]
    )
    return PathResult(source, target, paths, len(found), capped)


def _is_place(g: nx.Graph, n: str) -> bool:
    return top_class(g.nodes[n].get("cls", "Organization")) == "Place"


def to_path_text(
    g: nx.MultiDiGraph, result: PathResult, lang: str = "en", skip_places: bool = False
) -> str:
    """The paths as text for the terminal: one line per hop, its quotes and sources below."""
    a, b = _describe(g, result.source, lang), _describe(g, result.target, lang)
    scope = "evidence-backed facts, not through places" if skip_places else "evidence-backed facts"
    if not result.paths:
        reason = (
            " without passing through a place. Without --no-places, paths may pass through "
            "countries and cities."
            if skip_places
            else "; they are in different connected components."
        )
        return (
            f"No path between {a} and {b}: no chain of evidence-backed facts connects them"
            f"{reason}\n"
        )
    hops = len(result.paths[0])
    total = f"at least {result.total}" if result.capped else str(result.total)
    plural = "s" if result.total != 1 else ""
    out = [
        f"{a} → {b}: {total} shortest path{plural} of {hops} hop{'s' if hops != 1 else ''} "
        f"({scope}); showing {len(result.paths)}.",
    ]
    for i, path in enumerate(result.paths, 1):
        ids = " → ".join([g.nodes[path[0].start]["id"], *(g.nodes[h.end]["id"] for h in path)])
        out += ["", f"Path {i}: {ids}"]
        for j, hop in enumerate(path, 1):
            for k, step in enumerate(hop.steps):
                arrow = f"—{step.relation}→" if step.forward else f"←{step.relation}—"
                start = f"{j}." if k == 0 else "  "
                qualifiers = [x for x in (step.role, step.amount_text, step.date) if x]
                extra = f" ({'; '.join(qualifiers)})" if qualifiers else ""
                out.append(
                    f"  {start:<3} {_describe(g, hop.start, lang)} {arrow} "
                    f"{_describe(g, hop.end, lang)}{extra}"
                )
                for e in step.evidence:
                    out.append(f"        “{e.quote}”")
                    out.append(f"          — {e.source_title} ({e.source.rsplit('/', 1)[-1]})")
    return "\n".join(out) + "\n"
