"""Conflicts: where sources (or one source with itself) disagree. Both claims stay in the
graph with their evidence; this module finds and reports the disagreements.

The rules come from the model (pipeline/schema.py): every relation with a
:class:`~pipeline.schema.ConflictRule` is compared. Claims are grouped by what must be the
same thing (a subject's rank in one ranking; who launched a programme; when an event took
place) and must agree on the compared values:

- ``value``: a single-valued statement with different values. Values are compared only when
  their times overlap, at the rule's granularity (a ranking per year): an undated value
  overlaps nothing, so two undated ranks do not clash; "hiện tại" is dated by the document
  when the claim is loaded. Dates at different precisions agree when one contains the other
  (``2024`` and ``2024-01``). Who launched or founded something, which series an event is an
  edition of, and when an event took place are compared too;
- ``list``: the members, partners, organisers or patrons two sources give for the same
  organisation or event differ;
- ``role``: one source calls an agent an event's organiser, another its co-organiser.

There is one entry per disagreement, with every statement involved; an entry whose
statements all come from one source is labelled ``within`` that source.
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

from .checks import present_date
from .model import Claim, Corpus, amount_key, labels_dict
from .schema import RELATION_LIST, ConflictRule, Relation
from .text import fold_whitespace

LIST_RELATIONS = {r.name: r.list_end for r in RELATION_LIST if r.list_end}
EVENT_ROLES = tuple(r.name for r in RELATION_LIST if r.fact_class == "EventRole")


@dataclass(frozen=True)
class Statement:
    """One side of a conflict: what a source says, where, and its quote."""

    source: str
    value: str
    where: str
    quote: str


@dataclass
class Conflict:
    """A disagreement between statements about one thing."""

    kind: str
    subject: str
    relation: str
    about: str
    statements: list[Statement] = field(default_factory=list)

    @property
    def within(self) -> str | None:
        """The source, when every statement comes from one source (a clash inside it)."""
        sources = {s.source for s in self.statements}
        return next(iter(sources)) if len(sources) == 1 else None

    def key(self) -> tuple[str, str, str, str]:
        """Sort key."""
        return (self.kind, self.subject, self.relation, self.about)


def _statement(c: Claim, value: str) -> Statement:
    return Statement(c.source_id, value, str(c.where), fold_whitespace(c.anchor.exact))


def _dates_agree(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return True  # nothing to disagree with
    return a.startswith(b) or b.startswith(a)


def time_span(text: str, granularity: str = "as-written") -> tuple[date, date]:
    """The days an ISO date at its precision covers (the whole year at ``year`` granularity).

    >>> time_span("2024-02")
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> time_span("2024-05-02", "year")[1]
    datetime.date(2024, 12, 31)
    """
    parts = [int(x) for x in text.split("-")]
    if granularity == "year":
        parts = parts[:1]
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0], 12, 31)
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return date(parts[0], parts[1], 1), date(parts[0], parts[1], last)
    day = date(parts[0], parts[1], parts[2])
    return day, day


def _claim_span(c: Claim, granularity: str, issued: dict[str, str]) -> tuple[date, date] | None:
    q = c.qualifiers
    when = q.date
    if when is None and c.source_id in issued:
        # "hiện tại", "hiện nay": the present of the document that says it
        when = present_date(c.anchor.exact, issued[c.source_id])
    if when is None:
        return None  # undated: overlaps nothing
    start, end = time_span(when, granularity)
    if q.until is not None:
        end = max(end, time_span(q.until, granularity)[1])
    return start, end


def times_overlap(
    a: Claim, b: Claim, granularity: str, issued: dict[str, str] | None = None
) -> bool:
    """Whether two claims speak of the same time (an undated claim overlaps nothing).

    ``issued`` (source id → issued date) dates a claim that says "hiện tại" and gives no date.
    """
    issued = issued or {}
    sa, sb = _claim_span(a, granularity, issued), _claim_span(b, granularity, issued)
    if sa is None or sb is None:
        return False
    return sa[0] <= sb[1] and sb[0] <= sa[1]


def _field(c: Claim, name: str) -> object:
    q = c.qualifiers
    if name == "subject":
        return c.subject
    if name == "object":
        return c.object
    if name == "measure":
        return labels_dict(q.measure).get("en", "").lower()
    if name == "amount":
        return amount_key(q.amount)
    if name == "outOf":
        return q.out_of
    return getattr(q, name)


def _disagree(a: Claim, b: Claim, rule: ConflictRule, issued: dict[str, str]) -> bool:
    if rule.compare == ("date",):
        return not _dates_agree(a.qualifiers.date, b.qualifiers.date)
    differs = False
    for name in rule.compare:
        va, vb = _field(a, name), _field(b, name)
        if va is not None and vb is not None and va != vb:
            differs = True
    if not differs:
        return False
    return not rule.timed or times_overlap(a, b, rule.granularity, issued)


def _value_conflicts(claims: list[Claim], issued: dict[str, str]) -> list[Conflict]:
    out: list[Conflict] = []
    rules = {r.name: r for r in RELATION_LIST if r.conflict is not None}
    groups: dict[tuple[str, tuple[object, ...]], list[Claim]] = defaultdict(list)
    for c in claims:
        rel = rules.get(c.relation)
        if rel is not None and rel.conflict is not None:
            groups[(rel.name, tuple(_field(c, g) for g in rel.conflict.group))].append(c)
    for (name, group), members in sorted(groups.items(), key=lambda kv: repr(kv[0])):
        rel = rules[name]
        assert rel.conflict is not None
        involved: dict[int, Claim] = {}
        for a, b in combinations(members, 2):
            if _disagree(a, b, rel.conflict, issued):
                involved[id(a)], involved[id(b)] = a, b
        if not involved:
            continue
        statements = sorted(
            {_statement(c, _value_text(c, rel, issued)) for c in involved.values()},
            key=lambda s: (s.source, s.value, s.where),
        )
        subject, about = _describe_group(rel, group)
        out.append(Conflict("value", subject, name, about, statements))
    return out


def _describe_group(rel: Relation, group: tuple[object, ...]) -> tuple[str, str]:
    """(subject, about) for a report: the first grouping field and the others."""
    assert rel.conflict is not None
    named = dict(zip(rel.conflict.group, group, strict=True))
    first = str(named.pop(rel.conflict.group[0]) or "")
    about = ", ".join(str(v) for v in named.values() if v)
    return first, about


def _value_text(c: Claim, rel: Relation, issued: dict[str, str]) -> str:
    q = c.qualifiers
    assert rel.conflict is not None
    parts = []
    for name in rel.conflict.compare:
        if name == "rank" and q.rank is not None:
            parts.append(f"rank {q.rank}" + (f" of {q.out_of}" if q.out_of else ""))
        elif name == "amount" and q.amount is not None:
            parts.append(q.amount.text)
        elif name in ("subject", "object"):
            parts.append(str(_field(c, name)))
        elif name == "ordinal" and q.ordinal is not None:
            parts.append(f"edition {q.ordinal}")
    present = present_date(c.anchor.exact, issued[c.source_id]) if c.source_id in issued else None
    if q.date:
        parts.append(("in " if parts else "") + q.date)
    elif rel.conflict.timed and present:
        parts.append(f"now ({present}, the document's date)")
    elif rel.conflict.timed:
        parts.append("(no date given)")
    if q.according:
        parts.append(f"according to {q.according}")
    return " ".join(parts)


def _list_conflicts(claims: list[Claim]) -> list[Conflict]:
    out: list[Conflict] = []
    lists: dict[tuple[str, str], dict[str, dict[str, Claim]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for c in claims:
        end = LIST_RELATIONS.get(c.relation)
        if end is None or c.object is None:
            continue
        anchor, member = (c.object, c.subject) if end == "object" else (c.subject, c.object)
        lists[(c.relation, anchor)][c.source_id].setdefault(member, c)
    for (relation, anchor), per_source in sorted(lists.items()):
        if len(per_source) < 2:
            continue
        sets = {s: frozenset(m) for s, m in per_source.items()}
        if len(set(sets.values())) == 1:
            continue
        every = frozenset().union(*sets.values())
        statements = []
        for source in sorted(sets):
            missing = sorted(every - sets[source])
            first = min(per_source[source].values(), key=lambda c: c.where)
            text = ", ".join(sorted(sets[source]))
            if missing:
                text += f" (does not list {', '.join(missing)})"
            statements.append(_statement(first, text))
        out.append(Conflict("list", anchor, relation, "", statements))
    return out


def _role_conflicts(claims: list[Claim]) -> list[Conflict]:
    roles: dict[tuple[str, str], dict[str, Claim]] = defaultdict(dict)
    for c in claims:
        if c.relation in EVENT_ROLES and c.object is not None:
            roles[(c.subject, c.object)].setdefault(f"{c.relation}@{c.source_id}", c)
    out = []
    for (event, agent), found in sorted(roles.items()):
        if len({c.relation for c in found.values()}) > 1:
            statements = sorted(
                (_statement(c, c.relation) for c in found.values()),
                key=lambda s: (s.source, s.value),
            )
            out.append(Conflict("role", event, "event role", agent, statements))
    return out


def find_conflicts(corpus: Corpus) -> list[Conflict]:
    """Every disagreement in the corpus, in a stable order."""
    claims = list(corpus.claims)
    issued = {s.meta.id: s.meta.issued for s in corpus.sources}
    found = _value_conflicts(claims, issued) + _list_conflicts(claims) + _role_conflicts(claims)
    return sorted(found, key=Conflict.key)


def to_conflicts_text(conflicts: Iterable[Conflict]) -> str:
    """The report a person reads."""
    conflicts = list(conflicts)
    if not conflicts:
        return "No conflicts between sources.\n"
    within = sum(1 for c in conflicts if c.within)
    lines = [
        f"{len(conflicts)} conflict(s), {within} of them within one source; "
        "every claim is kept in the graph.",
        "",
    ]
    for c in conflicts:
        about = f" [{c.about}]" if c.about else ""
        inside = f" (within {c.within})" if c.within else ""
        lines.append(f"{c.kind}{inside}: {c.subject} {c.relation}{about}")
        for s in c.statements:
            lines.append(f"  {s.source}: {s.value}")
            lines.append(f"      {s.where}: “{s.quote}”")
        lines.append("")
    return "\n".join(lines)


def to_conflicts_json(conflicts: Iterable[Conflict]) -> str:
    """Stable JSON."""
    data = [
        {
            "kind": c.kind,
            "subject": c.subject,
            "relation": c.relation,
            "about": c.about,
            "within": c.within,
            # file:line is left out: it depends on where kg runs; `kg conflicts` shows it
            "statements": [
                {"source": s.source, "value": s.value, "quote": s.quote} for s in c.statements
            ],
        }
        for c in conflicts
    ]
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
