"""The explorer's layout, computed in Python: deterministic positions for every entity, so the
browser draws the graph at once with physics off (pyvis's physics needs 16 s to settle 500
nodes in headless Chromium)."""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import networkx as nx
import numpy as np

from ..network import label_of
from ..text import fold
from .style import family_of

# Components up to this size get exact (all-pairs) repulsion in the layout.
EXACT_LIMIT = 300
# Only entities closer than this many ideal lengths push each other apart.
CUTOFF = 2.5
# The layout pushes close pairs apart in runs of this many pairs (80 bytes each at once).
PAIR_RUN = 4_000_000

# Pixels per unit of layout length (the ideal distance between two linked entities).
SPACING = 130.0

Positions = dict[str, tuple[float, float]]


class Memo(Protocol):
    """Where values (here, layouts) are kept between runs, by a digest of all they depend on
    (:class:`pipeline.cache.Memo` keeps them in the build cache)."""

    def get(self, inputs: bytes) -> Any | None:
        """The value stored for ``inputs``, if any."""

    def put(self, inputs: bytes, value: Any) -> None:
        """Keep ``value`` for ``inputs``."""


def compute_layout(g: nx.MultiDiGraph, memo: Memo | None = None) -> Positions:
    """Deterministic positions in pixels for every node, independent of insertion order.

    Each connected component is laid out on its own (a radial tree from its best-linked
    entity, relaxed by Fruchterman–Reingold forces); components are then packed in rows,
    largest first, and entities without facts fill a grid at the end, grouped by class.
    The positions depend on the links between entities and the order of the unlinked ones
    alone: with a ``memo``, a layout of the same links and order is taken from it (an edit
    that changes a label or a quote leaves the layout as it was: at a million quads it
    takes seconds to compute).

    >>> m = nx.MultiDiGraph()
    >>> m.add_nodes_from([("a", {"cls": "Person"}), ("b", {"cls": "Person"})])
    >>> _ = m.add_edge("a", "b")
    >>> pos = compute_layout(m)
    >>> sorted(pos) == ["a", "b"] and pos == compute_layout(m)
    True
    """
    simple = nx.Graph()
    simple.add_nodes_from(sorted(g.nodes))
    simple.add_edges_from(sorted({ordered_pair(u, v) for u, v in g.edges() if u != v}))
    return _layout_simple(simple, _class_order(g), memo)


def compute_overview_layout(
    g: nx.MultiDiGraph, members: Iterable[str], memo: Memo | None = None
) -> Positions:
    """Positions for an overview of ``members`` alone, as if the rest were not there.

    Two members are linked when they share a fact or a neighbour, so the overview keeps
    the shape of the whole graph while its entities sit close enough to read.
    """
    keep = set(members)
    simple = nx.Graph()
    simple.add_nodes_from(sorted(keep))
    links: set[tuple[str, str]] = set()
    for u, v in g.edges():
        if u != v and u in keep and v in keep:
            links.add(ordered_pair(u, v))
    for w in sorted(g.nodes):
        near = sorted({x for x in nx.all_neighbors(g, w) if x in keep and x != w})[:8]
        links.update(ordered_pair(a, b) for k, a in enumerate(near) for b in near[k + 1 :])
    simple.add_edges_from(sorted(links))
    return _layout_simple(simple, _class_order(g), memo)


def ordered_pair(u: str, v: str) -> tuple[str, str]:
    """The two ends of a link in a stable order."""
    return (u, v) if u < v else (v, u)


def _class_order(g: nx.MultiDiGraph) -> Callable[[str], tuple[str, str, str, str]]:
    """Sort key for unconnected entities: by colour family, class, then name."""

    def key(n: str) -> tuple[str, str, str, str]:
        d = g.nodes[n]
        cls = d.get("cls", "")
        name = fold(label_of(g, n, "en")) if "labels" in d and "id" in d else n
        return (family_of(cls), cls, name, n)

    return key


def _layout_simple(
    simple: nx.Graph,
    order: Callable[[str], tuple[str, str, str, str]],
    memo: Memo | None = None,
) -> Positions:
    """Lay out each component, pack them; single nodes in a grid sorted by ``order``."""
    singles = sorted((n for n, degree in simple.degree() if degree == 0), key=order)
    inputs = b""
    if memo is not None:
        inputs = _layout_inputs(simple, singles)
        found = memo.get(inputs)
        if found is not None:
            return found
    components = sorted(
        (sorted(c) for c in nx.connected_components(simple) if len(c) > 1),
        key=lambda c: (-len(c), c[0]),
    )
    blocks: list[tuple[list[str], np.ndarray]] = [
        (comp, _layout_component(simple, comp)) for comp in components
    ]
    if singles:
        blocks.append((singles, _grid(len(singles))))
    positions = {
        name: (round(float(x) * SPACING, 1), round(float(y) * SPACING, 1))
        for names, xy in _pack(blocks)
        for name, (x, y) in zip(names, xy, strict=True)
    }
    if memo is not None:
        memo.put(inputs, positions)
    return positions


def _layout_inputs(simple: nx.Graph, singles: list[str]) -> bytes:
    """All a layout depends on, as bytes: the nodes, the links (each pair in a stable
    order) and the order of the unlinked nodes."""
    h = hashlib.sha256()
    for name in sorted(simple.nodes):
        h.update(name.encode() + b"\n")
    h.update(b"\0")
    for u, v in sorted(ordered_pair(u, v) for u, v in simple.edges()):
        h.update(u.encode() + b" " + v.encode() + b"\n")
    h.update(b"\0")
    for name in singles:
        h.update(name.encode() + b"\n")
    return h.digest()


def _layout_component(simple: nx.Graph, comp: list[str]) -> np.ndarray:
    """Positions (unit edge length) of one connected component, centred on the origin."""
    index = {n: i for i, n in enumerate(comp)}
    # Each edge as (smaller index, larger index): the orientation networkx reports an edge in
    # follows insertion order, and would change the order the forces are summed in.
    pairs = ((index[u], index[v]) for u, v in simple.subgraph(comp).edges())
    edges = np.array(sorted((min(a, b), max(a, b)) for a, b in pairs), dtype=np.int64).reshape(
        -1, 2
    )
    degree = np.bincount(edges.ravel(), minlength=len(comp))
    pos = _radial_tree(comp, edges, degree)
    if len(comp) > 2:
        # Fewer steps for big components: they open on an overview, and time grows with size.
        steps = 60 if len(comp) <= EXACT_LIMIT else 40 if len(comp) <= 6000 else 25
        pos = _even_spacing(_relax(pos, edges, iterations=steps))
    return pos - (pos.min(axis=0) + pos.max(axis=0)) / 2


def _radial_tree(comp: list[str], edges: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """A radial drawing of a breadth-first tree from the best-linked node: a good start."""
    n = len(comp)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges.tolist():
        neighbours[u].append(v)
        neighbours[v].append(u)
    order = sorted(range(n), key=lambda i: (-int(degree[i]), comp[i]))
    root = order[0]
    parent = [-1] * n
    depth = [0] * n
    children: list[list[int]] = [[] for _ in range(n)]
    seen = [False] * n
    seen[root] = True
    queue, visit = deque([root]), []
    while queue:
        u = queue.popleft()
        visit.append(u)
        for v in sorted(neighbours[u], key=lambda i: (-int(degree[i]), comp[i])):
            if not seen[v]:
                seen[v] = True
                parent[v], depth[v] = u, depth[u] + 1
                children[u].append(v)
                queue.append(v)
    leaves = [1] * n
    for u in reversed(visit):
        if children[u]:
            leaves[u] = sum(leaves[c] for c in children[u])
    # Depth d fills an annulus with about one unit of area per node; within it, nodes
    # step outwards by the golden ratio so that a crowded ring is not a thin circle.
    per_depth = np.bincount(depth)
    inner = [0.0, 1.0]  # depth d lies between inner[d] and inner[d + 1]
    for d in range(1, len(per_depth)):
        inner.append(max(inner[-1] + 1.0, math.sqrt(inner[-1] ** 2 + per_depth[d] / math.pi)))
    pos = np.zeros((n, 2))
    start = [0.0] * n
    width = [2 * math.pi] * n
    placed = [0] * len(per_depth)
    for u in visit:
        a = start[u]
        for c in children[u]:
            width[c] = width[u] * leaves[c] / leaves[u]
            start[c] = a
            a += width[c]
            angle = start[c] + width[c] / 2
            d = depth[c]
            step = (placed[d] * 0.6180339887) % 1.0 if per_depth[d] > 2 * math.pi * inner[d] else 0
            placed[d] += 1
            r = inner[d] + (inner[d + 1] - inner[d]) * step
            pos[c] = (r * math.cos(angle), r * math.sin(angle))
    return pos


def _even_spacing(pos: np.ndarray) -> np.ndarray:
    """Scale so the median distance to the nearest other node is one unit.

    Dense parts of a graph would otherwise pile labels on top of each other. Up to
    :data:`EXACT_LIMIT` nodes every pair is measured, which takes less than importing scipy's
    k-d tree; the distances are the same to the bit (each is the root of dx² + dy²).
    """
    if len(pos) < 3:
        return pos
    if len(pos) <= EXACT_LIMIT:
        delta = pos[:, None, :] - pos[None, :, :]
        d2 = (delta**2).sum(axis=2)
        np.fill_diagonal(d2, np.inf)
        closest = np.sqrt(d2.min(axis=1))
    else:
        from scipy.spatial import cKDTree

        closest = cKDTree(pos).query(pos, k=2)[0][:, 1]
    nearest = float(np.median(closest))
    return pos / nearest if nearest > 1e-9 else pos


def _relax(pos: np.ndarray, edges: np.ndarray, iterations: int) -> np.ndarray:
    """Fruchterman–Reingold with unit ideal length, a cooling step limit, local repulsion.

    Only nodes closer than :data:`CUTOFF` push each other apart (the grid variant of the
    original paper): edge lengths stay even and, above :data:`EXACT_LIMIT` nodes, a k-d
    tree finds the close pairs, so 5,000 nodes take a second or two instead of a minute.
    Forces are summed with ``bincount`` (a fixed order), so the result is the same on
    every run and machine.
    """
    n = len(pos)
    pos = pos.copy()
    small = n <= EXACT_LIMIT
    # Big components get a stronger push: they would otherwise contract into a dense
    # disc whose many close pairs make every iteration slow.
    strength = 1.0 if small else 3.0
    if small:
        every = np.array(np.triu_indices(n, 1)).T
    span = float(np.ptp(pos, axis=0).max()) or 1.0
    temperature = max(span / 10, 1.0)
    cool = temperature / (iterations + 1)
    i, j = edges[:, 0], edges[:, 1]
    for _ in range(iterations):
        if small:
            delta = pos[every[:, 0]] - pos[every[:, 1]]
            d2 = np.maximum((delta**2).sum(axis=1), 1e-6)
            near = d2 < CUTOFF**2
            disp = _pushes(pos, every[near, 0], every[near, 1], delta[near], d2[near], strength)
        else:
            disp = _close_pushes(pos, strength)
        delta = pos[i] - pos[j]
        pull = delta * np.sqrt((delta**2).sum(axis=1))[:, None]
        for axis in (0, 1):
            disp[:, axis] = (
                disp[:, axis]
                - np.bincount(i, pull[:, axis], minlength=n)
                + np.bincount(j, pull[:, axis], minlength=n)
            )
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature = max(temperature - cool, 0.02)
    return pos


def _close_pushes(pos: np.ndarray, strength: float) -> np.ndarray:
    """The displacement of each node by the pushes between nodes closer than :data:`CUTOFF`,
    found with a k-d tree and summed in runs of :data:`PAIR_RUN` pairs: all at once took 80
    bytes a pair, over 3 GB for the 40M close pairs of the 10M corpus's largest component.
    (Up to PAIR_RUN pairs, one run sums in the same order as all pairs at once.)"""
    from scipy.spatial import cKDTree

    pairs = cKDTree(pos).query_pairs(CUTOFF, output_type="ndarray")
    if not len(pairs):
        return np.zeros_like(pos)
    disp = None
    for at in range(0, len(pairs), PAIR_RUN):
        a, b = pairs[at : at + PAIR_RUN, 0], pairs[at : at + PAIR_RUN, 1]
        delta = pos[a] - pos[b]
        part = _pushes(pos, a, b, delta, np.maximum((delta**2).sum(axis=1), 1e-6), strength)
        if disp is None:
            disp = part
        else:
            disp += part
    assert disp is not None
    return disp


def _pushes(
    pos: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    delta: np.ndarray,
    d2: np.ndarray,
    strength: float,
) -> np.ndarray:
    """The displacement of each node by the pushes between the pairs ``a``–``b`` (``delta``
    apart, squared distance ``d2``)."""
    n = len(pos)
    push = delta * (strength / d2)[:, None]
    disp = np.empty_like(pos)
    for axis in (0, 1):
        disp[:, axis] = np.bincount(a, push[:, axis], minlength=n) - np.bincount(
            b, push[:, axis], minlength=n
        )
    return disp


def _grid(count: int) -> np.ndarray:
    """Positions for unconnected entities: rows wider than tall, labels need width."""
    cols = max(1, math.ceil(math.sqrt(count * 2.5)))
    return np.array([((k % cols) * 1.3, (k // cols) * 0.75) for k in range(count)], dtype=float)


def _pack(blocks: list[tuple[list[str], np.ndarray]]) -> list[tuple[list[str], np.ndarray]]:
    """Shelf packing: blocks left to right in rows, a row as wide as the largest block."""
    margin = 1.5
    boxes = [(xy - xy.min(axis=0), np.ptp(xy, axis=0) + margin) for _, xy in blocks]
    area = sum(float(w * h) for _, (w, h) in boxes)
    row_width = max(max((float(w) for _, (w, _) in boxes), default=0.0), math.sqrt(area) * 1.2)
    x = y = row_height = 0.0
    out = []
    for (names, _), (xy, (w, h)) in zip(blocks, boxes, strict=True):
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        out.append((names, xy + np.array([x, y])))
        x += float(w)
        row_height = max(row_height, float(h))
    return out


# ---------------------------------------------------------------- page data
