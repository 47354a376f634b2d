"""Find the registry's names in a text: case- and diacritic-insensitive, on word boundaries.

The one name matcher of the pipeline: ``kg suggest`` proposes mentions with it and
``kg coverage`` reports unannotated names with it, so both see the same names.

Texts and names are *folded* before comparison: Unicode NFC, then every letter without
its diacritics (``đ`` → ``d``) and case-folded, every run of whitespace as one space, every
dash as ``-`` with no space around it (``Việt Nam - Nhật Bản`` = ``Việt Nam-Nhật Bản``). A
folded copy keeps a map back to the original offsets.

Folding alone would confuse words Vietnamese tells apart only by their tone marks
(``Nhật`` / ``nhất``), so a hit is kept only when it is plausible:

- the same text (after whitespace and dash folding): kept, confidence 0.95;
- it differs in case only: kept unless the name is one word and the text writes it all
  in lower case (``most`` is not MOST); confidence 0.85;
- it differs in diacritics: kept for names of two words or more, and for one-word names
  only when the text writes it without any diacritic (``Ha Noi`` style); confidence 0.7;
- a name with capitals written all in lower case (``đại sứ quán`` for the alias
  ``Đại sứ quán``) is most often a common noun: confidence 0.45, below what
  ``kg suggest`` and ``kg coverage`` report (0.5); such a hit never hides a plausible one.

Overlapping hits are resolved longest first: ``JETRO Hà Nội`` is one name, not ``JETRO``
plus ``Hà Nội``.

>>> m = NameMatcher({"vjc": ["Ủy ban Hợp tác Công nghệ thông tin Việt Nam-Nhật Bản", "VJC"]})
>>> text = "… Uỷ ban hợp tác công nghệ thông tin Việt Nam - Nhật Bản (VJC)"
>>> [(h.entity, h.text) for h in m.find(text)]
[('vjc', 'Uỷ ban hợp tác công nghệ thông tin Việt Nam - Nhật Bản'), ('vjc', 'VJC')]
>>> fold("Đại học Keio")
'dai hoc keio'
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import Entity
from .text import fold, fold_spacing, fold_with_offsets, has_marks, nfc

EXACT, CASE, DIACRITICS, LOWERED = 0.95, 0.85, 0.7, 0.45
PLAUSIBLE = 0.5  # hits below this are reported by neither kg suggest nor kg coverage


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "&"


class Spans:
    """Spans ``[start, end)`` added in order of their starts; :meth:`overlaps` in log time.

    >>> spans = Spans([(0, 3), (5, 9)])
    >>> spans.overlaps(3, 5), spans.overlaps(4, 6), spans.overlaps(9, 12)
    (False, True, False)
    """

    def __init__(self, spans: Iterable[tuple[int, int]] = ()):
        self._starts: list[int] = []
        self._reach: list[int] = []  # the furthest end of the spans up to each
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        """Add ``[start, end)``, which starts at or after every span added before."""
        if self._starts and start < self._starts[-1]:
            raise ValueError(f"span {start}-{end} added out of order")
        self._starts.append(start)
        self._reach.append(max(end, self._reach[-1]) if self._reach else end)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a span ``[a, b)`` with ``a < end`` and ``start < b`` was added."""
        i = bisect_left(self._starts, end)  # the spans added that start before ``end``
        return i > 0 and self._reach[i - 1] > start


@dataclass(frozen=True)
class Hit:
    """One occurrence of a registry name in a text (offsets into the NFC text)."""

    start: int
    end: int
    entity: str
    name: str  # the registry name that matched
    text: str  # the text as written
    confidence: float
    why: str


class NameMatcher:
    """Every name of every entity, ready to be found in texts.

    ``names`` maps an entity id to its names (labels and aliases, any language).
    Names shorter than ``min_length`` folded characters are ignored.
    """

    def __init__(self, names: Mapping[str, Iterable[str]], min_length: int = 2):
        self.keys: dict[str, list[tuple[str, str]]] = {}
        for entity in sorted(names):
            for name in names[entity]:
                key = fold(name)
                if len(key) < max(min_length, 1):  # an empty name would match everywhere
                    continue
                entry = (entity, name)
                if entry not in self.keys.setdefault(key, []):
                    self.keys[key].append(entry)

    def _judge(self, name: str, written: str) -> tuple[float, str] | None:
        """Whether ``written`` is a plausible spelling of ``name`` (see the module doc)."""
        a, b = fold_spacing(name), fold_spacing(written)
        one_word = " " not in a
        if a == b:
            return EXACT, f"the registry name {name!r}, as written"
        lowered = a != a.lower() and b == b.lower()  # a name written all in lower case
        if a.casefold() == b.casefold():
            if one_word and b == b.lower() and a != a.lower():
                return None
            if lowered:
                return LOWERED, f"the registry name {name!r} in lower case: maybe a common noun"
            return CASE, f"the registry name {name!r}, written in other case"
        if one_word and (has_marks(b) or b == b.lower()):
            return None
        if lowered:
            return LOWERED, f"the registry name {name!r} in lower case: maybe a common noun"
        return DIACRITICS, f"the registry name {name!r}, written with other diacritics"

    def find(self, text: str, masked: Iterable[tuple[int, int]] = (), skip: str = "") -> list[Hit]:
        """Every plausible hit in ``text``, longest first, then in text order (no overlaps).

        Hits overlapping a ``masked`` span (e.g. a currency such as ``đô la Mỹ``) and hits
        of the entity ``skip`` are dropped. A name followed by digits glued to it (a
        footnote number in a PDF extraction: ``Nội các11``) still counts. Returned in text
        order.
        """
        text = nfc(text)
        folded, origin = fold_with_offsets(text)
        candidates: list[Hit] = []
        for key, entries in self.keys.items():
            pos = folded.find(key)
            while pos != -1:
                end = pos + len(key)
                before = folded[pos - 1] if pos > 0 else " "
                after = folded[end] if end < len(folded) else " "
                glued = 0
                if after.isdigit() and key[-1].isalpha():  # a footnote number glued on
                    while end + glued < len(folded) and folded[end + glued].isdigit():
                        glued += 1
                    tail = folded[end + glued] if end + glued < len(folded) else " "
                    after = " " if not _is_word_char(tail) else after
                if not _is_word_char(before) and not _is_word_char(after):
                    start, stop = origin[pos], origin[end - 1] + 1
                    written = text[start:stop]
                    best: dict[str, tuple[float, str, str]] = {}
                    for entity, name in entries:
                        judged = self._judge(name, written) if entity != skip else None
                        if judged and (entity not in best or judged[0] > best[entity][0]):
                            best[entity] = (judged[0], judged[1], name)
                    for entity, (conf, why, name) in best.items():
                        if len(best) > 1:
                            conf = min(conf, 0.4)
                            why += f"; the name is shared by {len(best)} entities"
                        candidates.append(Hit(start, stop, entity, name, written, conf, why))
                pos = folded.find(key, pos + 1)
        masks = Spans(sorted(masked))
        # Kept hits never overlap unless they have the same span, so a character belongs
        # to at most one kept span: marking them answers "overlaps a kept hit?" in the
        # hit's length, where comparing with every kept hit was quadratic in long texts.
        covered = bytearray(len(text))  # 1 where a kept hit is
        spans: set[tuple[int, int]] = set()
        kept: set[tuple[int, int, str]] = set()
        out: list[Hit] = []
        candidates.sort(
            key=lambda h: (
                h.confidence < PLAUSIBLE,
                -(h.end - h.start),
                h.start,
                -h.confidence,
                h.entity,
            )
        )
        for h in candidates:
            if masks.overlaps(h.start, h.end):
                continue
            span = (h.start, h.end)
            if span not in spans and covered.find(1, h.start, h.end) != -1:
                continue  # inside, across or around another kept hit
            if (h.start, h.end, h.entity) in kept:
                continue
            out.append(h)
            kept.add((h.start, h.end, h.entity))
            spans.add(span)
            covered[h.start : h.end] = b"\x01" * (h.end - h.start)
        return sorted(out, key=lambda h: (h.start, h.end, h.entity))


def registry_matcher(entities: Mapping[str, Entity]) -> NameMatcher:
    """A matcher over every label and alias of the registry's entities."""
    return NameMatcher({eid: [n for _, n in e.all_names()] for eid, e in entities.items()})
