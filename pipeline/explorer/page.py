"""The explorer page: an offline, safe, interactive view of the entity network.

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

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from html import escape
from pathlib import Path
from typing import Any

import networkx as nx
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node

from ..network import DATE_RELATIONS, Evidence, label_of
from ..text import fold
from ..vocab import ENTITY_CLASSES, QUALIFIER_PROPERTIES, class_ancestors
from ..webpage import (
    JsonArray,
    csp_hash,
    json_pieces_for_script,
    read_asset,
    vis_network_file,
)
from .layout import Memo, compute_layout, compute_overview_layout, ordered_pair
from .style import SHAPES, class_colour, humanize, top_of

DEFAULT_TITLE = "vjkg — knowledge graph explorer"

# Above this many entities the page opens on an overview of the OVERVIEW_SIZE entities
# with the most facts; search, filters and clicks reveal the rest.
OVERVIEW_THRESHOLD = 400
OVERVIEW_SIZE = 100

# Canvas labels longer than this many characters are clipped with "…" (the panel, the
# tooltip and the search results show the whole name).
LABEL_CLIP = 48


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
        groups.setdefault(ordered_pair(u, v), []).append((u, v, key))
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
    if e.wording:
        record["wording"] = dict(e.wording)
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
    g: nx.MultiDiGraph,
    title: str = DEFAULT_TITLE,
    texts: dict[str, str] | None = None,
    memo: Memo | None = None,
) -> dict[str, Any]:
    """The JSON the page runs on: options, nodes, edges, classes, relations, sources.

    Every list is sorted and every number rounded, so the same graph gives the same data.
    Above :data:`OVERVIEW_THRESHOLD` entities the best-connected :data:`OVERVIEW_SIZE`
    also carry overview positions ``ox``/``oy`` and ``overview`` is their number.
    ``texts`` (source IRI → its NFC text) puts each source's whole text in the page, for
    the reader that shows a quote where it stands. ``memo`` keeps the layouts between runs
    (:func:`compute_layout`).
    """
    return _page_data(g, title, texts, memo, list)


def _page_data(
    g: nx.MultiDiGraph,
    title: str,
    texts: dict[str, str] | None,
    memo: Memo | None,
    array: Callable[[Iterable[dict[str, Any]]], Any],
) -> dict[str, Any]:
    """:func:`to_page_data` with its nodes and edges as ``array(records)``: a list, or a
    :class:`JsonArray` that makes each record as the page is written (:func:`iter_html`),
    so that neither the records nor the page's text are ever all in memory."""
    terms = g.graph.get("terms", {})
    relation_counts: dict[str, int] = {}
    source_counts: dict[str, int] = {}
    for _, _, d in g.edges(data=True):
        relation_counts[d["relation"]] = relation_counts.get(d["relation"], 0) + 1
        for src in d["sources"]:
            source_counts[src] = source_counts.get(src, 0) + 1
    class_counts: dict[str, int] = {}
    for _, d in g.nodes(data=True):
        class_counts[d["cls"]] = class_counts.get(d["cls"], 0) + 1
    net = Network(directed=True)
    net.toggle_physics(False)
    net.options.edges.smooth.enabled = False
    return {
        "title": title,
        "ontology": g.graph.get("ontology", ""),
        # The datatype of each qualifier the Turtle export writes, from the model: the
        # saved file keeps the graph's literals (a rank is an xsd:positiveInteger).
        "datatypes": {q: QUALIFIER_PROPERTIES[q].value for q in ("rank", "share")},
        "label_clip": LABEL_CLIP,
        "options": json.loads(net.options.to_json()),
        "overview": _overview_size(g),
        "nodes": array(_node_records(g, memo)),
        "edges": array(_edge_records(g, terms)),
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


def _overview_size(g: nx.MultiDiGraph) -> int:
    """How many entities carry overview positions (:data:`OVERVIEW_SIZE`, or none)."""
    if g.number_of_nodes() <= OVERVIEW_THRESHOLD:
        return 0
    return min(OVERVIEW_SIZE, g.number_of_nodes())


def _node_records(g: nx.MultiDiGraph, memo: Memo | None) -> Iterator[dict[str, Any]]:
    """The page's record of each entity, by id: its place, look, names, dates and figures."""
    pos = compute_layout(g, memo)
    degree = {n: d for n, d in g.degree()}
    ranked = sorted(g.nodes, key=lambda n: (-degree[n], n))
    rank = {n: i for i, n in enumerate(ranked)}
    size = _overview_size(g)
    overview = compute_overview_layout(g, ranked[:size], memo) if size else {}
    del ranked
    for n in sorted(g.nodes):
        d = g.nodes[n]
        x, y = pos[n]
        # pyvis's add_node looks the id up in a list (O(n²): 6 s for 20,000 entities); the
        # ids are unique here, so only its Node is built, for the options it fills in.
        item = Node(
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
        ).options
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
        yield record


def _edge_records(g: nx.MultiDiGraph, terms: dict[str, dict[str, str]]) -> Iterator[dict[str, Any]]:
    """The page's record of each fact, by its ends and key: relation, sources, evidence."""
    keys = sorted(g.edges(keys=True))
    curves = _curves(keys)
    for u, v, key in keys:
        d = g.edges[u, v, key]
        # Likewise pyvis's add_edge looks both ends up in a list (1.7 s for 8,000 facts).
        rel_label = term_labels(terms, d["relation"])["en"]
        opts = Edge(u, v, directed=True, id=key, label=rel_label, smooth=curves[key]).options
        yield {
            **{k: opts[k] for k in ("id", "from", "to", "label", "smooth")},
            "relation": d["relation"],
            "sources": list(d["sources"]),
            "date": _text(d.get("date")),
            "amount": _text(d.get("amount_text")),
            "rank": _text(d.get("rank")),
            "share": _text(d.get("share")),
            "role": dict(sorted((d.get("role") or {}).items())),
            "evidence": [_evidence_record(e) for e in d["evidence"]],
        }


# ---------------------------------------------------------------- the page


def _vis_network_js() -> str:
    path = vis_network_file()
    assert path is not None, "pyvis is imported above"
    js = path.read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def to_html(
    g: nx.MultiDiGraph,
    title: str = DEFAULT_TITLE,
    texts: dict[str, str] | None = None,
    memo: Memo | None = None,
) -> str:
    """The complete, self-contained page: no network access, nothing from the data runs.

    ``texts`` maps source IRIs to their texts, ``memo`` keeps layouts between runs (see
    :func:`to_page_data`)."""
    return "".join(iter_html(g, title, texts, memo))


def iter_html(
    g: nx.MultiDiGraph,
    title: str = DEFAULT_TITLE,
    texts: dict[str, str] | None = None,
    memo: Memo | None = None,
) -> Iterator[str]:
    """:func:`to_html` in pieces, each record of the page's data made as it is reached: at
    10M quads the page's data and its text took gigabytes when made whole."""
    vis_js = _vis_network_js()
    app_js = read_asset("explorer.js")
    parts: dict[str, Iterable[str]] = {
        "__CSP_SCRIPTS__": [f"{csp_hash(vis_js)} {csp_hash(app_js)}"],
        "/*APP_CSS*/": [read_asset("explorer.css")],
        "/*VIS_JS*/": [vis_js],
        "/*APP_JS*/": [app_js],
        "__TITLE__": [escape(title)],
        "__DATA__": json_pieces_for_script(_page_data(g, title, texts, memo, JsonArray)),
    }
    # One pass over the template: text inserted for one marker is never searched again.
    template = read_asset("explorer.html")
    pattern = re.compile("|".join(re.escape(k) for k in parts))
    at = 0
    for found in pattern.finditer(template):
        yield template[at : found.start()]
        yield from parts[found.group(0)]
        at = found.end()
    yield template[at:]
