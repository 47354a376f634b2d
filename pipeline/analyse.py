"""Analyse stage: the entity network's centre, components, communities, cross-border bridges.

Everything is computed on the undirected simple graph of evidence-backed facts
(:func:`pipeline.network.to_simple_graph`): two entities are neighbours when at least one
quoted fact links them, in either direction. Countries are data, not edges: an entity's
*side* is Japan or Vietnam when its ``vjkg:country`` is that country (or it is the country
itself), and none otherwise (third countries, international organisations). An event's
side is its organisers' side, not its venue's: Vietnam IT Day held in Tokyo by VINASA is
a Vietnamese event.

Places (countries, cities, regions) are left out of centrality and bridges by default: one
sentence saying "in Hokkaido, Japan" would otherwise make Japan and Hokkaido the most
central entities, and "JETRO Hanoi is located in Hanoi" a cross-border tie. The option
``include_places`` puts them back; the report says which was done and how many places.

The result is a plain dict (:func:`analyse_network`) rendered as JSON and Markdown; both
are deterministic: sorted everywhere, floats rounded, no timestamps or paths.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import pickle
import random
from collections import Counter, deque
from collections.abc import Iterable

import networkx as nx
from networkx.algorithms.community import greedy_modularity_communities, modularity
from rdflib.term import Node

from .network import Evidence, label_of, to_networkx, to_simple_graph
from .text import for_terminal, markdown_text
from .vocab import Vocabulary, top_class

DIGITS = 4  # decimals kept for every float in the output
TOP = 15  # rows in the "most central" tables
SIDES = ("japan", "vietnam")  # registry ids of the two countries whose ties we look for

DEFINITIONS = {
    "network": (
        "Entities are nodes; two entities are linked when at least one fact with a quoted "
        "piece of evidence connects them (either direction, any relation). Attribute facts "
        "(dates, figures) and provenance nodes are not part of the network."
    ),
    "degree": "Number of distinct entities an entity shares a fact with.",
    "facts": "Number of evidence-backed facts an entity takes part in (subject or object).",
    "betweenness": (
        "Normalised betweenness centrality on the whole network: the share of shortest "
        "paths between other entities that pass through the entity. Exact up to 1,000 "
        "entities; above that, estimated from 500 pivot entities chosen with a fixed seed "
        "(the same graph always gives the same numbers)."
    ),
    "side": (
        "An entity is on the Japanese (Vietnamese) side when its vjkg:country is Japan "
        "(Vietnam), or when it is that country itself; other entities have no side. An "
        "event takes the side of its organisers (vjkg:organizer; the co-organisers when it "
        "names no organiser), not of its venue: when they are all on one side, that side; "
        "when they are on both, or none has a side, no side. An event without organisers "
        "takes its country's side."
    ),
    "places": (
        "Places (countries, cities, regions) are left out of centrality and bridges unless "
        "the analysis is run with --include-places: a place is linked to everything located "
        "in it, which says nothing about who works with whom. Components and communities "
        "always include them."
    ),
    "direct_bridge": (
        "An organisation that, together with the entities it shares a fact with, covers "
        "both sides: a Japanese organisation with a fact linking it to a Vietnamese entity, "
        "a Vietnamese organisation with a fact linking it to a Japanese entity, or an "
        "organisation of neither side with facts linking it to both."
    ),
    "brokerage": (
        "For an entity: the share of connected (Japanese entity, Vietnamese entity) pairs "
        "whose shortest paths pass through it, a pair's several shortest paths counted "
        "fractionally (betweenness restricted to cross-border pairs). Computed on the "
        "network without places (countries, cities, regions) unless they are included, "
        "because 'located in Japan' links actors that have nothing else in common. "
        "Brokers are organisations with brokerage > 0; other brokers are the "
        "non-organisations (events, people, initiatives) on those paths. Above 500 "
        "entities on a side, the Japanese endpoints are a fixed, evenly spaced sample of "
        "500 and the result is scaled up."
    ),
    "diameter": (
        "Diameter of the largest component: the longest shortest path between two of its "
        "entities. Exact up to 1,000 entities; above that, a lower bound by the seeded "
        "2-sweep method."
    ),
    "communities": (
        "Greedy modularity maximisation (networkx greedy_modularity_communities, weighted "
        "by the number of facts) on the entities that have at least one fact; above 1,000 "
        "such entities, Louvain modularity maximisation with a fixed seed."
    ),
    "per_source": (
        "For each source: the facts it supports, the entities they touch, the facts no "
        "other source states, its cross-border facts (Japanese side to Vietnamese side), "
        "and the size of the largest connected component if its facts were removed (computed "
        "for corpora of up to 100 sources; null above that, where it would dominate the run)."
    ),
}


def _round(x: float) -> float:
    """A float rounded for output; ``-0.0`` becomes ``0.0``."""
    return round(float(x), DIGITS) + 0.0


def _entity(g: nx.Graph, n: str) -> dict:
    """The short description of a node used in every table (``_node``: its IRI, for
    :func:`dress`, which takes it out)."""
    d = g.nodes[n]
    country = d.get("country")
    return {
        NODE: n,
        "id": d["id"],
        "label": label_of(g, n, "en"),
        "label_vi": d.get("labels", {}).get("vi"),
        "class": d["cls"],
        "country": g.nodes[country]["id"] if country in g else _tail(country),
    }


def _tail(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else None


def side_of(g: nx.Graph, n: str, side_nodes: dict[str, str]) -> str | None:
    """``"japan"``, ``"vietnam"`` or ``None``: the side an entity belongs to (see DEFINITIONS).

    >>> g = nx.Graph()
    >>> g.add_node("r/japan", id="japan", country=None)
    >>> g.add_node("r/meti", id="meti", country="r/japan")
    >>> g.add_node("r/wb", id="world-bank", country=None)
    >>> sides = {"r/japan": "japan", "r/vietnam": "vietnam"}
    >>> [side_of(g, n, sides) for n in ["r/japan", "r/meti", "r/wb"]]
    ['japan', 'japan', None]
    """
    if n in side_nodes:
        return side_nodes[n]
    return side_nodes.get(g.nodes[n].get("country") or "")


ORGANISER_RELATIONS = ("organizer", "coOrganizer")  # the co-organisers only when no organiser


def sides_of(g: nx.MultiDiGraph, side_nodes: dict[str, str]) -> dict[str, str | None]:
    """Every entity's side; an event's from its organisers (see ``DEFINITIONS["side"]``).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("r/japan", id="japan", cls="Country", country=None)
    >>> g.add_node("r/vinasa", id="vinasa", cls="Association", country="r/vietnam")
    >>> g.add_node("r/day", id="day", cls="Event", country="r/japan")
    >>> g.add_node("r/jetro", id="jetro", cls="GovernmentAgency", country="r/japan")
    >>> _ = g.add_edge("r/day", "r/vinasa", relation="organizer")
    >>> _ = g.add_edge("r/day", "r/jetro", relation="coOrganizer")
    >>> sides_of(g, {"r/japan": "japan", "r/vietnam": "vietnam"})["r/day"]
    'vietnam'
    """
    sides = {n: side_of(g, n, side_nodes) for n in g}
    for n in sorted(g):
        if n in side_nodes or top_class(g.nodes[n]["cls"]) != "Event":
            continue
        by_role: dict[str, set[str]] = {r: set() for r in ORGANISER_RELATIONS}
        for _, v, r in g.out_edges(n, data="relation"):
            if r in by_role:
                by_role[r].add(v)
        organisers = next((by_role[r] for r in ORGANISER_RELATIONS if by_role[r]), set())
        if organisers:
            found = {side_of(g, o, side_nodes) for o in organisers}
            sides[n] = found.pop() if len(found) == 1 else None
    return sides


def _is_place(g: nx.Graph, n: str) -> bool:
    return top_class(g.nodes[n]["cls"]) == "Place"


def _is_organisation(g: nx.Graph, n: str) -> bool:
    return top_class(g.nodes[n]["cls"]) == "Organization"


EXACT_LIMIT = 1000  # entities; above this betweenness and diameter are estimated
PIVOTS = 500
MAX_SOURCES_FOR_REMOVAL = 100
# Entities: below this, diameters and components are found by searches in Python, which on
# such a graph take less than importing scipy's graph routines (a third of a second).
SCIPY_FROM = 300


def _path_sums(
    g: nx.Graph, sources: Iterable[str], targets: Iterable[str] | None = None
) -> dict[str, float]:
    """Brandes' dependency sums over shortest paths from each of ``sources`` (unscaled).

    Up to :data:`EXACT_LIMIT` nodes, one search at a time in Python, summed in networkx's
    order (the same numbers to the last bit); above, :func:`_path_sums_batched`, many
    searches at once as sparse matrix products (the same sums to about 1e-15, about four
    times faster on a 10,000-entity network).
    """
    if g.number_of_nodes() > EXACT_LIMIT:
        return _path_sums_batched(g, list(sources), targets)
    return _path_sums_one_by_one(g, sources, targets)


def _path_sums_batched(
    g: nx.Graph, sources: list[str], targets: Iterable[str] | None = None
) -> dict[str, float]:
    """:func:`_path_sums` for many sources at once: each breadth-first level of a batch of
    searches is one sparse-times-dense product (``sigma`` counts the shortest paths, as in
    Brandes' algorithm), and the dependencies are accumulated back level by level. The batch
    size depends only on the number of nodes, so the sums are the same on every run."""
    import numpy as np

    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    forward = _adjacency(g, nodes)
    backward = forward.T.tocsr()
    # The weight of a path that ends at a node: 1 everywhere, or 1 only at the targets.
    base = np.ones((n, 1))
    if targets is not None:
        base[:] = 0.0
        base[[index[t] for t in targets], 0] = 1.0
    sums = np.zeros(n)
    batch = max(1, min(128, 2_000_000 // max(n, 1)))  # arrays of n × batch floats
    starts = [index[s] for s in sources]
    for first in range(0, len(starts), batch):
        chunk = np.array(starts[first : first + batch])
        cols_ = np.arange(len(chunk))
        sigma = np.zeros((n, len(chunk)))
        dist = np.full((n, len(chunk)), -1, dtype=np.int32)
        sigma[chunk, cols_], dist[chunk, cols_] = 1.0, 0
        frontier = sigma.copy()
        depth = 0
        while True:
            reached = backward @ frontier  # paths into each node from the last level
            new = (reached > 0) & (dist < 0)
            if not new.any():
                break
            depth += 1
            dist[new] = depth
            sigma[new] = reached[new]
            frontier = np.where(new, sigma, 0.0)
        safe = np.where(sigma > 0, sigma, 1.0)
        delta = np.zeros_like(sigma)
        for level in range(depth, 0, -1):
            coeff = np.where(dist == level, (base + delta) / safe, 0.0)
            delta += np.where(dist == level - 1, sigma * (forward @ coeff), 0.0)
        delta[chunk, cols_] = 0.0  # a search's own source is not between anything
        sums += delta.sum(axis=1)
    return {v: float(sums[i]) for i, v in enumerate(nodes)}


def _path_sums_one_by_one(
    g: nx.Graph, sources: Iterable[str], targets: Iterable[str] | None = None
) -> dict[str, float]:
    """:func:`_path_sums`, one breadth-first search at a time.

    With ``targets``, only paths ending at one of them count (subset betweenness). The
    breadth-first searches run over integer adjacency lists: networkx's own functions spend
    most of their time in dictionary views (profiled: about 73 ms a search on a 10,000-entity
    network, 95 s of the 1M analysis). Neighbours, sources and accumulation are taken in the
    same order as networkx takes them, so the sums are the same numbers.
    """
    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    adjacency = [[index[w] for w in g[v]] for v in nodes]
    n = len(nodes)
    wanted = None
    if targets is not None:
        wanted = bytearray(n)
        for t in targets:
            wanted[index[t]] = 1
    sums = [0.0] * n
    for source in sources:
        s = index[source]
        sigma = [0.0] * n
        dist = [-1] * n
        preds: list[list[int] | None] = [None] * n  # made when a node is reached
        sigma[s], dist[s] = 1.0, 0
        order: list[int] = []
        queue = deque([s])
        while queue:
            v = queue.popleft()
            order.append(v)
            step, paths = dist[v] + 1, sigma[v]
            for w in adjacency[v]:
                d = dist[w]
                if d < 0:
                    queue.append(w)
                    dist[w] = step
                    sigma[w] = paths
                    preds[w] = [v]
                elif d == step:
                    sigma[w] += paths
                    preds[w].append(v)  # type: ignore[union-attr]
        delta = [0.0] * n
        while order:
            w = order.pop()
            if wanted is None or (wanted[w] and w != s):
                coeff = (1 + delta[w]) / sigma[w]
            else:
                coeff = delta[w] / sigma[w]
            for v in preds[w] or ():
                delta[v] += sigma[v] * coeff
            if w != s:
                sums[w] += delta[w]
    return {v: sums[i] for i, v in enumerate(nodes)}


def _betweenness(u: nx.Graph, pivots: int | None) -> dict[str, float]:
    """Normalised betweenness, exact, or estimated from ``pivots`` sources drawn with seed 7.

    Scaled as networkx's ``betweenness_centrality`` scales it: by the number of (source,
    target) pairs a node can lie between, counting only the sampled sources.
    """
    n = u.number_of_nodes()
    if pivots is None or pivots >= n:
        sums = _path_sums(u, list(u))
        if n < 3:
            return sums
        return {v: b * (1 / ((n - 1) * (n - 2))) for v, b in sums.items()}
    sample = random.Random(7).sample(list(u), pivots)
    sums = _path_sums(u, sample)
    chosen = set(sample)
    as_source = 1 / ((pivots - 1) * (n - 2)) if pivots > 1 else math.nan
    otherwise = 1 / (pivots * (n - 2))
    return {v: b * (as_source if v in chosen else otherwise) for v, b in sums.items()}


def _centrality(u: nx.Graph, top: int, sides: dict[str, str | None]) -> dict:
    k = PIVOTS if u.number_of_nodes() > EXACT_LIMIT else None
    raw = _betweenness(u, k)
    betweenness = {n: _round(b) for n, b in raw.items()}
    rows = {
        n: {
            **_entity(u, n),
            "degree": u.degree(n),
            "facts": u.degree(n, weight="weight"),
            "betweenness": betweenness[n],
            "side": sides.get(n),
        }
        for n in u
    }
    by_degree = sorted(u, key=lambda n: (-rows[n]["degree"], -rows[n]["betweenness"], n))
    by_between = sorted(u, key=lambda n: (-rows[n]["betweenness"], -rows[n]["degree"], n))
    return {
        "by_degree": [rows[n] for n in by_degree[:top]],
        "by_betweenness": [rows[n] for n in by_between[:top] if rows[n]["betweenness"] > 0],
    }


def _diameter(g: nx.Graph) -> int:
    """Exact up to EXACT_LIMIT entities; above, the 2-sweep lower bound (seeded, stable)."""
    if g.number_of_nodes() < 2:
        return 0
    if g.number_of_nodes() <= EXACT_LIMIT:
        return _exact_diameter(g)
    return int(nx.approximation.diameter(g, seed=7))


def _adjacency(g: nx.Graph, nodes: list):
    """``g``'s adjacency matrix over ``nodes`` (in their order): 1.0 for each neighbour, so
    a link is there in both directions."""
    import numpy as np
    import scipy.sparse as sparse

    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    rows = [index[v] for v in nodes for _ in g[v]]
    cols = [index[w] for v in nodes for w in g[v]]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _exact_diameter(g: nx.Graph) -> int:
    """The longest shortest path of a connected graph: what ``nx.diameter`` gives, by
    breadth-first searches in C (scipy) instead of one Python BFS per node from
    :data:`SCIPY_FROM` entities."""
    if g.number_of_nodes() < SCIPY_FROM:
        return int(nx.diameter(g))
    return _sparse_diameter(g)


def _sparse_diameter(g: nx.Graph) -> int:
    """:func:`_exact_diameter` by scipy's searches."""
    from scipy.sparse.csgraph import shortest_path

    lengths = shortest_path(_adjacency(g, list(g)), directed=False, unweighted=True)
    return int(lengths.max())


def _largest_without(u: nx.Graph, removed: Iterable[tuple]) -> int:
    """The size of the largest connected component of ``u`` once its ``removed`` links are
    gone, for a graph under :data:`SCIPY_FROM` entities (:func:`_largest_without_sparse`
    above)."""
    rest = nx.Graph(u)
    rest.remove_edges_from(removed)
    return max((len(c) for c in nx.connected_components(rest)), default=0)


def _largest_without_sparse(adjacency, index: dict, removed: Iterable[tuple]) -> int:
    """:func:`_largest_without` for the graph of ``adjacency`` (:func:`_adjacency`;
    ``index``: node → its row)."""
    import numpy as np
    import scipy.sparse as sparse
    from scipy.sparse.csgraph import connected_components

    n = adjacency.shape[0]
    if n == 0:
        return 0
    cells = {(index[a], index[b]) for a, b in removed} | {(index[b], index[a]) for a, b in removed}
    if cells:
        rows, cols = zip(*sorted(cells), strict=True)
        gone = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        adjacency = adjacency - gone
        adjacency.eliminate_zeros()
    _, labels = connected_components(adjacency, directed=False)
    return int(np.bincount(labels).max())


def _components(u: nx.Graph) -> dict:
    comps = [sorted(c) for c in nx.connected_components(u)]
    comps.sort(key=lambda c: (-len(c), c[0]))
    linked = [c for c in comps if len(c) > 1]
    isolated = [c[0] for c in comps if len(c) == 1]
    largest = u.subgraph(linked[0]).copy() if linked else nx.Graph()  # a copy: views are slow
    return {
        "count": len(comps),
        "linked": len(linked),
        "isolated": len(isolated),
        "largest": len(linked[0]) if linked else 0,
        "largest_diameter": _diameter(largest),
        "sizes": [len(c) for c in linked],
        "components": [
            {
                "size": len(c),
                "members": sorted(u.nodes[n]["id"] for n in c),
                "hubs": [u.nodes[n]["id"] for n in sorted(c, key=lambda n: (-u.degree(n), n))[:3]],
            }
            for c in linked
        ],
        "isolated_entities": sorted(u.nodes[n]["id"] for n in isolated),
    }


def _communities(u: nx.Graph, sides: dict[str, str | None]) -> dict:
    linked = u.subgraph(sorted(n for n in u if u.degree(n) > 0)).copy()
    if linked.number_of_edges() == 0:
        return {"modularity": 0.0, "count": 0, "communities": []}
    if linked.number_of_nodes() <= EXACT_LIMIT:
        found = greedy_modularity_communities(linked, weight="weight")
    else:  # greedy merging is quadratic-ish in Python; Louvain is near-linear
        # Louvain iterates sets of nodes: with string labels their order (and so the result)
        # would change with PYTHONHASHSEED; small integers iterate the same way every run.
        as_int = nx.convert_node_labels_to_integers(
            linked, ordering="sorted", label_attribute="iri"
        )
        iri = nx.get_node_attributes(as_int, "iri")
        parts = nx.community.louvain_communities(as_int, weight="weight", seed=7)
        found = [{iri[i] for i in part} for part in parts]
    comms = [sorted(c) for c in found]
    comms.sort(key=lambda c: (-len(c), c[0]))
    out = []
    for i, c in enumerate(comms, 1):
        counts = Counter(sides.get(n) or "none" for n in c)
        ranked = sorted(c, key=lambda n: (-linked.degree(n), n))
        out.append(
            {
                "community": i,
                "size": len(c),
                "hubs": [u.nodes[n]["id"] for n in ranked[:3]],
                "sides": {k: counts[k] for k in (*SIDES, "none") if counts[k]},
                "members": sorted(u.nodes[n]["id"] for n in c),
            }
        )
    return {
        "modularity": _round(modularity(linked, [set(c) for c in comms], weight="weight")),
        "count": len(comms),
        "communities": out,
    }


def _brokerage(actors: nx.Graph, sides: dict[str, str | None]) -> dict[str, float]:
    """Betweenness restricted to (Japanese, Vietnamese) pairs, as a share of connected pairs.

    ``actors`` is the network without places unless they were asked for
    (see ``DEFINITIONS["brokerage"]``).
    """
    jp = sorted(n for n in actors if sides[n] == SIDES[0])
    vn = sorted(n for n in actors if sides[n] == SIDES[1])
    component = {n: i for i, c in enumerate(nx.connected_components(actors)) for n in c}
    jp_per = Counter(component[a] for a in jp)
    vn_per = Counter(component[b] for b in vn)
    pairs = sum(jp_per[c] * vn_per[c] for c in jp_per)
    out = dict.fromkeys(actors, 0.0)
    if pairs:
        sample = jp
        if len(jp) > PIVOTS:  # an evenly spaced, deterministic sample of the endpoints
            step = len(jp) / PIVOTS
            sample = [jp[int(i * step)] for i in range(PIVOTS)]
        scale = len(jp) / len(sample)
        # each (Japanese, Vietnamese) pair counted once, as a share of the connected pairs
        raw = _path_sums(actors, sample, vn)
        out.update({n: _round(scale * raw[n] / pairs) for n in actors})
    return out


def _bridges(u: nx.Graph, sides: dict[str, str | None], top: int) -> dict:
    brokerage = _brokerage(u, sides)
    direct, brokers, others = [], [], []
    for n in u:
        own = sides[n]
        partners: dict[str, list[str]] = {s: [] for s in SIDES}
        for m in sorted(u[n]):
            s = sides[m]
            if s is not None:
                partners[s].append(u.nodes[m]["id"])
        row = {
            **_entity(u, n),
            "side": own,
            "japan_partners": partners[SIDES[0]],
            "vietnam_partners": partners[SIDES[1]],
            "cross_border_partners": sorted(p for s in SIDES if s != own for p in partners[s]),
            "brokerage": brokerage[n],
        }
        if not _is_organisation(u, n):
            if brokerage[n] > 0:
                others.append(row)
            continue
        if own is None and not (partners[SIDES[0]] and partners[SIDES[1]]):
            row["cross_border_partners"] = []
        if row["cross_border_partners"]:
            direct.append(row)
        if brokerage[n] > 0:
            brokers.append(row)
    direct.sort(key=lambda r: (-len(r["cross_border_partners"]), -r["brokerage"], r["id"]))
    brokers.sort(key=lambda r: (-r["brokerage"], r["id"]))
    others.sort(key=lambda r: (-r["brokerage"], r["id"]))
    return {
        "direct": direct,
        "brokers": brokers[:top],
        "brokers_total": len(brokers),
        "other_brokers": others[:top],
    }


def _cross_border_links(u: nx.Graph, sides: dict[str, str | None]) -> list[tuple[str, str]]:
    """Pairs (Japanese-side entity, Vietnamese-side entity) that share a fact."""
    out = []
    for a, b in u.edges:
        pair = (sides[a], sides[b])
        if pair == SIDES:
            out.append((a, b))
        elif pair == SIDES[::-1]:
            out.append((b, a))
    return sorted(out, key=lambda ab: (u.nodes[ab[0]]["id"], u.nodes[ab[1]]["id"]))


def _sources(g: nx.MultiDiGraph) -> list[tuple[str, dict]]:
    """Every source of a network (those its facts cite too), with what it says of each, in
    the order of the per-source table."""
    sources = dict(g.graph.get("sources", {}))
    for a, b, d in g.edges(data=True):
        if a != b:
            for e in d["evidence"]:
                sources.setdefault(e.source, {"id": _tail(e.source), "title": e.source_title})
    return sorted(sources.items(), key=lambda kv: (kv[1]["id"], kv[0]))


def _per_source(g: nx.MultiDiGraph, u: nx.Graph, sides: dict[str, str | None]) -> list[dict]:
    sources = _sources(g)
    edges = [(a, b, k, d) for a, b, k, d in g.edges(keys=True, data=True) if a != b]
    sources_of = {k: set(d["sources"]) for _, _, k, d in edges}
    by_source: dict[str, list[tuple[str, str, dict]]] = {}
    for a, b, k, d in edges:
        for iri in sources_of[k]:
            by_source.setdefault(iri, []).append((a, b, d))
    # links that only one source supports: removing that source removes the link
    only: dict[str, list[tuple[str, str]]] = {}
    for a, b, facts in u.edges(data="facts"):
        supporting = set().union(*(sources_of[k] for k in facts))
        if len(supporting) == 1:
            only.setdefault(next(iter(supporting)), []).append((a, b))
    compute_removal = len(sources) <= MAX_SOURCES_FOR_REMOVAL
    sparse = compute_removal and u.number_of_nodes() >= SCIPY_FROM
    if sparse:
        nodes = list(u)
        adjacency, index = _adjacency(u, nodes), {v: i for i, v in enumerate(nodes)}
    rows = []
    for iri, meta in sources:
        own = by_source.get(iri, [])
        largest_without = None
        if sparse:
            largest_without = _largest_without_sparse(adjacency, index, only.get(iri, []))
        elif compute_removal:
            largest_without = _largest_without(u, only.get(iri, []))
        rows.append(
            {
                "id": meta["id"],
                "title": meta["title"],
                "title_en": meta.get("titles", {}).get("en"),
                "issued": meta.get("issued"),
                "facts": len(own),
                "entities": len({n for a, b, _ in own for n in (a, b)}),
                "exclusive_facts": sum(1 for *_, d in own if d["sources"] == [iri]),
                "cross_border_facts": sum(
                    1 for a, b, _ in own if {sides[a], sides[b]} == set(SIDES)
                ),
                "largest_component_without": largest_without,
                "relations": dict(sorted(Counter(d["relation"] for *_, d in own).items())),
            }
        )
    return rows


# What the analysis reads of an entity network (see analysis_view), and the mark of a view.
VIEW_MARK = "analysis view"
VIEW_NODE = ("id", "cls", "labels", "country")
VIEW_EDGE = ("relation", "sources")
VIEW_SOURCE = ("id", "title", "titles", "issued")


def analysis_view(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The part of an entity network the analysis reads, and all it is given: each node's
    ``id``, class, labels and country; each edge's relation, sources and, for each piece of
    evidence, its source and that source's title (no quote); each source's id, titles and
    date. Nodes and edges keep their order.

    The analysis depends on this view alone, so an edit outside it (a quote, a position, a
    date qualifier) leaves the analysis as it was, and :func:`analysis_inputs` can tell. A
    view is its own view (``kg build`` makes it once, and its analysis child gets it).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("r/a", id="a", cls="Person", labels={"en": "A"}, country=None, aliases=["x"])
    >>> g.add_node("r/b", id="b", cls="Person", labels={}, country=None)
    >>> _ = g.add_edge("r/a", "r/b", key="f", relation="knows", sources=["s"], date="2024",
    ...                evidence=[Evidence("a quote", "s", "Tin 1", start=3, end=10)])
    >>> v = analysis_view(g)
    >>> v.nodes["r/a"], v.edges["r/a", "r/b", "f"]["evidence"][0].quote
    ({'id': 'a', 'cls': 'Person', 'labels': {'en': 'A'}, 'country': None}, '')
    >>> analysis_view(v) is v
    True
    """
    if g.graph.get(VIEW_MARK):
        return g
    view = nx.MultiDiGraph()
    view.graph[VIEW_MARK] = True
    view.graph["sources"] = {
        iri: {k: meta[k] for k in VIEW_SOURCE if k in meta}
        for iri, meta in g.graph.get("sources", {}).items()
    }
    for n, d in g.nodes(data=True):
        view.add_node(n, **{k: d[k] for k in VIEW_NODE if k in d})
    for a, b, key, d in g.edges(keys=True, data=True):
        attrs = {k: d[k] for k in VIEW_EDGE if k in d}
        if "evidence" in d:
            attrs["evidence"] = [Evidence("", e.source, e.source_title) for e in d["evidence"]]
        view.add_edge(a, b, key=key, **attrs)
    return view


SKELETON_MARK = "analysis skeleton"
NODE = "_node"  # the key of an entity row's node in an analysis structure (see dress)


def analysis_skeleton(view: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """An :func:`analysis_view` without the names: no label on any node, no title on any
    source or piece of evidence. Every number and every order of an analysis comes from its
    skeleton (ties are broken by ids, never by labels), so an analysis structure kept under
    the skeleton's :func:`analysis_inputs` serves any view with the same skeleton.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("r/a", id="a", cls="Person", labels={"en": "A"}, country=None)
    >>> g.graph["sources"] = {"s": {"id": "s", "title": "Tin 1", "titles": {"en": "News 1"}}}
    >>> sk = analysis_skeleton(analysis_view(g))
    >>> sk.nodes["r/a"], sk.graph["sources"], analysis_skeleton(sk) is sk
    ({'id': 'a', 'cls': 'Person', 'country': None}, {'s': {'id': 's', 'title': ''}}, True)
    """
    if view.graph.get(SKELETON_MARK):
        return view
    skeleton = nx.MultiDiGraph()
    skeleton.graph[VIEW_MARK] = skeleton.graph[SKELETON_MARK] = True
    skeleton.graph["sources"] = {
        iri: {**{k: v for k, v in meta.items() if k not in ("title", "titles")}, "title": ""}
        for iri, meta in view.graph.get("sources", {}).items()
    }
    for n, d in view.nodes(data=True):
        skeleton.add_node(n, **{k: v for k, v in d.items() if k != "labels"})
    for a, b, key, d in view.edges(keys=True, data=True):
        attrs = dict(d)
        if "evidence" in d:
            attrs["evidence"] = [Evidence("", e.source, "") for e in d["evidence"]]
        skeleton.add_edge(a, b, key=key, **attrs)
    return skeleton


def dress(structure: dict, view: nx.MultiDiGraph) -> dict:
    """An :func:`analysis_structure` of ``view`` with the view's labels and titles: the
    analysis of the view itself (``structure`` is left as it was)."""
    out = copy.deepcopy(structure)  # rows listed twice stay one row (deepcopy keeps sharing)
    c, b = out["centrality"], out["bridges"]
    rows = [*c["by_degree"], *c["by_betweenness"], *b["direct"], *b["brokers"], *b["other_brokers"]]
    for row in rows:
        n = row.pop(NODE, None)
        if n is not None:  # None: a row already dressed (it is in two lists)
            row["label"] = label_of(view, n, "en")
            row["label_vi"] = view.nodes[n].get("labels", {}).get("vi")
    for row, (_, meta) in zip(out["per_source"], _sources(view), strict=True):
        row["title"] = meta["title"]
        row["title_en"] = meta.get("titles", {}).get("en")
    return out


def analysis_inputs(
    view: nx.MultiDiGraph, vocab: Vocabulary | None = None, *, include_places: bool = False
) -> bytes:
    """A digest of all an analysis depends on: the :func:`analysis_view` of its network, in
    order, the vocabulary's namespaces and the options (the key it is kept under between
    builds, with the code's digest)."""
    v = vocab or Vocabulary()
    what = (
        sorted(v.prefixes().items()),
        include_places,
        list(view.graph.get("sources", {}).items()),
        list(view.nodes(data=True)),
        list(view.edges(keys=True, data=True)),
    )
    return hashlib.sha256(pickle.dumps(what, protocol=pickle.HIGHEST_PROTOCOL)).digest()


def analyse_network(
    g: nx.MultiDiGraph,
    vocab: Vocabulary | None = None,
    top: int = TOP,
    *,
    include_places: bool = False,
) -> dict:
    """The analysis of an entity network (see :data:`DEFINITIONS` for every measure).

    Places are out of centrality and bridges unless ``include_places`` (reported in
    ``summary["places"]``).

    >>> g = nx.MultiDiGraph()
    >>> R = "https://w3id.org/vjkg/resource/"
    >>> for i, c, country in [("japan", "Country", None), ("vietnam", "Country", None),
    ...                       ("meti", "Ministry", "japan"), ("most", "Ministry", "vietnam"),
    ...                       ("vjc", "Committee", "vietnam")]:
    ...     g.add_node(R + i, id=i, cls=c, labels={"vi": i.upper()},
    ...                country=R + country if country else None)
    >>> from pipeline.network import Evidence
    >>> ev = [Evidence("Bộ KH&CN và METI ký kết", R + "source/doc-1", "Tin 1")]
    >>> for a, b in [("vjc", "meti"), ("most", "vjc")]:
    ...     _ = g.add_edge(R + a, R + b, key=a + b, relation="partnerOf", evidence=ev,
    ...                    sources=[R + "source/doc-1"])
    >>> a = analyse_network(g)
    >>> [r["id"] for r in a["bridges"]["direct"]], a["bridges"]["brokers"][0]["brokerage"]
    (['vjc', 'meti'], 0.5)
    >>> a["components"]["sizes"], a["components"]["isolated_entities"]
    ([3], ['japan', 'vietnam'])
    """
    view = analysis_view(g)  # what the analysis reads, and nothing else (see analysis_inputs)
    return dress(analysis_structure(view, vocab, top, include_places=include_places), view)


def analysis_structure(
    g: nx.MultiDiGraph,
    vocab: Vocabulary | None = None,
    top: int = TOP,
    *,
    include_places: bool = False,
) -> dict:
    """The analysis of the :func:`analysis_skeleton` of ``g``: every number and every
    order, with each entity labelled by its id and each source untitled. :func:`dress`
    gives it the labels and titles; a build keeps it, so an edit of a title or a label
    (which moves no number and no row) costs no new analysis."""
    v = vocab or Vocabulary()
    g = analysis_skeleton(analysis_view(g))
    u = to_simple_graph(g)
    side_nodes = {str(v.entity(s)): s for s in SIDES}
    sides = sides_of(g, side_nodes)
    places = sorted(n for n in u if _is_place(u, n))
    # a copy, not a view: subgraph views make every neighbour lookup slow
    actors = u if include_places else u.subgraph([n for n in u if not _is_place(u, n)]).copy()
    # without places, a place has no side for the cross-border counts either
    bridge_sides = {n: (s if n in actors else None) for n, s in sides.items()}
    centrality = _centrality(actors, top, sides)
    components = _components(u)
    cross = _cross_border_links(actors, bridge_sides)
    per_side = Counter(sides[n] or "none" for n in u)
    return {
        "definitions": DEFINITIONS,
        "summary": {
            "entities": u.number_of_nodes(),
            "linked_entities": sum(1 for n in u if u.degree(n) > 0),
            "facts": sum(w for *_, w in u.edges(data="weight")),
            "links": u.number_of_edges(),
            "density": _round(nx.density(u)),
            "entities_per_side": {k: per_side[k] for k in (*SIDES, "none")},
            "cross_border_links": len(cross),
            "places": {"count": len(places), "in_centrality_and_bridges": include_places},
        },
        "centrality": centrality,
        "components": components,
        "communities": _communities(u, sides),
        "bridges": {
            **_bridges(actors, bridge_sides, top),
            "cross_border_links": [
                {
                    "japan": u.nodes[a]["id"],
                    "vietnam": u.nodes[b]["id"],
                    "facts": u.edges[a, b]["weight"],
                }
                for a, b in cross
            ],
        },
        "per_source": _per_source(g, u, bridge_sides),
    }


def to_analysis_json(analysis: dict) -> str:
    """Stable JSON text (sorted keys, two-space indent, UTF-8 characters kept)."""
    return json.dumps(analysis, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class _Code(str):
    """A table cell written as it is: an id in backticks (ids are ``[a-z0-9-]``)."""


def _cell(value: object) -> str:
    """A table cell: labels, titles and every other value as literal text
    (:func:`~pipeline.text.markdown_text`), code as written."""
    if isinstance(value, _Code):
        return str(value)
    return markdown_text("" if value is None else str(value))


def _table(headers: list[str], rows: Iterable[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _ids(ids: list[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f", … (+{len(ids) - limit})" if len(ids) > limit else "")


def to_analysis_markdown(analysis: dict) -> str:
    """The analysis as a report a person reads (Markdown tables, definitions included)."""
    a = analysis
    s = a["summary"]
    defs = a["definitions"]
    out = [
        "# vjkg network analysis",
        "",
        f"{defs['network']} Machine-readable: `analysis.json`.",
        "",
        f"- entities: {s['entities']} ({s['linked_entities']} with at least one fact)",
        f"- evidence-backed facts between entities: {s['facts']}, "
        f"linking {s['links']} pairs of entities (density {s['density']})",
        "- sides: " + ", ".join(f"{k} {n}" for k, n in s["entities_per_side"].items()),
        f"- cross-border links (Japanese side ↔ Vietnamese side): {s['cross_border_links']}",
        f"- places: {s['places']['count']}, "
        + ("included in" if s["places"]["in_centrality_and_bridges"] else "left out of")
        + f" centrality and bridges. {defs['places']}",
        "",
        "## Most central entities",
        "",
        f"By degree. {defs['degree']} {defs['facts']} {defs['betweenness']}",
        "",
    ]
    head = ["#", "entity", "id", "class", "country", "degree", "facts", "betweenness"]

    def central(rows: list[dict]) -> list[list[object]]:
        return [
            [i, r["label"], _Code(f"`{r['id']}`"), r["class"], r["country"] or "—", r["degree"],
             r["facts"], r["betweenness"]]
            for i, r in enumerate(rows, 1)
        ]  # fmt: skip

    out += _table(head, central(a["centrality"]["by_degree"]))
    out += ["By betweenness:", ""]
    out += _table(head, central(a["centrality"]["by_betweenness"]))

    c = a["components"]
    out += [
        "## Connected components",
        "",
        f"{c['count']} components: {c['linked']} with two or more entities "
        f"(sizes {', '.join(map(str, c['sizes'])) or 'none'}) and {c['isolated']} isolated "
        "entities "
        f"(no evidence-backed fact with another entity). The largest has {c['largest']} "
        f"entities and diameter {c['largest_diameter']}.",
        "",
    ]
    out += _table(
        ["size", "hubs", "members"],
        [[x["size"], ", ".join(x["hubs"]), _ids(x["members"])] for x in c["components"]],
    )
    out += ["Isolated: " + (", ".join(c["isolated_entities"]) or "none") + ".", ""]

    m = a["communities"]
    out += [
        "## Communities",
        "",
        f"{defs['communities']} {m['count']} communities, modularity {m['modularity']}.",
        "",
    ]
    out += _table(
        ["#", "size", "hubs", "sides", "members"],
        [
            [x["community"], x["size"], ", ".join(x["hubs"]),
             ", ".join(f"{k} {n}" for k, n in x["sides"].items()), _ids(x["members"])]
            for x in m["communities"]
        ],
    )  # fmt: skip

    b = a["bridges"]
    bridge_head = ["organisation", "id", "country", "Japanese partners", "Vietnamese partners",
                   "brokerage"]  # fmt: skip

    def bridge(rows: list[dict]) -> list[list[object]]:
        return [
            [r["label"], _Code(f"`{r['id']}`"), r["country"] or "—", _ids(r["japan_partners"]),
             _ids(r["vietnam_partners"]), r["brokerage"]]
            for r in rows
        ]  # fmt: skip

    out += [
        "## Organisations bridging Japan and Vietnam",
        "",
        defs["side"],
        "",
        f"**Direct bridges** ({len(b['direct'])}). {defs['direct_bridge']}",
        "",
    ]
    out += _table(bridge_head, bridge(b["direct"])) if b["direct"] else ["None.", ""]
    out += [
        f"**Brokers** (top {len(b['brokers'])} of {b['brokers_total']}). {defs['brokerage']}",
        "",
    ]
    out += _table(bridge_head, bridge(b["brokers"])) if b["brokers"] else ["None.", ""]
    if b["other_brokers"]:
        others = ", ".join(
            f"{markdown_text(r['label'])} (`{r['id']}`, {r['brokerage']})"
            for r in b["other_brokers"]
        )
        out += [f"Other brokers (not organisations): {others}.", ""]
    out += [f"Cross-border links ({len(b['cross_border_links'])}):", ""]
    out += _table(
        ["Japanese side", "Vietnamese side", "facts"],
        [[x["japan"], x["vietnam"], x["facts"]] for x in b["cross_border_links"]],
    )

    out += ["## Per source", "", defs["per_source"], ""]
    out += _table(
        ["source", "title", "issued", "facts", "entities", "only here", "cross-border",
         "largest component without it"],
        [
            [_Code(f"`{r['id']}`"), r["title"], r["issued"] or "—", r["facts"], r["entities"],
             r["exclusive_facts"], r["cross_border_facts"], r["largest_component_without"]]
            for r in a["per_source"]
        ],
    )  # fmt: skip
    out.append(f"(The largest component with every source: {c['largest']} entities.)")
    # Labels and titles are anybody's text: a control or bidi character in one is written
    # as an escape (a raw U+202E would reorder what the report shows; a NUL makes it binary).
    return for_terminal("\n".join(out) + "\n")


def render_analysis(
    quads: Iterable[tuple[Node, Node, Node, Node | None]] | nx.MultiDiGraph,
    vocab: Vocabulary | None = None,
    *,
    include_places: bool = False,
) -> dict[str, str]:
    """``analysis.json`` and ``analysis.md`` (file name → text) for the graph in ``quads``
    (or for its entity network, already made by :func:`pipeline.network.to_networkx`)."""
    network = quads if isinstance(quads, nx.MultiDiGraph) else to_networkx(quads, vocab)
    view = analysis_view(network)
    return render_structure(analysis_structure(view, vocab, include_places=include_places), view)


def render_structure(structure: dict, view: nx.MultiDiGraph) -> dict[str, str]:
    """The files of :func:`render_analysis` from a kept :func:`analysis_structure` of
    ``view`` (an :func:`analysis_view`)."""
    analysis = dress(structure, view)
    return {
        "analysis.json": to_analysis_json(analysis),
        "analysis.md": to_analysis_markdown(analysis),
    }


def analyse_view(view: nx.MultiDiGraph, vocab: Vocabulary | None = None) -> tuple[dict, dict]:
    """The :func:`analysis_structure` of an :func:`analysis_view` and its files (what
    ``kg build`` keeps, from the process it runs the analysis in): the files are those of
    :func:`render_analysis`."""
    structure = analysis_structure(view, vocab)
    return structure, render_structure(structure, view)
