"""HTML stage: an offline, safe, interactive explorer of the entity network.

pyvis assembles the nodes and edges; the page around them is ours, because pyvis's own
template fetches Bootstrap and tom-select from CDNs and writes some strings as raw HTML.
Here vis-network (bundled with pyvis) is inlined, every data-derived string travels as
JSON inside a ``<script type="application/json">`` block (with ``<``, ``>`` and ``&``
escaped) and reaches the page only through ``textContent``. The layout is computed in
Python (deterministic), so the browser draws it at once with physics off.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from html import escape
from importlib import resources
from pathlib import Path

import networkx as nx
from pyvis.network import Network

from .network import label_of

PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#17becf", "#8c564b", "#bcbd22",
]  # fmt: skip
SHAPES = {
    "Organization": "dot",
    "Person": "diamond",
    "Event": "star",
    "Initiative": "square",
    "Place": "triangle",
    "Product": "triangleDown",
    "Ranking": "hexagon",
}


def fold(text: str) -> str:
    """Lowercase without diacritics, for search ("Bộ Khoa học" → "bo khoa hoc").

    >>> fold("Bộ Khoa học và Công nghệ")
    'bo khoa hoc va cong nghe'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _layout(g: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    if not g:
        return {}
    simple = nx.Graph()
    simple.add_nodes_from(sorted(g.nodes))
    simple.add_edges_from(sorted((u, v) for u, v in g.edges() if u != v))
    n = simple.number_of_nodes()
    pos = nx.spring_layout(simple, seed=7, k=2.2 / math.sqrt(max(n, 1)), iterations=80)
    scale = 60 * math.sqrt(n) + 200
    return {k: (round(float(x) * scale, 1), round(float(y) * scale, 1)) for k, (x, y) in pos.items()}


def _top(cls_chain: list[str]) -> str:
    from .vocab import top_class

    return top_class(cls_chain[0]) if cls_chain else "Organization"


def to_page_data(g: nx.MultiDiGraph) -> dict:
    """The JSON the page runs on: nodes, edges, classes, relations, sources (all sorted)."""
    net = Network(directed=True)
    pos = _layout(g)
    classes = sorted({g.nodes[n]["cls"] for n in g.nodes})
    colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(classes)}
    degree = dict(g.degree())
    for n in sorted(g.nodes):
        d = g.nodes[n]
        x, y = pos.get(n, (0.0, 0.0))
        net.add_node(
            n,
            label=label_of(g, n, "en"),
            x=x,
            y=y,
            color=colours[d["cls"]],
            shape=SHAPES.get(_top([d["cls"]]), "dot"),
            size=10 + 4 * math.sqrt(degree.get(n, 0)),
            physics=False,
        )
    nodes = []
    for item in net.nodes:
        d = g.nodes[item["id"]]
        nodes.append(
            {
                "id": item["id"],
                "eid": d["id"],
                "x": item["x"],
                "y": item["y"],
                "size": round(item["size"], 2),
                "color": item["color"],
                "shape": item["shape"],
                "cls": d["cls"],
                "labels": d["labels"],
                "aliases": d["aliases"],
                "search": fold(" ".join([d["id"], *d["labels"].values(), *d["aliases"]])),
            }
        )
    edges = []
    sources: dict[str, str] = {}
    for u, v, key, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        net.add_edge(u, v, title=d["relation"])
        for e in d["evidence"]:
            sources[e.source] = e.source_title
        edges.append(
            {
                "id": key,
                "from": u,
                "to": v,
                "relation": d["relation"],
                "sources": d["sources"],
                "date": d.get("date"),
                "amount": d.get("amount_text"),
                "role": d.get("role") or {},
                "evidence": [
                    {"quote": e.quote, "source": e.source, "title": e.source_title}
                    for e in d["evidence"]
                ],
            }
        )
    return {
        "nodes": nodes,
        "edges": edges,
        "classes": [{"name": c, "color": colours[c]} for c in classes],
        "relations": sorted({e["relation"] for e in edges}),
        "sources": [{"iri": k, "title": v} for k, v in sorted(sources.items())],
    }


def _json_for_script(data: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return resources.files("pipeline").joinpath("assets", name).read_text(encoding="utf-8")


def _vis_network() -> tuple[str, str]:
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script"), css


def to_html(g: nx.MultiDiGraph, title: str = "vjkg — knowledge graph explorer") -> str:
    """The complete, self-contained page."""
    js, css = _vis_network()
    parts = {
        "/*VIS_CSS*/": css,
        "/*VIS_JS*/": js,
        "/*APP_JS*/": _asset("explorer.js"),
        "__TITLE__": escape(title),
        "__DATA__": _json_for_script(to_page_data(g)),
    }
    # One pass over the template: text inserted for one marker is never searched again.
    pattern = re.compile("|".join(re.escape(k) for k in parts))
    return pattern.sub(lambda m: parts[m.group(0)], _asset("explorer.html"))
