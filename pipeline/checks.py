"""Semantic checks of claims: what a quote must say for the claim to stand on it.

- A quote names the claim's subject or object by some registry label or alias (case- and
  diacritic-insensitive), or the claim says ``implicit: subject|object`` with a ``reason``.
- A date is readable from the quote, or from the quote and the document's issued date
  ("hiện tại", "năm nay", "ngày 4/2"; the resolution is recorded), or the claim says where
  it comes from (``dateReason``).
- Near-duplicate facts across sources (same subject, relation and object; qualifiers that
  differ only in wording or in a date's precision) are reported with both locations, and so
  is a label or alias that names two registry entities.

The first two are errors (the build stops); near-duplicates and shared names are warnings
(``kg build`` prints them, ``kg build --strict`` fails on them). sources/FORMAT.md documents
the split.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import Location, Problem  # noqa: F401  (Location: doctest)
from .model import Claim, Entity
from .text import fold_words


def names_entity(quote: str, entity: Entity) -> bool:
    """Whether ``quote`` names ``entity`` by one of its labels or aliases.

    >>> e = Entity("jetro", "GovernmentAgency", (("en", "JETRO"), ("vi", "Tổ chức Xúc tiến")),
    ...            (), "japan", Location("r"))
    >>> names_entity("Ông Ozasa, Trưởng đại diện Jetro Hà Nội", e), names_entity("ông Tú", e)
    (True, False)
    """
    folded = fold_words(quote)
    return any(fold_words(name) in folded for _, name in entity.all_names() if fold_words(name))


@dataclass(frozen=True)
class DateReading:
    """A date a text gives: its ISO value and, when relative, the wording it came from."""

    iso: str
    relative: str | None = None


_MONTH = r"(0?[1-9]|1[0-2])"
_DAY = r"(0?[1-9]|[12][0-9]|3[01])"
_YEAR = r"((?:19|20)[0-9]{2})"
_ABSOLUTE = [
    (re.compile(rf"\b{_DAY}\s*[/.-]\s*{_MONTH}\s*[/.-]\s*{_YEAR}\b"), "dmy"),
    (re.compile(rf"\bngày\s+{_DAY}\s+tháng\s+{_MONTH}\s+năm\s+{_YEAR}\b"), "dmy"),
    (re.compile(rf"\btháng\s+{_MONTH}\s*(?:[/-]|\s+năm\s+|,\s*)\s*{_YEAR}\b"), "my"),
    (re.compile(rf"(?<![0-9/.-]){_MONTH}\s*[/-]\s*{_YEAR}\b"), "my"),
    (re.compile(rf"\b{_YEAR}\b"), "y"),
]
_RELATIVE_DAY = [
    re.compile(rf"\bngày\s+{_DAY}\s*/\s*{_MONTH}\b(?!\s*/)"),
    re.compile(rf"\bngày\s+{_DAY}\s+tháng\s+{_MONTH}\b(?!\s+năm)"),
]
_RELATIVE_MONTH = re.compile(rf"\btháng\s+{_MONTH}\b(?!\s*(?:[/-]|năm|,)\s*[0-9]|\s+năm)")
_NOW = re.compile(r"\b(hiện tại|hiện nay|năm nay|hiện(?= (?:đang|xếp|là|có|đứng|giữ)))\b")
_LAST_YEAR = re.compile(r"\b(năm ngoái|năm trước|năm qua)\b")


def read_dates(text: str, issued: str | None = None) -> list[DateReading]:
    """Every date ``text`` gives; relative ones resolved against ``issued`` (ISO).

    >>> [d.iso for d in read_dates("tháng 9-2021 và ngày 4/2/2026")]
    ['2026-02-04', '2021-09', '2021', '2026']
    >>> read_dates("Ngày 4/2 tại Hà Nội", "2026-02-04")
    [DateReading(iso='2026-02-04', relative='Ngày 4/2')]
    >>> read_dates("vị trí số 38 hiện tại", "2026-02-04")
    [DateReading(iso='2026-02-04', relative='hiện tại')]
    """
    text = unicodedata.normalize("NFC", text)
    lower = text.lower()
    out: list[DateReading] = []
    for pattern, kind in _ABSOLUTE:
        for m in pattern.finditer(lower):
            if kind == "dmy":
                d, mo, y = m.group(1), m.group(2), m.group(3)
                out.append(DateReading(f"{y}-{int(mo):02d}-{int(d):02d}"))
            elif kind == "my":
                mo, y = m.group(1), m.group(2)
                out.append(DateReading(f"{y}-{int(mo):02d}"))
            else:
                out.append(DateReading(m.group(1)))
    if issued:
        year = issued[:4]
        for pattern in _RELATIVE_DAY:
            for m in pattern.finditer(lower):
                iso = f"{year}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
                out.append(DateReading(iso, text[m.start() : m.end()]))
        for m in _RELATIVE_MONTH.finditer(lower):
            out.append(DateReading(f"{year}-{int(m.group(1)):02d}", text[m.start() : m.end()]))
        for m in _NOW.finditer(lower):
            wording = text[m.start() : m.end()]
            out.append(DateReading(year if "năm" in m.group(1) else issued, wording))
        for m in _LAST_YEAR.finditer(lower):
            out.append(DateReading(str(int(year) - 1), text[m.start() : m.end()]))
    seen: set[DateReading] = set()
    unique = []
    for d in out:
        if d not in seen:
            seen.add(d)
            unique.append(d)
    return unique


_OTHER_TIMES = re.compile(r"\b(thập niên|thập kỷ|trước đây|từng|năm \d|đến năm|vào năm)")


def present_date(text: str, issued: str) -> str | None:
    """The document's date when ``text`` speaks only of the present ("hiện tại", "hiện nay").

    A text that also speaks of another time ("từ vị trí số 1 thập niên 90 đến vị trí số 38
    hiện tại") does not date everything it says by the present.

    >>> present_date("Nhật Bản hiện xếp hạng 32", "2024"), present_date("năm 1992", "2024")
    ('2024', None)
    >>> present_date("từ vị trí số 1 năm từ thập niên 90 đến vị trí số 38 hiện tại", "2026")
    """
    lower = unicodedata.normalize("NFC", text).lower()
    match = _NOW.search(lower)
    if (
        match is None
        or _OTHER_TIMES.search(lower)
        or any(d.relative is None for d in read_dates(lower))
    ):
        return None
    return issued[:4] if "năm" in match.group(1) else issued


def find_date(date: str, text: str, issued: str | None) -> DateReading | None:
    """How ``text`` (with the document's ``issued`` date) gives ``date``, or None.

    A date at a coarser precision than the text's is readable (``2024`` from ``4/2024``);
    an absolute reading wins over a relative one.

    >>> find_date("2024-04", "tháng 4/2024", None)
    DateReading(iso='2024-04', relative=None)
    >>> find_date("2026", "Sự kiện năm nay", "2026-02")
    DateReading(iso='2026', relative='năm nay')
    >>> find_date("2026-02-05", "Ngày 4/2 tại Hà Nội", "2026-02-04") is None
    True
    """
    readings = [d for d in read_dates(text, issued) if d.iso.startswith(date)]
    readings.sort(key=lambda d: (d.relative is not None, len(d.iso)))
    return readings[0] if readings else None


def _folded_measure(claim: Claim) -> tuple[str, ...]:
    return tuple(fold_words(text) for _, text in claim.qualifiers.measure)


def _loose_key(claim: Claim) -> tuple[object, ...]:
    """A claim's fact key with wording folded and dates cut to the year."""
    q = claim.qualifiers
    key = list(q.key())
    key[1] = q.date[:4] if q.date else None  # date
    key[2] = q.until[:4] if q.until else None  # until
    key[8] = _folded_measure(claim)
    return (claim.subject, claim.relation, claim.object, tuple(key))


def _compatible(a: str | None, b: str | None) -> bool:
    """Whether two dates may be the same time at different precisions (one contains the other)."""
    if a is None or b is None:
        return a is None and b is None
    return a.startswith(b) or b.startswith(a)


def shared_names(entities: Iterable[Entity]) -> list[Problem]:
    """Warnings for a label or alias that names two entities (folded as
    :func:`names_entity` folds names): a quote that uses it names both, so it proves neither
    end of a claim.

    >>> a = Entity("a", "Company", (("en", "JETRO"),), (), "japan", Location("r", 1))
    >>> b = Entity("b", "Company", (("en", "Vinasa"),), (("vi", ("Jetro",)),), "vietnam",
    ...            Location("r", 9))
    >>> [p.what for p in shared_names([a, b])]
    ["the name 'Jetro' of 'b' also names 'a' (r:1)"]
    """
    first: dict[str, Entity] = {}
    out: list[Problem] = []
    for entity in sorted(entities, key=lambda e: e.where):
        for name in sorted({n for _, n in entity.all_names()}):
            # folded as names_entity folds them; a name in another script (Japanese),
            # which that fold empties, as itself, case-folded
            cjk = any(ord(ch) >= 0x2E80 for ch in name)
            key = unicodedata.normalize("NFKC", name).casefold() if cjk else fold_words(name)
            if not key.strip():
                continue
            other = first.setdefault(key, entity)
            if other is not entity:
                out.append(
                    Problem(
                        entity.where,
                        f"the name {name!r} of {entity.id!r} also names {other.id!r} "
                        f"({other.where})",
                        "a quote that uses it names both: give each entity names of its own, "
                        "or drop the alias",
                    )
                )
    return out


def near_duplicates(claims: Iterable[Claim]) -> list[Problem]:
    """Warnings for facts that differ only in wording or date precision, across sources.

    Dates that contradict each other (2016-07 and 2016-12) are not near-duplicates: they
    are a conflict (:mod:`pipeline.conflicts`).
    """
    groups: dict[tuple[object, ...], dict[tuple[object, ...], Claim]] = defaultdict(dict)
    for c in claims:
        groups[_loose_key(c)].setdefault(c.fact_key(), c)
    out: list[Problem] = []
    for facts in groups.values():
        if len(facts) < 2:
            continue
        ordered = sorted(facts.values(), key=lambda c: c.where)
        reported: set[int] = set()
        for i, first in enumerate(ordered):
            for other in ordered[i + 1 :]:
                if other.source_id == first.source_id or id(other) in reported:
                    continue
                qa, qb = first.qualifiers, other.qualifiers
                if not (_compatible(qa.date, qb.date) and _compatible(qa.until, qb.until)):
                    continue
                reported.add(id(other))
                out.append(
                    Problem(
                        other.where,
                        f"near-duplicate of the fact at {first.where}: same {other.subject} "
                        f"{other.relation} {other.object or ''}".rstrip()
                        + f", but {_difference(first, other)}, so they are two facts",
                        "write the qualifier the same way in both sources if they state the "
                        "same fact, or make the difference explicit",
                    )
                )
    return out


def _difference(a: Claim, b: Claim) -> str:
    qa, qb = a.qualifiers, b.qualifiers
    if qa.date != qb.date or qa.until != qb.until:
        return f"the dates differ in precision ({qa.date or qa.until} vs {qb.date or qb.until})"
    return "the measure is worded differently"
