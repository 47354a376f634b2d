"""Typed records: what the loader makes of the annotated sources.

Everything after loading works on these frozen records, each of which remembers the
``file:line`` it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .errors import Location

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


@dataclass(frozen=True)
class Qualifiers:
    """What a claim says about its fact besides subject and object."""

    role: Labels = ()
    date: str | None = None
    amount: Amount | None = None
    share: Amount | None = None
    rank: int | None = None
    out_of: int | None = None
    measure: Labels = ()

    def key(self) -> tuple[object, ...]:
        """What makes two facts with the same subject, relation and object different."""
        return (
            self.role,
            self.date,
            self.amount.value if self.amount else None,
            self.amount.currency if self.amount else None,
            self.amount.unit if self.amount else None,
            self.amount.upper if self.amount else None,
            self.amount.bound if self.amount else None,
            self.share.value if self.share else None,
            self.rank,
            self.out_of,
            self.measure,
        )


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
