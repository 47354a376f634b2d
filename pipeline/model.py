"""Typed records: what the loader makes of the annotated sources.

Everything after loading works on these frozen records, each of which remembers the
``file:line`` it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import Location, Problem

Labels = tuple[tuple[str, str], ...]  # ((lang, text), ...), sorted by lang


def labels_dict(labels: Labels) -> dict[str, str]:
    """The labels as a dict.

    >>> labels_dict((("en", "Japan"), ("vi", "Nhật Bản")))["vi"]
    'Nhật Bản'
    """
    return dict(labels)


@dataclass(frozen=True)
class Entity:
    """A registry entity."""

    id: str
    cls: str
    labels: Labels
    aliases: tuple[tuple[str, tuple[str, ...]], ...]
    country: str | None
    where: Location

    def label(self, lang: str) -> str:
        """The label in ``lang`` (falling back to English, then any)."""
        d = labels_dict(self.labels)
        return d.get(lang) or d.get("en") or next(iter(d.values()))

    def all_names(self) -> list[tuple[str, str]]:
        """Every (lang, name) the entity is known by: labels first, then aliases."""
        names = list(self.labels)
        for lang, items in self.aliases:
            names.extend((lang, a) for a in items)
        return names


@dataclass(frozen=True)
class SourceMeta:
    """What a source document is."""

    id: str
    folder: str
    kind: str
    title: Labels
    issued: str
    language: str
    publisher: str | None = None
    author: str | None = None
    issue: str | None = None
    affiliation: str | None = None
    original_file: str | None = None
    where: Location = field(default_factory=lambda: Location(""))


@dataclass(frozen=True)
class Source:
    """A source document: metadata plus its NFC text."""

    meta: SourceMeta
    text: str
    text_path: str
    notes: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()  # from its annotations; `kg build --strict` fails on them


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in a source text (code-point offsets into the NFC text)."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Amount:
    """A quantity normalised from its surface form.

    ``value`` is exact, in base units; ``currency`` an ISO 4217 code for money;
    ``unit`` what is counted otherwise ("percent", "kỹ sư").
    """

    value: Decimal
    text: str
    currency: str | None = None
    unit: str | None = None
    upper: Decimal | None = None  # for a range ("6-7%"): value is the lower end
    bound: str | None = None  # "about" (khoảng), "atLeast" (trên, hơn), "atMost" (dưới)


def amount_key(amount: Amount | None) -> tuple[object, ...] | None:
    """What an amount states: value, currency, unit, upper end and bound — not its wording.

    >>> from decimal import Decimal
    >>> a = Amount(Decimal(590), "590 tỷ Yên", "JPY")
    >>> amount_key(a) == amount_key(Amount(Decimal(590), "590 tỷ Yen", "JPY"))
    True
    """
    if amount is None:
        return None
    return (amount.value, amount.currency, amount.unit, amount.upper, amount.bound)


@dataclass(frozen=True)
class Qualifiers:
    """What a claim states about its fact besides subject and object (part of its identity).

    ``role`` is a role id from the vocabulary of roles; ``according`` and ``site`` are entity
    ids; ``until`` is when a post, membership or partnership ended.
    """

    role: str | None = None
    date: str | None = None
    until: str | None = None
    amount: Amount | None = None
    share: Amount | None = None
    rank: int | None = None
    out_of: int | None = None
    ordinal: int | None = None
    measure: Labels = ()
    according: str | None = None
    site: str | None = None

    def key(self) -> tuple[object, ...]:
        """Everything the qualifiers state (bounds and units included, wording excluded)."""
        return (
            self.role,
            self.date,
            self.until,
            amount_key(self.amount),
            amount_key(self.share),
            self.rank,
            self.out_of,
            self.ordinal,
            self.measure,
            self.according,
            self.site,
        )


@dataclass(frozen=True)
class Wording:
    """How one source writes a claim's qualifiers: kept on its evidence, not on the fact.

    ``date_text`` is the relative wording a date was resolved from ("hiện tại", "ngày 4/2")
    against the document's issued date; ``date_reason`` says where a date the quote does not
    give comes from.
    """

    amount_text: str | None = None
    share_text: str | None = None
    role_text: str | None = None
    date_text: str | None = None
    date_quote: str | None = None
    date_reason: str | None = None


@dataclass(frozen=True)
class Claim:
    """One fact a source states, with the quote that states it."""

    source_id: str
    subject: str
    relation: str
    object: str | None
    qualifiers: Qualifiers
    anchor: Anchor
    where: Location
    wording: Wording = field(default_factory=Wording)

    def fact_key(self) -> tuple[Any, ...]:
        """A fact's identity: subject, relation, object and every qualifier value."""
        return (self.subject, self.relation, self.object, self.qualifiers.key())


@dataclass(frozen=True)
class Mention:
    """A source names an entity here."""

    source_id: str
    entity: str
    anchor: Anchor
    where: Location


@dataclass(frozen=True)
class Corpus:
    """Everything loaded from ``sources/``."""

    entities: dict[str, Entity]
    sources: tuple[Source, ...]
    claims: tuple[Claim, ...]
    mentions: tuple[Mention, ...]
    registry_path: str = ""
    notes: tuple[str, ...] = field(default=())
    # Problems that do not stop a build (near-duplicate facts …); `kg build --strict` fails.
    warnings: tuple[Problem, ...] = field(default=())
