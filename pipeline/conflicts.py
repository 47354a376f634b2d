"""Conflicts: where sources (or one source with itself) disagree. Both claims stay in the
graph with their evidence; this module finds and reports the disagreements.

Three kinds:

- ``value``: a single-valued statement with different values — a rank in the same ranking
  for the same year (or both without a year), a founding/launch/event date (dates at
  different precisions agree when one contains the other: ``2024`` and ``2024-01``), a
  figure with the same measure and date but a different amount;
- ``over-time``: the same ranking with different ranks in different years (or a year in one
  source and none in the other), from different sources — not necessarily a contradiction,
  but a reader comparing sources wants to see it;
- ``list``: the members, partners, organisers or patrons two sources give for the same
  organisation or event differ;
- ``role``: one source calls an agent an event's organiser, another its co-organiser.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from .model import Claim, Corpus, labels_dict
from .text import fold_whitespace

LIST_RELATIONS = {
    # relation: which end the list hangs off ("object": members of X; "subject": organisers of X)
    "memberOf": "object",
    "jointVenturePartnerOf": "object",
    "shareholderOf": "object",
    "organizer": "subject",
    "coOrganizer": "subject",
    "patron": "subject",
}
EVENT_ROLES = ("organizer", "coOrganizer", "patron", "sponsor")
DATE_RELATIONS = ("foundingDate", "launchDate", "startDate")


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

    def key(self) -> tuple[str, str, str, str]:
        """Sort key."""
        return (self.kind, self.subject, self.relation, self.about)


def _statement(c: Claim, value: str) -> Statement:
    return Statement(c.source_id, value, str(c.where), fold_whitespace(c.anchor.exact))


def _dates_agree(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.startswith(b) or b.startswith(a)


def _value_conflicts(claims: list[Claim]) -> list[Conflict]:
    out: list[Conflict] = []
    groups: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        q = c.qualifiers
        if c.relation == "rankedIn":
            groups[("rankedIn", c.subject, c.object or "")].append(c)
        elif c.relation in DATE_RELATIONS:
            groups[(c.relation, c.subject, "")].append(c)
        elif c.relation == "figure":
            measure = labels_dict(q.measure).get("en", "")
            groups[("figure", c.subject, measure.lower())].append(c)
    for (relation, subject, about), members in sorted(groups.items()):
        clashes: list[tuple[Claim, Claim]] = []
        drifts: list[tuple[Claim, Claim]] = []
        for a, b in combinations(members, 2):
            qa, qb = a.qualifiers, b.qualifiers
            if relation == "rankedIn":
                # One source giving two ranks ("from 1st to 38th") is a history, not a clash.
                if qa.rank == qb.rank or a.source_id == b.source_id:
                    continue
                if _same_year(qa.date, qb.date):
                    clashes.append((a, b))
                else:
                    drifts.append((a, b))
            elif relation in DATE_RELATIONS:
                if not _dates_agree(qa.date, qb.date) and qa.date and qb.date:
                    clashes.append((a, b))
            elif relation == "figure":
                va = qa.amount.value if qa.amount else None
                vb = qb.amount.value if qb.amount else None
                if va != vb and _same_year(qa.date, qb.date):
                    clashes.append((a, b))
        for kind, pairs in (("value", clashes), ("over-time", drifts)):
            if not pairs:
                continue
            involved = {id(c): c for pair in pairs for c in pair}
            statements = sorted(
                (_statement(c, _value_text(c)) for c in involved.values()),
                key=lambda s: (s.source, s.value, s.where),
            )
            out.append(Conflict(kind, subject, relation, about, statements))
    return out


def _same_year(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a[:4] == b[:4]


def _value_text(c: Claim) -> str:
    q = c.qualifiers
    parts = []
    if q.rank is not None:
        parts.append(f"rank {q.rank}" + (f" of {q.out_of}" if q.out_of else ""))
    if q.amount is not None:
        parts.append(q.amount.text)
    if q.date:
        parts.append(("in " if parts else "") + q.date)
    elif c.relation in ("rankedIn", "figure"):
        parts.append("(no year given)")
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
    found = _value_conflicts(claims) + _list_conflicts(claims) + _role_conflicts(claims)
    return sorted(found, key=Conflict.key)


def to_conflicts_text(conflicts: Iterable[Conflict]) -> str:
    """The report a person reads."""
    conflicts = list(conflicts)
    if not conflicts:
        return "No conflicts between sources.\n"
    lines = [f"{len(conflicts)} conflict(s) between sources; every claim is kept in the graph.", ""]
    for c in conflicts:
        about = f" [{c.about}]" if c.about else ""
        lines.append(f"{c.kind}: {c.subject} {c.relation}{about}")
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
            # file:line is left out: it depends on where kg runs; `kg conflicts` shows it
            "statements": [
                {"source": s.source, "value": s.value, "quote": s.quote} for s in c.statements
            ],
        }
        for c in conflicts
    ]
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
