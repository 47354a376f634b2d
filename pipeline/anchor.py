"""Find a quote in its source text and compute its offsets.

The texts are PDF extractions with hard line breaks inside sentences, so quotes are
matched after Unicode NFC with every run of whitespace folded to one space. Offsets are
code points into the NFC text as stored; hand-given offsets are checked, never trusted.

>>> text = SourceText("Ngày 4/2 tại Hà\\nNội, sự kiện khai mạc.")
>>> a = text.anchor("tại Hà Nội")
>>> (a.start, a.end, a.exact)
(9, 19, 'tại Hà\\nNội')
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator

from .model import Anchor
from .text import fold_whitespace, invisible_character, without_invisible

CONTEXT = 32  # code points of prefix/suffix kept in each TextQuoteSelector
COUNTED = 1000  # an ambiguous quote's occurrences are counted up to this many
_WS = re.compile(r"\s+")


class AnchorError(ValueError):
    """A quote is missing or ambiguous; the message says what was found instead."""

    def __init__(self, what: str, fix: str):
        self.what = what
        self.fix = fix
        super().__init__(f"{what} — {fix}")


_SPACES = re.compile(r"\s+")


class SourceText:
    """An NFC text prepared for quote lookup (whitespace-folded copy plus an offset map)."""

    def __init__(self, text: str):
        self.text = text = unicodedata.normalize("NFC", text)
        # Each run of whitespace (str.isspace, which is what \s matches) becomes one space.
        # The folded text is a sequence of segments (the text up to a run, and the run's
        # space), each a shifted copy of the original: segment k starts at folded offset
        # _fstarts[k] and original offset _ostarts[k].
        folded: list[str] = []
        fstarts: list[int] = []
        ostarts: list[int] = []
        at = start = 0
        for run in _SPACES.finditer(text):
            a, b = run.span()
            fstarts.append(at)
            ostarts.append(start)
            folded += (text[start:a], " ")
            at += a - start + 1
            start = b
        fstarts.append(at)
        ostarts.append(start)
        folded.append(text[start:])
        self.folded = "".join(folded)
        self._fstarts, self._ostarts = fstarts, ostarts
        # Line starts, for reporting offsets as line numbers of text.txt.
        # A line ends at LF, CRLF or a lone CR (old Mac files), as editors count them.
        self.line_starts = [0] + [m.end() for m in re.finditer("\r\n|\r|\n", self.text)]

    def origin(self, pos: int) -> int:
        """The original offset of the folded text's character at ``pos``."""
        k = bisect_right(self._fstarts, pos) - 1
        return self._ostarts[k] + pos - self._fstarts[k]

    def line_of(self, offset: int) -> int:
        """The 1-based line of ``text.txt`` holding ``offset``."""
        return bisect_right(self.line_starts, offset)

    def hits(self, quote: str) -> Iterator[tuple[int, int]]:
        """The (start, end) original offsets where ``quote`` occurs, whitespace-insensitively,
        in order, found one at a time (a caller may stop early)."""
        needle = fold_whitespace(quote)
        if not needle:
            return
        pos = self.folded.find(needle)
        while pos != -1:
            yield self.origin(pos), self.origin(pos + len(needle) - 1) + 1
            pos = self.folded.find(needle, pos + 1)

    def find_all(self, quote: str, limit: int | None = None) -> list[tuple[int, int]]:
        """:meth:`hits` as a list, of at most ``limit`` hits."""
        return list(itertools.islice(self.hits(quote), limit))

    def make_anchor(self, start: int, end: int) -> Anchor:
        """The selector values for the span ``[start, end)``."""
        return Anchor(
            start,
            end,
            self.text[start:end],
            self.text[max(0, start - CONTEXT) : start],
            self.text[end : end + CONTEXT],
        )

    def anchor(
        self,
        quote: str,
        occurrence: int | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> Anchor:
        """Anchor ``quote``; raise :class:`AnchorError` when missing, ambiguous or misplaced."""
        if not fold_whitespace(quote):
            raise AnchorError("the quote is empty", "copy the sentence that states the fact")
        # Counted up to a cap: a one-letter quote occurs millions of times in a long text.
        hits = self.find_all(quote, max(occurrence or 0, COUNTED) + 1)
        many = len(hits) > max(occurrence or 0, COUNTED)
        if many:
            hits.pop()
        count = f"more than {len(hits):,}" if many else f"{len(hits)}"
        if not hits:
            near = self.nearest(quote)
            where = f"nearest text is {near!r}" if near else "no passage starts like it"
            bare = without_invisible(quote)
            if bare != quote and self.find_all(bare, 1):  # found once they are gone
                raise AnchorError(
                    "quote not found in the text: it holds an invisible character "
                    f"({invisible_character(quote)}) that text.txt does not have there",
                    "delete the invisible character from the quote (it came with a paste)",
                )
            raise AnchorError(
                f"quote not found in the text; {where}",
                "copy the quote verbatim from text.txt (only line breaks and spaces may differ)",
            )
        if occurrence is not None:
            if not 1 <= occurrence <= len(hits):
                raise AnchorError(
                    f"occurrence {occurrence} asked for, but the quote occurs {count} time(s)",
                    f"use a number from 1 to {len(hits)}",
                )
            chosen = hits[occurrence - 1]
        elif len(hits) > 1:
            where = ", ".join(f"{s}–{e} (line {self.line_of(s)})" for s, e in hits[:6])
            raise AnchorError(
                f"quote is ambiguous: it occurs {count} times, at offsets {where}",
                "lengthen the quote until it is unique, or add 'occurrence: N'",
            )
        else:
            chosen = hits[0]
        if (start is not None and start != chosen[0]) or (end is not None and end != chosen[1]):
            raise AnchorError(
                f"hand-given offsets {start}–{end} disagree with the text, where the quote "
                f"is at {chosen[0]}–{chosen[1]}",
                "remove 'start'/'end' (offsets are computed) or correct them",
            )
        return self.make_anchor(*chosen)

    def nearest(self, quote: str, width: int = 60) -> str:
        """The text where the longest prefix of ``quote`` occurs (what an annotator meant)."""
        needle = fold_whitespace(quote)
        lo, hi = 0, len(needle)
        while lo < hi:  # longest prefix that occurs
            mid = (lo + hi + 1) // 2
            if needle[:mid] in self.folded:
                lo = mid
            else:
                hi = mid - 1
        if lo < min(12, max(1, len(needle) // 2)):  # a few shared letters say nothing
            return ""
        pos = self.folded.find(needle[:lo])
        return self.folded[pos : pos + max(width, lo + 20)]
