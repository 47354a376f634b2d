"""HTML stage: an offline, safe, interactive explorer of the entity network.

pyvis assembles the vis-network nodes, edges and options; the page around them is ours,
because pyvis's own template fetches Bootstrap and tom-select from CDNs and writes some
strings as raw HTML. Here vis-network (bundled with pyvis) is inlined, every data-derived
string travels as JSON inside a ``<script type="application/json">`` block (with ``<``,
``>`` and ``&`` escaped) and reaches the page only through ``textContent``. A
Content-Security-Policy allows exactly the page's own two scripts (by hash) and no
network access, so even a string that slipped through could neither run nor fetch.

The layout is computed here (deterministic, see :func:`compute_layout`), so the browser
draws it at once with physics off. Graphs above :data:`OVERVIEW_THRESHOLD` entities open
on an overview of the best-connected ones; everything stays searchable.
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import json
import math
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node

from .network import DATE_RELATIONS, Evidence, label_of
from .text import fold
from .vocab import ENTITY_CLASSES, class_ancestors

DEFAULT_TITLE = "vjkg — knowledge graph explorer"

# Above this many entities the page opens on an overview of the OVERVIEW_SIZE entities
# with the most facts; search, filters and clicks reveal the rest.
OVERVIEW_THRESHOLD = 400
OVERVIEW_SIZE = 100

# Components up to this size get exact (all-pairs) repulsion in the layout.
EXACT_LIMIT = 300
# Only entities closer than this many ideal lengths push each other apart.
CUTOFF = 2.5

# Pixels per unit of layout length (the ideal distance between two linked entities).
SPACING = 130.0

# Colour by family (the class under Organization, else the top class); shape by top class.
FAMILY_COLOURS = {
    "Organization": "#4e79a7",
    "GovernmentBody": "#e15759",
    "Company": "#f28e2b",
    "ResearchOrganization": "#59a14f",
    "Association": "#76b7b2",
    "Committee": "#9c755f",
    "PoliticalParty": "#ff9da7",
    "InternationalOrganization": "#17becf",
    "Initiative": "#b07aa1",
    "Event": "#edc948",
    "Person": "#d6479a",
    "Place": "#a39e98",
    "Product": "#9fa521",
    "Ranking": "#4b5563",
}
SHAPES = {
    "Organization": "dot",
    "Person": "diamond",
    "Event": "star",
    "Initiative": "square",
    "Place": "triangle",
    "Product": "triangleDown",
    "Ranking": "hexagon",
}
FALLBACK_COLOUR = "#8c8c8c"

# Canvas labels longer than this many characters are clipped with "…" (the panel, the
# tooltip and the search results show the whole name).
LABEL_CLIP = 48


def humanize(name: str) -> str:
    """A camelCase relation or class name as words.

    >>> humanize("jointVenturePartnerOf")
    'joint venture partner of'
    >>> humanize("GovernmentAgency")
    'Government agency'
    """
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split(" ")
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def family_of(cls: str) -> str:
    """The class whose colour ``cls`` takes: the one under Organization, else the top class.

    >>> family_of("University"), family_of("Organization"), family_of("City")
    ('ResearchOrganization', 'Organization', 'Place')
    """
    if cls not in ENTITY_CLASSES:
        return cls
    chain = class_ancestors(cls)
    if chain[-1] == "Organization" and len(chain) > 1:
        return chain[-2]
    return chain[-1]


def class_colour(cls: str) -> str:
    """A colour of its own for every class: its family's hue, turned a little per subclass.

    The family's own class keeps the family colour; its subclasses, in the ontology's
    order, step the hue alternately up and down and the lightness in and out, so two
    ministries and a government agency no longer share one red.

    >>> class_colour("GovernmentBody"), class_colour("Ministry") != class_colour("GovernmentBody")
    ('#e15759', True)
    >>> len({class_colour(c) for c in ENTITY_CLASSES}) == len(ENTITY_CLASSES)
    True
    """
    family = family_of(cls)
    base = FAMILY_COLOURS.get(family)
    if base is None:
        return FALLBACK_COLOUR
    if cls == family:
        return base
    members = [c for c in ENTITY_CLASSES if c != family and family_of(c) == family]
    k = members.index(cls) + 1 if cls in members else len(members) + 1
    r, g, b = (int(base[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    step = (k + 1) // 2 * (1 if k % 2 else -1)
    hue = (hue + 0.035 * step) % 1.0
    light = min(0.78, max(0.28, light + (0.09 if k % 3 == 1 else -0.08 if k % 3 == 2 else 0.0)))
    rgb = colorsys.hls_to_rgb(hue, light, sat)
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def top_of(cls: str) -> str:
    """The most general class above ``cls`` (itself when unknown)."""
    return class_ancestors(cls)[-1] if cls in ENTITY_CLASSES else cls


# ---------------------------------------------------------------- layout


def compute_layout(g: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Deterministic positions in pixels for every node, independent of insertion order.

    Each connected component is laid out on its own (a radial tree from its best-linked
    entity, relaxed by Fruchterman–Reingold forces); components are then packed in rows,
    largest first, and entities without facts fill a grid at the end, grouped by class.

    >>> m = nx.MultiDiGraph()
    >>> m.add_nodes_from([("a", {"cls": "Person"}), ("b", {"cls": "Person"})])
    >>> _ = m.add_edge("a", "b")
    >>> pos = compute_layout(m)
    >>> sorted(pos) == ["a", "b"] and pos == compute_layout(m)
    True
    """
    simple = nx.Graph()
    simple.add_nodes_from(sorted(g.nodes))
    simple.add_edges_from(sorted({_pair(u, v) for u, v in g.edges() if u != v}))
    return _layout_simple(simple, _class_order(g))


def compute_overview_layout(
    g: nx.MultiDiGraph, members: Iterable[str]
) -> dict[str, tuple[float, float]]:
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
            links.add(_pair(u, v))
    for w in sorted(g.nodes):
        near = sorted({x for x in nx.all_neighbors(g, w) if x in keep and x != w})[:8]
        links.update(_pair(a, b) for k, a in enumerate(near) for b in near[k + 1 :])
    simple.add_edges_from(sorted(links))
    return _layout_simple(simple, _class_order(g))


def _pair(u: str, v: str) -> tuple[str, str]:
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
    simple: nx.Graph, order: Callable[[str], tuple[str, str, str, str]]
) -> dict[str, tuple[float, float]]:
    """Lay out each component, pack them; single nodes in a grid sorted by ``order``."""
    components = sorted(
        (sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0])
    )
    blocks: list[tuple[list[str], np.ndarray]] = [
        (comp, _layout_component(simple, comp)) for comp in components if len(comp) > 1
    ]
    singles = sorted((c[0] for c in components if len(c) == 1), key=order)
    if singles:
        blocks.append((singles, _grid(len(singles))))
    return {
        name: (round(float(x) * SPACING, 1), round(float(y) * SPACING, 1))
        for names, xy in _pack(blocks)
        for name, (x, y) in zip(names, xy, strict=True)
    }


def _layout_component(simple: nx.Graph, comp: list[str]) -> np.ndarray:
    """Positions (unit edge length) of one connected component, centred on the origin."""
    index = {n: i for i, n in enumerate(comp)}
    edges = np.array(
        sorted((index[u], index[v]) for u, v in simple.subgraph(comp).edges()), dtype=np.int64
    ).reshape(-1, 2)
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

    Dense parts of a graph would otherwise pile labels on top of each other.
    """
    from scipy.spatial import cKDTree

    if len(pos) < 3:
        return pos
    dist, _ = cKDTree(pos).query(pos, k=2)
    nearest = float(np.median(dist[:, 1]))
    return pos / nearest if nearest > 1e-9 else pos


def _relax(pos: np.ndarray, edges: np.ndarray, iterations: int) -> np.ndarray:
    """Fruchterman–Reingold with unit ideal length, a cooling step limit, local repulsion.

    Only nodes closer than :data:`CUTOFF` push each other apart (the grid variant of the
    original paper): edge lengths stay even and, above :data:`EXACT_LIMIT` nodes, a k-d
    tree finds the close pairs, so 5,000 nodes take a second or two instead of a minute.
    Forces are summed with ``bincount`` (a fixed order), so the result is the same on
    every run and machine.
    """
    from scipy.spatial import cKDTree

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
            a, b, delta, d2 = every[near, 0], every[near, 1], delta[near], d2[near]
        else:
            pairs = cKDTree(pos).query_pairs(CUTOFF, output_type="ndarray")
            a, b = pairs[:, 0], pairs[:, 1]
            delta = pos[a] - pos[b]
            d2 = np.maximum((delta**2).sum(axis=1), 1e-6)
        push = delta * (strength / d2)[:, None]
        delta = pos[i] - pos[j]
        pull = delta * np.sqrt((delta**2).sum(axis=1))[:, None]
        disp = np.empty_like(pos)
        for axis in (0, 1):
            disp[:, axis] = (
                np.bincount(a, push[:, axis], minlength=n)
                - np.bincount(b, push[:, axis], minlength=n)
                - np.bincount(i, pull[:, axis], minlength=n)
                + np.bincount(j, pull[:, axis], minlength=n)
            )
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature = max(temperature - cool, 0.02)
    return pos


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


def _source_table(g: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    """Source IRI → id, titles per language, issued; from the graph, else from evidence."""
    table: dict[str, dict[str, Any]] = {}
    for iri, info in sorted(g.graph.get("sources", {}).items()):
        titles = dict(info.get("titles") or {})
        if not titles:
            titles = {"vi": info.get("title") or iri}
        issued = info.get("issued")
        table[iri] = {"iri": iri, "id": info.get("id") or iri, "titles": titles, "issued": issued}
    for _, _, d in g.edges(data=True):
        for e in d.get("evidence", []):
            if e.source not in table:
                ident = e.source.rsplit("/", 1)[-1]
                titles = {"vi": e.source_title}
                table[e.source] = {"iri": e.source, "id": ident, "titles": titles, "issued": None}
    return dict(sorted(table.items()))


def term_labels(terms: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    """A class's or relation's labels in vi and en: the ontology's, else the name as words.

    >>> term_labels({"coOrganizer": {"vi": "đơn vị đồng tổ chức", "en": "co-organizer"}},
    ...             "coOrganizer")
    {'en': 'co-organizer', 'vi': 'đơn vị đồng tổ chức'}
    >>> term_labels({}, "partnerOf")
    {'en': 'partner of', 'vi': 'partner of'}
    """
    found = terms.get(name, {})
    en = found.get("en") or found.get("") or humanize(name)
    return {"en": en, "vi": found.get("vi") or en}


def read_source_texts(g: nx.MultiDiGraph, roots: Iterable[Path]) -> dict[str, str]:
    """Source IRI → text, for the sources whose text is found under one of ``roots``.

    The build records each source's folder (``vjkg:sourceFolder``, e.g. ``sources/000``)
    and the SHA-256 of its NFC text; a ``text.txt`` is used only when its digest matches,
    so a page never shows a text that is not the one the offsets point into.
    """
    out: dict[str, str] = {}
    for iri, info in sorted(g.graph.get("sources", {}).items()):
        folder, digest = info.get("folder"), info.get("sha256")
        if not folder or not digest:
            continue
        for root in roots:
            path = Path(root) / folder / "text.txt"
            try:
                text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
            if hashlib.sha256(text.encode("utf-8")).hexdigest() == digest:
                out[iri] = text
                break
    return out


def _class_rows(counts: dict[str, int], terms: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """The legend: every class present plus its ancestors, in tree order."""
    present = set(counts)
    for c in counts:
        present.update(class_ancestors(c) if c in ENTITY_CLASSES else [c])
    position = {c: k for k, c in enumerate(ENTITY_CLASSES)}
    known = sorted(
        (c for c in present if c in position),
        key=lambda c: [position[a] for a in reversed(class_ancestors(c))],  # depth-first
    )
    rows = []
    for c in [*known, *sorted(present - set(known))]:
        chain = class_ancestors(c) if c in ENTITY_CLASSES else [c]
        rows.append(
            {
                "name": c,
                "label": term_labels(terms, c)["en"],
                "labels": term_labels(terms, c),
                "parent": chain[1] if len(chain) > 1 else None,
                "depth": len(chain) - 1,
                "top": top_of(c),
                "color": class_colour(c),
                "shape": SHAPES.get(top_of(c), "dot"),
                "count": counts.get(c, 0),
            }
        )
    return rows


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _curves(keys: list[tuple[str, str, str]]) -> dict[str, dict[str, Any] | bool]:
    """vis ``smooth`` per edge: straight when alone, fanned-out curves between one pair.

    >>> _curves([("a", "b", "f1")])
    {'f1': False}
    >>> [c["type"] for c in _curves([("a", "b", "f1"), ("a", "b", "f2")]).values()]
    ['curvedCW', 'curvedCCW']

    (``a → b`` and ``b → a`` both clockwise already bend to opposite sides.)
    """
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for u, v, key in keys:
        groups.setdefault(_pair(u, v), []).append((u, v, key))
    out: dict[str, dict[str, Any] | bool] = {}
    for (a, _), members in groups.items():
        if len(members) == 1 or members[0][0] == members[0][1]:
            out.update({key: False for _, _, key in members})
            continue
        for k, (u, _, key) in enumerate(sorted(members, key=lambda m: m[2])):
            side = (k % 2 == 0) == (u == a)  # the same side of the line whatever the direction
            out[key] = {
                "enabled": True,
                "type": "curvedCW" if side else "curvedCCW",
                "roundness": round(0.12 + 0.14 * (k // 2), 2),
            }
    return out


def _evidence_record(e: Evidence) -> dict[str, Any]:
    """A quote for the page: its context, offsets and the IRIs the Turtle export needs.

    The target's and selectors' IRIs are left out when they follow from the annotation's
    the way the build mints them (``…/annotation/K`` → ``…/target/K``, ``…/selector/K-quote``,
    ``…/selector/K-position``); the page derives them back.
    """
    record: dict[str, Any] = {"quote": e.quote, "source": e.source}
    if e.prefix or e.suffix:
        record["prefix"], record["suffix"] = e.prefix, e.suffix
    if e.start is not None and e.end is not None:
        record["start"], record["end"] = e.start, e.end
    if e.annotation:
        record["ann"] = e.annotation
        base, _, key = e.annotation.rpartition("/annotation/")
        derived = (
            f"{base}/target/{key}",
            f"{base}/selector/{key}-quote",
            f"{base}/selector/{key}-position" if e.position_selector else "",
        )
        actual = (e.target, e.quote_selector, e.position_selector)
        if not key or actual != derived:
            record["tgt"], record["qs"], record["ps"] = actual
    return record


def to_page_data(
    g: nx.MultiDiGraph, title: str = DEFAULT_TITLE, texts: dict[str, str] | None = None
) -> dict[str, Any]:
    """The JSON the page runs on: options, nodes, edges, classes, relations, sources.

    Every list is sorted and every number rounded, so the same graph gives the same data.
    Above :data:`OVERVIEW_THRESHOLD` entities the best-connected :data:`OVERVIEW_SIZE`
    also carry overview positions ``ox``/``oy`` and ``overview`` is their number.
    ``texts`` (source IRI → its NFC text) puts each source's whole text in the page, for
    the reader that shows a quote where it stands.
    """
    terms = g.graph.get("terms", {})
    pos = compute_layout(g)
    degree = {n: d for n, d in g.degree()}
    ranked = sorted(g.nodes, key=lambda n: (-degree[n], n))
    rank = {n: i for i, n in enumerate(ranked)}
    big = g.number_of_nodes() > OVERVIEW_THRESHOLD
    overview = compute_overview_layout(g, ranked[:OVERVIEW_SIZE]) if big else {}

    net = Network(directed=True)
    net.toggle_physics(False)
    net.options.edges.smooth.enabled = False
    for n in sorted(g.nodes):
        d = g.nodes[n]
        x, y = pos[n]
        # pyvis's add_node looks the id up in a list (O(n²): 6 s for 20,000 entities); the
        # ids are unique here, so its Node is built and registered directly.
        vis_node = Node(
            n,
            SHAPES.get(top_of(d["cls"]), "dot"),
            label_of(g, n, "en"),
            x=x,
            y=y,
            color=class_colour(d["cls"]),
            size=round(9 + 3.5 * math.sqrt(degree[n]), 2),
            # Hubs get larger labels, so they stay legible when zoomed out to the whole graph.
            font={"size": min(26, round(12 + 3 * math.sqrt(degree[n])))},
            physics=False,
        )
        net.nodes.append(vis_node.options)
        net.node_ids.append(n)
        net.node_map[n] = vis_node.options
    nodes = []
    for item in net.nodes:
        n = item["id"]
        d = g.nodes[n]
        names = [d["id"], *d["labels"].values(), *d["aliases"]]
        record = {
            **{k: item[k] for k in ("id", "x", "y", "size", "color", "shape", "font")},
            "eid": d["id"],
            "cls": d["cls"],
            "labels": dict(sorted(d["labels"].items())),  # "" for an untagged label
            "aliases": list(d["aliases"]),
            "dates": {k: list(v) for k, v in sorted((d.get("dates") or {}).items())},
            "figures": [
                {
                    "measure": f["measure"],
                    "amount": f["amount_text"],
                    "date": f["date"],
                    "evidence": [_evidence_record(e) for e in f["evidence"]],
                }
                for f in d.get("figures") or []
            ],
            "search": fold(" ".join(names)),
            "degree": degree[n],
            "rank": rank[n],
        }
        if n in overview:
            record["ox"], record["oy"] = overview[n]
        nodes.append(record)

    keys = sorted(g.edges(keys=True))
    curves = _curves(keys)
    edges = []
    for u, v, key in keys:
        d = g.edges[u, v, key]
        # Likewise pyvis's add_edge looks both ends up in a list (1.7 s for 8,000 facts).
        rel_label = term_labels(terms, d["relation"])["en"]
        opts = Edge(u, v, directed=True, id=key, label=rel_label, smooth=curves[key])
        net.edges.append(opts.options)
        edges.append(
            {
                **{k: opts.options[k] for k in ("id", "from", "to", "label", "smooth")},
                "relation": d["relation"],
                "sources": list(d["sources"]),
                "date": _text(d.get("date")),
                "amount": _text(d.get("amount_text")),
                "rank": _text(d.get("rank")),
                "share": _text(d.get("share")),
                "role": dict(sorted((d.get("role") or {}).items())),
                "evidence": [_evidence_record(e) for e in d["evidence"]],
            }
        )

    relation_counts: dict[str, int] = {}
    source_counts: dict[str, int] = {}
    for e in edges:
        relation_counts[e["relation"]] = relation_counts.get(e["relation"], 0) + 1
        for src in e["sources"]:
            source_counts[src] = source_counts.get(src, 0) + 1
    class_counts: dict[str, int] = {}
    for node in nodes:
        class_counts[node["cls"]] = class_counts.get(node["cls"], 0) + 1
    return {
        "title": title,
        "ontology": g.graph.get("ontology", ""),
        "label_clip": LABEL_CLIP,
        "options": json.loads(net.options.to_json()),
        "overview": len(overview),
        "nodes": nodes,
        "edges": edges,
        "classes": _class_rows(class_counts, terms),
        "relations": [
            {
                "name": r,
                "label": term_labels(terms, r)["en"],
                "labels": term_labels(terms, r),
                "count": c,
            }
            for r, c in sorted(relation_counts.items())
        ],
        "terms": {
            name: term_labels(terms, name)
            for name in sorted({*DATE_RELATIONS, "figure", "Place", "Event"})
        },
        "sources": [
            {
                **info,
                "count": source_counts.get(iri, 0),
                **({"text": texts[iri]} if texts and iri in texts else {}),
            }
            for iri, info in _source_table(g).items()
        ],
    }


# ---------------------------------------------------------------- the page


def _json_for_script(data: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment.

    >>> _json_for_script({"label": "</script><!--"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # U+2028/2029 are fine in JSON but some tools treat them as line ends.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _asset(name: str) -> str:
    return resources.files("pipeline").joinpath("assets", name).read_text(encoding="utf-8")


def _vis_network_js() -> str:
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def to_html(
    g: nx.MultiDiGraph, title: str = DEFAULT_TITLE, texts: dict[str, str] | None = None
) -> str:
    """The complete, self-contained page: no network access, nothing from the data runs.

    ``texts`` maps source IRIs to their texts (see :func:`to_page_data`)."""
    vis_js = _vis_network_js()
    app_js = _asset("explorer.js")
    parts = {
        "__CSP_SCRIPTS__": f"{_csp_hash(vis_js)} {_csp_hash(app_js)}",
        "/*APP_CSS*/": _asset("explorer.css"),
        "/*VIS_JS*/": vis_js,
        "/*APP_JS*/": app_js,
        "__TITLE__": escape(title),
        "__DATA__": _json_for_script(to_page_data(g, title, texts)),
    }
    # One pass over the template: text inserted for one marker is never searched again.
    pattern = re.compile("|".join(re.escape(k) for k in parts))
    return pattern.sub(lambda m: parts[m.group(0)], _asset("explorer.html"))
