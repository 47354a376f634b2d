"""The review page of one source: ``kg review sources/NNN [-o FILE.html]``.

One offline HTML file: the text with every annotated mention and claim quote highlighted
(colour by kind, the claim on hover or tap), the claims as facts, the semantic warnings
(claims whose quote does not name their subject or object; SHACL results of this source's
annotations) and coverage gaps at their lines, and the
suggestions of ``kg suggest`` apart, each to accept or reject; a button gives the YAML of
the accepted ones to copy or download. Vietnamese and English interface, switchable.

The explorer's safety rules hold: every data-derived string travels as JSON in a
``<script type="application/json">`` block and reaches the page only through
``textContent``; a Content-Security-Policy allows only the page's own script, by hash.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Literal
from rdflib.namespace import RDFS

from ..coverage import find_gaps
from ..load import DEFAULT_LIMITS
from ..matcher import registry_matcher
from ..model import Claim, Corpus, Entity
from ..readers import MAX_SCHEMA_BYTES, read_schema
from ..schema import ROLE_BY_ID
from ..text import BIDI_CONTROLS
from ..vocab import RELATIONS, Vocabulary
from ..webpage import csp_hash, json_for_script, read_asset
from .suggest import (
    MIN_CONFIDENCE,
    SourceFolder,
    Suggestion,
    Suggestions,
    load_source_folder,
    registry_indent,
    suggest_folder,
    to_item_yaml,
)

if TYPE_CHECKING:
    from ..load import SourceLimits


def relation_labels(
    ontology_dir: Path | None, max_bytes: int = MAX_SCHEMA_BYTES
) -> dict[str, dict[str, str]]:
    """Each relation's ``{vi, en}`` label from the ontology (its name when there is none)."""
    labels = {name: {"vi": name, "en": name} for name in RELATIONS}
    path = ontology_dir / "vjkg.ttl" if ontology_dir else None
    if path is None or not path.is_file():
        return labels
    g = read_schema(path, max_bytes)
    vocab = Vocabulary()
    for name in RELATIONS:
        for lit in g.objects(vocab.term(name), RDFS.label):
            if isinstance(lit, Literal) and lit.language in ("vi", "en"):
                labels[name][lit.language] = str(lit)
    return labels


def _entity_label(entities: dict[str, Entity], eid: str | None) -> dict[str, str]:
    if not eid:
        return {"vi": "", "en": ""}
    e = entities.get(eid)
    if e is None:
        return {"vi": eid, "en": eid}
    return {"vi": e.label("vi"), "en": e.label("en")}


def _qualifier_text(claim: Claim) -> dict[str, str]:
    """The claim's qualifiers as the page shows them, in Vietnamese and in English (a role
    by its label in each; a measure as the annotation gives it in each, else in the other)."""
    q = claim.qualifiers
    out = {}
    for lang in ("vi", "en"):
        bits = []
        if q.role:
            role = ROLE_BY_ID.get(q.role)
            bits.append(getattr(role, lang) if role else q.role)
        if q.date:
            bits.append(q.date)
        if q.amount:
            bits.append(q.amount.text)
        if q.share:
            bits.append(q.share.text)
        if q.rank is not None:
            bits.append(f"#{q.rank}" + (f"/{q.out_of}" if q.out_of else ""))
        if q.measure:
            measure = dict(q.measure)
            bits.append(measure.get(lang) or measure.get("vi") or measure.get("en", ""))
        out[lang] = ", ".join(b for b in bits if b)
    return out


def _semantic_warnings(
    folder: SourceFolder, ontology_dir: Path, max_bytes: int = MAX_SCHEMA_BYTES
) -> list[dict[str, Any]]:
    """SHACL results about this source's annotations, each at the text line of its quote."""
    from ..build import build_dataset, load_ontology
    from ..validation import load_shapes, validate_triples

    vocab = Vocabulary()
    corpus = Corpus(folder.entities, (folder.source,), folder.claims, folder.mentions)
    ontology = load_ontology(ontology_dir / "vjkg.ttl", vocab, max_bytes)
    dataset = build_dataset(corpus, ontology, vocab)
    graphs: Any = dataset.graphs  # dict[URIRef, …] where a Mapping[Node, …] is expected
    origins: Any = dataset.origins
    shapes = load_shapes(ontology_dir / "shapes.ttl", max_bytes)
    report = validate_triples(graphs, shapes, origins, workers=1)
    by_where: dict[tuple[str, int], int] = {}
    for c in folder.claims:
        by_where[(c.where.path, c.where.line)] = c.anchor.start
    for m in folder.mentions:
        by_where[(m.where.path, m.where.line)] = m.anchor.start
    from ..anchor import SourceText

    st = SourceText(folder.source.text)
    out = []
    seen = set()
    for r in report.results:
        for w in r.where:
            start = by_where.get((w.path, w.line))
            if start is None:
                continue
            key = (st.line_of(start), r.message, str(w))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                {
                    "line": key[0],
                    "severity": r.severity,
                    "message": r.message,
                    "where": str(w),
                }
            )
    return sorted(out, key=lambda d: (d["line"], d["message"]))


def quote_warnings(folder: SourceFolder) -> list[dict[str, Any]]:
    """Claims whose quote names neither by label nor alias their subject or their object.

    Found with the matcher of ``kg suggest`` (case- and diacritic-insensitive). Not an
    error: "đơn vị này" (this unit) or "sự kiện" (the event) may rightly stand for a name.
    """
    from ..anchor import SourceText

    matcher = registry_matcher(folder.entities)
    st = SourceText(folder.source.text)
    out = []
    for c in folder.claims:
        named = {h.entity for h in matcher.find(folder.source.text[c.anchor.start : c.anchor.end])}
        for role, eid in (("subject", c.subject), ("object", c.object)):
            if eid and eid not in named:
                label = folder.entities[eid].label("vi")
                out.append(
                    {
                        "line": st.line_of(c.anchor.start),
                        "severity": "Warning",
                        "code": f"quote-misses-{role}",
                        "entity": eid,
                        "label": label,
                        "message": f"the quote does not name the {role} {eid!r} ({label}); "
                        "lengthen it to the name, or check the claim",
                        "where": str(c.where),
                    }
                )
    return out


def _suggestion_row(
    s: Suggestion,
    entities: dict[str, Entity],
    line: int,
    rel_labels: dict[str, dict[str, str]],
    entity_indent: str = "",
) -> dict[str, Any]:
    section, lines = to_item_yaml(s, entity_indent)
    if s.kind == "mention":
        title = {"vi": _entity_label(entities, s.entity)["vi"], "en": s.entity}
    elif s.kind == "entity":
        title = {"vi": f"{s.label} ({s.cls})", "en": f"{s.entity} ({s.cls})"}
    else:
        sub, obj = _entity_label(entities, s.subject), _entity_label(entities, s.object)
        title = {
            lang: f"{sub[lang]} · {rel_labels.get(s.relation, {}).get(lang, s.relation)}"
            + (f" · {obj[lang]}" if s.object else "")
            for lang in ("vi", "en")
        }
    return {
        "kind": s.kind,
        "section": section,
        "yaml": "\n".join(lines),
        "title": title,
        "quote": s.quote,
        "start": s.start,
        "end": s.end,
        "line": line,
        "confidence": s.confidence,
        "why": s.why,
    }


def review_data(
    folder_path: Path,
    ontology_dir: Path | None = Path("ontology"),
    *,
    min_confidence: float = MIN_CONFIDENCE,
    validate: bool = True,
    limits: SourceLimits | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as plain data (text offsets are code points); the
    folder's files are read under ``limits`` (:func:`load_source_folder`)."""
    from ..anchor import SourceText

    folder = load_source_folder(folder_path, limits)
    entities = folder.entities
    source = folder.source
    st = SourceText(source.text)
    schema_bytes = (limits or DEFAULT_LIMITS).ontology_bytes
    rel_labels = relation_labels(ontology_dir, schema_bytes)
    suggestions: Suggestions = suggest_folder(folder, min_confidence=min_confidence)
    mentions = [
        {
            "entity": m.entity,
            "label": _entity_label(entities, m.entity),
            "start": m.anchor.start,
            "end": m.anchor.end,
            "line": st.line_of(m.anchor.start),
            "where": str(m.where),
        }
        for m in folder.mentions
    ]
    claims = [
        {
            "subject": _entity_label(entities, c.subject),
            "relation": rel_labels.get(c.relation, {"vi": c.relation, "en": c.relation}),
            "object": _entity_label(entities, c.object),
            "qualifiers": _qualifier_text(c),
            "start": c.anchor.start,
            "end": c.anchor.end,
            "line": st.line_of(c.anchor.start),
            "where": str(c.where),
        }
        for c in folder.claims
    ]
    gaps = [
        {"line": g.line, "kind": g.kind, "text": g.text, "detail": g.detail}
        for g in find_gaps(folder.corpus, list(folder.ignore))
        if g.source == source.meta.id
    ]
    warnings = quote_warnings(folder)
    if validate and ontology_dir is not None:
        warnings += _semantic_warnings(folder, ontology_dir, schema_bytes)
    warnings.sort(key=lambda w: (w["line"], w["where"], w["message"]))
    title = dict(source.meta.title)
    indent = registry_indent(Path(folder_path).parent / "registry.yaml")
    return {
        "source": {
            "id": source.meta.id,
            "title": {  # each language's, else the other's
                lang: title.get(lang) or title.get(other) or source.meta.id
                for lang, other in (("vi", "en"), ("en", "vi"))
            },
            "path": source.text_path,
        },
        # A bidi control in text.txt would reorder what the page shows after it: each is
        # shown as U+FFFD, one character for one, so every offset stays where it was.
        "text": BIDI_CONTROLS.sub("\ufffd", source.text),
        "mentions": mentions,
        "claims": claims,
        "gaps": gaps,
        "warnings": warnings,
        "validated": bool(validate and ontology_dir is not None),
        "suggestions": [
            _suggestion_row(s, entities, st.line_of(s.start), rel_labels, indent)
            for s in suggestions.all()
        ],
    }


def to_review_html(data: dict[str, Any]) -> str:
    """The complete, self-contained review page."""
    app_js = read_asset("review.js")
    parts = {
        "__CSP_SCRIPTS__": csp_hash(app_js),
        "/*APP_CSS*/": read_asset("review.css"),
        "/*APP_JS*/": app_js,
        "__TITLE__": escape(f"{data['source']['id']} — review"),
        "__DATA__": json_for_script(data),
    }
    pattern = re.compile("|".join(re.escape(k) for k in parts))
    return pattern.sub(lambda m: parts[m.group(0)], read_asset("review.html"))
