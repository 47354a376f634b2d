"""Inter-annotator agreement: how far two annotations of the same sources agree.

Curation projects annotate a document twice, blind, and measure agreement before they
adjudicate. :func:`compare_corpora` compares a reference annotation (``a``) with a second one
(``b``) of the same source texts, document by document:

- **facts** on (subject, relation, object) — what a graph edge is;
- **facts with qualifiers** — the same, plus every qualifier of the fact's identity;
- **mentions** — which entities each document is annotated as naming.

Precision is the share of ``b``'s items that ``a`` has, recall the share of ``a``'s that ``b``
has. Entities the second annotator added under ids of their own are matched to the
reference registry by their names (labels and aliases, folded), so a different id for the
same organisation is not a disagreement; an unmatched id stays as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import Location, Problem
from .model import Claim, Corpus, Entity
from .text import fold, markdown_text

Item = tuple[object, ...]


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of ``b`` against ``a`` for one kind of item."""

    both: int
    only_a: int
    only_b: int

    @property
    def precision(self) -> float:
        """Share of ``b``'s items that ``a`` also has (1.0 when ``b`` has none).

        >>> Score(3, 1, 1).precision
        0.75
        """
        return self.both / (self.both + self.only_b) if self.both + self.only_b else 1.0

    @property
    def recall(self) -> float:
        """Share of ``a``'s items that ``b`` also has (1.0 when ``a`` has none)."""
        return self.both / (self.both + self.only_a) if self.both + self.only_a else 1.0

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall.

        >>> round(Score(3, 1, 2).f1, 3)
        0.667
        """
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(a: set[Item], b: set[Item]) -> Score:
    """The :class:`Score` of the set ``b`` against the set ``a``.

    >>> score({1, 2, 3}, {2, 3, 4})
    Score(both=2, only_a=1, only_b=1)
    """
    return Score(len(a & b), len(a - b), len(b - a))


@dataclass
class DocumentAgreement:
    """Agreement on one source document, with the items each side has alone."""

    source: str
    facts: Score
    qualified: Score
    mentions: Score
    only_a: list[Item] = field(default_factory=list)
    only_b: list[Item] = field(default_factory=list)


def entity_map(a: dict[str, Entity], b: dict[str, Entity]) -> dict[str, str]:
    """For each id of ``b``, the id of ``a`` it stands for: itself when ``a`` has it, else the
    one entity of ``a`` sharing a folded name with it (unchanged when none or several do)."""
    by_name: dict[str, set[str]] = {}
    for e in a.values():
        for _, name in e.all_names():
            by_name.setdefault(fold(name), set()).add(e.id)
    out = {}
    for e in b.values():
        if e.id in a:
            out[e.id] = e.id
            continue
        found: set[str] = set()
        for _, name in e.all_names():
            found |= by_name.get(fold(name), set())
        out[e.id] = next(iter(found)) if len(found) == 1 else e.id
    return out


def _fact(c: Claim, ids: dict[str, str]) -> Item:
    return (ids.get(c.subject, c.subject), c.relation, ids.get(c.object or "", c.object))


def _qualified(c: Claim, ids: dict[str, str]) -> Item:
    return (*_fact(c, ids), c.qualifiers.key())


def _source_ids(c: Corpus) -> set[str]:
    return {s.meta.id for s in c.sources}


def uncompared(a: Corpus, b: Corpus) -> tuple[list[str], list[str]]:
    """The source ids only ``a`` has and those only ``b`` has (sorted): no score counts them."""
    ids_a, ids_b = _source_ids(a), _source_ids(b)
    return sorted(ids_a - ids_b), sorted(ids_b - ids_a)


def different_texts(a: Corpus, b: Corpus) -> list[Problem]:
    """A problem for each source id both have whose texts differ: the two annotate two
    documents, and scores between them would mean nothing. Each names the first line that
    differs, in both files."""
    texts_a = {s.meta.id: s for s in a.sources}
    out = []
    for sb in sorted(b.sources, key=lambda s: s.meta.id):
        sa = texts_a.get(sb.meta.id)
        if sa is None or sa.text == sb.text:
            continue
        lines_a, lines_b = sa.text.splitlines(), sb.text.splitlines()
        line = next(
            (i for i, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), 1) if x != y),
            min(len(lines_a), len(lines_b)) + 1,
        )
        out.append(
            Problem(
                Location.of(sb.text_path, line),
                f"the text of {sb.meta.id} differs from {Location.of(sa.text_path, line)}: the "
                "two annotations are of different documents, so no score between them means "
                "anything",
                "compare two annotations of the same text (copy the reference's text.txt and "
                "anchor the quotes again), or give this document an id of its own",
            )
        )
    return out


def compare_corpora(a: Corpus, b: Corpus) -> list[DocumentAgreement]:
    """Agreement of ``b`` with the reference ``a``, per source id both have, in id order
    (:func:`uncompared` gives the others)."""
    ids = entity_map(a.entities, b.entities)
    same = {x: x for x in a.entities}
    out = []
    common = sorted(_source_ids(a) & _source_ids(b))
    for sid in common:
        ca = [c for c in a.claims if c.source_id == sid]
        cb = [c for c in b.claims if c.source_id == sid]
        fa, fb = {_fact(c, same) for c in ca}, {_fact(c, ids) for c in cb}
        qa, qb = {_qualified(c, same) for c in ca}, {_qualified(c, ids) for c in cb}
        ma: set[Item] = {(m.entity,) for m in a.mentions if m.source_id == sid}
        ma |= {(c.subject,) for c in ca} | {(c.object,) for c in ca if c.object}
        mb: set[Item] = {(ids.get(m.entity, m.entity),) for m in b.mentions if m.source_id == sid}
        mb |= {(ids.get(c.subject, c.subject),) for c in cb}
        mb |= {(ids.get(c.object, c.object),) for c in cb if c.object}
        out.append(
            DocumentAgreement(
                sid,
                score(fa, fb),
                score(qa, qb),
                score(ma, mb),
                sorted(fa - fb, key=repr),
                sorted(fb - fa, key=repr),
            )
        )
    return out


def total(docs: Iterable[DocumentAgreement], kind: str) -> Score:
    """The micro-averaged :class:`Score` of one kind (``facts``, ``qualified``, ``mentions``)."""
    scores = [getattr(d, kind) for d in docs]
    return Score(
        sum(s.both for s in scores), sum(s.only_a for s in scores), sum(s.only_b for s in scores)
    )


def _row(name: str, s: Score) -> str:
    return (
        f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | "
        f"{s.both} | {s.only_a} | {s.only_b} |"
    )


def to_agreement_markdown(docs: list[DocumentAgreement]) -> str:
    """Tables per kind (one row per document and a total) and the disagreements on facts."""
    lines = []
    for kind, title in (
        ("facts", "Facts (subject, relation, object)"),
        ("qualified", "Facts with their qualifiers"),
        ("mentions", "Entities named per document"),
    ):
        lines += [
            f"### {title}",
            "",
            "| document | precision | recall | F1 | both | only A | only B |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [_row(d.source, getattr(d, kind)) for d in docs]
        lines += [_row("**all**", total(docs, kind)), ""]
    lines += ["### Facts on one side only", ""]
    for d in docs:
        if not d.only_a and not d.only_b:
            continue
        lines.append(f"**{markdown_text(d.source)}**")
        lines += [f"- A only: {markdown_text(' '.join(map(str, item)))}" for item in d.only_a]
        lines += [f"- B only: {markdown_text(' '.join(map(str, item)))}" for item in d.only_b]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_agreement_json(docs: list[DocumentAgreement]) -> str:
    """The scores and one-sided facts as JSON, for programs."""

    def scores(s: Score) -> dict[str, object]:
        return {
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "f1": round(s.f1, 4),
            "both": s.both,
            "only_a": s.only_a,
            "only_b": s.only_b,
        }

    body = {
        "documents": [
            {
                "source": d.source,
                **{k: scores(getattr(d, k)) for k in ("facts", "qualified", "mentions")},
                "only_a": [list(map(str, x)) for x in d.only_a],
                "only_b": [list(map(str, x)) for x in d.only_b],
            }
            for d in docs
        ],
        "total": {k: scores(total(docs, k)) for k in ("facts", "qualified", "mentions")},
    }
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
